"""ACLED event export (CSV or XLSX): one row per event, in the column sets of every year.

- Current exports (`disorder_type`, `civilian_targeting`, numeric `iso`, no `iso3`), pre-2023
  ones (`data_id`, `iso`, `iso3`, `event_id_no_cnty`) and extracts of either with columns left
  out or added (an R or pandas row index, a column subset, any column order).
- The upper-case files of 2016 and before (`EVENT_DATE`, `GWNO`, `ALLY_ACTOR_1`, no
  `SUB_EVENT_TYPE`): column names are read without regard to case, `ally_actor_*` is today's
  `assoc_actor_*`, and the event types of that time are carried over to today's as ACLED's 2019
  change of methodology did (FORMER_EVENT_TYPES). Their "Riots/Protests" became two types; the
  actors' ACLED type codes say which (`inter1`/`inter2` 5 rioters make a riot, else 6 protesters a protest).
- Dates as ACLED writes them (ISO, "13 May 2022", "01-January-2015") and as Excel re-saves them
  ("9-May-20"). `NA` cells (R's write.csv) are empty.

`event_id_cnty` is ACLED's stable id: a re-export with the same id and new values revises the row.
An extract without it gets a key derived from the row's own values, so loading it again changes
nothing.

Country: every event is placed inside its own country, read from `iso3`, else the numeric `iso`
(ISO 3166), else `gwno` (Gleditsch-Ward), else the `country` name (loaders/sources/_countries.py),
else the load's country (`--country`, the Upload page). Places: only inside that country, down its
hierarchy (LoadContext.place_in_country): `admin1`, then `admin2` within it, then `location`
within that; a location the gazetteer lacks becomes a new place at the event's coordinates. A row
whose country is unknown, or not in the gazetteer, is never matched to a place elsewhere: it keeps
its names as written, unplaced, and the name is queued.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from operator import itemgetter
from typing import Iterator

from loaders.context import Chunk, LoadContext, with_new_places
from loaders.parsing import CellError, clean_column, count_issue_code, parse_date, parse_float, parse_int
from loaders.readers.delimited import Table
from loaders.sources._countries import country_of, country_place

KIND = "acled"
TITLE = "ACLED event export"
PUBLISHER = "ACLED"
FORMAT = "delimited"
TARGET = "facts"
EXPECTED_COLUMNS = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "actor1", "admin1",
                    "location", "latitude", "longitude", "fatalities")
REQUIRED = ("event_date", "event_type")
PRECISION = {"1": "day", "2": "week", "3": "month"}
CHUNK_ROWS = 5_000
# Column names of earlier years, under today's names.
RENAMED_COLUMNS = {"ally_actor_1": "assoc_actor_1", "ally_actor_2": "assoc_actor_2"}
# Event types ACLED used until its 2019 change of methodology → (today's type, sub-event type or
# None where the old type does not say). "Riots/Protests" is split by the first actor's type.
FORMER_EVENT_TYPES = {
    "battle-no change of territory": ("Battles", "Armed clash"),
    "battle-government regains territory": ("Battles", "Government regains territory"),
    "battle-non-state actor overtakes territory": ("Battles", "Non-state actor overtakes territory"),
    "remote violence": ("Explosions/Remote violence", None),
    "strategic development": ("Strategic developments", None),
    "non-violent transfer of territory": ("Strategic developments", "Non-violent transfer of territory"),
    "headquarters or base established": ("Strategic developments", "Headquarters or base established"),
}
RIOTS_OR_PROTESTS = "riots/protests"
INTER_TYPE = {"5": "Riots", "6": "Protests"}  # ACLED's actor type codes (inter1, inter2): 5 rioters, 6 protesters
# The columns whose values make up the key of an event that has no event_id_cnty.
KEY_COLUMNS = ("event_date", "event_type", "sub_event_type", "actor1", "actor2", "country", "admin1", "admin2",
               "admin3", "location", "latitude", "longitude", "fatalities", "source", "notes", "timestamp")


def column_names(columns) -> dict[str, str]:
    """Today's lower-case column name → the file's own name for it (the first, if written twice)."""
    names: dict[str, str] = {}
    for column in columns:
        canonical = str(column).strip().lower()
        names.setdefault(RENAMED_COLUMNS.get(canonical, canonical), column)
    return names


def detect(table: Table) -> bool:
    names = column_names(table.columns)
    return {"event_date", "event_type", "fatalities"} <= set(names) and bool({"actor1", "location", "admin1"} & set(names))


UNKNOWN_COUNTRY = "country-unknown"  # the review queue's scope of names from rows of no known country


class _Places:
    """Each row's place, inside its own country only.

    The country once per distinct set of country cells (a file names a few countries); then
    LoadContext.place_in_country walks that country's hierarchy, once per (country, admin1,
    admin2, location), and adds a location the gazetteer lacks as a new place at the event's
    coordinates (without coordinates the row keeps the finest area and the location is queued).
    """

    def __init__(self, ctx: LoadContext):
        self.ctx = ctx
        self.countries: dict = {}  # (iso3, iso, gwno, country) cells → the country's place or None
        # (country id, admin 1, admin 2, location) → place, once its row needs nothing more per row (no
        # queued name to count, no new place to report): most rows are then one dictionary lookup
        self.settled: dict = {}

    def country(self, cells: tuple):
        if cells not in self.countries:
            iso3, iso_numeric, gwno, name = cells
            if any(cells):
                country = country_of(iso3=iso3, iso_numeric=iso_numeric, gwno=gwno, name=name)
                self.countries[cells] = country_place(self.ctx.gazetteer, country) if country else None
            else:  # the row names no country: the load's (--country), if one was given
                self.countries[cells] = self.ctx.load_country()
        return self.countries[cells]

    def place_ids(self, countries: list, admin1: list, admin2: list, location: list, lat: list, lon: list,
                  numbers: list) -> list:
        ctx, ids, settled = self.ctx, [], self.settled
        for i, number in enumerate(numbers):
            country = countries[i]
            key = (country.place_id if country is not None else None, admin1[i], admin2[i], location[i])
            place = settled.get(key, _UNSETTLED)
            if place is _UNSETTLED:
                place, _ = ctx.place_in_country(country, admin1[i], admin2[i], location[i], lat[i], lon[i],
                                                row=number, column="location")
                if country is not None and ctx.is_settled(country, admin1[i], admin2[i], location[i]):
                    settled[key] = place
            ids.append(place)
        return ids


_UNSETTLED = object()


def _or_none(values: list[str]) -> list:
    return [v or None for v in values]


def _column(rows: list, name: str) -> list:
    if rows and name in rows[0]:  # a delimited row holds every column of its header
        return list(map(itemgetter(name), rows))
    return [row.get(name) for row in rows]


def _cells_column(rows: list, at: int, shortest: int) -> list:
    """Column `at` of rows given as their raw cells; a row shorter than the header reads "" there,
    as its dict would (delimited.read_delimited pads it)."""
    if at < shortest:
        return list(map(itemgetter(at), rows))
    return [cells[at] if at < len(cells) else "" for cells in rows]


# The conflict_event columns this adapter fills, in the table's order.
COLUMNS = ("provider", "record_key", "event_date", "date_precision", "event_type", "sub_event_type", "actor1",
           "actor2", "assoc_actors", "place_id", "place_name_raw", "admin1_name_raw", "admin2_name_raw",
           "admin3_name_raw", "lat", "lon", "fatalities", "notes", "review_status")


def _by_value(values: list[str], convert, column: str, code, bad: dict) -> list:
    """convert(text) once per distinct text of a column (a file repeats its dates and counts); a
    text it refuses (CellError) marks every row that holds it with code(error)."""
    found, refused = {}, {}
    for text in set(values):
        try:
            found[text] = convert(text)
        except CellError as exc:
            refused[text] = exc
            found[text] = None
    if refused:
        for i, text in enumerate(values):
            if text in refused:
                bad.setdefault(i, []).append((column, code(refused[text]), str(refused[text])))
    return list(map(found.__getitem__, values))


def _date(text: str) -> date | None:
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return parse_date(text, day_first=True)


def _dates(values: list[str], bad: dict) -> list:
    return _by_value(values, _date, "event_date", lambda exc: "type-error", bad)


def _integer(text: str) -> int | None:
    if text.isdigit() and text.isascii():
        return int(text)
    return parse_int(text)


def _integers(values: list[str], column: str, bad: dict) -> list:
    return _by_value(values, _integer, column, count_issue_code, bad)


def _coordinates(values: list[str], column: str, low: float, high: float, what: str, bad: dict) -> list:
    try:  # every cell a plain number in range: the common case, checked in one pass
        out = list(map(float, values))
        if out and math.isfinite(math.fsum(out)) and low <= min(out) and max(out) <= high:
            return out
    except (ValueError, OverflowError):  # an empty or written-out cell: each distinct text on its own
        pass

    def coordinate(text: str) -> float | None:
        try:
            value = float(text) if text else None
            if value is None or (low <= value <= high):
                return value
        except ValueError:
            pass
        return parse_float(text, low, high, what)

    return _by_value(values, coordinate, column, lambda exc: exc.code, bad)


def _event_types(types: list[str], subs: list[str], inter, bad: dict) -> tuple[list, list]:
    """Today's (event type, sub-event type) for each row; former types carried over. `inter()`
    gives the inter1 and inter2 columns, read only when a former type needs them."""
    if not any(t.casefold() in FORMER_EVENT_TYPES or t.casefold() == RIOTS_OR_PROTESTS for t in set(types)):
        return types, [sub or None for sub in subs]  # today's types: the common case, kept fast
    inter1, inter2 = inter()
    out_types, out_subs = [], []
    for i, (event_type, sub) in enumerate(zip(types, subs)):
        former = event_type.casefold()
        if former in FORMER_EVENT_TYPES:
            event_type, sub = FORMER_EVENT_TYPES[former][0], sub or FORMER_EVENT_TYPES[former][1]
        elif former == RIOTS_OR_PROTESTS:
            # Rioters among the actors make it a riot (police against rioters is inter1 1, inter2 5).
            kinds = {inter1[i], inter2[i]}
            event_type = INTER_TYPE["5"] if "5" in kinds else INTER_TYPE["6"] if "6" in kinds else None
            if event_type is None:
                bad.setdefault(i, []).append(("event_type", "unknown-value", (
                    "a 'Riots/Protests' event (ACLED's type before 2019) is today a riot or a protest, and neither "
                    f"actor's type (inter1 {inter1[i] or 'empty'}, inter2 {inter2[i] or 'empty'}) is rioters (5) "
                    "or protesters (6); give the event today's type, Riots or Protests")))
        out_types.append(event_type)
        out_subs.append(sub or None)
    return out_types, out_subs


def _derived_keys(rows: list, names: dict, seen: dict) -> list[str]:
    """A key for events without ACLED's id: a digest of the row's own values, numbered when the
    file repeats a row, so the same file loaded again finds the same keys."""
    present = [names[c] for c in KEY_COLUMNS if c in names]
    keys = []
    for row in rows:
        text = "\x1f".join(str(row.get(c) or "").strip() for c in present)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        seen[digest] = seen.get(digest, 0) + 1
        keys.append(f"derived:{digest}" + (f"#{seen[digest]}" if seen[digest] > 1 else ""))
    return keys


def _chunk(batch: list, names: dict, places: _Places, report, seen: dict, table: Table | None = None) -> Chunk:
    """Normalise a batch of (row number, cells) column by column: no dict per row on the way out.

    A delimited file's rows come as their raw cells (Table.rows_as_cells), read by position; the
    first rows, which the pipeline watches to see which columns are read, come as dicts: a batch
    holding any dict is read as dicts throughout. A row is made a dict (table.row_of) where one
    is needed: a key from its values, or a problem to report with the row."""
    numbers = [number for number, _ in batch]
    rows = [row for _, row in batch]
    count = len(rows)
    as_cells = table is not None and table.row_of is not None and any(type(row) is list for row in rows)
    if as_cells and not all(type(row) is list for row in rows):
        rows = [table.row_of(row) if type(row) is list else row for row in rows]
        as_cells = False
    if as_cells:
        at = {name: table.columns.index(column) for name, column in names.items()}
        shortest = min(map(len, rows))

        def col(name: str) -> list[str]:
            return clean_column(_cells_column(rows, at[name], shortest)) if name in names else [""] * count

        def row_at(i: int) -> dict:
            return table.row_of(rows[i])
    else:
        def col(name: str) -> list[str]:
            return clean_column(_column(rows, names[name])) if name in names else [""] * count

        def row_at(i: int) -> dict:
            return rows[i]

    bad: dict[int, list] = {}  # row index → [(column, code, message)]
    event_ids = col("event_id_cnty")
    if not all(event_ids):
        # acled__GLOBAL__2020 (re-saved by Excel) has an event without its id: the event is sound,
        # so it is kept under a key made from its values rather than lost.
        derived = iter(_derived_keys([row_at(i) for i, e in enumerate(event_ids) if not e], names, seen))
        if "event_id_cnty" in names:
            for i, event_id in enumerate(event_ids):
                if not event_id:
                    report.add(numbers[i], names["event_id_cnty"], "missing-cell", (
                        "event_id_cnty is empty; the event is kept under a key made from its values, so an export "
                        "that gives it its id will load it as another event"), severity="warning")
        event_ids = [e or next(derived) for e in event_ids]
    dates = _dates(col("event_date"), bad)
    types, subs = _event_types(col("event_type"), col("sub_event_type"), lambda: (col("inter1"), col("inter2")), bad)
    fatalities = _integers(col("fatalities"), "fatalities", bad)
    lat = _coordinates(col("latitude"), "latitude", -90, 90, "latitude", bad)
    lon = _coordinates(col("longitude"), "longitude", -180, 180, "longitude", bad)
    for i in sorted(bad):
        first = bad[i][0][0]
        if first in ("event_id_cnty", "event_date"):  # the row cannot be identified: report that alone
            bad[i] = bad[i][:1]
        row = row_at(i)
        for column, code, message in bad[i]:
            report.add(numbers[i], names.get(column, column), code, message, row.get(names.get(column, column)),
                       raw_row=row)
    cells = list(zip(col("iso3"), col("iso"), col("gwno"), col("country")))
    country = {key: places.country(key) for key in set(cells)}  # a file names a few countries
    countries = list(map(country.__getitem__, cells))
    admin1, admin2, location = col("admin1"), col("admin2"), col("location")
    assoc = [f"{first}; {second}" if first and second else first or second
             for first, second in zip(col("assoc_actor_1"), col("assoc_actor_2"))]
    actor1, actor2, admin3, notes = col("actor1"), col("actor2"), col("admin3"), col("notes")
    precisions = col("time_precision")
    precision = list(map({v: PRECISION.get(v, "day") for v in set(precisions)}.__getitem__, precisions))
    keep = [i for i in range(count) if i not in bad] if bad else None
    if keep is not None:
        pick = lambda values: [values[i] for i in keep]  # noqa: E731
        numbers, event_ids, dates, fatalities, lat, lon, types, subs = map(
            pick, (numbers, event_ids, dates, fatalities, lat, lon, types, subs))
        countries, admin1, admin2, location, assoc, actor1, actor2, admin3, notes, precision = map(
            pick, (countries, admin1, admin2, location, assoc, actor1, actor2, admin3, notes, precision))
        count = len(numbers)
    values = zip(
        ("ACLED",) * count, event_ids, dates, precision, types, subs, _or_none(actor1), _or_none(actor2),
        _or_none(assoc), places.place_ids(countries, admin1, admin2, location, lat, lon, numbers),
        _or_none(location), _or_none(admin1), _or_none(admin2), _or_none(admin3),
        lat, lon, fatalities, _or_none(notes), ("not_required",) * count,
    )
    return Chunk("conflict_event", list(zip(numbers, values)), COLUMNS)


def normalise(table: Table, ctx: LoadContext) -> Iterator[Chunk]:
    names = column_names(table.columns)
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        from loaders.report import LoadError

        raise LoadError(f"{table.file_name}: the ACLED export has no column {', '.join(missing)}; "
                        "export again with all columns")
    places = _Places(ctx)
    seen: dict = {}
    batch: list = []
    if getattr(table, "row_of", None) is not None:  # a delimited file: its rows as raw cells, read by position
        table.rows_as_cells = True
    for item in table.rows:
        batch.append(item)
        if len(batch) >= CHUNK_ROWS:
            yield from with_new_places(_chunk(batch, names, places, ctx.report, seen, table), ctx)
            batch = []
    if batch:
        yield from with_new_places(_chunk(batch, names, places, ctx.report, seen, table), ctx)
