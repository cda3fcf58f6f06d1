"""The example configuration parses, and bad configuration says what is wrong."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from edge.storeroom.settings import StoreroomSettings
from firmware_interfaces.modbus.profiles import ValueType, WordOrder

EXAMPLE = Path(__file__).parents[2] / "config" / "storeroom.example.toml"


def test_example_config_parses() -> None:
    doc = tomllib.loads(EXAMPLE.read_text())
    settings = StoreroomSettings.model_validate(doc["storeroom"])
    assert len(settings.items) == 5 and len(settings.shelves) == 3
    custom = next(s for s in settings.shelves if s.key == "shelf-2").weight_profile()
    assert custom.weight.value_type is ValueType.INT32
    assert custom.weight.word_order is WordOrder.LOW_FIRST
    assert custom.weight.scale == 0.001 and custom.capacity_kg == 100


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"items": [{"key": "x", "unit_weight_kg": 1, "lead_time_days": 1, "shelf": "nope"}]},
            "item x: no shelf 'nope'",
        ),
        ({"shelves": [{"key": "s", "source": "modbus"}]}, "needs bus and address"),
        (
            {
                "shelves": [
                    {"key": "s", "source": "modbus", "bus": "b", "address": 1, "profile": "mystery"}
                ],
                "buses": [{"key": "b", "port": "/dev/x"}],
            },
            "unknown profile",
        ),
        ({"shelves": [{"key": "s", "source": "mqtt"}]}, "mqtt shelves need"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
    ],
)
def test_bad_config_is_explained(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        StoreroomSettings.model_validate(change)
