"""Camps and sites: population by area over time, weekly net change, the largest sites, a site map.

Pure: frames from db.camps_queries in, plotly figures out (graph_objects only). Each figure draws
one unit (individuals or households); the unit is passed in and named on the axis, never mixed.
The `shown_*` / `largest_sites` / `mapped_sites` helpers return exactly the rows a figure draws,
so the page's CSV downloads and the figures cannot disagree.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import new_figure
from charts.basemap import basemap_traces, label_annotations, lay_out_map, place_label_positions, view_bounds
from charts.colours import place_colours
from charts.suppress import SUPPRESSED, SmallCounts, count_text, count_texts
from charts.weeks import MAX_TICKS, apply_week_axis, day_axis, hover_labels, week_keys, weeks_of
from db import vocab
from gazetteer.boundaries import shipped_admin1

OTHER_AREAS = "other areas"
TOP_AREAS = 10
TOP_SITES = 15
LABELLED_SITES = 25  # the map writes names beside this many of the largest sites; all have hover text
FONT = {"family": "DejaVu Sans, Arial, sans-serif"}
# One colour per site type, the same on the bar chart and the map (colour-blind-safe Okabe–Ito).
# A site's individuals are counts of persons for charts/suppress.py's thresholds.
BANDED_UNITS = {"individuals": "persons", "households": "households"}
# The map's marker diameters (px) come in bands of the latest count: a continuous size would let
# the browser's marker sizes be read back to the exact count. The first band holds every banded
# (small) count with the counts up to 49, so a small site's marker looks like any other under 50.
MARKER_BANDS = ((50, 6.0), (100, 9.0), (500, 13.0), (1_000, 18.0), (5_000, 24.0), (10_000, 31.0), (50_000, 38.0))
LARGEST_MARKER = 46.0
SITE_TYPE_COLOURS = dict(zip(vocab.SITE_TYPES, ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                                "#56B4E9", "#7F7F7F")))


def site_type_label(site_type: str) -> str:
    return str(site_type).replace("_", " ")


def site_label(name_en, name_ar) -> str:
    """"English · Arabic", or the English name alone when there is no Arabic one."""
    name = name_en if isinstance(name_en, str) and name_en else "(unnamed site)"
    return f"{name} · {name_ar}" if isinstance(name_ar, str) and name_ar else name


def band_site_counts(sites: pd.DataFrame, unit: str, small: SmallCounts) -> pd.DataFrame:
    """db.camps_queries.query_latest_site_counts' rows with each small latest count raised to its
    threshold and flagged in SUPPRESSED, before any chart, table or total is made of them."""
    return small.band(sites.assign(unit=BANDED_UNITS[unit]), "latest_count").drop(columns="unit")


def band_counts(counts: pd.DataFrame, unit: str, small: SmallCounts) -> pd.DataFrame:
    """db.camps_queries.query_site_counts' rows banded the same way (each site's count on each date)."""
    return small.band(counts.assign(unit=BANDED_UNITS[unit])).drop(columns="unit")


def net_change_text(value, suppressed: bool = False, summed: bool = False) -> str:
    """A net change as shown: "+250", "<10" / "−<10" for a banded one, "≈+240" for a sum holding one."""
    if pd.isna(value):
        return ""
    sign = "−" if value < 0 else "+"
    if suppressed and not summed:
        return f"{'−' if value < 0 else ''}<{abs(value):,.0f}"
    return f"{'≈' if suppressed else ''}{sign}{abs(value):,.0f}"


def change_threshold(unit: str, small: SmallCounts) -> int:
    """The size under which a net change of `unit` is banded (db.camps_queries.site_changes' small_change)."""
    return small.threshold(BANDED_UNITS[unit])


def band_net_change(weekly: pd.DataFrame, unit: str, small: SmallCounts) -> pd.DataFrame:
    """Each week's and area's net change whose size is under the threshold drawn at ±threshold, and
    flagged in SUPPRESSED ("<10" / "−<10") with those summed from a site's banded change. Taken
    between banded counts, a change can still be small (250 → 253 is +3): it counts people moving,
    so each site's is banded before the sum (site_changes' small_change) and each sum again."""
    rows = weekly.copy()
    limit = change_threshold(unit, small)
    values = rows["net_change"].astype(float)
    is_small = (values != 0) & (values.abs() < limit)
    rows["net_change"] = values.where(~is_small, limit * values.apply(lambda v: -1.0 if v < 0 else 1.0))
    held = rows.pop("banded_changes").gt(0) if "banded_changes" in rows else pd.Series(False, index=rows.index)
    rows[SUPPRESSED] = is_small | held
    # "<10" for a change banded here or a site's banded change alone, "≈+360" for a sum holding one.
    alone = is_small | (held & rows["changes"].eq(1)) if "changes" in rows else is_small
    rows["shown_change"] = [net_change_text(v, flag, summed=not single)
                            for v, flag, single in zip(rows["net_change"], rows[SUPPRESSED], alone)]
    return rows


def shown_counts(rows: pd.DataFrame, columns: tuple[str, ...] = ("latest_count",)) -> pd.DataFrame:
    """The rows as downloaded and tabled: a count holding a banded part as text ("<10", "<1,260"; see
    charts.suppress.count_text), the others as numbers (as SmallCounts.table), the flag column dropped."""
    shown = rows.copy()
    flags = _flags(shown)
    for column in columns:
        if column in shown:
            shown[column] = [count_text(value, True) if flag else value for value, flag in zip(shown[column], flags)]
    return shown.drop(columns=[SUPPRESSED], errors="ignore")


def shown_net_changes(rows: pd.DataFrame) -> pd.DataFrame:
    """Net-change rows as downloaded: a change holding a banded one as text (band_net_change's "<10",
    "−<10", "≈+360"), the others as numbers; the flag and text columns dropped."""
    texts = ([t if f else v for v, f, t in zip(rows["net_change"], _flags(rows), rows["shown_change"])]
             if "shown_change" in rows else rows["net_change"])
    return rows.assign(net_change=texts).drop(columns=[SUPPRESSED, "shown_change"], errors="ignore")


def _flags(rows: pd.DataFrame) -> pd.Series:
    return rows[SUPPRESSED].eq(True) if SUPPRESSED in rows else pd.Series(False, index=rows.index)


def _largest(totals: pd.Series, top: int) -> set[str]:
    return set(totals.sort_values(ascending=False, kind="stable").head(top).index)


def _with_area_labels(rows: pd.DataFrame) -> pd.DataFrame:
    """`area_label`: the area's name, with its p-code when two areas of the frame share a name."""
    names = rows[["area_key", "area_name"]].drop_duplicates()
    shared = set(names["area_name"][names["area_name"].duplicated(keep=False)])
    labels = [f"{name} ({pcode})" if name in shared and isinstance(pcode, str) else name
              for name, pcode in zip(rows["area_name"], rows["area_pcode"])]
    return rows.assign(area_label=labels)


def shown_population(population: pd.DataFrame, top: int = TOP_AREAS) -> pd.DataFrame:
    """The population rows with `shown_as`: the area's name for the `top` largest areas (by their
    population on the last date they have), OTHER_AREAS for the rest."""
    if population.empty:
        return population.assign(area_label=pd.Series(dtype=object), shown_as=pd.Series(dtype=object))
    rows = _with_area_labels(population)
    last = rows.sort_values("reported_date").groupby("area_label")["population"].last()
    kept = _largest(last, top)
    return rows.assign(shown_as=rows["area_label"].where(rows["area_label"].isin(kept), OTHER_AREAS))


def shown_net_change(weekly: pd.DataFrame, top: int = TOP_AREAS) -> pd.DataFrame:
    """The weekly net-change rows with `shown_as`: the `top` areas with the largest net change in
    either direction keep their name, the rest are OTHER_AREAS."""
    if weekly.empty:
        return weekly.assign(area_label=pd.Series(dtype=object), shown_as=pd.Series(dtype=object))
    rows = _with_area_labels(weekly)
    moved = rows.groupby("area_label")["net_change"].apply(lambda v: v.abs().sum())
    kept = _largest(moved, top)
    return rows.assign(shown_as=rows["area_label"].where(rows["area_label"].isin(kept), OTHER_AREAS))


def _series_order(size: pd.Series) -> list[str]:
    """Largest series first, OTHER_AREAS last."""
    order = size.sort_values(ascending=False, kind="stable").index.tolist()
    return [name for name in order if name != OTHER_AREAS] + ([OTHER_AREAS] if OTHER_AREAS in order else [])


def build_population_over_time(population: pd.DataFrame, unit: str, level: str, title: str,
                               top: int = TOP_AREAS) -> go.Figure:
    """Stacked areas, one per governorate or district: on each reporting date, the sum of each
    site's latest count on or before it (`population` from db.camps_queries.population_by_area)."""
    rows = shown_population(population, top)
    drawn = (rows.assign(**{SUPPRESSED: _flags(rows)})
             .groupby(["reported_date", "shown_as"], as_index=False).agg(population=("population", "sum"),
                                                                         **{SUPPRESSED: (SUPPRESSED, "any")}))
    figure = new_figure()
    dates = sorted(set(drawn["reported_date"])) if not drawn.empty else []
    few = len(dates) <= MAX_TICKS
    if not drawn.empty:
        last = drawn.sort_values("reported_date").groupby("shown_as")["population"].last()
        colours = place_colours(list(last.index), (OTHER_AREAS,))  # never two areas of this chart alike
        for name in _series_order(last):
            part = drawn[drawn["shown_as"] == name].sort_values("reported_date")
            # Hover writes "<N" for a population holding a banded site count (charts/suppress.py).
            figure.add_trace(go.Scatter(
                # Markers too when the dates are few: one report date alone is a point, never a blank chart.
                x=part["reported_date"], y=part["population"], name=name, stackgroup="one",
                mode="lines+markers" if few else "lines", line={"color": colours[name]},
                marker={"size": 9, "color": colours[name]},
                customdata=count_texts(part, "population"),
                hovertemplate=f"{name}<br>%{{x}}<br>%{{customdata}} {unit}<extra></extra>"))
    figure.update_layout(title=title, legend={"title": {"text": level}},
                         margin={"t": 60, "b": 40}, font=FONT, hovermode="x unified")
    day_axis(figure, dates, "reporting date")
    figure.update_yaxes(title_text=f"{unit} in sites", rangemode="tozero")
    return figure


def build_net_arrivals(weekly: pd.DataFrame, unit: str, level: str, title: str, top: int = TOP_AREAS,
                       window=None) -> go.Figure:
    """Bars per week and area of the net change between consecutive site counts: above zero more
    people were counted than before (arrivals), below zero fewer (departures). One slot per week
    of `window` (start, end) with "week of …" ticks (charts/weeks.py); a week without a change has no bar."""
    rows = shown_net_change(weekly, top)
    if "shown_change" not in rows:
        rows = rows.assign(shown_change=[net_change_text(v) for v in rows["net_change"]])
    drawn = (rows.assign(**{SUPPRESSED: _flags(rows)})
             .groupby(["week", "shown_as"], as_index=False).agg(net_change=("net_change", "sum"),
                                                               parts=("net_change", "size"),
                                                               shown_change=("shown_change", "first"),
                                                               **{SUPPRESSED: (SUPPRESSED, "any")}))
    figure = new_figure()
    if not drawn.empty:
        moved = drawn.groupby("shown_as")["net_change"].apply(lambda v: v.abs().sum())
        colours = place_colours(list(moved.index), (OTHER_AREAS,))  # never two areas of this chart alike
        for name in _series_order(moved):
            part = drawn[drawn["shown_as"] == name].sort_values("week")
            # One area's row keeps its own text; "other areas" summed from several is written anew.
            texts = [text if n == 1 else net_change_text(v, bool(f), summed=True) for v, f, n, text in
                     zip(part["net_change"], part[SUPPRESSED], part["parts"], part["shown_change"])]
            figure.add_trace(go.Bar(
                x=week_keys(part["week"]), y=part["net_change"], name=name, customdata=texts,
                marker={"color": colours[name]},
                hovertext=hover_labels(part["week"]),
                hovertemplate=f"{name}<br>%{{hovertext}}<br>net %{{customdata}} {unit}<extra></extra>"))
    figure.update_layout(title=title, barmode="relative",
                         legend={"title": {"text": level}}, margin={"t": 60, "b": 40}, font=FONT)
    apply_week_axis(figure, weeks_of(drawn, window), "week (starting Monday) of the later count")
    figure.update_yaxes(title_text=f"net change, {unit}", zeroline=True, zerolinewidth=2,
                        zerolinecolor="#444444")
    return figure


def largest_sites(sites: pd.DataFrame, top: int = TOP_SITES) -> pd.DataFrame:
    """The `top` largest sites by latest count (the rows the bar chart draws), with their label."""
    rows = sites.sort_values(["latest_count", "site_name"], ascending=[False, True], kind="stable").head(top)
    labels = [site_label(n, a) for n, a in zip(rows["site_name"], rows["site_name_ar"])]
    # Two sites of one name would be one bar: tell them apart by their code or key.
    counts = pd.Series(labels).value_counts()
    labels = [label if counts[label] == 1 else f"{label} ({code if isinstance(code, str) and code else key})"
              for label, code, key in zip(labels, rows["site_code"], rows["site_key"])]
    return rows.assign(site_label=labels).reset_index(drop=True)


def build_largest_sites(sites: pd.DataFrame, unit: str, title: str, top: int = TOP_SITES) -> go.Figure:
    """Horizontal bars of the `top` largest sites by their latest count in the window, largest on top,
    coloured by site type."""
    rows = largest_sites(sites, top)
    hover = [f"{label}<br>{site_type_label(t)}<br>{count} {unit} on {day:%d %b %Y}<extra></extra>"
             for label, t, count, day in zip(rows["site_label"], rows["site_type"], count_texts(rows, "latest_count"),
                                             rows["latest_date"])]
    figure = new_figure(go.Bar(
        x=rows["latest_count"], y=rows["site_label"], orientation="h", name=f"latest count ({unit})",
        marker={"color": [SITE_TYPE_COLOURS.get(t, "#7F7F7F") for t in rows["site_type"]]},
        hovertemplate=hover))
    figure.update_layout(title=title, margin={"t": 60, "b": 40, "l": 10}, font=FONT,
                         height=max(320, 60 + 28 * len(rows)))
    figure.update_xaxes(title_text=f"{unit}, latest count in the window")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


def mapped_sites(sites: pd.DataFrame) -> pd.DataFrame:
    """The sites the map draws: those with coordinates."""
    return sites.dropna(subset=["lat", "lon"]).reset_index(drop=True)


def marker_size(count: float) -> float:
    """Marker diameter in pixels by the band of the count (MARKER_BANDS): 6 px under 50, 46 px from 50,000."""
    if pd.isna(count):
        return MARKER_BANDS[0][1]
    return next((size for limit, size in MARKER_BANDS if count < limit), LARGEST_MARKER)


def build_site_map(sites: pd.DataFrame, unit: str, title: str, labelled: int = LABELLED_SITES,
                   admin1: list | None = None) -> go.Figure:
    """Sites at their coordinates, sized by the band of their latest count, one colour (and legend entry) per site type.

    On the offline base map of charts.basemap (coastlines, borders, admin 1 boundaries: `admin1`
    GeoJSON features, None for the shipped ones), as charts.flows.build_flow_map.
    The `labelled` largest sites carry their name "English · Arabic" beside the marker where it has room
    (never over another label), every site its name in the hover.
    """
    rows = mapped_sites(sites)
    lon_range, lat_range = view_bounds(rows["lon"], rows["lat"])
    figure = new_figure(basemap_traces(lon_range, lat_range, shipped_admin1() if admin1 is None else admin1))
    for site_type in [t for t in vocab.SITE_TYPES if t in set(rows["site_type"])]:
        part = rows[rows["site_type"] == site_type].sort_values("latest_count", ascending=False)
        labels = [site_label(n, a) for n, a in zip(part["site_name"], part["site_name_ar"])]
        figure.add_trace(go.Scatter(
            x=part["lon"], y=part["lat"], mode="markers", name=site_type_label(site_type), text=labels,
            hovertext=[f"{label}<br>{site_type_label(site_type)}<br>{count} {unit} on {day:%d %b %Y}"
                       for label, count, day in zip(labels, count_texts(part, "latest_count"), part["latest_date"])],
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"size": [marker_size(c) for c in part["latest_count"]],
                    "color": SITE_TYPE_COLOURS.get(site_type, "#7F7F7F"), "opacity": 0.75,
                    "line": {"width": 1, "color": "#FFFFFF"}}))
    # The largest sites' names where they have room (charts.basemap.place_label_positions); all hover.
    places = rows.assign(value=rows["latest_count"].fillna(0),
                         text=[site_label(n, a) for n, a in zip(rows["site_name"], rows["site_name_ar"])])
    positions = place_label_positions(places, lon_range, lat_range, labelled)
    figure.update_layout(title=title, margin={"t": 60, "b": 40}, font=FONT,
                         annotations=label_annotations(places["lon"], places["lat"], places["text"], positions,
                                                       [marker_size(c) / 2 for c in places["latest_count"]]),
                         legend={"orientation": "h", "y": -0.05, "title": {"text": "site type"}})
    return lay_out_map(figure, lon_range, lat_range)
