"""Gateway configuration: models, loading, and errors that name the file and the key."""

from edge.config.loader import ConfigError, load_config
from edge.config.models import GatewayConfig

__all__ = ["ConfigError", "GatewayConfig", "load_config"]
