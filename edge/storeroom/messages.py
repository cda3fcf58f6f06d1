"""Every sentence of the storeroom that a person reads, in one place, to be translated as a whole.

Alert messages, sensor states and their reasons, item statuses and the answers to a bad
request. The machine codes beside them (``"fault"``, ``"low"``) are what the code, the API and
the uplink compare; the words here are only ever shown. Device reasons that come from a codec
or a poller (``"not JSON"``, ``"no answer from device 2"``) are the driver's own words.
"""

from __future__ import annotations

# -- sensors ---------------------------------------------------------------------------------
#: The state a sensor is shown in (``SensorView.state``) -> what the page says.
SENSOR_STATES = {
    "starting": "waiting for a first reading",
    "ok": "reading",
    "fault": "faulty",
}
NO_READING_YET = "no reading yet"
READING = "reading"
NOT_A_WEIGHT = "not a weight"
BELOW_CONTAINER = "load below the container's weight"
BETWEEN_COUNTS = "between counts"


def no_reading_for(seconds: float) -> str:
    # A fixed sentence per sensor: a counting one ("for 61 s", "for 62 s") would be a new
    # fault reason every tick.
    return f"stale: no reading for over {seconds:g} s"


def device_trouble(state: str, reason: str) -> str:
    return f"{state}: {reason}"


# -- items -----------------------------------------------------------------------------------
#: ``ItemView.status`` -> what the page says.
ITEM_STATUSES = {
    "ok": "in stock",
    "low": "low: reorder",
    "critical": "critical: runs out before a delivery",
    "out": "out of stock",
    "unknown": "not counted yet",
    "stale": "last good count: the shelf's sensor is faulty",
}


# -- alerts ----------------------------------------------------------------------------------
def none_left(name: str) -> str:
    return f"{name}: none left"


def below_reorder_point(
    name: str, on_hand: float, unit: str, projected: float, reorder_point: float
) -> str:
    return (
        f"{name}: {on_hand:g} {unit} left (projected {projected:g}), "
        f"reorder point {reorder_point:.1f}"
    )


def short_of_lead_time(
    name: str, on_hand: float, unit: str, days_of_supply: float | None, lead_time_days: float
) -> str:
    return (
        f"{name}: {on_hand:g} {unit} left: {days_of_supply or 0:.1f} days of supply, "
        f"restocking takes {lead_time_days:g} days"
    )


def stock_alert_withdrawn(name: str, shelf: str, on_hand: float, unit: str) -> str:
    return (
        f"{name}: stock not known while shelf {shelf} is faulty "
        f"(last good count {on_hand:g} {unit})"
    )


def climate_out_of_range(
    min_celsius: float, max_celsius: float, max_humidity: float, reading: str
) -> str:
    return (
        f"storage out of range ({min_celsius}–{max_celsius} °C, ≤ {max_humidity} % RH): {reading}"
    )


def climate_reading(sensor: str, celsius: float, humidity: float) -> str:
    return f"{sensor}: {celsius:.1f} °C, {humidity:.0f} % RH"


def climate_back_in_range(sensor: str, celsius: float, humidity: float) -> str:
    return f"{sensor}: back in range ({celsius:.1f} °C, {humidity:.0f} % RH)"


def sensor_fault(sensor: str, reason: str) -> str:
    return f"{sensor}: {reason}"


def sensor_reading_again(sensor: str) -> str:
    return f"{sensor}: reading again"


# -- answers to a request --------------------------------------------------------------------
ORDER_NEEDS_QUANTITY = "an order needs a positive quantity"
DELIVERY_NEEDS_QUANTITY = "a delivery needs a positive quantity"
COUNT_IS_WHOLE = "a count is a whole number, zero or more"
ONLY_MODBUS_COMMANDS = "only Modbus shelves take commands"


def unknown_item(item: str) -> str:
    return f"no item {item!r} in the catalogue"


def unknown_alert(alert_id: str) -> str:
    return f"no open alert {alert_id!r}"


def unknown_sensor(sensor: str) -> str:
    return f"no sensor {sensor!r}"


def unknown_command(command: str) -> str:
    return f"unknown command {command!r}"


def command_failed(sensor: str, command: str, reason: str) -> str:
    return f"{sensor}: {command}: {reason}"
