"""The filters a view is drawn with, and the SQL clauses they become.

A `Filters` value is what a page shows and what the weekly export reproduces: the same value
gives the same rows. It is built from untrusted text (the URL, the command line) only through
`Filters.parse`, which keeps a value only when it is in the allowed set; everything else is
dropped, never passed on to SQL. Queries take a `Filters` and call the clause helpers here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import or_, select

from db import vocab
from db.schema import place

# Kinds of place a view can be narrowed to ("city" in the pages is a community).
AREA_KINDS = ("country", "governorate", "district", "subdistrict", "community")
LIST_SEPARATOR = ","
MAX_AREA_KEY = 80


def _as_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _listed(text: str | None, allowed) -> tuple[str, ...]:
    """The comma-separated values of `text` that are in `allowed`, in allowed order, once each."""
    wanted = {part.strip() for part in (text or "").split(LIST_SEPARATOR)}
    return tuple(value for value in allowed if value in wanted)


@dataclass(frozen=True)
class Filters:
    """A date window and optional narrowing; an empty tuple means "all"."""

    start: date
    end: date
    area: str | None = None  # a place_key of kind AREA_KINDS; rows anywhere inside it count
    event_types: tuple[str, ...] = ()
    figure_kinds: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # providers, as stored on each row ("ACLED", "HDX HAPI", "text" ...)

    def __post_init__(self):
        if self.end < self.start:
            start, end = self.end, self.start
            object.__setattr__(self, "start", start)
            object.__setattr__(self, "end", end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def with_window(self, start: date, end: date) -> "Filters":
        return replace(self, start=start, end=end)

    def to_params(self) -> dict[str, str]:
        """URL parameters, only those that narrow the view (besides the window)."""
        params = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.area:
            params["area"] = self.area
        for name in ("event_types", "figure_kinds", "units", "sources"):
            values = getattr(self, name)
            if values:
                params[name] = LIST_SEPARATOR.join(values)
        return params

    @classmethod
    def parse(cls, params, *, default_start: date, default_end: date, areas=(), sources=()) -> "Filters":
        """Filters from untrusted text parameters; a value outside its allowed set is dropped.

        `areas` are the place_keys a view may be narrowed to, `sources` the providers present.
        """
        end = _as_date(params.get("end")) or default_end
        start = _as_date(params.get("start")) or min(default_start, end)
        area = (params.get("area") or "").strip()[:MAX_AREA_KEY]
        return cls(
            start=start,
            end=end,
            area=area if area in set(areas) else None,
            event_types=_listed(params.get("event_types"), vocab.EVENT_TYPES),
            figure_kinds=_listed(params.get("figure_kinds"), vocab.FIGURE_KINDS),
            units=_listed(params.get("units"), vocab.UNITS),
            sources=_listed(params.get("sources"), tuple(sources)),
        )

    def describe(self) -> str:
        """The narrowing in words, for captions and the export's title page."""
        parts = [f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"]
        for label, values in (("event types", self.event_types), ("figure kinds", self.figure_kinds),
                              ("units", self.units), ("sources", self.sources)):
            if values:
                parts.append(f"{label}: {', '.join(values)}")
        return "; ".join(parts)


def weeks_before(end: date, weeks: int) -> date:
    """The Monday `weeks - 1` weeks before the week of `end`: a window of whole weeks."""
    monday = end - timedelta(days=end.weekday())
    return monday - timedelta(weeks=weeks - 1)


def country_of(areas, key: str | None) -> str | None:
    """The place_key of the country `key` lies in (itself for a country), from query_places' rows
    indexed by place_key (kind, parent_key); None for an unknown key."""
    seen = set()
    while key is not None and key in areas.index and key not in seen:
        seen.add(key)
        row = areas.loc[key]
        if row["kind"] == "country":
            return key
        key = row["parent_key"] if isinstance(row["parent_key"], str) else None
    return None


def area_place_ids(area_key: str):
    """A SELECT of the place ids inside the area `area_key` (itself included, at any depth)."""
    top = select(place.c.place_id).where(place.c.place_key == area_key).cte("area_tree", recursive=True)
    child = place.alias("child")
    tree = top.union_all(select(child.c.place_id).where(child.c.parent_id == top.c.place_id))
    return select(tree.c.place_id)


def narrowing(filters: Filters, *, place_columns=(), event_type=None, figure_kind=None, unit=None,
              provider=None) -> list:
    """WHERE clauses for the filters that apply to a table; give the columns the table has.

    `place_columns`: a row is inside the area when any of them (e.g. origin or destination)
    is a place inside it.
    """
    clauses = []
    if filters.area and place_columns:
        inside = area_place_ids(filters.area)
        clauses.append(or_(*(column.in_(inside) for column in place_columns)))
    if filters.event_types and event_type is not None:
        clauses.append(event_type.in_(filters.event_types))
    if filters.figure_kinds and figure_kind is not None:
        clauses.append(figure_kind.in_(filters.figure_kinds))
    if filters.units and unit is not None:
        clauses.append(unit.in_(filters.units))
    if filters.sources and provider is not None:
        clauses.append(provider.in_(filters.sources))
    return clauses
