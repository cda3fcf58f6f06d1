"""The gateway's configuration: one TOML file, validated once at start-up and passed in.

Relative paths in the file are relative to the file's own folder (see
:func:`edge.config.loader.load_config`). Secrets are never literal values with a working
default: they are files (``*_file``) or environment variables (``*_env``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cloud_sync.uplink.settings import UplinkSettings
from edge.checkpoint.settings import CheckpointSettings, DeviceSpec, Identifier
from edge.community.settings import CommunitySettings
from edge.storeroom.settings import StoreroomSettings
from edge.verify.community_pass.settings import CommunityPassSettings
from edge.verify.dcc.settings import DccSettings
from edge.web.settings import WebSettings


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatewaySection(Section):
    id: Identifier
    name: str = "Community gateway"
    data_dir: Path = Path("var")


class StorageSection(Section):
    file: str = "gateway.db"  # relative to gateway.data_dir
    retention_days: int = Field(14, ge=1, le=3650)  # personal fields are purged after this
    synchronous: Literal["NORMAL", "FULL"] = "FULL"
    #: while the storage is full or failing, how often to try it again
    retry_s: float = Field(10.0, ge=0.2, le=600)


class DeviceBase(Section):
    id: Identifier
    lane: Identifier | None = None
    kind: Literal["thermometer", "scanner"]
    silence_after_s: float | None = Field(None, gt=0)


class SerialDeviceConfig(DeviceBase):
    transport: Literal["serial"]
    #: a path, a /dev/serial/by-id/... link, "usb:VID:PID[:SERIAL]" or a pyserial URL
    port: str
    protocol: str  # a name from firmware_interfaces.codecs.catalogue
    baudrate: int | None = None  # None: the protocol's usual rate
    options: dict[str, Any] = Field(default_factory=dict)  # codec options (suffix, prefix, ...)


class MqttDeviceConfig(DeviceBase):
    transport: Literal["mqtt"]
    topic: str
    field: str = "temperature"


class CameraDeviceConfig(DeviceBase):
    transport: Literal["camera"]
    source: str  # a device index ("0"), a video file or an rtsp:// URL
    fps: float = Field(10.0, gt=0, le=60)
    loop: bool = False  # replay a video file forever (the camera simulator)


DeviceConfig = Annotated[
    SerialDeviceConfig | MqttDeviceConfig | CameraDeviceConfig, Field(discriminator="transport")
]


class MqttSection(Section):
    """The local broker that MQTT devices publish to."""

    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None
    password_file: Path | None = None
    client_id: str = ""


class VerifiersSection(Section):
    """The health-code formats this gateway accepts; a code no verifier claims is unreadable."""

    community_pass: CommunityPassSettings | None = None
    eu_dcc: DccSettings | None = None


class GatewayConfig(Section):
    gateway: GatewaySection
    storage: StorageSection = StorageSection()
    checkpoint: CheckpointSettings = CheckpointSettings()
    devices: list[DeviceConfig] = Field(default_factory=list)
    mqtt: MqttSection = MqttSection()
    web: WebSettings = WebSettings()
    verifiers: VerifiersSection = VerifiersSection()
    storeroom: StoreroomSettings | None = None
    uplink: UplinkSettings | None = None
    #: households, passes, visitors, manual registrations, duty and the daily report
    community: CommunitySettings | None = None

    @model_validator(mode="after")
    def _references_resolve(self) -> GatewayConfig:
        lanes = [lane.id for lane in self.checkpoint.lanes]
        if len(set(lanes)) != len(lanes):
            raise ValueError("two lanes share an id")
        ids = [d.id for d in self.devices]
        if len(set(ids)) != len(ids):
            raise ValueError("two devices share an id")
        for device in self.devices:
            if device.lane is not None and device.lane not in lanes:
                raise ValueError(
                    f"device {device.id!r} names lane {device.lane!r}, which is not in"
                    f" checkpoint.lanes ({', '.join(lanes) or 'none'})"
                )
        return self

    def device_specs(self) -> list[DeviceSpec]:
        return [DeviceSpec(d.id, d.lane, d.kind, d.transport) for d in self.devices]

    @property
    def db_path(self) -> Path:
        return self.gateway.data_dir / self.storage.file
