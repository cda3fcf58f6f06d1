"""``[community]`` in the gateway's configuration: the registry, passes, visitors and duty."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class CommunitySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: shown on the daily report; the centre rolls reports up by street and district
    name: str = Field("", max_length=100)
    street: str = Field("", max_length=100)
    district: str = Field("", max_length=100)
    #: the community's pass-signing key (private PEM, from 'edge-gateway keygen'), to issue a
    #: batch of member passes on the gateway; None: issue them where the key is kept
    #: ('edge-gateway households passes --key ...'). Its public key must be among
    #: verifiers.community_pass.public_keys, or the gate refuses the passes it issues.
    pass_key_file: Path | None = None
    pass_kid: str | None = Field(None, pattern=r"^[A-Za-z0-9._:@-]{1,128}$")
    pass_days: float = Field(90.0, gt=0, le=3660)
    #: the gateway's own key for visitor passes (made on first run, mode 0600; None:
    #: visitor-pass.key.pem in gateway.data_dir); it signs visitor passes only, which only
    #: this gateway accepts
    visitor_key_file: Path | None = None
    visitor_max_days: float = Field(7.0, gt=0, le=90)
    #: a TrueType font with Chinese characters for printed sheets and reports; None: the
    #: first found of the usual Debian fonts (fonts-droid-fallback, fonts-wqy-zenhei, ...)
    font_file: Path | None = None
    #: a lane with devices connected and nobody signed in for this long raises an alert
    unstaffed_alert_after_s: float = Field(300.0, ge=0, le=86400)
    #: how often today's report figures are recomputed and sent to the centre
    report_interval_s: float = Field(300.0, ge=5, le=86400)
