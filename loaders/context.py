"""What an adapter needs while it normalises rows: the report, and places through the gazetteer.

Place lookups are cached per file (a million ACLED rows name a few thousand places). A name that
does not resolve is kept on the row as written, reported as a warning and queued for review:
never dropped, never guessed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from gazetteer import Gazetteer, scope_key
from loaders.report import LoadReport


@dataclass(frozen=True)
class Chunk:
    """Normalised rows for one table: (source row number, column → value) pairs."""

    table: str
    rows: list[tuple[int | None, dict]]


@dataclass
class LoadContext:
    report: LoadReport
    gazetteer: Gazetteer
    # (raw name, scope key) → (within place id, kind, best candidate id, best score), with counts
    unresolved: dict[tuple[str, str], tuple] = field(default_factory=dict)
    unresolved_counts: Counter = field(default_factory=Counter)
    _cache: dict[tuple, int | None] = field(default_factory=dict)

    def place_id(self, name: str | None, *, pcode: str | None = None, within: str | None = None,
                 kind: str | None = None, row: int | None = None, column: str | None = None) -> int | None:
        """The place a row names: by p-code when the gazetteer knows it, else by name."""
        if pcode:
            ref = self.gazetteer.by_key(pcode)
            if ref is not None:
                return ref.place_id
        name = (name or "").strip()
        if not name:
            return None
        if within and self.gazetteer.by_key(within) is None:
            within = None  # an area we do not know cannot narrow the search
        key = (name, within, kind)
        if key not in self._cache:
            resolution = self.gazetteer.resolve(name, within=within, kind=kind)
            self._cache[key] = resolution.place.place_id if resolution.is_resolved else None
            if not resolution.is_resolved:
                best = resolution.best_candidate
                area = self.gazetteer.by_key(within) if within else None
                self.unresolved[(name, scope_key(within, resolution.kind))] = (
                    area.place_id if area else None, resolution.kind,
                    best[0].place_id if best else None, best[1] if best else None)
        place_id = self._cache[key]
        if place_id is None:
            self.unresolved_counts[(name, scope_key(within, kind))] += 1
            self.report.add(row, column, "unresolved-place",
                            "the place name did not match the gazetteer; the row is kept with the name as "
                            "written and the name is queued for review", name, severity="warning")
        return place_id
