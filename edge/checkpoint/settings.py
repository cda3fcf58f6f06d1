"""The checkpoint's settings: its lanes and where its admission policy lives.

Part of the gateway's configuration file (``[checkpoint]``); built once and passed in. The
devices a lane listens to are described to the checkpoint as :class:`DeviceSpec`, whatever
transport brings their bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Identifier = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
LaneOrder = Literal["either", "temperature-first"]
LaneDirection = Literal["in", "out", "both"]


class LaneSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = ""
    pairing_window_s: float = Field(10.0, gt=0, le=300)
    #: "either": a scan and a reading pair in any order. "temperature-first": residents are
    #: measured before they scan, and a scan with no reading waiting is answered at once
    #: ("measure again"), so a resident who scans and walks off never takes the next one's reading.
    order: LaneOrder = "either"
    #: which way people pass: household rules (exits per period, return in time) count exits
    #: on "out" lanes and returns on "in" lanes; "both" lanes are not counted.
    direction: LaneDirection = "both"


class CheckpointSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy_file: Path = Path("policy.toml")
    lanes: list[LaneSettings] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    """A device as the checkpoint sees it: which lane it serves and what it measures."""

    id: str
    lane: str | None
    kind: str  # "thermometer", "scanner"
    transport: str  # "serial", "mqtt", "camera"
