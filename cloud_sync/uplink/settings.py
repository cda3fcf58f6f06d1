"""The ``[uplink]`` section of the gateway's configuration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cloud_sync.uplink.errors import UplinkConfigError
from firmware_interfaces.transports.mqtt import MqttSettings, TlsSettings

USERNAME_NOT_GATEWAY = (
    "the broker user name must be the gateway id ({gateway!r}): the central broker lets a login"
    " write only under ccg/v1/<login>/ (leave username out to use the gateway id)"
)
CLIENT_ID_NOT_LOGIN = (
    "the MQTT client id must be the broker login ({login!r}): the central broker makes the login"
    " the client id, so that no gateway can take over another's session (leave client_id out)"
)


class UplinkSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gateway_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")  # also the broker user name
    community: str | None = None
    broker_host: str
    broker_port: int = 8883
    tls: bool = True
    tls_ca_file: Path | None = None  # None: the system's trusted CAs
    tls_cert_file: Path | None = None  # per-gateway client certificate
    tls_key_file: Path | None = None
    tls_insecure_hostname: bool = False
    username: str | None = None  # None with a password: the gateway id
    password_file: Path | None = None
    password_env: str | None = None
    mqtt_protocol: Literal[5, 4] = 5
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    backoff_initial_s: float = Field(default=1.0, gt=0)
    backoff_max_s: float = Field(default=60.0, gt=0)
    max_inflight: int = Field(default=1000, ge=1, le=60000)
    outbox_max_rows: int = Field(default=200_000, ge=100)
    window_s: int = Field(default=300, ge=10)
    window_settle_s: float = Field(default=10.0, ge=0)  # wait this long after a window ends
    backfill_s: float = Field(default=7 * 86400, ge=0)  # first run: windows this far back
    reconcile_s: float = Field(default=86400, ge=0)  # recheck windows this far back ...
    reconcile_interval_s: float = Field(default=600, gt=0)  # ... this often
    heartbeat_s: float = Field(default=300, gt=0)
    stock_min_interval_s: float = Field(default=900, ge=0)  # sooner when out / below reorder
    hmac_key_file: Path
    centre_public_key_file: Path | None = None  # None: every policy command is refused
    #: The centre's public keys for distributed items (PEM files or directories; kid = file
    #: name without .pub.pem): several, so keys can be rotated. Empty: centre_public_key_file.
    centre_keys: list[Path] = Field(default_factory=list)
    #: Take status lists, trust material, policies and notices from the centre.
    distribution: bool = True
    clock_check: Literal["auto", "timedatectl", "trust", "distrust"] = "auto"
    clock_check_interval_s: float = Field(default=60, gt=0)
    # None: the login. The central broker makes the login the client id (config/mosquitto:
    # use_username_as_clientid), so that no gateway can take over another's session.
    client_id: str | None = None
    software: str = "ccg-gateway/0.1"

    def centre_key_paths(self) -> list[Path]:
        if self.centre_keys:
            return list(self.centre_keys)
        return [self.centre_public_key_file] if self.centre_public_key_file is not None else []

    @field_validator("username")
    @classmethod
    def _username_is_the_gateway_id(cls, value: str | None, info: ValidationInfo) -> str | None:
        gateway = info.data.get("gateway_id")
        if value is not None and gateway is not None and value != gateway:
            raise ValueError(USERNAME_NOT_GATEWAY.format(gateway=gateway))
        return value

    @field_validator("client_id")
    @classmethod
    def _client_id_is_the_login(cls, value: str | None, info: ValidationInfo) -> str | None:
        login = info.data.get("username") or info.data.get("gateway_id")
        if value is not None and login is not None and value != login:
            raise ValueError(CLIENT_ID_NOT_LOGIN.format(login=login))
        return value

    def password(self) -> str | None:
        if self.password_file is not None:
            try:
                return self.password_file.read_text().strip()
            except OSError as exc:
                raise UplinkConfigError(
                    "password_file", f"cannot read {self.password_file}: {exc.strerror}"
                ) from None
        if self.password_env is not None:
            value = os.environ.get(self.password_env)
            if value is None:
                raise UplinkConfigError("password_env", f"${self.password_env} is not set")
            return value
        return None

    def mqtt(self) -> MqttSettings:
        password = self.password()
        username = self.username or (self.gateway_id if password is not None else None)
        tls = None
        if self.tls:
            if (self.tls_cert_file is None) != (self.tls_key_file is None):
                raise UplinkConfigError("tls_key_file", "give both tls_cert_file and tls_key_file")
            tls = TlsSettings(
                ca_file=self.tls_ca_file,
                cert_file=self.tls_cert_file,
                key_file=self.tls_key_file,
                insecure_hostname=self.tls_insecure_hostname,
            )
        return MqttSettings(
            host=self.broker_host,
            port=self.broker_port,
            client_id=self.client_id or self.gateway_id,
            username=username,
            password=password,
            tls=tls,
            keepalive=self.keepalive_s,
            protocol=self.mqtt_protocol,
            clean_start=True,
            backoff_initial=self.backoff_initial_s,
            backoff_max=self.backoff_max_s,
            max_inflight=self.max_inflight,
        )
