"""What an adapter needs while it normalises rows: the report, and places through the gazetteer.

Place lookups are cached per file (a million ACLED rows name a few thousand places). A name that
does not resolve is kept on the row as written, reported as a warning and queued for review:
never dropped, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gazetteer import Gazetteer, PlaceRef, Resolution, scope_key
from loaders.report import LoadReport


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
    # (raw name, scope key) → what the review queue needs, and how many rows named it
    unresolved: dict[tuple[str, str], dict] = field(default_factory=dict)
    # rows the reader passed on that the adapter found to be headers (HXL: the rows above and
    # including the hashtag row): not counted as rows read
    header_rows: int = 0
    _cache: dict[tuple, tuple[int | None, tuple[str, str] | None]] = field(default_factory=dict)
    _name_fits: dict[tuple[int, str], bool] = field(default_factory=dict)  # (place id, name) → name_fits

    def place_id(self, name: str | None, *, pcode: str | None = None, within: str | None = None,
                 kind: str | None = None, row: int | None = None, column: str | None = None,
                 only_within: bool = False) -> int | None:
        """The place a row names: by p-code when the gazetteer knows it, else by name.

        With `only_within`, the name is looked for inside `within` only: when the gazetteer does
        not hold that area (a country it has no places for), the name stays unresolved in that
        area's scope instead of being matched anywhere. Without it, Haiti's "Centre" department
        (DTM API) sounds like a Syrian governorate.
        """
        if pcode:
            ref = self.gazetteer.by_key(pcode)
            if ref is not None:
                self.check_pcode_name(ref, pcode, name, row=row, column=column)
                return ref.place_id
        name = (name or "").strip()
        if not name:
            return None
        unknown_area = bool(within) and self.gazetteer.by_key(within) is None
        if unknown_area and not only_within:
            within, unknown_area = None, False  # an area we do not know cannot narrow the search
        key = (name, within, kind)
        if key not in self._cache:
            if unknown_area:
                resolution = Resolution(name, None, 0.0, None, kind)
            else:
                resolution = self.gazetteer.resolve(name, within=within, kind=kind)
            if resolution.is_resolved:
                self._cache[key] = (resolution.place.place_id, None)
            else:
                best = resolution.best_candidate
                area = self.gazetteer.by_key(within) if within else None
                queue_key = (name, scope_key(within, resolution.kind))
                self.unresolved.setdefault(queue_key, {
                    "raw_name": name, "scope_key": queue_key[1], "within_place_id": area.place_id if area else None,
                    "kind": resolution.kind, "best_place_id": best[0].place_id if best else None,
                    "best_score": best[1] if best else None, "occurrences": 0})
                self._cache[key] = (None, queue_key)
        place_id, queue_key = self._cache[key]
        if place_id is None:
            self.unresolved[queue_key]["occurrences"] += 1
            self.report.add(row, column, "unresolved-place",
                            "the place name did not match the gazetteer; the row is kept with the name as "
                            "written and the name is queued for review", name, severity="warning")
        return place_id

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
