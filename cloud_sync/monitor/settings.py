"""The central monitor's settings: built once (by the CLI or a test) and passed in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cloud_sync.monitor.errors import ConfigError

_SHARE_GROUP = re.compile(r"^[^/+#]{1,64}$")


class MonitorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    broker_host: str = "127.0.0.1"
    broker_port: int = Field(1883, ge=1, le=65535)
    tls_ca_file: Path | None = None  # set it to use TLS
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_insecure_hostname: bool = False
    username: str | None = None
    password_file: Path | None = None  # a secret is a file, never a literal in the settings
    client_id: str = ""  # empty: a unique one is made up at start
    mqtt_keepalive_s: int = Field(30, ge=5)
    # > 0: the broker keeps this monitor's session and queues its messages for that long while
    # the link is down, so a reconnect (and, with a fixed client_id, a restart) loses nothing;
    # without it, whatever the broker acknowledged to a gateway meanwhile reaches no one.
    session_expiry_s: int = Field(3600, ge=0)
    # The MQTT topic filter of everything the centre stores; ``ccg/#`` also catches other
    # protocol versions so they are set aside as "unknown version" instead of unseen.
    topic_filter: str = "ccg/#"
    share_group: str | None = None  # several monitors share the load: $share/<group>/<filter>

    db: str = "sqlite:///central-monitor.db"
    rejected_keep: int = Field(10_000, ge=1)
    # A gateway nobody registered (central-monitor gateways add): "hold" stores its figures
    # apart, under its own id and marked unregistered, never in a community; "refuse" sets
    # its messages aside in `rejected`.
    unknown_gateways: Literal["hold", "refuse"] = "hold"
    # Distinct keys (windows, items, alerts, devices, acks) one gateway may hold; a new key
    # beyond is refused and counted. A gateway with 4 lanes makes about 420,000 window keys
    # a year.
    max_keys_per_gateway: int = Field(1_000_000, ge=1)
    batch_max: int = Field(20_000, ge=1)
    # Messages received but not yet stored (so not yet acknowledged), at most: the broker
    # sends no more before the first is acknowledged (MQTT 5 Receive Maximum, which stops at
    # 65,535), so a slow or stopped database holds the rest in the broker, not in memory.
    max_pending: int = Field(65_535, ge=1)

    http_host: str = "127.0.0.1"
    http_port: int = Field(8090, ge=0, le=65535)  # not the gateway page's 8080
    dashboard_refresh_s: float = Field(5.0, gt=0)
    # Who may see the dashboard and the REST API: a users file like the gateway's, with the
    # roles viewer, officer and admin (central-monitor add-user). No file, no dashboard.
    users_file: Path | None = None
    # Logins (and changed passwords) kept in this SQLite file outlive a restart; without it
    # they live in memory.
    sessions_db: Path | None = None
    #: The centre's private key (PEM) the dashboard signs publications with, and the kid the
    #: gateways know it by (default: the file name). None: the dashboard cannot publish (the
    #: ``publish`` command signs with its own --key).
    signing_key_file: Path | None = None
    signing_kid: str | None = None
    #: Put what is published on the broker (``run``); with several monitors on one database,
    #: exactly one should (``--no-send`` on the others).
    send_distribution: bool = True
    session_max_age_s: float = Field(12 * 3600, gt=0)
    cookie_secure: bool = False  # True when served behind HTTPS
    max_body_bytes: int = Field(64 * 1024, ge=1024)  # larger request bodies are refused (413)
    # /metrics: behind the login or the scrape token in metrics_token_file (Prometheus sends
    # it as a bearer token), unless metrics_public.
    metrics_public: bool = False
    metrics_token_file: Path | None = None

    # The dashboard's language: "auto" follows each browser (and its language menu), a tag
    # ("zh-CN", "en") pins it; Chinese when a browser asks for none there is (edge/i18n).
    language: str = Field("auto", pattern=r"^(auto|[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")
    # A community's fever denials in the last fever_window_s at or above fever_threshold
    # raise a fever alert on the dashboard (storage/fever.py).
    fever_threshold: int = Field(3, ge=1)
    fever_window_s: float = Field(3600.0, ge=60)

    default_keepalive_s: float = Field(30.0, gt=0)  # for gateways whose birth did not say
    offline_factor: float = Field(1.5, gt=1)
    sweep_interval_s: float = Field(1.0, gt=0)

    @field_validator("share_group")
    @classmethod
    def _valid_share_group(cls, value: str | None) -> str | None:
        if value is not None and not _SHARE_GROUP.match(value):
            raise ValueError("a share group name has 1 to 64 characters and no / + #")
        return value

    @property
    def subscription(self) -> str:
        if self.share_group:
            return f"$share/{self.share_group}/{self.topic_filter}"
        return self.topic_filter

    def password(self) -> str | None:
        if self.password_file is None:
            return None
        try:
            return self.password_file.read_text().strip()
        except OSError as exc:
            raise ConfigError(
                "password_file", f"cannot read {self.password_file}: {exc.strerror}"
            ) from None
