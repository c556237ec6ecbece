"""ACLED event export (CSV): one row per event, both column sets.

Post-2023 exports carry `disorder_type` and ISO dates; older ones carry `data_id`,
`event_id_no_cnty` and dates written "05 December 2019". Both name the event `event_id_cnty`,
which is ACLED's stable id: a re-export with the same id and new values revises the row.

Places: only inside the row's own country (`country`/`iso`, else the load's): `admin1`, then
`admin2` within it, then `location` within that; a location the gazetteer lacks becomes a new
place at the event's coordinates (see _Places).
"""

from __future__ import annotations

from datetime import date
from operator import itemgetter
from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, clean_column, count_issue_code, parse_date, parse_float, parse_int
from loaders.readers.delimited import Table

KIND = "acled"
TITLE = "ACLED event export"
PUBLISHER = "ACLED"
FORMAT = "delimited"
TARGET = "facts"
EXPECTED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "admin1",
                    "location", "latitude", "longitude", "fatalities")
REQUIRED = ("event_id_cnty", "event_date", "event_type")
PRECISION = {"1": "day", "2": "week", "3": "month"}
CHUNK_ROWS = 5_000


def detect(table: Table) -> bool:
    return {"event_id_cnty", "event_date", "event_type", "sub_event_type", "fatalities"} <= set(table.columns)


def _missing_columns(table: Table) -> list[str]:
    return [c for c in EXPECTED_COLUMNS if c not in table.columns]


class _Places:
    """Each row's place, resolved once per (country, admin1, admin2, location) in the file.

    Only inside the row's country (its `country` or numeric `iso` cell, else the load's
    country): admin1 there, admin2 within it, `location` within admin2. A location the
    gazetteer lacks becomes a new place under admin2 at the event's coordinates (ACLED gives
    them for every event); without coordinates the row keeps the area and the location is
    queued. A row whose country is unknown stays unresolved.
    """

    def __init__(self, ctx: LoadContext):
        self.ctx = ctx

    def place_ids(self, admin1: list, admin2: list, location: list, numbers: list, country: list, iso: list,
                  lat: list, lon: list) -> list:
        ctx, ids = self.ctx, []
        for i, number in enumerate(numbers):
            row_country = ctx.row_country(country[i] or iso[i] or None)
            place, _ = ctx.place_in_country(row_country, admin1[i], admin2[i], location[i], lat[i], lon[i],
                                            row=number, column="location")
            ids.append(place)
        return ids


def _or_none(values: list[str]) -> list:
    return [v or None for v in values]


def _column(rows: list, name: str) -> list:
    if rows and name in rows[0]:  # a delimited row holds every column of its header
        return list(map(itemgetter(name), rows))
    return [row.get(name) for row in rows]


# The conflict_event columns this adapter fills, in the table's order.
COLUMNS = ("provider", "record_key", "event_date", "date_precision", "event_type", "sub_event_type", "actor1",
           "actor2", "assoc_actors", "place_id", "place_name_raw", "admin1_name_raw", "admin2_name_raw",
           "admin3_name_raw", "lat", "lon", "fatalities", "notes", "review_status")


def _dates(values: list[str], bad: dict) -> list:
    out = []
    for i, text in enumerate(values):
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            try:
                out.append(date.fromisoformat(text))
                continue
            except ValueError:
                pass
        try:
            out.append(parse_date(text, day_first=True))
        except CellError as exc:
            bad.setdefault(i, []).append(("event_date", "type-error", str(exc)))
            out.append(None)
    return out


def _integers(values: list[str], column: str, bad: dict) -> list:
    out = []
    for i, text in enumerate(values):
        if text.isdigit() and text.isascii():
            out.append(int(text))
            continue
        try:
            out.append(parse_int(text))
        except CellError as exc:
            code = count_issue_code(exc)
            bad.setdefault(i, []).append((column, code, str(exc)))
            out.append(None)
    return out


def _coordinates(values: list[str], column: str, low: float, high: float, what: str, bad: dict) -> list:
    out = []
    for i, text in enumerate(values):
        try:
            value = float(text) if text else None
            if value is None or (low <= value <= high):
                out.append(value)
                continue
        except ValueError:
            pass
        try:
            out.append(parse_float(text, low, high, what))
        except CellError as exc:
            code = "out-of-range" if "outside" in str(exc) else "type-error"
            bad.setdefault(i, []).append((column, code, str(exc)))
            out.append(None)
    return out


def _chunk(batch: list, places: _Places, report) -> Chunk:
    """Normalise a batch of (row number, cells) column by column: no dict per row on the way out."""
    numbers = [number for number, _ in batch]
    rows = [row for _, row in batch]
    col = lambda name: clean_column(_column(rows, name))  # noqa: E731
    bad: dict[int, list] = {}  # row index → [(column, code, message)]
    event_ids = col("event_id_cnty")
    for i, event_id in enumerate(event_ids):
        if not event_id:
            bad[i] = [("event_id_cnty", "missing-cell", "event_id_cnty is empty; every ACLED event has one")]
    dates = _dates(col("event_date"), bad)
    fatalities = _integers(col("fatalities"), "fatalities", bad)
    lat = _coordinates(col("latitude"), "latitude", -90, 90, "latitude", bad)
    lon = _coordinates(col("longitude"), "longitude", -180, 180, "longitude", bad)
    for i in sorted(bad):
        first = bad[i][0][0]
        if first in ("event_id_cnty", "event_date"):  # the row cannot be identified: report that alone
            bad[i] = bad[i][:1]
        for column, code, message in bad[i]:
            report.add(numbers[i], column, code, message, rows[i].get(column), raw_row=rows[i])
    admin1, admin2, location = col("admin1"), col("admin2"), col("location")
    country, iso = col("country"), col("iso")
    assoc = ["; ".join(a for a in pair if a) for pair in zip(col("assoc_actor_1"), col("assoc_actor_2"))]
    keep = [i for i in range(len(rows)) if i not in bad] if bad else None
    if keep is not None:
        pick = lambda values: [values[i] for i in keep]  # noqa: E731
        numbers, event_ids, dates, fatalities, lat, lon = map(pick, (numbers, event_ids, dates, fatalities, lat, lon))
        admin1, admin2, location, assoc, rows = map(pick, (admin1, admin2, location, assoc, rows))
        country, iso = pick(country), pick(iso)
    count = len(rows)
    precision = [PRECISION.get(v, "day") for v in clean_column(_column(rows, "time_precision"))]
    values = zip(
        ("ACLED",) * count, event_ids, dates, precision,
        clean_column(_column(rows, "event_type")),
        _or_none(clean_column(_column(rows, "sub_event_type"))),
        _or_none(clean_column(_column(rows, "actor1"))), _or_none(clean_column(_column(rows, "actor2"))),
        _or_none(assoc), places.place_ids(admin1, admin2, location, numbers, country, iso, lat, lon),
        _or_none(location), _or_none(admin1), _or_none(admin2), _or_none(clean_column(_column(rows, "admin3"))),
        lat, lon, fatalities, _or_none(clean_column(_column(rows, "notes"))), ("not_required",) * count,
    )
    return Chunk("conflict_event", list(zip(numbers, values)), COLUMNS)


def normalise(table: Table, ctx: LoadContext) -> Iterator[Chunk]:
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        from loaders.report import LoadError

        raise LoadError(f"{table.file_name}: the ACLED export has no column {', '.join(missing)}; "
                        "export again with all columns")
    places = _Places(ctx)
    batch: list = []
    for item in table.rows:
        batch.append(item)
        if len(batch) >= CHUNK_ROWS:
            yield from _with_new_places(_chunk(batch, places, ctx.report), ctx)
            batch = []
    if batch:
        yield from _with_new_places(_chunk(batch, places, ctx.report), ctx)


def _with_new_places(chunk: Chunk, ctx: LoadContext) -> Iterator[Chunk]:
    """The places the chunk's rows added (locations the gazetteer lacked) go to the writer first."""
    new = ctx.take_new_places()
    if new:
        yield Chunk("new_place", [(None, record) for record in new])
    yield chunk
