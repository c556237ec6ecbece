"""The Export page's pack and its download (the UI edge: the pack itself is pack/)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import streamlit as st

from charts.suppress import SmallCounts
from pack.files import pack_files, zip_bytes
from pack.weekly import NothingToExport, Pack, PackOptions, build_pack, last_week_of_data, week_label
from ui.downloads import png_problem

MAX_WEEKS_OFFERED = 104


def week_choices(first: date | None, last: date | None, today: date,
                 latest_day_by: Callable[[date], date | None] | None = None) -> list[tuple[str, date]]:
    """(ISO week, its Monday) from the last whole week of data back to the first week, at most two years.

    The newest is pack.weekly.last_week_of_data (`latest_day_by` as there): a week that holds data."""
    newest = last_week_of_data(today, last, latest_day_by)
    if newest is None or first is None:
        return []
    oldest = max(first - timedelta(days=first.weekday()), newest - timedelta(weeks=MAX_WEEKS_OFFERED - 1))
    weeks, monday = [], newest
    while monday >= oldest:
        weeks.append((week_label(monday), monday))
        monday -= timedelta(weeks=1)
    return weeks


def pack_or_reason(engine, week: date, filters, unit: str, household_size: float, context_weeks: int,
                   min_persons: int, min_households: int) -> tuple[Pack | None, str]:
    """The pack, or None and what to change when the week holds nothing (the page keeps a few through
    ui.cache.few_cached: a pack is large)."""
    options = PackOptions(week=week, filters=filters, unit=unit, household_size=household_size,
                          context_weeks=context_weeks, small=SmallCounts(min_persons, min_households))
    try:
        return build_pack(engine, options), ""
    except NothingToExport as nothing:
        return None, str(nothing)


def pack_download(pack: Pack) -> None:
    """One button: the pack's files (PNG, HTML, CSV per chart, the PDF brief, the manifest) as a zip, made on click."""
    stem = pack.options.stem
    problem = png_problem()
    if problem:  # the zip is still made, without PNG and PDF (pack/files.py); say so before the click
        st.caption(f"Without PNG and PDF: {problem}")
    st.download_button("Download the pack (zip: PNG, HTML and CSV per chart, PDF brief, manifest)",
                       data=lambda: zip_bytes(pack_files(pack), stem), file_name=f"{stem}.zip",
                       mime="application/zip", key="download-pack", on_click="ignore", icon=":material/download:",
                       type="primary")
