"""Gateway -> centre uplink: store-and-forward over MQTT (see :mod:`cloud_sync.uplink.service`)."""

from cloud_sync.uplink.router import create_router
from cloud_sync.uplink.schema import MIGRATIONS
from cloud_sync.uplink.service import UplinkService, UplinkStatus
from cloud_sync.uplink.settings import UplinkSettings

__all__ = ["MIGRATIONS", "UplinkService", "UplinkSettings", "UplinkStatus", "create_router"]
