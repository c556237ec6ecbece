"""Queries of the flow pages: displacement by place and week, origin→destination pairs.

Counted as everywhere (db.queries): tabular rows and accepted text facts, no running totals,
no vague reports (they have no number). Units are never added together here; a page may
convert households to persons with a household size the user sets, and says so.
A row whose place is unresolved is kept under its name as written, with no p-code.

Read from the weekly summaries (db/summary.py): the whole weeks inside the window come from the
summary tables; a week the window cuts into at either end comes from the raw rows, its days
inside the window, or from the summaries less its days outside the window when those are fewer
(db.summary.window_parts: at most three days of raw rows at each end, found through the
period_end index). Rows taken away carry negative values and reports; a place or pair whose
reports come to none in the window has no row. The result is the same as over the raw rows alone,
for any window; `query_weekly_flows_raw` and `query_flow_pairs_raw` compute it that way, as the
reference the tests and bench/pages.py compare against.

The pairs go further, as a long window's pairs are the largest read of the flow pages: their
whole weeks come from the year-to-date sums when that takes fewer reads than one per week (the
sums at the window's last week less those at the week before its first).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Engine, Integer, String, and_, case, cast, func, literal, or_, select, union_all

from db import vocab
from db.filters import Filters, area_place_ids, narrowing
from db.queries import TEXT_PROVIDER, _frame
from db.schema import (FLOW_SIDES, displacement_figure, place, summary_flow_pair_to_date, summary_flow_pair_week,
                       summary_flow_place_week)
from db.summary import mondays, split_window, window_parts, year_to_date_reads
from db.summary import figure_day, figure_days_between, plausible_figure, unplaced_name

FLOW_KINDS = ("new_displacement", "return", "arrival")  # kinds with a direction; a stock is not a flow
UNPLACED = "(place not given)"
WEEKLY_COLUMNS = ["week", "place_key", "pcode", "place", "unit", "from_text", "value"]
PAIR_COLUMNS = ["origin_key", "origin_pcode", "origin", "origin_ar", "origin_lat", "origin_lon", "destination_key",
                "destination_pcode", "destination", "destination_ar", "destination_lat", "destination_lon", "unit",
                "from_text", "value", "reports"]


def _check(side: str | None, kind: str) -> None:
    if side is not None and side not in FLOW_SIDES:
        raise ValueError(f"side must be one of {FLOW_SIDES}")
    if kind not in FLOW_KINDS:
        raise ValueError(f"kind must be one of {FLOW_KINDS}")


def _area(filters: Filters):
    """The place ids inside the filters' area (one CTE, shared by every part of a query), or None."""
    return area_place_ids(filters.area) if filters.area else None


def _narrowing(filters: Filters, inside, place_columns, unit, provider) -> list:
    """db.filters.narrowing, with the area's place ids given (a second CTE of the same name would
    not compile): a row is inside when any of `place_columns` is."""
    clauses = narrowing(replace(filters, area=None), unit=unit, provider=provider)
    if inside is not None and place_columns:
        clauses.append(or_(*(column.in_(inside) for column in place_columns)))
    return clauses


def _raw_counted(filters: Filters, kind: str, inside, days=None) -> list:
    """The raw rows that count, in the window (or in the day range `days`, through the date index)."""
    f = displacement_figure
    # For a few days, the date index must lead: offered the place indexes for an area's OR (origin
    # or destination inside it), SQLite walked every row of the area's places instead (0.5–6 s at a
    # million rows). `+ 0` leaves the ids as they are and keeps their indexes out of the plan.
    places = ((f.c.origin_place_id + 0, f.c.destination_place_id + 0) if days is not None
              else (f.c.origin_place_id, f.c.destination_place_id))
    return [
        f.c.figure_kind == kind,
        f.c.is_cumulative.is_(False),
        f.c.held_in_finer.is_(False),  # its people are in its districts' figures (db/levels.py)
        f.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
        f.c.figure.is_not(None),
        plausible_figure(f.c.figure),
        figure_day().between(filters.start, filters.end) if days is None else figure_days_between(*days),
        *_narrowing(filters, inside, places, f.c.unit, f.c.provider),
    ]


def _summary_weekly_selects(filters: Filters, side: str, kind: str, inside, weeks: tuple[date, date],
                            counted: bool) -> list:
    """Whole weeks from the summaries, per place and side: the summary rows themselves (day,
    place_id, raw, unit, from_text, value, and with `counted` reports), summed and named in pandas
    (`_named_weekly_frame`). Reports are read only when days are taken away: they are not in the
    covering indexes below (the lag view narrowed to Hama read them from the table: 41 → 51 ms).

    With an area a flow counts when either end is inside it. Read in two parts that each
    follow an index: the places inside the area from the place summary (all their flows count),
    and the places outside it from the pairs whose other end is inside (migration 0010's covering
    indexes). One OR over the pairs read every pair of the window (a quarter's lag view narrowed
    to a governorate: 41 ms).
    """
    s = summary_flow_place_week
    where = [s.c.figure_kind == kind, s.c.side == side, s.c.week_start.between(*weeks),
             *_narrowing(filters, None, (), s.c.unit, s.c.provider)]
    if inside is not None:
        where.append(s.c.place_id.in_(inside))
    parts = [select(_as_text(s.c.week_start), s.c.place_id, s.c.place_name_raw.label("raw"), s.c.unit,
                    s.c.from_text, s.c.value, *([s.c.reports] if counted else [])).where(*where)]
    if inside is not None:
        p = summary_flow_pair_week
        own, other = ((p.c.origin_place_id, p.c.destination_place_id) if side == "origin"
                      else (p.c.destination_place_id, p.c.origin_place_id))
        raw = p.c.origin_name_raw if side == "origin" else p.c.destination_name_raw
        # summed per week and place here: a place outside sends to several inside (the lag view
        # narrowed to Hama: 9,956 pair rows → 2,289, 31 → 21 ms for the query)
        parts.append(select(_as_text(p.c.week_start), own.label("place_id"), raw.label("raw"), p.c.unit,
                            p.c.from_text, func.sum(p.c.value).label("value"),
                            *([func.sum(p.c.reports).label("reports")] if counted else [])).where(
            p.c.figure_kind == kind, p.c.week_start.between(*weeks), other.in_(inside),
            or_(own.is_(None), own.not_in(inside)), *_narrowing(filters, None, (), p.c.unit, p.c.provider))
            .group_by(p.c.week_start, own, raw, p.c.unit, p.c.from_text))
    return parts


def _raw_weekly_ids_select(filters: Filters, side: str, kind: str, inside, days, counted: bool, sign: int = 1):
    """The raw rows of a few edge days, summed per day, place id (or name as written, unresolved),
    unit, from_text, and with `counted` how many they are; with sign -1, negated (days taken away)."""
    f = displacement_figure
    place_id = f.c.origin_place_id if side == "origin" else f.c.destination_place_id
    raw = unplaced_name(place_id, f.c.origin_name_raw if side == "origin" else f.c.destination_name_raw)
    from_text = (f.c.provider == TEXT_PROVIDER)
    value, reports = func.sum(f.c.figure), func.count()
    return (select(_as_text(figure_day()), place_id.label("place_id"), raw.label("raw"), f.c.unit,
                   from_text.label("from_text"), _signed(value, sign).label("value"),
                   *([_signed(reports, sign).label("reports")] if counted else []))
            .where(*_raw_counted(filters, kind, inside, days))
            .group_by(figure_day(), place_id, raw, f.c.unit, from_text))


def _as_text(day):
    """A date column read as its ISO text: pandas parses thousands at once (mondays), where the
    driver's date objects cost a Python call per row."""
    return cast(day, String).label("day")


def _place_names(engine: Engine, place_ids) -> pd.DataFrame:
    """place_id → place_key, pcode, name_en of the given places (the gazetteer's few, not its all)."""
    ids = sorted({int(i) for i in place_ids if pd.notna(i)})
    if not ids:
        return pd.DataFrame(columns=["place_id", "place_key", "pcode", "name_en"])
    return _frame(engine, select(place.c.place_id, place.c.place_key, place.c.pcode, place.c.name_en)
                  .where(place.c.place_id.in_(ids)))


def _named_weekly_frame(engine: Engine, query) -> pd.DataFrame:
    """Rows of (day, place_id, raw, unit, from_text, value, reports) summed per week, place and unit, each
    place named as the gazetteer has it (its name as written when unresolved).

    Grouped and named here rather than in SQL: a year of the place summary grouped and joined to
    the gazetteer in SQLite took 16 ms, read as it is stored 6 ms (9,500 rows)."""
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    names = _place_names(engine, frame["place_id"].unique())
    frame["place_id"] = pd.to_numeric(frame["place_id"]).astype("Float64")
    names["place_id"] = pd.to_numeric(names["place_id"]).astype("Float64")
    frame = frame.merge(names, on="place_id", how="left")
    frame["place"] = frame["name_en"].fillna(frame["raw"])  # raw is set only where the place is unresolved
    return _weekly_frame_of(frame)


def _raw_weekly_select(filters: Filters, side: str, kind: str, inside, days=None):
    """The reference's select: raw rows joined to the gazetteer and grouped in SQL."""
    f = displacement_figure
    place_id = f.c.origin_place_id if side == "origin" else f.c.destination_place_id
    raw = f.c.origin_name_raw if side == "origin" else f.c.destination_name_raw
    name = func.coalesce(place.c.name_en, raw)
    from_text = (f.c.provider == TEXT_PROVIDER).label("from_text")
    return (
        select(figure_day().label("day"), place.c.place_key, place.c.pcode, name.label("place"), f.c.unit, from_text,
               func.sum(f.c.figure).label("value"))
        .select_from(f.outerjoin(place, place.c.place_id == place_id))
        .where(*_raw_counted(filters, kind, inside, days))
        .group_by(figure_day(), place.c.place_key, place.c.pcode, name, f.c.unit, from_text)
    )


def _weekly_frame(engine: Engine, query) -> pd.DataFrame:
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=WEEKLY_COLUMNS)
    return _weekly_frame_of(frame)


def _weekly_frame_of(frame: pd.DataFrame) -> pd.DataFrame:
    frame["week"] = mondays(frame["day"])
    frame["place"] = frame["place"].fillna(UNPLACED)
    frame["from_text"] = frame["from_text"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    keys = ["week", "place_key", "pcode", "place", "unit", "from_text"]
    if "reports" in frame:  # rows of days taken away are negative: a week whose reports come to none has none
        weekly = frame.groupby(keys, dropna=False, as_index=False)[["value", "reports"]].sum()
        weekly = weekly[weekly["reports"] > 0]
    else:
        weekly = frame.groupby(keys, dropna=False, as_index=False)["value"].sum()
    return (weekly[WEEKLY_COLUMNS].sort_values(["week", "unit", "value"], ascending=[True, True, False])
            .reset_index(drop=True))


def query_weekly_flows(engine: Engine, filters: Filters, side: str = "origin",
                       kind: str = "new_displacement") -> pd.DataFrame:
    """Displacement of one kind per week (Monday), place (as origin or destination) and unit.

    With an area, only flows that start or end inside it count. Columns: week, place_key,
    pcode, place, unit, from_text, value.
    """
    _check(side, kind)
    weeks, added, taken = window_parts(filters.start, filters.end)
    inside = _area(filters)
    counted = bool(taken)  # with days taken away, a week's reports may come to none
    parts = [_raw_weekly_ids_select(filters, side, kind, inside, days, counted) for days in added]
    parts += [_raw_weekly_ids_select(filters, side, kind, inside, days, counted, sign=-1) for days in taken]
    if weeks:
        parts += _summary_weekly_selects(filters, side, kind, inside, weeks, counted)
    return _named_weekly_frame(engine, union_all(*parts) if len(parts) > 1 else parts[0])


def query_weekly_flows_raw(engine: Engine, filters: Filters, side: str = "origin",
                           kind: str = "new_displacement") -> pd.DataFrame:
    """query_weekly_flows computed from the raw rows only: the reference (slow; tests and benchmarks)."""
    _check(side, kind)
    return _weekly_frame(engine, _raw_weekly_select(filters, side, kind, _area(filters)))


# --- origin → destination pairs --------------------------------------------------------------------

def _pair_totals(rows, by=()):
    """Totals per pair, unit and from_text of `rows` (a subquery with origin_place_id,
    origin_name_raw, destination_place_id, destination_name_raw, unit, from_text, value, reports;
    a name as written only where its place is unresolved), and per each column of `by`."""
    keys = (*by, rows.c.origin_place_id, rows.c.origin_name_raw, rows.c.destination_place_id,
            rows.c.destination_name_raw, rows.c.unit, rows.c.from_text)
    return (select(*keys, func.sum(rows.c.value).label("value"),
                   cast(func.sum(rows.c.reports), Integer).label("reports"))
            .group_by(*keys).having(func.sum(rows.c.reports) > 0).subquery("pair_totals"))


def _top_pair_totals(rows, top: int, ranked_by: dict[str, float]):
    """The `top` pairs of `rows` ranked by the sum of value × ranked_by[unit], one row each with
    a value and a reports column per ranked unit and from_text (`_pivoted`: unit, from_text, column).

    One GROUP BY over the pairs alone, with the units side by side, rather than a total per unit
    then a ranking over those totals: at a million figures a four-week window holds ~13,000
    pairs, and only the ranked few leave the database.
    """
    keys = (rows.c.origin_place_id, rows.c.origin_name_raw, rows.c.destination_place_id,
            rows.c.destination_name_raw)
    sums, score = [], []
    for unit, from_text, n in _pivoted(ranked_by):
        match = and_(rows.c.unit == unit, rows.c.from_text == from_text)
        value = func.sum(case((match, rows.c.value)))
        sums += [value.label(f"value_{n}"), cast(func.sum(case((match, rows.c.reports))), Integer).label(f"reports_{n}")]
        score.append(func.coalesce(value, 0) * ranked_by[unit])
    return (select(*keys, *sums).where(rows.c.unit.in_(list(ranked_by))).group_by(*keys)
            .having(func.sum(rows.c.reports) > 0)
            .order_by(sum(score[1:], score[0]).desc(), *(key.asc().nulls_first() for key in keys))
            .limit(top).subquery("pair_totals"))


def _pivoted(ranked_by: dict[str, float]) -> list[tuple[str, bool, int]]:
    """(unit, from_text, column number) of the columns `_top_pair_totals` puts side by side."""
    return [(unit, from_text, 2 * i + j) for i, unit in enumerate(ranked_by) for j, from_text in enumerate((False, True))]


def _pair_ends(totals, columns):
    """Both ends' names and coordinates for the pairs of `totals`, then `columns` of it.

    Grouped by place ids first and joined to the gazetteer after: grouping 30,000 summary rows by
    the ends' names, Arabic names and coordinates cost three times as much.
    """
    origin, destination = place.alias("origin"), place.alias("destination")
    return (
        select(origin.c.place_key.label("origin_key"), origin.c.pcode.label("origin_pcode"),
               func.coalesce(origin.c.name_en, totals.c.origin_name_raw).label("origin"),
               origin.c.name_ar.label("origin_ar"), origin.c.lat.label("origin_lat"),
               origin.c.lon.label("origin_lon"), destination.c.place_key.label("destination_key"),
               destination.c.pcode.label("destination_pcode"),
               func.coalesce(destination.c.name_en, totals.c.destination_name_raw).label("destination"),
               destination.c.name_ar.label("destination_ar"), destination.c.lat.label("destination_lat"),
               destination.c.lon.label("destination_lon"), *columns)
        .select_from(totals.outerjoin(origin, origin.c.place_id == totals.c.origin_place_id)
                     .outerjoin(destination, destination.c.place_id == totals.c.destination_place_id))
    )


def _raw_pair_rows(filters: Filters, kind: str, inside, days, sign: int = 1):
    """The raw rows of the day range `days`, each a report; with sign -1, taken away (negated)."""
    f = displacement_figure
    return select(f.c.origin_place_id, unplaced_name(f.c.origin_place_id, f.c.origin_name_raw).label("origin_name_raw"),
                  f.c.destination_place_id,
                  unplaced_name(f.c.destination_place_id, f.c.destination_name_raw).label("destination_name_raw"),
                  f.c.unit, (f.c.provider == TEXT_PROVIDER).label("from_text"),
                  _signed(f.c.figure, sign).label("value"),
                  literal(sign).label("reports")).where(*_raw_counted(filters, kind, inside, days))


def _summary_pair_rows(filters: Filters, kind: str, inside, weeks: tuple[date, date]) -> list:
    """The pairs' sums over whole weeks: the week summary's rows, or for more weeks than that
    takes reads, the year-to-date sums at the window's last week less those before its first
    (db.summary.year_to_date_reads; a year in SQLite at a million figures: 350,000 rows → 17,000)."""
    reads = year_to_date_reads(*weeks)
    if len(reads) >= (weeks[1] - weeks[0]).days // 7 + 1:
        s = summary_flow_pair_week
        return [_pair_summary_select(s, filters, kind, inside, s.c.week_start.between(*weeks))]
    t = summary_flow_pair_to_date
    return [_pair_summary_select(t, filters, kind, inside, t.c.week_start == week, sign) for week, sign in reads]


def _pair_summary_select(table, filters: Filters, kind: str, inside, weeks_clause, sign: int = 1):
    """The rows of a pair summary (week or year to date; their columns are the same) of the weeks
    `weeks_clause` picks, narrowed by the filters; with sign -1, taken away (negated)."""
    return select(table.c.origin_place_id, table.c.origin_name_raw, table.c.destination_place_id,
                  table.c.destination_name_raw, table.c.unit, table.c.from_text,
                  _signed(table.c.value, sign).label("value"), _signed(table.c.reports, sign).label("reports")).where(
        table.c.figure_kind == kind, weeks_clause,
        *_narrowing(filters, inside, (table.c.origin_place_id, table.c.destination_place_id), table.c.unit,
                    table.c.provider))


def _signed(expression, sign: int):
    """`expression`, negated for sign -1: rows of days or weeks taken away from a window."""
    return expression if sign > 0 else -expression


def _pairs_frame(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    frame["origin"] = frame["origin"].fillna(UNPLACED)
    frame["destination"] = frame["destination"].fillna(UNPLACED)
    frame["from_text"] = frame["from_text"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    return frame.sort_values(["unit", "value"], ascending=[True, False]).reset_index(drop=True)


def query_flow_pairs(engine: Engine, filters: Filters, kind: str = "new_displacement", top: int | None = None,
                     ranked_by: dict[str, float] | None = None) -> pd.DataFrame:
    """Totals per origin→destination pair and unit over the window, with both ends' coordinates.

    With `top`, only the `top` largest pairs, ranked by the sum over units of value ×
    `ranked_by[unit]` (households at a household size beside persons at 1, or one unit at 1),
    and only the rows of those units: what a Sankey or a flow map of that unit draws. Ties are
    broken by the ends' ids, so the same data always gives the same pairs.

    Columns: origin_key, origin_pcode, origin, origin_ar, origin_lat, origin_lon, destination_key,
    destination_pcode, destination, destination_ar, destination_lat, destination_lon, unit,
    from_text, value, reports. Largest first.
    """
    _check(None, kind)
    if top is not None and not ranked_by:
        raise ValueError("top needs ranked_by: the units (and their weights) pairs are ranked by")
    weeks, added, taken = window_parts(filters.start, filters.end)
    inside = _area(filters)
    parts = [_raw_pair_rows(filters, kind, inside, days) for days in added]
    parts += [_raw_pair_rows(filters, kind, inside, days, sign=-1) for days in taken]
    if weeks:
        parts += _summary_pair_rows(filters, kind, inside, weeks)
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("pair_rows")
    if top is None:
        totals = _pair_totals(rows)
        return _pairs_frame(_frame(engine, _pair_ends(totals, (totals.c.unit, totals.c.from_text, totals.c.value,
                                                              totals.c.reports))))
    totals = _top_pair_totals(rows, top, ranked_by)
    wide = _frame(engine, _pair_ends(totals, [c for c in totals.c if c.name.startswith(("value_", "reports_"))]))
    ends = [c for c in wide.columns if not c.startswith(("value_", "reports_"))]
    long = pd.concat([wide[ends].assign(unit=unit, from_text=from_text, value=wide[f"value_{n}"],
                                        reports=wide[f"reports_{n}"])
                      for unit, from_text, n in _pivoted(ranked_by)], ignore_index=True)
    return _pairs_frame(long[long["reports"].fillna(0) > 0].astype({"reports": int}))


def query_flow_pairs_raw(engine: Engine, filters: Filters, kind: str = "new_displacement") -> pd.DataFrame:
    """query_flow_pairs computed from the raw rows only, as it was before the summaries: the
    reference (slow; tests and benchmarks)."""
    _check(None, kind)
    f = displacement_figure
    origin, destination = place.alias("origin"), place.alias("destination")
    origin_name = func.coalesce(origin.c.name_en, f.c.origin_name_raw)
    destination_name = func.coalesce(destination.c.name_en, f.c.destination_name_raw)
    from_text = (f.c.provider == TEXT_PROVIDER)
    groups = (origin.c.place_key, origin.c.pcode, origin_name, origin.c.name_ar, origin.c.lat, origin.c.lon,
              destination.c.place_key, destination.c.pcode, destination_name, destination.c.name_ar,
              destination.c.lat, destination.c.lon, f.c.unit, from_text)
    query = (
        select(origin.c.place_key.label("origin_key"), origin.c.pcode.label("origin_pcode"),
               origin_name.label("origin"), origin.c.name_ar.label("origin_ar"), origin.c.lat.label("origin_lat"),
               origin.c.lon.label("origin_lon"), destination.c.place_key.label("destination_key"),
               destination.c.pcode.label("destination_pcode"), destination_name.label("destination"),
               destination.c.name_ar.label("destination_ar"), destination.c.lat.label("destination_lat"),
               destination.c.lon.label("destination_lon"), f.c.unit, from_text.label("from_text"),
               func.sum(f.c.figure).label("value"), func.count().label("reports"))
        .select_from(f.outerjoin(origin, origin.c.place_id == f.c.origin_place_id)
                     .outerjoin(destination, destination.c.place_id == f.c.destination_place_id))
        .where(*_raw_counted(filters, kind, _area(filters)))
        .group_by(*groups)
    )
    return _pairs_frame(_frame(engine, query))


def query_weekly_pairs(engine: Engine, filters: Filters, kind: str = "new_displacement") -> pd.DataFrame:
    """query_flow_pairs for each week (Monday) of the window, each cut to the window, with its `week`.

    The finest cells both the weekly charts by place and the pair charts can be summed from:
    small counts are banded on these before any sum (charts/suppress.py), so a place's weekly
    total and the pairs it is made of never differ by an exact small count.

    The weeks lying wholly inside the window are one read of the weekly pair summary, grouped by
    week and pair; only the days at the window's ends (at most two part weeks) are read as
    query_flow_pairs of those days (a query per week took a year's window to 52 queries).
    """
    _check(None, kind)
    whole, edges = split_window(filters.start, filters.end)
    weeks = []
    if whole:
        s = summary_flow_pair_week
        rows = (_pair_summary_select(s, filters, kind, _area(filters), s.c.week_start.between(*whole))
                .add_columns(s.c.week_start).subquery("pair_rows"))
        totals = _pair_totals(rows, by=(rows.c.week_start,))
        frame = _frame(engine, _pair_ends(totals, (totals.c.unit, totals.c.from_text, totals.c.value,
                                                   totals.c.reports, _as_text(totals.c.week_start))))
        if not frame.empty:
            frame["week"] = [date.fromisoformat(day[:10]) for day in frame.pop("day")]
            weeks.append(_pairs_frame(frame))
    for first, last in edges:
        pairs = query_flow_pairs(engine, replace(filters, start=first, end=last), kind)
        if not pairs.empty:
            weeks.append(pairs.assign(week=first - timedelta(days=first.weekday())))
    if not weeks:
        return pd.DataFrame(columns=["week", *PAIR_COLUMNS])
    frame = pd.concat(weeks, ignore_index=True)
    return frame[["week", *PAIR_COLUMNS]].sort_values(["week", "unit", "value"], ascending=[True, True, False],
                                                      kind="stable").reset_index(drop=True)


DAILY_PAIR_COLUMNS = ["day", "origin_place_id", "origin_name_raw", "destination_place_id", "destination_name_raw",
                      "unit", "from_text", "value", "reports"]


def query_daily_pairs(engine: Engine, filters: Filters, kind: str = "new_displacement") -> pd.DataFrame:
    """Per day of the window and origin→destination pair (ids, or the names as written when
    unresolved), unit and from_text: the sum of the figures and how many reports gave them.

    The cells the home page's daily totals are summed from once their small counts are banded
    (charts/suppress.py): a day's total holds each pair at no finer value than the Flows page
    shows it, so a day minus the pairs shown elsewhere does not give back an exact small count.
    Read from the raw rows through the date index (the day summaries hold no places).
    """
    _check(None, kind)
    f = displacement_figure
    day = figure_day()
    origin_raw = unplaced_name(f.c.origin_place_id, f.c.origin_name_raw)
    destination_raw = unplaced_name(f.c.destination_place_id, f.c.destination_name_raw)
    from_text = f.c.provider == TEXT_PROVIDER  # one expression in SELECT and GROUP BY (PostgreSQL)
    groups = (day, f.c.origin_place_id, origin_raw, f.c.destination_place_id, destination_raw, f.c.unit, from_text)
    query = (
        select(day.label("day"), f.c.origin_place_id, origin_raw.label("origin_name_raw"), f.c.destination_place_id,
               destination_raw.label("destination_name_raw"), f.c.unit, from_text.label("from_text"),
               func.sum(f.c.figure).label("value"), func.count().label("reports"))
        .where(*_raw_counted(filters, kind, _area(filters), (filters.start, filters.end)))
        .group_by(*groups)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=DAILY_PAIR_COLUMNS)
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    frame["from_text"] = frame["from_text"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    return frame[DAILY_PAIR_COLUMNS].sort_values(["day", "unit", "value"], kind="stable").reset_index(drop=True)


# --- accepted text reports without a figure ------------------------------------------------------------

UNQUANTIFIED_COLUMNS = ["figure_id", "week", "figure_kind", "unit", "place_key", "pcode", "place"]


def query_unquantified_reports(engine: Engine, filters: Filters, kind: str = "new_displacement",
                               side: str = "origin", *, with_quotes: bool = False) -> pd.DataFrame:
    """Facts read from text reports that a person accepted but that hold no figure ("families fled
    Hama", qualifier 'vague'), one row each, in the window: they count nowhere, so the weekly charts
    mark them (charts/weeks.add_no_figure_markers) instead of leaving no trace.

    Columns UNQUANTIFIED_COLUMNS, the place being the fact's `side` (its name as written when
    unresolved, UNPLACED when not given), and `quote` only `with_quotes` (a role that may see
    quotes: access.policy.Permission.SEE_QUOTES). Any unit: a report without a figure is not a
    count of persons or households. With an area, a fact with either end inside it is kept.
    """
    _check(side, kind)
    f = displacement_figure
    place_id = f.c.origin_place_id if side == "origin" else f.c.destination_place_id
    raw = f.c.origin_name_raw if side == "origin" else f.c.destination_name_raw
    columns = [f.c.figure_id, _as_text(figure_day()), f.c.figure_kind, f.c.unit, place.c.place_key, place.c.pcode,
               func.coalesce(place.c.name_en, raw).label("place"), *([f.c.quote] if with_quotes else [])]
    query = (select(*columns).select_from(f.outerjoin(place, place.c.place_id == place_id))
             .where(f.c.provider == TEXT_PROVIDER, f.c.review_status == "accepted", f.c.figure.is_(None),
                    f.c.figure_kind == kind, figure_day().between(filters.start, filters.end),
                    *_narrowing(filters, _area(filters), (f.c.origin_place_id, f.c.destination_place_id), f.c.unit,
                                f.c.provider))
             .order_by(figure_day(), f.c.figure_id))
    frame = _frame(engine, query)
    if frame.empty:
        return pd.DataFrame(columns=[*UNQUANTIFIED_COLUMNS, *(["quote"] if with_quotes else [])])
    frame["week"] = mondays(frame.pop("day"))
    frame["place"] = frame["place"].fillna(UNPLACED)
    return frame[[*UNQUANTIFIED_COLUMNS, *(["quote"] if with_quotes else [])]].reset_index(drop=True)
