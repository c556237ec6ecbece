"""db.writes.content_hashes gives the digests stored since the first load: a change of how they are
computed must not change one, or every row of a re-loaded file would count as revised."""

from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from db.writes import content_hashes


def _straightforward(columns, rows):
    """The definition: md5 of the sorted column names' tuple's repr, then the values' tuple's repr
    in that order, as UTF-8 (without columns, the names' repr alone)."""
    order = sorted(range(len(columns)), key=lambda i: columns[i])
    names = tuple(columns[i] for i in order)
    if not columns:
        return [hashlib.md5(repr(names).encode("utf-8")).hexdigest() for _ in rows]
    return [hashlib.md5((repr(names) + repr(tuple(row[i] for i in order))).encode("utf-8")).hexdigest()
            for row in rows]


VALUES = ["", "Aleppo", "Ḥamāh", "O'Brien \"quoted\"", "tab\tand\nnewline", "\ud800 lone surrogate", "حلب", None,
          0, 1, -7, 10**30, True, False, 0.0, -0.0, 1.0, 33.4862, float("inf"), float("nan"), Decimal("1.0"),
          Decimal("1.00"), date(2024, 2, 29), datetime(2024, 2, 29, 12, 30), datetime(2024, 2, 29, tzinfo=timezone.utc)]


@pytest.mark.parametrize("width", [0, 1, 2, 19])
def test_digests_are_the_straightforward_definitions(width):
    chooser = random.Random(width)
    columns = tuple(chooser.sample(["provider", "record_key", "event_date", "lat", "lon", "fatalities", "notes",
                                    "place_id", "admin1_name_raw", "zeta", "alpha", "Beta", "beta", "_x", "x1",
                                    "x10", "x2", "event_type", "sub_event_type"], width))
    rows = [tuple(chooser.choice(VALUES) for _ in columns) for _ in range(500)]
    assert content_hashes(columns, rows) == _straightforward(columns, rows)


def test_a_known_digest_does_not_change():
    columns = ("record_key", "event_date", "fatalities", "lat")
    rows = [("SYR1", date(2023, 9, 19), 0, 33.4862)]
    prefix = "('event_date', 'fatalities', 'lat', 'record_key')"
    values = "(datetime.date(2023, 9, 19), 0, 33.4862, 'SYR1')"
    assert content_hashes(columns, rows) == [hashlib.md5((prefix + values).encode()).hexdigest()]
    assert content_hashes(columns, iter(rows)) == content_hashes(columns, rows)
    assert content_hashes((), [(), ()]) == [hashlib.md5(b"()").hexdigest()] * 2
