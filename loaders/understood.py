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
# What makes two figures the same series (one place's count, date after date): its kind and both ends.
SERIES = ("figure_kind", "destination_place_id", "destination_name_raw", "origin_place_id", "origin_name_raw")
# Kinds that count people present on a day: a series' latest figure is its total, never their sum.
STOCK_KINDS = ("idp_stock",)


@dataclass
class Understood:
    rows: Counter = field(default_factory=Counter)  # table → rows that would land
    first: dict[str, date] = field(default_factory=dict)  # table → earliest date
    last: dict[str, date] = field(default_factory=dict)
    totals: Counter = field(default_factory=Counter)  # (table, column or "figure (unit)") → sum
    countries: Counter = field(default_factory=Counter)  # country name → rows placed in it
    # (unit, series) → [latest period end, figure then] for stocks; (unit, None) → [last end, sum] for movements
    _series: dict = field(default_factory=dict)
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
        at = {name: columns.index(name) for name in (*dates, *sums, *places, *SERIES, "figure", "unit", "is_cumulative")
              if name in columns}
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
                self._add_figure(values, at, table)
            if places:
                place_id = next((values[at[n]] for n in places if n in at and values[at[n]] is not None), None)
                if isinstance(place_id, str):  # a town the load would add: not in the gazetteer yet
                    self.countries[self._new_places.get(place_id, UNPLACED)] += 1
                else:
                    self.countries[country_of(gazetteer, place_id)] += 1

    def _add_figure(self, values, at, table: str) -> None:
        """Movements add up over the file's period. Stocks (and running totals) do not: summing a
        year of monthly stocks means nothing, so a stock's total is the latest figure of each series
        (a place's count, from one origin), whatever day each place was last counted on. A figure
        with no period (a fact read from text, not dated yet) is counted apart."""
        end = values[at["period_end"]] if "period_end" in at else None
        if not isinstance(end, date):
            self.undated[table] += 1
            return
        unit = values[at["unit"]] if "unit" in at else "figures"
        kind = values[at["figure_kind"]] if "figure_kind" in at else None
        running = bool(values[at["is_cumulative"]]) if "is_cumulative" in at else False
        figure = values[at["figure"]]
        if kind is not None and kind not in STOCK_KINDS and not running:
            held = self._series.setdefault((unit, None), [end, 0])
            held[0], held[1] = max(held[0], end), held[1] + figure
            return
        series = (unit, tuple(values[at[name]] if name in at else None for name in SERIES))
        held = self._series.get(series)
        if held is None or end > held[0]:
            self._series[series] = [end, figure]
        elif end == held[0]:  # two rows of one series on one day (a site list's sites of one area)
            held[1] += figure

    def _figure_totals(self) -> list[str]:
        moved, present = {}, {}
        for (unit, series), (end, figure) in self._series.items():
            if series is None:
                moved[unit] = figure
            else:
                total, first, last = present.get(unit, (0, end, end))
                present[unit] = (total + figure, min(first, end), max(last, end))
        lines = [f"{_number(total)} {unit} moved" for unit, total in moved.items()]
        for unit, (total, first, last) in present.items():
            when = f"on {last.isoformat()}" if first == last else f"counted {first.isoformat()} to {last.isoformat()}"
            lines.append(f"{_number(total)} {unit} at each place's latest count ({when})")
        return lines

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
                totals += self._figure_totals()
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
