"""ACLED event export (CSV): one row per event, both column sets.

Post-2023 exports carry `disorder_type` and ISO dates; older ones carry `data_id`,
`event_id_no_cnty` and dates written "05 December 2019". Both name the event `event_id_cnty`,
which is ACLED's stable id: a re-export with the same id and new values revises the row.

Places: `location` is resolved as a town inside the governorate named by `admin1`; when the town
is not in the gazetteer the row keeps the district (`admin2`) or governorate as its place and the
town's name as written, and the name is queued for review.
"""

from __future__ import annotations

from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.parsing import CellError, clean, parse_date, parse_float, parse_int
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


def _place(ctx: LoadContext, row: dict, number: int, cache: dict) -> int | None:
    admin1, admin2, location = clean(row.get("admin1")), clean(row.get("admin2")), clean(row.get("location"))
    key = (admin1, admin2, location)
    if key not in cache:
        governorate = ctx.gazetteer.resolve(admin1, kind="governorate") if admin1 else None
        within = governorate.place.place_key if governorate and governorate.is_resolved else None
        town = ctx.gazetteer.resolve(location, within=within, kind="community") if location else None
        district = ctx.gazetteer.resolve(admin2, within=within, kind="district") if admin2 else None
        area = next((r.place for r in (town, district, governorate) if r is not None and r.is_resolved), None)
        cache[key] = (area.place_id if area else None, within, bool(town and town.is_resolved))
    area_id, within, town_resolved = cache[key]
    if location and not town_resolved:
        # The row keeps the coarser area as its place and the town as written; the town's name
        # is reported and queued for review.
        ctx.place_id(location, within=within, kind="community", row=number, column="location")
    return area_id


def normalise(table: Table, ctx: LoadContext) -> Iterator[Chunk]:
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        from loaders.report import LoadError

        raise LoadError(f"{table.file_name}: the ACLED export has no column {', '.join(missing)}; "
                        "export again with all columns")
    cache: dict = {}
    rows: list = []
    for number, row in table.rows:
        try:
            event_id = clean(row.get("event_id_cnty"))
            if not event_id:
                raise CellError("event_id_cnty is empty; every ACLED event has one")
            event_date = parse_date(row.get("event_date"), day_first=True)
        except CellError as exc:
            column = "event_id_cnty" if "event_id_cnty" in str(exc) else "event_date"
            ctx.report.add(number, column, "missing-cell" if "empty" in str(exc) else "type-error", str(exc),
                           row.get(column), raw_row=row)
            continue
        values = {"provider": "ACLED", "record_key": event_id, "event_date": event_date}
        problem = False
        for column, parse in (
            ("fatalities", lambda v: parse_int(v)),
            ("latitude", lambda v: parse_float(v, -90, 90, "latitude")),
            ("longitude", lambda v: parse_float(v, -180, 180, "longitude")),
        ):
            try:
                values[column] = parse(row.get(column))
            except CellError as exc:
                code = "out-of-range" if "outside" in str(exc) or "negative" in str(exc) else "type-error"
                ctx.report.add(number, column, code, str(exc), row.get(column), raw_row=row)
                problem = True
        if problem:
            continue
        assoc = "; ".join(a for a in (clean(row.get("assoc_actor_1")), clean(row.get("assoc_actor_2"))) if a)
        rows.append((number, {
            "provider": "ACLED",
            "record_key": event_id,
            "event_date": event_date,
            "date_precision": PRECISION.get(clean(row.get("time_precision")), "day"),
            "event_type": clean(row.get("event_type")),
            "sub_event_type": clean(row.get("sub_event_type")) or None,
            "actor1": clean(row.get("actor1")) or None,
            "actor2": clean(row.get("actor2")) or None,
            "assoc_actors": assoc or None,
            "place_id": _place(ctx, row, number, cache),
            "place_name_raw": clean(row.get("location")) or None,
            "admin1_name_raw": clean(row.get("admin1")) or None,
            "admin2_name_raw": clean(row.get("admin2")) or None,
            "admin3_name_raw": clean(row.get("admin3")) or None,
            "lat": values["latitude"],
            "lon": values["longitude"],
            "fatalities": values["fatalities"],
            "notes": clean(row.get("notes")) or None,
            "review_status": "not_required",
        }))
        if len(rows) >= CHUNK_ROWS:
            yield Chunk("conflict_event", rows)
            rows = []
    if rows:
        yield Chunk("conflict_event", rows)
