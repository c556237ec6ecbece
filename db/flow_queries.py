"""Queries of the flow pages: displacement by place and week, origin→destination pairs.

Counted as everywhere (db.queries): tabular rows and accepted text facts, no running totals,
no vague reports (they have no number). Units are never added together here; a page may
convert households to persons with a household size the user sets, and says so.
A row whose place is unresolved is kept under its name as written, with no p-code.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, func, select

from db import vocab
from db.filters import Filters, narrowing
from db.queries import TEXT_PROVIDER, _frame
from db.schema import displacement_figure, place

FLOW_SIDES = ("origin", "destination")
FLOW_KINDS = ("new_displacement", "return", "arrival")  # kinds with a direction; a stock is not a flow
UNPLACED = "(place not given)"


def _day():
    return func.coalesce(displacement_figure.c.period_end, displacement_figure.c.period_start)


def _counted(filters: Filters, kind: str) -> list:
    f = displacement_figure
    if kind not in FLOW_KINDS:
        raise ValueError(f"kind must be one of {FLOW_KINDS}")
    return [
        f.c.figure_kind == kind,
        f.c.is_cumulative.is_(False),
        f.c.review_status.in_(vocab.COUNTED_REVIEW_STATUSES),
        f.c.figure.is_not(None),
        _day().between(filters.start, filters.end),
        *narrowing(filters, place_columns=(f.c.origin_place_id, f.c.destination_place_id), unit=f.c.unit,
                   provider=f.c.provider),
    ]


def monday(days: pd.Series) -> pd.Series:
    days = pd.to_datetime(days)
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.date


def query_weekly_flows(engine: Engine, filters: Filters, side: str = "origin",
                       kind: str = "new_displacement") -> pd.DataFrame:
    """Displacement of one kind per week (Monday), place (as origin or destination) and unit.

    With an area, only flows that start or end inside it count. Columns: week, place_key,
    pcode, place, unit, from_text, value.
    """
    if side not in FLOW_SIDES:
        raise ValueError(f"side must be one of {FLOW_SIDES}")
    f = displacement_figure
    place_id = f.c.origin_place_id if side == "origin" else f.c.destination_place_id
    raw = f.c.origin_name_raw if side == "origin" else f.c.destination_name_raw
    name = func.coalesce(place.c.name_en, raw)
    from_text = (f.c.provider == TEXT_PROVIDER).label("from_text")
    query = (
        select(_day().label("day"), place.c.place_key, place.c.pcode, name.label("place"), f.c.unit, from_text,
               func.sum(f.c.figure).label("value"))
        .select_from(f.outerjoin(place, place.c.place_id == place_id))
        .where(*_counted(filters, kind))
        .group_by(_day(), place.c.place_key, place.c.pcode, name, f.c.unit, from_text)
    )
    frame = _frame(engine, query)
    columns = ["week", "place_key", "pcode", "place", "unit", "from_text", "value"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["week"] = monday(frame["day"])
    frame["place"] = frame["place"].fillna(UNPLACED)
    frame["from_text"] = frame["from_text"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    keys = ["week", "place_key", "pcode", "place", "unit", "from_text"]
    weekly = frame.groupby(keys, dropna=False, as_index=False)["value"].sum()
    return weekly[columns].sort_values(["week", "unit", "value"], ascending=[True, True, False]).reset_index(drop=True)


def query_flow_pairs(engine: Engine, filters: Filters, kind: str = "new_displacement") -> pd.DataFrame:
    """Totals per origin→destination pair and unit over the window, with both ends' coordinates.

    Columns: origin_key, origin_pcode, origin, origin_ar, origin_lat, origin_lon, destination_key,
    destination_pcode, destination, destination_ar, destination_lat, destination_lon, unit,
    from_text, value, reports. Largest first.
    """
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
        .where(*_counted(filters, kind))
        .group_by(*groups)
    )
    frame = _frame(engine, query)
    if frame.empty:
        return frame
    frame["origin"] = frame["origin"].fillna(UNPLACED)
    frame["destination"] = frame["destination"].fillna(UNPLACED)
    frame["from_text"] = frame["from_text"].astype(bool)
    frame["value"] = frame["value"].astype(float)
    return frame.sort_values(["unit", "value"], ascending=[True, False]).reset_index(drop=True)
