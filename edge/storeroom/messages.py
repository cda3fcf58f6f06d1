"""Every sentence of the storeroom that a person reads, in one place, to be translated as a whole.

Alert messages, sensor states and their reasons, item statuses and the answers to a bad
request. The machine codes beside them (``"fault"``, ``"low"``) are what the code, the API and
the uplink compare; the words here are only ever shown. Device reasons that come from a codec
or a poller (``"not JSON"``, ``"no answer from device 2"``) are the driver's own words.

Each sentence is an English template marked ``N_`` for the catalogue (edge/i18n); numbers are
formatted before they fill it, so the page finds the template and translates the sentence.
"""

from __future__ import annotations

from edge.core.words import N_

# -- sensors ---------------------------------------------------------------------------------
#: The state a sensor is shown in (``SensorView.state``) -> what the page says.
SENSOR_STATES = {
    "starting": N_("waiting for a first reading"),
    "ok": N_("reading"),
    "fault": N_("faulty"),
}
NO_READING_YET = N_("no reading yet")
READING = N_("reading")
NOT_A_WEIGHT = N_("not a weight")
BELOW_CONTAINER = N_("load below the container's weight")
BETWEEN_COUNTS = N_("between counts")
STALE = N_("stale: no reading for over {seconds} s")
DEVICE_TROUBLE = N_("{state}: {reason}")


def no_reading_for(seconds: float) -> str:
    # A fixed sentence per sensor: a counting one ("for 61 s", "for 62 s") would be a new
    # fault reason every tick.
    return STALE.format(seconds=f"{seconds:g}")


def device_trouble(state: str, reason: str) -> str:
    return DEVICE_TROUBLE.format(state=state, reason=reason)


# -- items -----------------------------------------------------------------------------------
#: ``ItemView.status`` -> what the page says.
ITEM_STATUSES = {
    "ok": N_("in stock"),
    "low": N_("low: reorder"),
    "critical": N_("critical: runs out before a delivery"),
    "out": N_("out of stock"),
    "unknown": N_("not counted yet"),
    "stale": N_("last good count: the shelf's sensor is faulty"),
}


# -- alerts ----------------------------------------------------------------------------------
NONE_LEFT = N_("{name}: none left")
BELOW_REORDER_POINT = N_(
    "{name}: {on_hand} {unit} left (projected {projected}), reorder point {reorder_point}"
)
SHORT_OF_LEAD_TIME = N_(
    "{name}: {on_hand} {unit} left: {days} days of supply, restocking takes {lead} days"
)
STOCK_ALERT_WITHDRAWN = N_(
    "{name}: stock not known while shelf {shelf} is faulty (last good count {on_hand} {unit})"
)
CLIMATE_OUT_OF_RANGE = N_(
    "storage out of range ({min_celsius}–{max_celsius} °C, ≤ {max_humidity} % RH): {reading}"
)
CLIMATE_READING = N_("{sensor}: {celsius} °C, {humidity} % RH")
CLIMATE_BACK = N_("{sensor}: back in range ({celsius} °C, {humidity} % RH)")
SENSOR_FAULT = N_("{sensor}: {reason}")
READING_AGAIN = N_("{sensor}: reading again")


def none_left(name: str) -> str:
    return NONE_LEFT.format(name=name)


def below_reorder_point(
    name: str, on_hand: float, unit: str, projected: float, reorder_point: float
) -> str:
    return BELOW_REORDER_POINT.format(
        name=name,
        on_hand=f"{on_hand:g}",
        unit=unit,
        projected=f"{projected:g}",
        reorder_point=f"{reorder_point:.1f}",
    )


def short_of_lead_time(
    name: str, on_hand: float, unit: str, days_of_supply: float | None, lead_time_days: float
) -> str:
    return SHORT_OF_LEAD_TIME.format(
        name=name,
        on_hand=f"{on_hand:g}",
        unit=unit,
        days=f"{days_of_supply or 0:.1f}",
        lead=f"{lead_time_days:g}",
    )


def stock_alert_withdrawn(name: str, shelf: str, on_hand: float, unit: str) -> str:
    return STOCK_ALERT_WITHDRAWN.format(name=name, shelf=shelf, on_hand=f"{on_hand:g}", unit=unit)


def climate_out_of_range(
    min_celsius: float, max_celsius: float, max_humidity: float, reading: str
) -> str:
    return CLIMATE_OUT_OF_RANGE.format(
        min_celsius=min_celsius, max_celsius=max_celsius, max_humidity=max_humidity, reading=reading
    )


def climate_reading(sensor: str, celsius: float, humidity: float) -> str:
    return CLIMATE_READING.format(
        sensor=sensor, celsius=f"{celsius:.1f}", humidity=f"{humidity:.0f}"
    )


def climate_back_in_range(sensor: str, celsius: float, humidity: float) -> str:
    return CLIMATE_BACK.format(sensor=sensor, celsius=f"{celsius:.1f}", humidity=f"{humidity:.0f}")


def sensor_fault(sensor: str, reason: str) -> str:
    return SENSOR_FAULT.format(sensor=sensor, reason=reason)


def sensor_reading_again(sensor: str) -> str:
    return READING_AGAIN.format(sensor=sensor)


# -- answers to a request --------------------------------------------------------------------
ORDER_NEEDS_QUANTITY = N_("an order needs a positive quantity")
DELIVERY_NEEDS_QUANTITY = N_("a delivery needs a positive quantity")
COUNT_IS_WHOLE = N_("a count is a whole number, zero or more")
ONLY_MODBUS_COMMANDS = N_("only Modbus shelves take commands")
UNKNOWN_ITEM = N_("no item {item} in the catalogue")
UNKNOWN_ALERT = N_("no open alert {alert}")
UNKNOWN_SENSOR = N_("no sensor {sensor}")
UNKNOWN_COMMAND = N_("unknown command {command}")
COMMAND_FAILED = N_("{sensor}: {command}: {reason}")


def unknown_item(item: str) -> str:
    return UNKNOWN_ITEM.format(item=repr(item))


def unknown_alert(alert_id: str) -> str:
    return UNKNOWN_ALERT.format(alert=repr(alert_id))


def unknown_sensor(sensor: str) -> str:
    return UNKNOWN_SENSOR.format(sensor=repr(sensor))


def unknown_command(command: str) -> str:
    return UNKNOWN_COMMAND.format(command=repr(command))


def command_failed(sensor: str, command: str, reason: str) -> str:
    return COMMAND_FAILED.format(sensor=sensor, command=command, reason=reason)
