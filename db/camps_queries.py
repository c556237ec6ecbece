"""Queries of the Camps and sites page: site populations by area over time, net change, largest sites.

Every function takes the page's `Filters` (window, area, sources) plus the site types a user
picked (validated against vocab.SITE_TYPES here, whatever the caller passes) and one unit,
`individuals` or `households`: the two are different units and are never added together.

How counts are read, everywhere in this module and in the home page's "people in sites"
(query_sites_in_window is the one rule both use):
- Only counts inside the window count; a count before the window is not carried into it (a
  July 2020 site list is not summed as the people in sites of December 2024).
- A row without a count in the chosen unit (e.g. households only) is no count in that unit.
- When two providers counted one site on the same day, the larger count is used (never the sum:
  both counted the same people).
- A site belongs to the district and governorate found by walking `place.parent_id` up from the
  site (sites hang under a community, subdistrict or district); the area filter applies to the
  site's own place.

Aggregation happens in SQL: per site, the change from its previous count in the window (LAG);
per reporting date and area, the sum of those changes. A site's first count in the window is its
whole count. The running sum of the changes of an area is then, on every reporting date, the sum
over its sites of each site's latest count on or before that date (carry-forward), which pandas
takes on a frame of (dates × areas) rows.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, Integer, and_, cast, func, select

from db import vocab
from db.filters import Filters, narrowing
from db.queries import _frame
from db.schema import place, site, site_population
from db.summary import plausible_site_count

SITE_UNITS = ("individuals", "households")
AREA_LEVELS = ("governorate", "district")
NO_AREA = {"governorate": "(no governorate)", "district": "(no district)"}
AREA_COLUMNS = ["area_key", "area_pcode", "area_name", "area_name_ar"]
SITE_COLUMNS = ["site_key", "site_pcode", "site_code", "site_name", "site_name_ar", "site_type",
                "governorate_pcode", "governorate_name", "district_pcode", "district_name", "lat", "lon"]


def valid_site_types(site_types) -> tuple[str, ...]:
    """The given site types that are in vocab.SITE_TYPES, in vocabulary order; anything else is dropped."""
    wanted = set(site_types or ())
    return tuple(t for t in vocab.SITE_TYPES if t in wanted)


def _unit_column(unit: str):
    if unit not in SITE_UNITS:
        raise ValueError(f"unit must be one of {SITE_UNITS}")
    return site_population.c[unit]


def _site_rows(filters: Filters, site_types) -> "select":
    """One row per site the filters keep, with its district and governorate (walking parent_id up)."""
    site_place = place.alias("site_place")
    start = (select(site.c.place_id.label("site_id"), site_place.c.parent_id.label("ancestor_id"))
             .select_from(site.join(site_place, site_place.c.place_id == site.c.place_id))
             .where(site_place.c.parent_id.is_not(None)))
    ancestors = start.cte("site_ancestor", recursive=True)
    step = place.alias("step")
    ancestors = ancestors.union_all(
        select(ancestors.c.site_id, step.c.parent_id)
        .select_from(ancestors.join(step, step.c.place_id == ancestors.c.ancestor_id))
        .where(step.c.parent_id.is_not(None)))

    def ancestor_of_kind(kind: str):
        area = place.alias(f"{kind}_place")
        return (select(ancestors.c.site_id, area.c.place_key.label("key"), area.c.pcode.label("pcode"),
                       area.c.name_en.label("name"), area.c.name_ar.label("name_ar"))
                .select_from(ancestors.join(area, area.c.place_id == ancestors.c.ancestor_id))
                .where(area.c.kind == kind).subquery(f"site_{kind}"))

    governorate, district = ancestor_of_kind("governorate"), ancestor_of_kind("district")
    site_place = place.alias("site_own_place")
    types = valid_site_types(site_types)
    clauses = narrowing(filters, place_columns=(site.c.place_id,))
    if types:
        clauses.append(site.c.site_type.in_(types))
    return (
        select(site.c.place_id.label("site_id"), site_place.c.place_key.label("site_key"),
               site_place.c.pcode.label("site_pcode"), site.c.site_code, site_place.c.name_en.label("site_name"),
               site_place.c.name_ar.label("site_name_ar"), site.c.site_type,
               governorate.c.key.label("governorate_key"), governorate.c.pcode.label("governorate_pcode"),
               governorate.c.name.label("governorate_name"), governorate.c.name_ar.label("governorate_name_ar"),
               district.c.key.label("district_key"), district.c.pcode.label("district_pcode"),
               district.c.name.label("district_name"), district.c.name_ar.label("district_name_ar"),
               site_place.c.lat, site_place.c.lon)
        .select_from(site.join(site_place, site_place.c.place_id == site.c.place_id)
                     .outerjoin(governorate, governorate.c.site_id == site.c.place_id)
                     .outerjoin(district, district.c.site_id == site.c.place_id))
        .where(*clauses)
        .subquery("site_row")
    )


def _daily_counts(filters: Filters, unit: str, sites):
    """One count per site and reporting date in the window (the larger when providers differ)."""
    sp = site_population
    value = _unit_column(unit)
    return (
        select(sp.c.site_id, sp.c.reported_date, func.max(value).label("value"))
        .where(sp.c.reported_date.between(filters.start, filters.end), value.is_not(None),
               sp.c.site_id.in_(select(sites.c.site_id)), *plausible_site_count(),
               *narrowing(filters, provider=sp.c.provider))
        .group_by(sp.c.site_id, sp.c.reported_date)
        .subquery("daily_count")
    )


def _as_dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.date


def query_site_changes(engine: Engine, filters: Filters, unit: str = "individuals", level: str = "governorate",
                       site_types=()) -> pd.DataFrame:
    """Per reporting date and area: the sum of each reporting site's change since its previous count.

    Columns: reported_date, area_key, area_pcode, area_name, area_name_ar, change (first counts
    in the window count whole), net_change (only changes between two counts of a site),
    sites_reporting, changes (how many sites had a previous count), first_counts.
    Areas without a district or governorate get NO_AREA as name and no key.
    """
    if level not in AREA_LEVELS:
        raise ValueError(f"level must be one of {AREA_LEVELS}")
    sites = _site_rows(filters, site_types)
    daily = _daily_counts(filters, unit, sites)
    previous = func.lag(daily.c.value).over(partition_by=daily.c.site_id, order_by=daily.c.reported_date)
    stepped = select(daily.c.site_id, daily.c.reported_date, daily.c.value, previous.label("previous")).subquery(
        "stepped")
    area = [sites.c[f"{level}_key"], sites.c[f"{level}_pcode"], sites.c[f"{level}_name"], sites.c[f"{level}_name_ar"]]
    query = (
        select(stepped.c.reported_date, *(c.label(n) for c, n in zip(area, AREA_COLUMNS)),
               func.sum(stepped.c.value - func.coalesce(stepped.c.previous, 0)).label("change"),
               func.coalesce(func.sum(stepped.c.value - stepped.c.previous), 0).label("net_change"),
               func.count().label("sites_reporting"),
               func.count(stepped.c.previous).label("changes"))
        .select_from(stepped.join(sites, sites.c.site_id == stepped.c.site_id))
        .group_by(stepped.c.reported_date, *area)
        .order_by(stepped.c.reported_date, *area)
    )
    frame = _frame(engine, query)
    columns = ["reported_date", *AREA_COLUMNS, "change", "net_change", "sites_reporting", "changes", "first_counts"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["reported_date"] = _as_dates(frame["reported_date"])
    frame["area_name"] = frame["area_name"].fillna(NO_AREA[level])
    for name in ("change", "net_change", "sites_reporting", "changes"):
        frame[name] = frame[name].astype("int64")
    frame["first_counts"] = frame["sites_reporting"] - frame["changes"]
    return frame[columns]


def query_site_counts(engine: Engine, filters: Filters, unit: str = "individuals", level: str = "governorate",
                      site_types=()) -> pd.DataFrame:
    """Each site's count on each of its reporting dates in the window, with its area at `level`.

    The cells the page bands before summing (charts/suppress.py): query_site_changes sums sites
    in SQL, so a small site's exact count would be inside every area total. `site_changes` turns
    these rows (banded or not) into query_site_changes' frame. Columns: site_id, reported_date,
    area_key, area_pcode, area_name, area_name_ar, value.
    """
    if level not in AREA_LEVELS:
        raise ValueError(f"level must be one of {AREA_LEVELS}")
    sites = _site_rows(filters, site_types)
    daily = _daily_counts(filters, unit, sites)
    area = [sites.c[f"{level}_key"], sites.c[f"{level}_pcode"], sites.c[f"{level}_name"], sites.c[f"{level}_name_ar"]]
    query = (select(daily.c.site_id, daily.c.reported_date, *(c.label(n) for c, n in zip(area, AREA_COLUMNS)),
                    daily.c.value)
             .select_from(daily.join(sites, sites.c.site_id == daily.c.site_id))
             .order_by(daily.c.site_id, daily.c.reported_date))
    frame = _frame(engine, query)
    columns = ["site_id", "reported_date", *AREA_COLUMNS, "value"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["reported_date"] = _as_dates(frame["reported_date"])
    frame["area_name"] = frame["area_name"].fillna(NO_AREA[level])
    frame["value"] = frame["value"].astype(float)
    return frame[columns]


def site_changes(counts: pd.DataFrame, small_change: float = 0) -> pd.DataFrame:
    """query_site_changes' frame computed from query_site_counts' rows (after banding, if any).

    Each site's change from its previous count in the window (its first count counts whole), summed
    per reporting date and area. When the rows carry charts.suppress' `is_suppressed` flag,
    `banded_change` is the same for the flag (+1 when a site's count becomes banded, -1 when it
    stops), so population_by_area can tell which carried-forward totals hold a banded count.
    With `small_change`, a site's net change whose size is under it is taken at ±small_change
    before the sum (a site is the finest cell: an area's or a governorate's sum then never
    differs from a district's by an exact small change) and counted in `banded_changes`.
    """
    columns = ["reported_date", *AREA_COLUMNS, "change", "net_change", "sites_reporting", "changes", "first_counts"]
    flagged = "is_suppressed" in counts
    if flagged:
        columns.append("banded_change")
    if small_change:
        columns.append("banded_changes")
    if counts.empty:
        return pd.DataFrame(columns=columns)
    rows = counts.sort_values(["site_id", "reported_date"], kind="stable")
    previous = rows.groupby("site_id")["value"].shift()
    rows = rows.assign(change=rows["value"] - previous.fillna(0), net_change=(rows["value"] - previous).fillna(0),
                       changes=previous.notna().astype("int64"), sites_reporting=1)
    if flagged:
        flag = rows["is_suppressed"].astype("int64")
        rows = rows.assign(banded_change=flag - flag.groupby(rows["site_id"]).shift().fillna(0).astype("int64"))
    if small_change:
        net = rows["net_change"]
        is_small = (net != 0) & (net.abs() < small_change)
        signs = net.apply(lambda v: -1.0 if v < 0 else 1.0)
        rows = rows.assign(net_change=net.where(~is_small, small_change * signs), banded_changes=is_small.astype("int64"))
    sums = ["change", "net_change", "sites_reporting", "changes"] + (["banded_change"] if flagged else []) + (
        ["banded_changes"] if small_change else [])
    frame = rows.groupby(["reported_date", *AREA_COLUMNS], dropna=False, as_index=False)[sums].sum()
    frame["first_counts"] = frame["sites_reporting"] - frame["changes"]
    return frame[columns].sort_values(["reported_date", "area_name"], kind="stable").reset_index(drop=True)


def population_by_area(changes: pd.DataFrame) -> pd.DataFrame:
    """Carry-forward population per reporting date and area, from query_site_changes.

    On each date any site reported, an area's population is the running sum of its sites'
    changes: each site's latest count on or before that date. Rows before an area's first count
    are left out. Columns: reported_date, area_key, area_pcode, area_name, area_name_ar,
    population, sites_counted (sites with a count on or before that date), and when `changes`
    has `banded_change` (site_changes of banded counts), is_suppressed: the population holds a
    site's banded count.
    """
    flagged = "banded_change" in changes
    columns = ["reported_date", *AREA_COLUMNS, "population", "sites_counted"] + (["is_suppressed"] if flagged else [])
    if changes.empty:
        return pd.DataFrame(columns=columns)
    areas = changes[AREA_COLUMNS].drop_duplicates().reset_index(drop=True)
    areas["area_id"] = areas.index
    rows = changes.merge(areas, on=AREA_COLUMNS, how="left")  # merge matches NaN keys (no area) too
    dates = sorted(rows["reported_date"].unique())
    grid = pd.MultiIndex.from_product([dates, areas["area_id"]], names=["reported_date", "area_id"])
    sums = ["change", "first_counts"] + (["banded_change"] if flagged else [])
    summed = (rows.groupby(["reported_date", "area_id"])[sums].sum().reindex(grid, fill_value=0).groupby(level="area_id").cumsum())
    summed = summed.rename(columns={"change": "population", "first_counts": "sites_counted"}).reset_index()
    if flagged:
        summed["is_suppressed"] = summed.pop("banded_change") > 0
    summed = summed[summed["sites_counted"] > 0].merge(areas, on="area_id")
    return summed[columns].sort_values(["reported_date", "area_name"]).reset_index(drop=True)


def weekly_net_change(changes: pd.DataFrame) -> pd.DataFrame:
    """Net change between consecutive counts, summed per week (Monday of the later count) and area.

    Only weeks and areas with at least one pair of consecutive counts are kept. Columns: week,
    area_key, area_pcode, area_name, area_name_ar, net_change, changes (and banded_changes when
    `changes` has it: site_changes with small_change).
    """
    sums = ["net_change", "changes"] + (["banded_changes"] if "banded_changes" in changes else [])
    columns = ["week", *AREA_COLUMNS, *sums]
    rows = changes[changes["changes"] > 0] if not changes.empty else changes
    if rows.empty:
        return pd.DataFrame(columns=columns)
    days = pd.to_datetime(rows["reported_date"])
    rows = rows.assign(week=(days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date)
    weekly = rows.groupby(["week", *AREA_COLUMNS], dropna=False, as_index=False)[sums].sum()
    return weekly[columns].sort_values(["week", "area_name"]).reset_index(drop=True)


def query_latest_site_counts(engine: Engine, filters: Filters, unit: str = "individuals", site_types=(),
                             limit: int | None = None) -> pd.DataFrame:
    """Each site's latest count in the window, largest first (ties by name).

    Columns: site_key, site_pcode, site_code, site_name, site_name_ar, site_type,
    governorate_pcode, governorate_name, district_pcode, district_name, lat, lon, latest_count,
    latest_date.
    """
    sites = _site_rows(filters, site_types)
    daily = _daily_counts(filters, unit, sites)
    latest = (select(daily.c.site_id, func.max(daily.c.reported_date).label("latest_date"))
              .group_by(daily.c.site_id).subquery("latest"))
    query = (
        select(*(sites.c[name] for name in SITE_COLUMNS), daily.c.value.label("latest_count"), latest.c.latest_date)
        .select_from(latest.join(daily, and_(daily.c.site_id == latest.c.site_id,
                                             daily.c.reported_date == latest.c.latest_date))
                     .join(sites, sites.c.site_id == latest.c.site_id))
        .order_by(daily.c.value.desc(), sites.c.site_name, sites.c.site_key)
    )
    if limit is not None:
        query = query.limit(max(int(limit), 0))
    frame = _frame(engine, query)
    columns = [*SITE_COLUMNS, "latest_count", "latest_date"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["latest_date"] = _as_dates(frame["latest_date"])
    frame["latest_count"] = frame["latest_count"].astype("int64")
    return frame[columns]


def query_sites_in_window(engine: Engine, filters: Filters, site_types=()) -> pd.DataFrame:
    """Per site with a count in the window: its latest count in each unit and the date of it.

    The home page's "people in sites" sums `individuals` here; the Camps page's largest sites and
    population over time read the same latest counts (query_latest_site_counts), so the two
    agree. Columns: site_key, individuals, individuals_date, households, households_date (NaN /
    None where a site has no count in that unit in the window).
    """
    columns = ["site_key", *(f"{unit}{suffix}" for unit in SITE_UNITS for suffix in ("", "_date"))]
    frames = []
    for unit in SITE_UNITS:
        latest = query_latest_site_counts(engine, filters, unit, site_types)
        frames.append(latest[["site_key", "latest_count", "latest_date"]].rename(
            columns={"latest_count": unit, "latest_date": f"{unit}_date"}))
    frame = frames[0].merge(frames[1], on="site_key", how="outer")
    if frame.empty:
        return pd.DataFrame(columns=columns)
    for unit in SITE_UNITS:
        frame[unit] = frame[unit].astype(float)
    return frame[columns].sort_values("site_key").reset_index(drop=True)


def query_site_sources(engine: Engine, filters: Filters, unit: str = "individuals", site_types=()) -> pd.DataFrame:
    """The sources of the site counts the page draws (_daily_counts' rows), for its captions and
    demo label: db.provenance.SOURCE_COLUMNS, one row per provider."""
    from db.provenance import sources_of_rows

    sites = _site_rows(filters, site_types)
    sp = site_population
    value = _unit_column(unit)
    rows = (select(sp.c.provider, sp.c.batch_id, sp.c.reported_date.label("d"))
            .where(sp.c.reported_date.between(filters.start, filters.end), value.is_not(None),
                   sp.c.site_id.in_(select(sites.c.site_id)), *plausible_site_count(),
                   *narrowing(filters, provider=sp.c.provider)))
    return sources_of_rows(engine, rows)


def query_site_count_dates(engine: Engine) -> tuple[date | None, date | None, int]:
    """First and last reporting date of any site count, and how many sites have counts (for empty states)."""
    sp = site_population
    query = select(func.min(sp.c.reported_date), func.max(sp.c.reported_date),
                   cast(func.count(sp.c.site_id.distinct()), Integer)).where(*plausible_site_count())
    with engine.connect() as conn:
        first, last, sites = conn.execute(query).one()
    as_date = (lambda v: pd.to_datetime(v).date() if v is not None else None)
    return as_date(first), as_date(last), int(sites or 0)
