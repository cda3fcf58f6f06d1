"""The ``[storeroom]`` section of the gateway's configuration.

See ``config/storeroom.example.toml`` for a commented example.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from firmware_interfaces.modbus.profiles import (
    CLIMATE_PROFILES,
    WEIGHT_PROFILES,
    ClimateProfile,
    Command,
    RegisterField,
    Table,
    ValueType,
    WeightProfile,
    WordOrder,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Key = str  # short stable names: "masks-ffp2", "shelf-3"


class ItemSettings(_Frozen):
    key: Key = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    unit: str = "pcs"
    unit_weight_kg: float = Field(gt=0)
    shelf: Key | None = None  # None: counted by hand only
    container_tare_kg: float = Field(default=0.0, ge=0)
    lead_time_days: float = Field(gt=0)
    minimum: float | None = Field(default=None, ge=0)
    #: How far (in units) a weight may sit from a whole count and still be read as that count.
    count_tolerance: float = Field(default=0.35, gt=0, le=0.5)


class RegisterSettings(_Frozen):
    table: Table = Table.HOLDING
    address: int = Field(ge=0, le=65535)
    type: ValueType = ValueType.FLOAT32
    word_order: WordOrder = WordOrder.HIGH_FIRST
    scale: float = 1.0


class CommandSettings(_Frozen):
    address: int = Field(ge=0, le=65535)
    value: int = Field(ge=0, le=65535)


class ModbusBusSettings(_Frozen):
    key: Key
    port: str  # /dev/ttyUSB0, or a pyserial URL such as socket://127.0.0.1:5020
    baudrate: int = 9600
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    timeout_seconds: float = Field(default=0.5, gt=0)
    retries: int = Field(default=1, ge=0)


class ShelfSettings(_Frozen):
    key: Key
    source: Literal["modbus", "mqtt"]
    name: str = ""
    # modbus
    bus: Key | None = None
    address: int | None = Field(default=None, ge=1, le=247)
    profile: str = "float32"  # a key of WEIGHT_PROFILES, or "custom" with `weight`
    weight: RegisterSettings | None = None
    tare: CommandSettings | None = None
    zero: CommandSettings | None = None
    capacity_kg: float = Field(default=200.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    # mqtt: defaults to "<topic_prefix>/<key>"
    topic: str | None = None

    def weight_profile(self) -> WeightProfile:
        if self.profile == "custom":
            if self.weight is None:
                raise ValueError(f"shelf {self.key}: profile 'custom' needs [weight]")
            w = self.weight
            base = WeightProfile(
                key="custom",
                weight=RegisterField("weight", w.table, w.address, w.type, w.word_order, w.scale),
            )
        else:
            base = WEIGHT_PROFILES[self.profile]
        return WeightProfile(
            key=base.key,
            weight=base.weight,
            capacity_kg=self.capacity_kg,
            negative_tolerance_kg=base.negative_tolerance_kg,
            tare=Command(self.tare.address, self.tare.value) if self.tare else base.tare,
            zero=Command(self.zero.address, self.zero.value) if self.zero else base.zero,
        )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.source == "modbus" and (self.bus is None or self.address is None):
            raise ValueError(f"shelf {self.key}: a modbus shelf needs bus and address")
        if self.profile != "custom" and self.profile not in WEIGHT_PROFILES:
            raise ValueError(
                f"shelf {self.key}: unknown profile {self.profile!r} "
                f"(known: {sorted(WEIGHT_PROFILES)} or 'custom')"
            )
        if self.profile == "custom" and self.weight is None:
            raise ValueError(f"shelf {self.key}: profile 'custom' needs [weight]")
        return self


class ClimateSettings(_Frozen):
    key: Key
    bus: Key
    address: int = Field(ge=1, le=247)
    profile: str = "xy-md02"
    poll_seconds: float = Field(default=10.0, gt=0)
    min_celsius: float = 2.0
    max_celsius: float = 30.0
    max_humidity: float = 70.0
    #: How long storage must be out of range before the alert opens.
    alert_after_seconds: float = Field(default=900.0, ge=0)
    #: Back inside the range by this much before the alert resolves.
    clear_margin_celsius: float = Field(default=0.5, ge=0)
    clear_margin_humidity: float = Field(default=2.0, ge=0)

    def climate_profile(self) -> ClimateProfile:
        return CLIMATE_PROFILES[self.profile]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.profile not in CLIMATE_PROFILES:
            raise ValueError(f"climate {self.key}: unknown profile {self.profile!r}")
        return self


class FilterSettings(_Frozen):
    median_window: int = Field(default=5, ge=1, le=101)
    #: A new weight must hold (within half a unit) this long before the count moves.
    settle_seconds: float = Field(default=3.0, ge=0)
    #: The count moves only for changes of at least this many units.
    significant_units: float = Field(default=0.5, gt=0)


class ForecastSettings(_Frozen):
    service_level: float = Field(default=0.95, gt=0.5, lt=1.0)
    min_history_days: int = Field(default=2, ge=2)
    window_days: int = Field(default=28, ge=2)
    smoothing: float = Field(default=0.3, gt=0, le=1)  # weight of the newest day (EWMA)


class AlertSettings(_Frozen):
    renotify_seconds: float = Field(default=4 * 3600.0, gt=0)
    hysteresis: float = Field(default=0.1, ge=0, le=1)  # fraction of the threshold
    stale_seconds: float = Field(default=60.0, gt=0)
    fault_alert_after_seconds: float = Field(default=30.0, ge=0)
    fault_clear_seconds: float = Field(default=30.0, ge=0)


class MqttSettings(_Frozen):
    host: str = "127.0.0.1"
    port: int = 1883
    client_id: str = "storeroom"
    username: str | None = None
    password_file: str | None = None  # a path; never the password itself
    #: 4 (3.1.1) by default: shelf nodes speak it, and MQTT 5's per-message properties cost
    #: the gateway about twice the CPU per reading (see bench/bench_storeroom_mqtt.py).
    protocol: Literal[4, 5] = 4
    topic_prefix: str = "storeroom/shelves"
    alert_topic: str = "storeroom/alerts"


class StoreroomSettings(_Frozen):
    items: tuple[ItemSettings, ...] = ()
    shelves: tuple[ShelfSettings, ...] = ()
    buses: tuple[ModbusBusSettings, ...] = ()
    climate: tuple[ClimateSettings, ...] = ()
    filter: FilterSettings = FilterSettings()
    forecast: ForecastSettings = ForecastSettings()
    alerts: AlertSettings = AlertSettings()
    mqtt: MqttSettings | None = None
    trend_sample_seconds: float = Field(default=300.0, gt=0)
    tick_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Self:
        for name, keys in (
            ("item", [i.key for i in self.items]),
            ("shelf/climate sensor", [s.key for s in self.shelves] + [c.key for c in self.climate]),
            ("bus", [b.key for b in self.buses]),
        ):
            dupes = sorted({k for k in keys if keys.count(k) > 1})
            if dupes:
                raise ValueError(f"duplicate {name} keys: {dupes}")
        shelves = {s.key for s in self.shelves}
        buses = {b.key for b in self.buses}
        held: dict[str, str] = {}
        for item in self.items:
            if item.shelf is None:
                continue
            if item.shelf not in shelves:
                raise ValueError(f"item {item.key}: no shelf {item.shelf!r}")
            if item.shelf in held:
                raise ValueError(f"shelf {item.shelf} holds both {held[item.shelf]} and {item.key}")
            held[item.shelf] = item.key
        wired = [(s.key, s.bus) for s in self.shelves if s.source == "modbus"]
        for key, bus in wired + [(c.key, c.bus) for c in self.climate]:
            if bus not in buses:
                raise ValueError(f"{key}: no bus {bus!r}")
        if any(s.source == "mqtt" for s in self.shelves) and self.mqtt is None:
            raise ValueError("mqtt shelves need an [storeroom.mqtt] section")
        return self
