"""Cell parsers shared by every source: numbers and dates as the field writes them.

Each returns a value or raises CellError with a message that says how to fix the cell; the
adapters turn that into a row issue. Nothing here guesses: an ambiguous date is an error.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

EASTERN_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
_HEDGES = {
    "about": "approx", "around": "approx", "approximately": "approx", "approx": "approx", "approx.": "approx",
    "some": "approx", "roughly": "approx", "nearly": "approx", "almost": "approx", "~": "approx",
    "estimated": "approx", "over": "at_least", "more than": "at_least", "at least": "at_least",
    "+": "at_least", "up to": "at_most", "less than": "at_most", "under": "at_most", "fewer than": "at_most",
}

_HEDGES_LONGEST_FIRST = sorted(_HEDGES.items(), key=lambda kv: -len(kv[0]))


class CellError(ValueError):
    """A cell that cannot be read; the message says what the cell needs to be. Each subclass
    carries its issue code (loaders/report.py): adapters take `error.code`, never the message."""

    code = "type-error"


class OutOfRange(CellError):
    """A number read fine but outside what the column allows (a negative count, latitude 95)."""

    code = "out-of-range"


class HedgedCount(CellError):
    """A count written with a hedge ("about 300") where the column takes the number alone."""


class ImplausibleCount(CellError):
    """A count that reads as a number but cannot be one: infinite or NaN ("1e400", "inf").

    Its issue code is implausible-figure (the validate stage gives the same code to a JSON
    number that arrives infinite already), not type-error.
    """

    code = "implausible-figure"


def count_issue_code(error: CellError) -> str:
    """The issue code of a refused count: implausible, negative or unreadable."""
    return error.code


_MISSING = frozenset(("nan", "none", "null", "n/a", "na", "#n/a"))


def clean(text) -> str:
    if text is None:
        return ""
    text = (text if isinstance(text, str) else str(text)).strip()
    return "" if len(text) <= 4 and text.lower() in _MISSING else text


def clean_column(values) -> list[str]:
    """clean() for a whole column at once (the fast path of large files)."""
    try:
        stripped = list(map(str.strip, values))
    except TypeError:  # a None or a number among the cells
        stripped = [v.strip() if isinstance(v, str) else ("" if v is None else str(v).strip()) for v in values]
    # NA tokens are short: look at the distinct short values only
    tokens = {v for v in set(stripped) if len(v) <= 4 and v.lower() in _MISSING}
    return [("" if v in tokens else v) for v in stripped] if tokens else stripped


def parse_count(text, *, allow_hedge: bool = False) -> tuple[float | None, str]:
    """A count as written: "1200", "1,200", "1 200", "١٢٠٠", "about 300" → (value, qualifier).

    "1.200" is refused: it is 1200 in much of Europe and 1.2 elsewhere. Negative counts are
    refused. Fractional values are kept (planning estimates are sometimes fractional).
    """
    raw = clean(text)
    if not raw:
        return None, "vague"
    if raw.isascii() and raw.isdigit():  # the common case, fast
        return float(raw), "exact"
    value = raw.translate(EASTERN_ARABIC_DIGITS).replace("\u066c", ",").replace("\u066b", ".").strip().lower()
    qualifier = "exact"
    for hedge, meaning in _HEDGES_LONGEST_FIRST:
        if value.startswith(hedge + " ") or (hedge in ("~", "+") and value.startswith(hedge)):
            if not allow_hedge:
                raise HedgedCount(f"{raw!r} is not a plain number; write the number alone")
            qualifier, value = meaning, value[len(hedge):].strip()
            break
    if value.endswith("+") and allow_hedge:
        qualifier, value = "at_least", value[:-1].strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", value) or re.fullmatch(r"\d{1,3}( \d{3})+", value):
        value = value.replace(",", "").replace(" ", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", value):
        raise CellError(f"{raw!r} is ambiguous (1.200 is 1200 in some countries and 1.2 in others); "
                        "write it without a thousands separator")
    try:
        number = float(value)
    except ValueError:
        raise CellError(f"{raw!r} is not a number; write digits only, e.g. 1200") from None
    if not math.isfinite(number):  # "1e400" and "inf" read as floats; no count is infinite
        raise ImplausibleCount(f"{raw!r} is not a finite number; write the count as digits")
    if number < 0:
        raise OutOfRange(f"{raw!r} is negative; a count cannot be below zero")
    return number, qualifier


def parse_int(text) -> int | None:
    value, _ = parse_count(text)
    if value is None:
        return None
    if value != int(value):
        raise CellError(f"{clean(text)!r} is not a whole number")
    return int(value)


def parse_float(text, low: float, high: float, what: str) -> float | None:
    raw = clean(text)
    if not raw:
        return None
    try:
        value = float(raw.translate(EASTERN_ARABIC_DIGITS))
    except ValueError:
        raise CellError(f"{raw!r} is not a number; {what} is written like 35.13") from None
    if not low <= value <= high:
        raise OutOfRange(f"{raw!r} is outside {low}..{high}, the range of {what}")
    return value


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?")
# "13 May 2022", "31-Dec-21" (Excel's d-mmm-yy), "5 December 2024"
_DMY_WORDS = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?[ ,-]*(\d{4}|\d{2})")
# "May 13, 2022", "Dec 5 2024"
_MDY_WORDS = re.compile(r"([A-Za-z]+)\.? (\d{1,2}),? (\d{4})")
_SLASHED = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})")
# An Excel date that lost its format in a CSV export is its serial number: days since
# 1899-12-30 (Excel's epoch, counting its phantom 29 February 1900). Only serials between
# 1950 and 2100 are taken for dates; any other bare number is refused, not guessed.
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_SERIAL = re.compile(r"(\d{5})(?:\.\d+)?")
_SERIAL_RANGE = (18264, 73051)  # 1950-01-01 .. 2100-01-01


def _full_year(text: str) -> int:
    """A two-digit year as Excel reads one it is typed: 00-29 are 2000s, 30-99 are 1900s."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 30 else 1900
    return year


def parse_date(text, *, day_first: bool | None = None) -> date | None:
    """One date parser for every source: the ways dates reach us from the field.

    ISO dates and datetimes (with Z or an offset), "13 May 2022", "31-Dec-21" and "May 13, 2022"
    (month names in English), "2024", Excel serial numbers (44561), and slashed dates
    (28/04/2023, 4/28/2023). A slashed date needs `day_first` (see infer_day_first, which reads the
    column's other values) unless one part is above 12: 4/5/2023 alone is refused, never guessed.
    Year-only dates become 1 January of that year: callers keep the precision.
    """
    raw = clean(text).translate(EASTERN_ARABIC_DIGITS)
    if not raw:
        return None
    try:
        if match := _ISO_DATE.fullmatch(raw):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DMY_WORDS.fullmatch(raw):
            month = _MONTHS.get(match[2].lower())
            if month:
                return date(_full_year(match[3]), month, int(match[1]))
        if match := _MDY_WORDS.fullmatch(raw):
            month = _MONTHS.get(match[1].lower())
            if month:
                return date(int(match[3]), month, int(match[2]))
        if re.fullmatch(r"\d{4}", raw):
            return date(int(raw), 1, 1)
        if match := _EXCEL_SERIAL.fullmatch(raw):
            serial = int(match[1])
            if _SERIAL_RANGE[0] <= serial < _SERIAL_RANGE[1]:
                return _EXCEL_EPOCH + timedelta(days=serial)
        if match := _SLASHED.fullmatch(raw):
            first, second, year = int(match[1]), int(match[2]), _full_year(match[3])
            if day_first is None:
                if first > 12:
                    day_first = True
                elif second > 12:
                    day_first = False
                else:
                    raise CellError(f"{raw!r} could be day/month or month/day; write it as YYYY-MM-DD")
            day, month = (first, second) if day_first else (second, first)
            return date(year, month, day)
    except CellError:
        raise  # a CellError is a ValueError too: keep its own message (the ambiguous date above)
    except ValueError:
        raise CellError(f"{raw!r} is not a calendar date; write it as YYYY-MM-DD") from None
    raise CellError(f"{raw!r} is not a date; write it as YYYY-MM-DD (e.g. 2024-12-05)")


_DATE_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_.](0[1-9]|1[0-2])(?:[-_.](0[1-9]|[12]\d|3[01]))?(?!\d)")


def date_in_name(file_name: str) -> date | None:
    """The date a file's name gives ("idps_2022-09-30.csv"; "sites_2020-07.csv" is 1 July 2020), or None."""
    for match in _DATE_IN_NAME.finditer(file_name):
        try:
            return date(int(match[1]), int(match[2]), int(match[3] or 1))
        except ValueError:
            continue
    return None


def infer_day_first(values) -> bool | None:
    """Decide dd/mm or mm/dd for a whole column from the values that can only be one of them."""
    day_first = month_first = False
    for value in values:
        match = _SLASHED.fullmatch(clean(value).translate(EASTERN_ARABIC_DIGITS))
        if match:
            day_first |= int(match[1]) > 12
            month_first |= int(match[2]) > 12
    if day_first and not month_first:
        return True
    if month_first and not day_first:
        return False
    return None


def parse_timestamp(text) -> datetime | None:
    raw = clean(text)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise CellError(f"{raw!r} is not a date and time; write it as 2024-12-05T10:00:00Z") from None


def parse_json_count(value) -> float | None:
    """A count from a JSON API: a number as parsed (a numeric string is read like a cell).

    None when the value is absent; true/false and negative numbers are refused.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CellError(f"{value!r} is not a count; the API should give a number")
    if isinstance(value, str):
        return parse_count(value)[0]
    if not math.isfinite(value):  # json reads 1e400 as inf, and NaN as nan
        raise ImplausibleCount(f"{value!r} is not a finite number; the API should give the count as digits")
    if value < 0:
        raise OutOfRange(f"{value!r} is negative; a count cannot be below zero")
    return float(value)
