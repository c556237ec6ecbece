"""Data quality: the loads and their issues, place names to link, and figures two sources may share."""

from __future__ import annotations

import streamlit as st

from access.policy import Permission
from charts.suppress import NONE, PAGES
from charts.quality import build_issue_chart
from db import queries, quality_queries
from db.quality_queries import DUPLICATE_PAIRS, DUPLICATE_TOLERANCE, FEW_BATCHES, ISSUE_ROWS
from ui.captions import area_name, chart_caption
from ui.cache import cached
from ui.downloads import chart_downloads, file_stem
from ui.filters import sidebar_filters
from ui.page import open_page
from ui.quality import decide_pair, link_or_dismiss, pair_table, param_batch, show_last_message
from ui.safe_text import literal
from ui.show import show_chart, show_table

SHOWN_PAIRS = 20  # pairs per page run: deciding is done a few at a time

page = open_page("Data quality", "🩺", "Data quality: loads, issues, place names, duplicates")
filters = sidebar_filters(page, default_days=28, show=("area", "figure_kinds", "units", "sources"))
area_words = area_name(page, filters.area)  # "Syria", "Hama governorate": the area in words
show_last_message()

# --- loads ---------------------------------------------------------------------------------------
st.subheader("Loads")
listing = cached(quality_queries.query_load_batches, page.engine, filters)
batches = listing.batches
if listing.windowed:
    scope = (f"{len(batches)} of {listing.total} loads: those finished between {filters.start:%d %b %Y} and "
             f"{filters.end:%d %b %Y} (with more than {FEW_BATCHES} loads, the window narrows this list).")
else:
    scope = f"All {listing.total} loads (the window narrows this list only above {FEW_BATCHES} loads)."
if batches.empty:
    st.info("No load finished in this window. Widen the window in the sidebar." if listing.windowed else
            "Nothing has been loaded yet: load a file on the Upload page (or `python -m loaders ingest FILE`).")
else:
    show_table(batches, key="dq-batches", column_config={
        "batch_id": st.column_config.NumberColumn("Batch", format="%d"),
        "is_demo": st.column_config.CheckboxColumn("Demo"),
        "started_at": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm:ss"),
        "finished_at": st.column_config.DatetimeColumn("Finished", format="YYYY-MM-DD HH:mm:ss"),
    })
    st.caption(scope + " Newest first. Rows read and rejected count the file's rows; loaded, inserted, updated "
               "and unchanged count the records written from them. Errors are rows not loaded; warnings were "
               "loaded but deserve a look.")

# --- issues --------------------------------------------------------------------------------------
st.subheader("Issues by code")
batch = param_batch(page.engine, batches)
if batch is not None:
    counted = (batch,)
    what = f"batch {batch}"
else:
    counted = tuple(int(b) for b in batches["batch_id"]) if listing.windowed else None
    what = "the loads listed above"
counts = cached(quality_queries.query_issue_counts, page.engine, counted) if counted != () else None
if counts is None or counts.empty:
    st.info(f"No issues in {what}: every row read was loaded without a warning.")
else:
    figure = build_issue_chart(counts, page.demo_mark(f"Load issues by code and severity, {what}", None))
    show_chart(figure, key="chart-issues")
    chart_downloads(figure, counts, file_stem("load_issues" + (f"_batch{batch}" if batch else ""), filters),
                    "issues")
    st.caption(chart_caption(page, unit="issues", filters=filters, sources=None, extra=(
        f"Issues of {what}, {int(counts['issues'].sum()):,} in all. " + ("" if batch else scope)
        + " Hover a bar for what its code means.")))
if batch is None:
    st.info("Choose a batch above to list its issues row by row.")
else:
    issues = cached(quality_queries.query_batch_issues, page.engine, batch)
    if issues.empty:
        st.info(f"Batch {batch} has no issues.")
    else:
        show_table(issues, key="dq-issues", column_config={
            "row_number": st.column_config.NumberColumn("Row", format="%d")})
        st.caption("Rows are numbered as a spreadsheet shows them (the header is row 1); issues without a row "
                   "concern the whole file." + (f" The first {ISSUE_ROWS:,} are listed; the chart counts all."
                                                if len(issues) >= ISSUE_ROWS else ""))

# --- place names ---------------------------------------------------------------------------------
st.subheader("Place names to link")
queue = cached(queries.query_unresolved_names, page.engine)
if queue.empty:
    st.info("No open place names — every name resolved, linked or dismissed.")
else:
    show_table(queue, key="dq-queue", column_config={
        "occurrences": "Rows",
        "best_score": st.column_config.NumberColumn("Score", format="%.0f"),
        "last_seen_at": st.column_config.DatetimeColumn("Last seen", format="YYYY-MM-DD HH:mm")})
    link_or_dismiss(page.engine, queue, page.actor)
    st.caption("Linking sends every row that names the place and has none yet — from any source: figures' "
               "origins and destinations, events, event counts — to the gazetteer entry; rows a loader had placed "
               "in an enclosing area meanwhile move to it. The name becomes an alias, so future loads resolve it.")

# --- possible duplicates -------------------------------------------------------------------------
st.subheader("Possible duplicates across sources")
pairs = cached(quality_queries.query_possible_duplicates, page.engine, filters,
              with_quotes=page.actor.can(Permission.SEE_QUOTES))
if pairs.empty:
    st.info(f"No possible duplicates between {filters.start:%d %b %Y} and {filters.end:%d %b %Y}"
            + (f" touching {literal(area_words)}" if filters.area else "") + ": no two sources give the same kind of "
            f"figure for the same place and overlapping days within {DUPLICATE_TOLERANCE:.0%} of each other, or "
            "every such pair is decided.")
else:
    more = " (the largest first; more exist)" if len(pairs) >= DUPLICATE_PAIRS else ""
    st.caption(f"{len(pairs)} undecided pair(s){more}: "
               "counted figures from two sources, same kind and unit, same place, overlapping periods, within "
               f"{DUPLICATE_TOLERANCE:.0%} of the larger. A duplicate keeps one counted and rejects the other "
               "(it stops counting on every page); distinct keeps both.")
    for _, pair in pairs.head(SHOWN_PAIRS).iterrows():
        with st.container(border=True):
            # Exact figures for who decides; a viewer's small counts of people are banded (issue 16).
            exact = page.actor.can(Permission.DECIDE_DUPLICATES)
            show_table(pair_table(pair, NONE if exact else PAGES),
                       key=f"dq-pair-{pair['first_figure_id']}-{pair['second_figure_id']}")
            decide_pair(page.engine, pair, page.actor)
    if len(pairs) > SHOWN_PAIRS:
        st.caption(f"Showing the first {SHOWN_PAIRS}; decide on these to see the next.")
