"""Small counts in exports: shown as "<threshold" in tables and CSV, never as a chart label.

A handful of households fleeing one village in one week can identify them. Exports that leave
the organisation (the weekly chart pack) replace counts of people below a threshold by
"<10" (persons) or "<5" (households) in every table and CSV, and the charts' labels (hover text)
say the same. The bars and lines are still drawn: their height shows that something was
reported, not how many. Zero stays 0 (nothing reported is not a small count). Counts of events
and of reports are not counts of people and are shown as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

PERSONS_THRESHOLD, HOUSEHOLDS_THRESHOLD = 10, 5


@dataclass(frozen=True)
class SmallCounts:
    """Counts of people under these thresholds are suppressed (0 turns suppression off)."""

    persons: int = PERSONS_THRESHOLD
    households: int = HOUSEHOLDS_THRESHOLD

    def threshold(self, unit: str) -> int:
        """Households by the households' threshold; persons, movements and converted units by the persons'."""
        return self.households if unit == "households" else self.persons

    def is_small(self, value, unit: str) -> bool:
        return pd.notna(value) and 0 < float(value) < self.threshold(unit)

    def text(self, value, unit: str) -> str:
        """A count as shown: "1,234", or "<10" when small ("" when missing)."""
        if pd.isna(value):
            return ""
        return f"<{self.threshold(unit)}" if self.is_small(value, unit) else f"{float(value):,.0f}"

    def label(self, unit: str) -> Callable[[float], str]:
        """The hover label of a value of `unit` (for the figure builders' `label=`)."""
        return lambda value: self.text(value, unit)

    def table(self, frame: pd.DataFrame, columns: dict[str, str | None] | None = None,
              unit_column: str = "unit") -> pd.DataFrame:
        """The frame with each count column as text, small counts as "<threshold".

        `columns`: column → its unit, or None to read the unit from `unit_column` row by row.
        By default "value" (unit from the row) and "households_converted" (households).
        """
        if columns is None:
            columns = {"value": None, "households_converted": "households"}
        shown = frame.copy()
        for column, unit in columns.items():
            if column not in shown.columns:
                continue
            units = shown[unit_column] if unit is None else pd.Series(unit, index=shown.index)
            shown[column] = [self._cell(value, row_unit) for value, row_unit in zip(shown[column], units)]
        return shown

    def _cell(self, value, unit: str):
        if pd.isna(value):
            return value
        return f"<{self.threshold(unit)}" if self.is_small(value, unit) else value


NONE = SmallCounts(0, 0)  # no suppression (the pages inside the organisation)
