"""Date expressions resolved against the publication date.

"Thursday" and "on Monday" are the latest such day on or before publication; "last Saturday"
the latest before it; "yesterday", "today", "overnight"; "3 December" and "November 29" take
the year that puts them on or before publication; "over the weekend" the
Saturday and Sunday before publication; "last month" / "late last month" / "in
April 2025" are months (a period, returned as "YYYY-MM"); "in 2018" a year. "From 26 to 28
November", "November 26-30" and "Between 02 and 04 April 2024" give a start and an end; "since X" a start and
"as of X" an end. Without a publication date, relative expressions stay unresolved (None);
explicit dates with a year still resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december"], start=1)}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
WEEKDAYS = {d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])}

_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|" \
         r"jun|jul|aug|sep|sept|oct|nov|dec)\.?"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"

PATTERNS = [
    ("span_dm", re.compile(rf"\b(?:from|between)\s+(\d{{1,2}})\s+(?:to|and|-)\s+(\d{{1,2}})\s+({_MONTH})(?:\s+(\d{{4}}))?",
                           re.I)),
    ("span_md", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})\s*(?:-|–|to)\s*(\d{{1,2}})\b(?:,?\s+(\d{{4}}))?", re.I)),
    ("span_d_m", re.compile(rf"\b(\d{{1,2}})\s*(?:-|–)\s*(\d{{1,2}})\s+({_MONTH})(?:\s+(\d{{4}}))?", re.I)),
    ("dmy", re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})(?:,?\s+(\d{{4}}))?\b", re.I)),
    ("mdy", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)),
    ("iso", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")),
    ("last_weekday", re.compile(rf"\blast\s+({_WEEKDAY})\b", re.I)),
    ("weekday", re.compile(rf"\b({_WEEKDAY})\b", re.I)),
    ("yesterday", re.compile(r"\byesterday\b", re.I)),
    ("weekend", re.compile(r"\b(?:over|at|during)\s+the\s+(?:past\s+|last\s+)?weekend\b", re.I)),
    ("today", re.compile(r"\b(?:today|tonight|this morning)\b", re.I)),
    ("overnight", re.compile(r"\bovernight\b", re.I)),
    ("last_month", re.compile(r"\b(?:(early|late|mid-?)\s*)?last month\b", re.I)),
    ("month_year", re.compile(rf"\b(?:in|since|during)\s+(?:(?:early|late|mid-?)\s*)?({_MONTH})(?:\s+(\d{{4}}))?\b", re.I)),
    ("year", re.compile(r"\b(?:in|since)\s+((?:19|20)\d{2})\b", re.I)),
]


@dataclass(frozen=True)
class DateMention:
    start: int
    end: int
    text: str
    date_start: str | None
    date_end: str | None


def _year_for(month: int, day: int, published: date | None) -> int | None:
    if published is None:
        return None
    year = published.year
    try:
        if date(year, month, day) > published + timedelta(days=1):
            year -= 1
    except ValueError:
        return None
    return year


def _iso(year, month, day) -> str | None:
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except (TypeError, ValueError):
        return None


def _resolve(kind: str, m, published: date | None) -> tuple[str | None, str | None]:
    if kind == "span_dm":
        month = MONTHS[m[3].lower().rstrip(".")]
        year = int(m[4]) if m[4] else _year_for(month, int(m[2]), published)
        return _iso(year, month, m[1]) if year else None, _iso(year, month, m[2]) if year else None
    if kind == "span_md":
        month = MONTHS[m[1].lower().rstrip(".")]
        year = int(m[4]) if m[4] else _year_for(month, int(m[3]), published)
        return _iso(year, month, m[2]) if year else None, _iso(year, month, m[3]) if year else None
    if kind == "span_d_m":
        month = MONTHS[m[3].lower().rstrip(".")]
        year = int(m[4]) if m[4] else _year_for(month, int(m[2]), published)
        return _iso(year, month, m[1]) if year else None, _iso(year, month, m[2]) if year else None
    if kind == "dmy":
        month = MONTHS[m[2].lower().rstrip(".")]
        year = int(m[3]) if m[3] else _year_for(month, int(m[1]), published)
        value = _iso(year, month, m[1]) if year else None
        return value, value
    if kind == "mdy":
        month = MONTHS[m[1].lower().rstrip(".")]
        year = int(m[3]) if m[3] else _year_for(month, int(m[2]), published)
        value = _iso(year, month, m[2]) if year else None
        return value, value
    if kind == "iso":
        value = _iso(m[1], m[2], m[3])
        return value, value
    if published is None:
        return None, None
    if kind == "last_weekday":
        back = (published.weekday() - WEEKDAYS[m[1].lower()]) % 7 or 7
        value = (published - timedelta(days=back)).isoformat()
        return value, value
    if kind == "weekday":
        back = (published.weekday() - WEEKDAYS[m[1].lower()]) % 7
        value = (published - timedelta(days=back)).isoformat()
        return value, value
    if kind == "weekend":
        saturday = published - timedelta(days=(published.weekday() - 5) % 7 or 7)
        return saturday.isoformat(), (saturday + timedelta(days=1)).isoformat()
    if kind == "yesterday":
        value = (published - timedelta(days=1)).isoformat()
        return value, value
    if kind == "today":
        return published.isoformat(), published.isoformat()
    if kind == "overnight":
        value = (published - timedelta(days=1)).isoformat()
        return value, value
    if kind == "last_month":
        first = published.replace(day=1) - timedelta(days=1)
        value = f"{first.year:04d}-{first.month:02d}"
        return value, value
    if kind == "month_year":
        month = MONTHS[m[1].lower().rstrip(".")]
        year = int(m[2]) if m[2] else (published.year if month <= published.month else published.year - 1)
        value = f"{year:04d}-{month:02d}"
        return value, value
    if kind == "year":
        return m[1], m[1]
    return None, None


def find_dates(sentence: str, published: date | None) -> list[DateMention]:
    found: list[DateMention] = []
    taken = bytearray(len(sentence) + 1)  # 1 where a date was read: overlap is checked on the match's own span
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(sentence):
            if any(taken[m.start():m.end()]):
                continue
            if kind == "month_year" and m[2] is None and published is None:
                continue
            start, end = _resolve(kind, m, published)
            before = (sentence[max(0, m.start() - 8):m.start()] + m[0][:6]).lower()
            if "since" in before and not kind.startswith("span"):
                end = None
            elif "as of" in before:
                start = None
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            found.append(DateMention(m.start(), m.end(), m[0], start, end))
    return sorted(found, key=lambda d: d.start)
