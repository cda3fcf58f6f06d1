"""The item catalogue and weight-to-count arithmetic.

The catalogue is data: each item is its :class:`~edge.storeroom.settings.ItemSettings`; this
module only indexes it and turns a shelf's accepted weight into a count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from edge.storeroom import messages
from edge.storeroom.settings import ItemSettings


@dataclass(frozen=True, slots=True)
class CountResult:
    count: int | None  # None: the weight cannot be a count of this item
    units: float  # the exact quotient, for the page and for diagnosis
    reason: str = ""


def count_from_weight(item: ItemSettings, shelf_kg: float, offset_kg: float = 0.0) -> CountResult:
    """Units of ``item`` on a shelf reading ``shelf_kg`` (gross of the container).

    ``offset_kg`` is the correction a manual count left behind (see :func:`offset_for_count`).
    A load clearly below the container's own weight is not "zero left": the container is off
    the shelf or the cell is wrong, and that is reported rather than counted.
    """
    units = (shelf_kg - item.container_tare_kg - offset_kg) / item.unit_weight_kg
    nearest = round(units)
    if units < -item.count_tolerance:
        return CountResult(None, units, messages.BELOW_CONTAINER)
    if abs(units - nearest) > item.count_tolerance:
        # Between two counts: usually a partly used pack. Round down: never report stock
        # that might not be there.
        return CountResult(max(int(units // 1), 0), units, messages.BETWEEN_COUNTS)
    return CountResult(max(nearest, 0), units)


def offset_for_count(item: ItemSettings, shelf_kg: float, count: int) -> float:
    """The offset that makes ``shelf_kg`` read as ``count`` (a manual count reconciles the cell)."""
    return shelf_kg - item.container_tare_kg - count * item.unit_weight_kg


class Catalogue:
    def __init__(self, items: Iterable[ItemSettings]) -> None:
        self.items: dict[str, ItemSettings] = {i.key: i for i in items}
        self.by_shelf: dict[str, ItemSettings] = {
            i.shelf: i for i in self.items.values() if i.shelf is not None
        }

    def __getitem__(self, key: str) -> ItemSettings:
        return self.items[key]

    def __contains__(self, key: object) -> bool:
        return key in self.items
