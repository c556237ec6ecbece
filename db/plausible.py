"""Dates and counts that can be true, shared by the loaders and the reads.

The loaders (loaders/validate.py) refuse a row outside these limits; the reads skip rows an older
version stored before the limits existed, so that one row dated 9999 or one infinite figure
cannot break a page (pandas holds dates only within 1677-2262, and no chart can draw infinity).

Settings, read from the environment each time they are needed:
- DASHBOARD_EARLIEST_DATE (default 1990-01-01): no record is dated before it.
- DASHBOARD_MAX_DAYS_AHEAD (default 31): no record is dated more days than this after today
  (the load's day), whatever a report files ahead.
- DASHBOARD_MAX_FIGURE (default 50,000,000): no one cell counts more (persons, households,
  events, fatalities); a 64-bit integer's largest value is the limit however high this is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas and numpy only where a page reads: a load's process does without them (~70 MB)
    import numpy as np

EARLIEST_DATE = date(1990, 1, 1)
MAX_DAYS_AHEAD = 31
MAX_FIGURE = 50_000_000
INT64_MAX = 2**63 - 1  # what the databases' integer columns hold


class PlausibilitySettingError(ValueError):
    """A limit set in the environment cannot be read; the message names the variable and the fix."""


@dataclass(frozen=True)
class PlausibleLimits:
    earliest_date: date
    latest_date: date
    max_figure: int


def plausible_limits(today: date | None = None) -> PlausibleLimits:
    """The limits on `today` (default: today in UTC), from the environment or the defaults above."""
    today = today or datetime.now(timezone.utc).date()
    earliest = _setting("DASHBOARD_EARLIEST_DATE", EARLIEST_DATE, date.fromisoformat, "a date such as 1990-01-01")
    ahead = _setting("DASHBOARD_MAX_DAYS_AHEAD", MAX_DAYS_AHEAD, int, "a whole number of days such as 31")
    largest = _setting("DASHBOARD_MAX_FIGURE", MAX_FIGURE, int, "a whole number such as 50000000")
    if not 0 <= ahead <= 3660:
        raise PlausibilitySettingError(f"DASHBOARD_MAX_DAYS_AHEAD={ahead} must be between 0 and 3660 days; fix it "
                                       f"or unset it for the default ({MAX_DAYS_AHEAD})")
    if largest <= 0:
        raise PlausibilitySettingError(f"DASHBOARD_MAX_FIGURE={largest} must be above 0; fix it or unset it for the "
                                       f"default ({MAX_FIGURE})")
    return PlausibleLimits(earliest, today + timedelta(days=ahead), min(largest, INT64_MAX))


def _setting(variable: str, default, convert, kind: str):
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        return convert(raw)
    except ValueError:
        raise PlausibilitySettingError(f"{variable}={raw!r} is not {kind}; set it to {kind}, or unset it for the "
                                       f"default ({default})") from None


def shown_limits() -> PlausibleLimits:
    """The limits a page reads with. A setting the loaders would refuse (they say how to fix it)
    must not break every page as well: the defaults stand in for it here."""
    try:
        return plausible_limits()
    except PlausibilitySettingError:
        today = datetime.now(timezone.utc).date()
        return PlausibleLimits(EARLIEST_DATE, today + timedelta(days=MAX_DAYS_AHEAD), MAX_FIGURE)


def plausible_numbers(values) -> np.ndarray:
    """Counts as floats with the impossible ones (NaN, infinite, above the largest plausible
    figure: stored before the loaders refused them) as 0, so that sums and whole numbers can be
    drawn; a page would otherwise stop on "cannot convert float infinity to integer"."""
    import numpy as np
    import pandas as pd

    numbers = pd.to_numeric(pd.Series(values), errors="coerce").astype(float).to_numpy()
    return np.where(np.isfinite(numbers) & (np.abs(numbers) <= shown_limits().max_figure), numbers, 0.0)


def plausible_whole_numbers(values) -> np.ndarray:
    """plausible_numbers as int64 (a count for a table or a metric)."""
    return plausible_numbers(values).astype("int64")
