"""Small counts of people: banded in the data before any figure, table or file is made of it.

A handful of households fleeing one village in one week can identify them. Writing "<10" in a
label is not enough: a chart's own data (bar heights, Sankey link values, the axis range, a
line width) would still carry the exact number, and so would any total drawn beside the parts.
So `SmallCounts.band` replaces every count of people between 0 and its threshold by the
threshold itself (the band's floor, the value it is drawn at) and flags the row in
`is_suppressed`, before the rows are summed or drawn. Everything made from the banded rows
(bars, links, widths, "other places", headline totals) is computed from banded values only:
a sum that holds a suppressed part is written "<" + its banded sum (each suppressed part is
under its threshold but counted at it), so no total can be subtracted back to a small value.

Zero stays 0 (nothing reported is not a small count). Counts of events, fatalities and reports
are not counts of people and are never banded nor written as "<10".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

PERSONS_THRESHOLD, HOUSEHOLDS_THRESHOLD = 10, 5
SUPPRESSED = "is_suppressed"  # the row's value holds at least one banded (small) count
HOUSEHOLDS_SUPPRESSED = "households_suppressed"  # the same for `households_converted`
PEOPLE_UNITS = ("persons", "households", "movements")


def is_people_unit(unit) -> bool:
    """Persons, households, movements, and households converted to persons ("persons (households × 5)")."""
    return isinstance(unit, str) and (unit in PEOPLE_UNITS or unit.startswith("persons ("))


def count_text(value, suppressed: bool = False) -> str:
    """A count as shown: "1,234", or "<1,234" when it holds a banded part ("" when missing)."""
    if pd.isna(value):
        return ""
    return f"<{float(value):,.0f}" if suppressed else f"{float(value):,.0f}"


def count_texts(rows: pd.DataFrame, column: str = "value") -> list[str]:
    """count_text of each row's `column`, using the row's suppression flag when the frame has one."""
    flags = rows[SUPPRESSED] if SUPPRESSED in rows else [False] * len(rows)
    return [count_text(value, bool(flag)) for value, flag in zip(rows[column], flags)]


@dataclass(frozen=True)
class SmallCounts:
    """Counts of people under these thresholds are suppressed (0 turns suppression off)."""

    persons: int = PERSONS_THRESHOLD
    households: int = HOUSEHOLDS_THRESHOLD

    def threshold(self, unit: str) -> int:
        """Households by the households' threshold; persons, movements and converted units by the
        persons'; 0 (never suppressed) for what is not a count of people (events, fatalities)."""
        if unit == "households":
            return self.households
        return self.persons if is_people_unit(unit) else 0

    def is_small(self, value, unit: str) -> bool:
        return pd.notna(value) and 0 < float(value) < self.threshold(unit)

    def text(self, value, unit: str) -> str:
        """A count as shown: "1,234", or "<10" when small ("" when missing)."""
        if pd.isna(value):
            return ""
        return f"<{self.threshold(unit)}" if self.is_small(value, unit) else f"{float(value):,.0f}"

    def label(self, unit: str) -> Callable[[float], str]:
        """The label of a value of `unit` (unbanded values)."""
        return lambda value: self.text(value, unit)

    def note(self) -> str:
        """The captions' sentence saying how small counts are shown ("" when nothing is suppressed)."""
        if not (self.persons or self.households):
            return ""
        return (f" Counts under {self.persons} persons or {self.households} households are drawn at {self.persons} / "
                f"{self.households} and written \"<{self.persons}\" / \"<{self.households}\"; a total holding one is "
                "summed with it at that value and written \"<\" its sum.")

    def band(self, frame: pd.DataFrame, value_column: str = "value", unit_column: str = "unit") -> pd.DataFrame:
        """The rows with each small count of people raised to its threshold and flagged in SUPPRESSED.

        Call it on the query's rows, before any sum, conversion or figure: what is drawn and
        totalled afterwards never depends on a small count's exact value.
        """
        rows = frame.copy()
        if rows.empty:
            rows[SUPPRESSED] = pd.Series(dtype=bool)
            return rows
        limits = rows[unit_column].map(self.threshold).astype(float)
        values = rows[value_column].astype(float)
        small = (values > 0) & (values < limits)
        rows[value_column] = values.where(~small, limits)
        rows[SUPPRESSED] = small | (rows[SUPPRESSED].eq(True) if SUPPRESSED in rows else False)
        return rows

    def table(self, frame: pd.DataFrame, columns: dict[str, str | None] | None = None,
              unit_column: str = "unit") -> pd.DataFrame:
        """The frame with each count column as text, small counts as "<threshold".

        `columns`: column → its unit, or None to read the unit from `unit_column` row by row.
        By default "value" (unit from the row) and "households_converted" (households). Banded
        rows (see `band`) are written "<" + their banded value; the flag columns are dropped.
        """
        if columns is None:
            columns = {"value": None, "households_converted": "households"}
        flags = {"value": SUPPRESSED, "households_converted": HOUSEHOLDS_SUPPRESSED}
        shown = frame.copy()
        for column, unit in columns.items():
            if column not in shown.columns:
                continue
            units = shown[unit_column] if unit is None else pd.Series(unit, index=shown.index)
            flag = flags.get(column)
            # eq(True): rows concatenated from an unbanded frame (events beside flows) hold NaN here.
            banded = shown[flag].eq(True) if flag in shown else pd.Series(False, index=shown.index)
            shown[column] = [self._cell(value, row_unit, bool(is_banded))
                             for value, row_unit, is_banded in zip(shown[column], units, banded)]
        return shown.drop(columns=[c for c in (SUPPRESSED, HOUSEHOLDS_SUPPRESSED) if c in shown])

    def _cell(self, value, unit: str, banded: bool = False):
        if pd.isna(value):
            return value
        if banded:
            return count_text(value, True)
        return f"<{self.threshold(unit)}" if self.is_small(value, unit) else value


NONE = SmallCounts(0, 0)  # no suppression
PAGES = SmallCounts()  # what the pages draw and download: the same thresholds as the pack's default
