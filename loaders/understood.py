"""What a dry run understood of a file, in a person's terms: how many rows would land, in which
country, over which period, and the totals they add up to.

The upload page shows it before anything is written, and `ingest --dry-run` prints it, so a
person sees a wrong country (events of one country read as another's) or a wrong period (day and
month swapped) before the rows are in any chart. It counts the rows that passed validation, all
of them, not only the preview's first rows. Pure: no database; places come from the gazetteer the
load resolved against.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

# table → (its date columns, the columns whose sum is a total, the columns naming its place)
_TABLES = {
    "conflict_event": (("event_date",), ("fatalities",), ("place_id",)),
    "event_count": (("period_start", "period_end"), ("events", "fatalities"), ("place_id",)),
    "displacement_figure": (("period_start", "period_end"), (), ("destination_place_id", "origin_place_id")),
    "site_population": (("reported_date",), ("individuals", "households"), ()),
}
NOUNS = {"conflict_event": "events", "event_count": "event counts", "displacement_figure": "displacement figures",
         "site_population": "site population counts"}
UNPLACED = "no place resolved"


@dataclass
class Understood:
    rows: Counter = field(default_factory=Counter)  # table → rows that would land
    first: dict[str, date] = field(default_factory=dict)  # table → earliest date
    last: dict[str, date] = field(default_factory=dict)
    totals: Counter = field(default_factory=Counter)  # (table, column or "figure (unit)") → sum
    countries: Counter = field(default_factory=Counter)  # country name → rows placed in it
    _latest: dict = field(default_factory=dict)  # displacement unit → {period end → sum}
    undated: Counter = field(default_factory=Counter)  # table → figures with no period end

    _new_places: dict = field(default_factory=dict)  # key of a place the load would add → its country

    def add_places(self, records, gazetteer, *, are_rows: bool = True) -> None:
        """Places a file brings itself, in the country of their parent: a site list's sites are its
        rows (counted); towns found at their coordinates (`are_rows` False) are where its rows are."""
        for _, record in records:
            parent = gazetteer.by_key(record.parent_key) if record.parent_key else None
            country = country_of(gazetteer, parent.place_id if parent else None)
            self._new_places[record.place_key] = country
            if are_rows:
                self.countries[country] += 1

    def add(self, table: str, columns, rows, gazetteer) -> None:
        """Count `rows` ((row number, values tuple) in `columns`' order) that passed validation."""
        if table not in _TABLES or not rows:
            return
        dates, sums, places = _TABLES[table]
        at = {name: columns.index(name) for name in (*dates, *sums, *places, "figure", "unit") if name in columns}
        self.rows[table] += len(rows)
        for _, values in rows:
            for name in dates:
                day = values[at[name]] if name in at else None
                if isinstance(day, date):
                    self.first[table] = min(self.first.get(table, day), day)
                    self.last[table] = max(self.last.get(table, day), day)
            for name in sums:
                if name in at and values[at[name]] is not None:
                    self.totals[(table, name)] += values[at[name]]
            if "figure" in at and values[at["figure"]] is not None:
                # Figures of successive periods are stocks and counts of their own period: summing a
                # year of monthly stocks means nothing. The total is the latest period's, per unit;
                # a figure with no period (a fact read from text, not dated yet) is counted apart.
                end = values[at["period_end"]] if "period_end" in at else None
                if isinstance(end, date):
                    unit = values[at["unit"]] if "unit" in at else "figures"
                    self._latest.setdefault(unit, Counter())[end] += values[at["figure"]]
                else:
                    self.undated[table] += 1
            if places:
                place_id = next((values[at[n]] for n in places if n in at and values[at[n]] is not None), None)
                if isinstance(place_id, str):  # a town the load would add: not in the gazetteer yet
                    self.countries[self._new_places.get(place_id, UNPLACED)] += 1
                else:
                    self.countries[country_of(gazetteer, place_id)] += 1

    def lines(self) -> list[str]:
        """One line per table, then the countries: what the upload page and `--dry-run` print."""
        out = []
        for table, count in self.rows.items():
            line = f"{count:,} {NOUNS.get(table, table)}"
            if table in self.first:
                first, last = self.first[table], self.last[table]
                line += f", {first.isoformat()}" + (f" to {last.isoformat()}" if last != first else "")
            totals = [f"{_number(total)} {name}" for (t, name), total in self.totals.items() if t == table]
            if table == "displacement_figure":
                totals += [f"{_number(sums[max(sums)])} {unit} in the period ending {max(sums).isoformat()}"
                           for unit, sums in self._latest.items() if sums]
            if totals:
                line += "; totals: " + ", ".join(totals)
            if self.undated[table]:
                line += f"; {self.undated[table]:,} without a date"
            out.append(line)
        if self.countries:
            out.append("countries: " + ", ".join(f"{name} ({rows:,} rows)" for name, rows in self.countries.most_common()))
        return out


def country_of(gazetteer, place_id) -> str:
    """The name of the country a place lies in (the place itself for a country), or UNPLACED."""
    if place_id is None or gazetteer is None or place_id not in gazetteer.places:
        return UNPLACED
    place = gazetteer.places[place_id]
    for candidate in (place, *gazetteer.ancestors(place_id)):
        if candidate.kind == "country":
            return candidate.name_en
    return UNPLACED


def _number(value) -> str:
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 else f"{value:,.1f}"
