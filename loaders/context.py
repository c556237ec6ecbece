"""What an adapter needs while it normalises rows: the report, and places through the gazetteer.

Place lookups are cached per file (a million ACLED rows name a few thousand places). A name that
does not resolve is kept on the row as written, reported as a warning and queued for review:
never dropped, never guessed.
"""

from __future__ import annotations

from datetime import date

from dataclasses import dataclass, field
from typing import Iterator

from db.records import PlaceRecord
from gazetteer import Gazetteer, PlaceRef, Resolution, scope_key
from gazetteer.normalise import name_key
from loaders.report import LoadReport
from loaders.sources._countries import by_name, country_place


@dataclass(frozen=True)
class Chunk:
    """Normalised rows for one table: (source row number, values) pairs.

    Values are a column → value dict, or, when `columns` is given, a tuple in that order (the
    fast path of large sources: no dict per row).
    """

    table: str
    rows: list[tuple[int | None, dict | tuple]]
    columns: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PlaceContext:
    """What a gazetteer kind (TARGET "places") needs while it normalises: the report, and the
    place keys the database already holds (a parent may be there rather than in the file)."""

    report: LoadReport
    known_keys: set[str]


@dataclass
class LoadContext:
    report: LoadReport
    gazetteer: Gazetteer
    # The load's country (a place key, ISO3 or name): from --country or the Upload page, or the
    # kind's own when a kind is one country's (an adapter's COUNTRY). A row's own country column
    # wins over it. With neither, a row's places stay unresolved: never looked for anywhere.
    country: str | None = None
    # The file's date as the user gave it (--published, or on the Upload page): the date of a
    # sheet or list that has no date column, before any date in its name.
    file_date: date | None = None
    # (raw name, scope key) → what the review queue needs, and how many rows named it
    unresolved: dict[tuple[str, str], dict] = field(default_factory=dict)
    # rows the reader passed on that the adapter found to be headers (HXL: the rows above and
    # including the hashtag row): not counted as rows read
    header_rows: int = 0
    # places this load adds (a location the gazetteer lacks, at the file's coordinates), by key,
    # until the adapter hands them to the writer (take_new_places)
    new_places: dict[str, PlaceRecord] = field(default_factory=dict)
    _cache: dict[tuple, tuple[int | str | None, tuple[str, str] | None]] = field(default_factory=dict)
    _name_fits: dict[tuple[int, str], bool] = field(default_factory=dict)  # (place id, name) → name_fits
    _countries: dict[str, PlaceRef | None] = field(default_factory=dict)
    _pcodes: dict[str, tuple[PlaceRef, bool] | None] = field(default_factory=dict)  # p-code → pcode_area's answer
    _pending_places: list[PlaceRecord] = field(default_factory=list)
    _triples: dict[tuple, tuple] = field(default_factory=dict)  # (country, admin 1, admin 2, location) → found
    _areas: dict[tuple, PlaceRef | None] = field(default_factory=dict)  # (within id, code, name, kind) → area
    _reported_new: set = field(default_factory=set)
    # (row number, its country) of the last row whose country was known: a row that names its
    # destination by p-code and its origin by name looks for the origin in the same country
    _last_row: tuple = (None, None)

    # -- the country a row is resolved in ---------------------------------------------------
    def find_country(self, text: str | None) -> PlaceRef | None:
        """The country a cell names: by the gazetteer's codes, names and aliases, else by the one
        country whose name pattern in OCHA's country taxonomy it fits (loaders/sources/_countries.py),
        as UNHCR's short names ("Syrian Arab Rep.", "Dem. Rep. of the Congo") and former names
        ("Turkey") are written. A name two countries' patterns fit is no country."""
        text = (text or "").strip()
        if text not in self._countries:
            self._countries[text] = self.gazetteer.find_country(text) or (
                self.gazetteer.by_key(text) if text and self._is_country_key(text) else None) or (
                country_place(self.gazetteer, by_name(text)))
        return self._countries[text]

    def _is_country_key(self, text: str) -> bool:
        ref = self.gazetteer.by_key(text)
        return ref is not None and ref.kind == "country"

    def load_country(self) -> PlaceRef | None:
        return self.find_country(self.country) if self.country else None

    def row_country(self, written: str | None = None, *, within: str | None = None) -> PlaceRef | None:
        """The row's country: the one its country cell names; else the country of the area its p-code
        or `within` names; else the load's. None when the cell names no country we know."""
        if written and written.strip():
            return self.find_country(written)
        area = self.gazetteer.by_key(within) if within else None
        if area is not None:
            return self.gazetteer.country_of(area.place_id)
        return self.load_country()

    def pcode_place(self, pcode: str | None, country: str | None = None, *, row: int | None = None,
                    column: str | None = None) -> tuple[PlaceRef | None, PlaceRef | None]:
        """(the place a p-code names, the area above a finer p-code the gazetteer lacks), by OCHA's
        p-code convention (Gazetteer.pcode_area); (None, None) for a code of no known country.

        A p-code tells a row's country only when nothing else does: when the row's own country
        cell names another country, the row stays in the one it names, the p-code is not used, and
        the conflict is reported (`pcode-country-conflict`)."""
        found = self._pcode_found(pcode)
        if found is None:
            return None, None
        area, exact = found
        written = self._other_country(area, country)
        if written is not None:
            self.report.add(row, column, "pcode-country-conflict",
                            f"the p-code {pcode} is of {self.gazetteer.country_of(area.place_id).name_en}, the "
                            f"row's country is {written.name_en}; the row is kept in {written.name_en} and the "
                            "p-code is not used. Correct the country or the p-code, whichever is wrong",
                            pcode, severity="warning")
            return None, None
        return (area, None) if exact else (None, area)

    def pcode_area(self, pcode: str | None, country: str | None = None) -> PlaceRef | None:
        """The known area a p-code names or lies in (see pcode_place), none when the row's country
        cell names another country: where a row stays when its finer place is not found."""
        found = self._pcode_found(pcode)
        if found is None or self._other_country(found[0], country) is not None:
            return None
        return found[0]

    def _pcode_found(self, pcode: str | None) -> tuple[PlaceRef, bool] | None:
        """Gazetteer.pcode_area, once per distinct code of the load (a file repeats its areas' codes)."""
        if not pcode:
            return None
        if pcode not in self._pcodes:
            self._pcodes[pcode] = self.gazetteer.pcode_area(pcode)
        return self._pcodes[pcode]

    def _other_country(self, area: PlaceRef, country: str | None) -> PlaceRef | None:
        """The country a row's country cell names, when it is not the country `area` lies in."""
        written = self.find_country(country) if country and country.strip() else None
        return written if written is not None and self.gazetteer.country_of(area.place_id) != written else None

    # -- places -------------------------------------------------------------------------------
    def place_id(self, name: str | None, *, pcode: str | None = None, within: str | None = None,
                 kind: str | None = None, row: int | None = None, column: str | None = None,
                 only_within: bool = False, country: str | None = None) -> int | None:
        """The place a row names, inside the row's country only (`row_country`).

        By p-code when the gazetteer knows it and it lies in that country, else by name inside
        `within` (an area of that country) or the country itself. With `only_within`, a `within`
        the gazetteer does not hold leaves the name unresolved in that area's scope rather than
        widening to the country. A row whose country is unknown keeps its name, unresolved and
        queued: nothing is looked for across a border.
        """
        ref, above = self.pcode_place(pcode, country, row=row, column=column)
        told = ref or above  # the p-code's country is the row's when nothing else names one
        scope = self.row_country(country, within=told.place_key if told is not None else within)
        if scope is None and row is not None and self._last_row[0] == row:
            scope = self._last_row[1]  # the row's other place (its p-code, say) told its country
        if scope is not None and row is not None:
            self._last_row = (row, scope)
        if ref is not None and scope is not None and self.gazetteer.country_of(ref.place_id) == scope:
            self.check_pcode_name(ref, pcode, name, row=row, column=column)
            return ref.place_id
        name = (name or "").strip()
        if not name:
            return None
        if kind == "country":
            found = self.find_country(name)
            if found is not None:
                return found.place_id
        area = self.gazetteer.by_key(within) if within else None
        if area is not None and self.gazetteer.country_of(area.place_id) != scope:
            area = None  # an area of another country cannot narrow this row's search
        if above is not None and self.gazetteer.country_of(above.place_id) == scope and (
                area is None or self.gazetteer.is_within(above.place_id, area.place_id)):
            area = above  # a woreda's name is looked for in the zone its p-code lies in
        unknown_area = bool(within) and area is None and only_within
        if area is None and not unknown_area and scope is not None:
            area = scope
        key = (name, area.place_key if area else (within if unknown_area else None), kind)
        if key not in self._cache:
            if area is None:  # no country, or an area the gazetteer lacks: nothing to look in
                resolution = Resolution(name, None, 0.0, None, kind)
            else:
                resolution = self.gazetteer.resolve(name, within=area.place_key, kind=kind)
            if resolution.is_resolved:
                self._cache[key] = (resolution.place.place_id, None)
            else:
                self._cache[key] = (None, self._queue(name, key[1], resolution))
        place_id, queue_key = self._cache[key]
        if place_id is None:
            self._unresolved_row(queue_key, name, row, column, country_known=area is not None or unknown_area)
        return place_id

    def _queue(self, name: str, within: str | None, resolution: Resolution) -> tuple[str, str]:
        best = resolution.best_candidate
        area = self.gazetteer.by_key(within) if within else None
        queue_key = (name, scope_key(within, resolution.kind))
        self.unresolved.setdefault(queue_key, {
            "raw_name": name, "scope_key": queue_key[1], "within_place_id": area.place_id if area else None,
            "kind": resolution.kind, "best_place_id": best[0].place_id if best else None,
            "best_score": best[1] if best else None, "occurrences": 0})
        return queue_key

    def _unresolved_row(self, queue_key, name: str, row, column, *, country_known: bool = True) -> None:
        self.unresolved[queue_key]["occurrences"] += 1
        if country_known:
            self.report.add(row, column, "unresolved-place",
                            "the place name did not match the gazetteer; the row is kept with the name as "
                            "written and the name is queued for review", name, severity="warning")
        else:
            self.report.add(row, column, "unknown-country",
                            "the row's country is not known, so its place is not looked for (a name can belong to "
                            "places in several countries); it is kept as written and queued for review. Add a "
                            "country column, or give the country (--country, or on the Upload page)", name,
                            severity="warning")

    def place_in_country(self, country: PlaceRef | None, admin1: str | None, admin2: str | None,
                         location: str | None, lat: float | None = None, lon: float | None = None, *,
                         admin1_code: str | None = None, admin2_code: str | None = None,
                         row: int | None = None, column: str | None = None,
                         kind: str = "community") -> tuple[int | str | None, bool]:
        """Down the hierarchy of one country: admin 1 by code or name, admin 2 within it, the
        location within admin 2 (or admin 1). (place, whether the location itself was placed).

        A location the gazetteer lacks, with coordinates, becomes a new place under the row's
        admin 2 (else admin 1): the place returned is then its place key (a str), which the writer
        turns into an id once `take_new_places` has been written. Without coordinates, the row
        keeps the finest area found and the location is queued for review. `kind`: what the
        location is (a town; a sheet's admin 3 or 4 unit is a subdistrict or community).
        """
        if country is None:
            if location or admin2 or admin1:
                written = location or admin2 or admin1
                key = (written, None, "community")
                if key not in self._cache:
                    self._cache[key] = (None, self._queue(written, None, Resolution(written, None, 0.0, None,
                                                                                     "community")))
                self._unresolved_row(self._cache[key][1], written, row, column, country_known=False)
            return None, False
        if row is not None:  # the row's other places (an origin named without a country) are looked for here too
            self._last_row = (row, country)
        triple = (country.place_key, admin1_code or admin1, admin2_code or admin2, location)
        found = self._triples.get(triple)
        if found is None or (found[2] is not None and lat is not None and lon is not None):
            # (again when an earlier row of the place, without coordinates, could only queue it)
            found = self._triples[triple] = self._resolve_down(country, admin1, admin2, location, lat, lon,
                                                             admin1_code, admin2_code, kind)
        place, is_location, queue = found
        if queue is not None:
            self._unresolved_row(queue, location, row, column)
        elif isinstance(place, str) and place in self.new_places and triple not in self._reported_new:
            self._reported_new.add(triple)
            self.report.add(row, column, "new-place",
                            f"{location!r} is not in the gazetteer; it is added under "
                            f"{self.new_places[place].parent_key} at the row's coordinates", location,
                            severity="warning")
        return place, is_location

    def is_settled(self, country: PlaceRef, admin1: str | None, admin2: str | None, location: str | None) -> bool:
        """Whether place_in_country has nothing more to do for another row naming these places (it
        found them, or added the location and reported it): a caller may reuse the place it gave."""
        found = self._triples.get((country.place_key, admin1, admin2, location))
        return found is not None and found[2] is None

    def _area(self, within: PlaceRef, code: str | None, name: str | None, kind: str) -> PlaceRef | None:
        """The admin area a row names inside `within`, once per distinct (area, code, name, kind): a
        file names a few hundred areas, each with thousands of locations under it."""
        key = (within.place_id, code, name, kind)
        if key not in self._areas:
            self._areas[key] = self._find_area(within, code, name, kind)
        return self._areas[key]

    def _find_area(self, within: PlaceRef, code: str | None, name: str | None, kind: str) -> PlaceRef | None:
        if code:
            ref = self.gazetteer.by_key(code)
            if ref is not None and self.gazetteer.is_within(ref.place_id, within.place_id):
                return ref
        if name:
            found = self.gazetteer.resolve(name, within=within.place_key, kind=kind)
            if found.is_resolved:
                return found.place
        return None

    def _resolve_down(self, country, admin1, admin2, location, lat, lon, admin1_code, admin2_code, kind="community"):
        region = self._area(country, admin1_code, admin1, "governorate")
        district = self._area(region or country, admin2_code, admin2, "district")
        area = district or region
        if not location:
            return (area or country).place_id, False, None
        found = self.gazetteer.resolve(location, within=(area or country).place_key, kind=kind)
        if found.is_resolved:
            return found.place.place_id, True, None
        if area is not None and lat is not None and lon is not None:
            slug = name_key(location).replace(" ", "-")
            place_key = f"{area.place_key}:{slug}"[:80]
            if self.gazetteer.by_key(place_key) is not None:  # added by an earlier load
                return self.gazetteer.by_key(place_key).place_id, True, None
            if place_key not in self.new_places:
                record = PlaceRecord(place_key=place_key, kind=kind, name_en=location,
                                     parent_key=area.place_key, lat=lat, lon=lon)
                self.new_places[place_key] = record
                self._pending_places.append(record)
            return place_key, True, None
        return (area or country).place_id, False, self._queue(location, (area or country).place_key, found)

    def take_new_places(self) -> list[PlaceRecord]:
        """Places added since the last call, for the adapter to yield as a "new_place" chunk before
        the rows that name them (written like a site list's places, not counted as rows)."""
        taken, self._pending_places = self._pending_places, []
        return taken

    def check_pcode_name(self, ref: PlaceRef, pcode: str, name: str | None, *, row: int | None = None,
                         column: str | None = None) -> None:
        """Warn when the row's name for a p-code is not a way of writing the gazetteer's name for it
        (the p-code still places the row): one of the two is wrong, and a person should say which."""
        name = (name or "").strip()
        if not name or name.casefold() == pcode.casefold():  # some files give the code where the name goes
            return
        key = (ref.place_id, name)
        if key not in self._name_fits:
            self._name_fits[key] = self.gazetteer.name_fits(ref.place_id, name)
        if not self._name_fits[key]:
            self.report.add(row, column, "pcode-name-mismatch",
                            f"the file names {pcode} {name!r}, the gazetteer calls it {ref.name_en!r}; the row is "
                            f"placed by its p-code. Correct the name or the p-code, whichever is wrong", name,
                            severity="warning")


CHUNK_ROWS = 5_000


def with_new_places(chunk: Chunk, ctx: LoadContext) -> Iterator[Chunk]:
    """The places the chunk's rows added (locations the gazetteer lacked, at their coordinates) go
    to the writer first, as a "new_place" chunk; then the chunk."""
    new = ctx.take_new_places()
    if new:
        yield Chunk("new_place", [(None, record) for record in new])
    yield chunk


def chunked(table: str, rows, size: int = CHUNK_ROWS):
    """Group (row number, values) pairs into Chunks of `size` rows; None values are skipped."""
    batch: list = []
    for number, values in rows:
        if values is None:
            continue
        batch.append((number, values))
        if len(batch) >= size:
            yield Chunk(table, batch)
            batch = []
    if batch:
        yield Chunk(table, batch)
