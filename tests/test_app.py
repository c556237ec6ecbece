"""The home page (app.py) in Streamlit's AppTest, on an empty and on the demo database."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pytest

from db import queries
from db.filters import Filters
from db.flows_queries import query_daily_pairs


def _trace_values(trace: dict, axis: str) -> list:
    """Plotly figure JSON in AppTest carries numbers as base64 typed arrays."""
    values = trace[axis]
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"])).tolist()
    return list(values)


def test_empty_database_explains_what_to_do(app_on, empty_engine):
    at = app_on(empty_engine)
    assert not at.exception
    assert "python -m db demo" in at.info[0].value


def test_demo_database_shows_banner_headline_and_sources(app_on, demo_engine):
    at = app_on(demo_engine, start="2024-12-01", end="2024-12-07")
    assert not at.exception
    assert "demo data (synthetic)" in at.warning[0].value
    headline = queries.query_headline(demo_engine, date(2024, 12, 1), date(2024, 12, 7))
    totals = headline.new_displacement.set_index("unit")["total"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["New displacement (persons)"] == f"{int(totals['persons']):,}"
    # A day's pair under 5 households is counted at 5 and the total shown as "<…" (charts/suppress.py);
    # the demo's quiet baseline has such pairs that week, so the expected text is worked out here.
    pairs = query_daily_pairs(demo_engine, Filters(date(2024, 12, 1), date(2024, 12, 7)))
    households = pairs.loc[(pairs["unit"] == "households") & pairs["value"].notna(), "value"].astype(float)
    small = households.between(0, 5, inclusive="neither")
    assert households.sum() == totals["households"]  # the pairs are the headline's rows
    expected = f"{int(households.where(~small, 5.0).sum()):,}"
    assert metrics["New displacement (households)"] == ("<" + expected if small.any() else expected)
    assert metrics["Conflict events"] == f"{headline.events:,}"
    assert metrics["People in sites"] == f"{int(headline.people_in_sites):,}"
    freshness = at.dataframe[0].value
    assert freshness["Demo"].all() or set(freshness["Kind of source"]) == {"gazetteer", "demo data (synthetic)"}
    assert any("Monthly event counts" in title for title in freshness["Source"])


def test_daily_chart_draws_units_apart_and_sums_to_the_headline(app_on, demo_engine):
    at = app_on(demo_engine, start="2024-12-01", end="2024-12-07")
    figure = at.get("plotly_chart")[0].proto.spec

    traces = {t["name"]: t for t in json.loads(figure)["data"]}
    assert set(traces) == {"new displacement (persons)", "new displacement (households)", "conflict events"}
    headline = queries.query_headline(demo_engine, date(2024, 12, 1), date(2024, 12, 7))
    totals = headline.new_displacement.set_index("unit")["total"]
    assert sum(_trace_values(traces["new displacement (persons)"], "y")) == pytest.approx(totals["persons"])
    assert sum(_trace_values(traces["conflict events"], "y")) == headline.events
    assert json.loads(figure)["layout"]["template"]["layout"]["colorway"][0] != "#000000"


def test_window_lives_in_the_url_and_bad_values_are_ignored(app_on, demo_engine):
    at = app_on(demo_engine, start="not-a-date", end="2024-12-07")
    assert not at.exception
    params = {key: (value[0] if isinstance(value, list) else value) for key, value in at.query_params.items()}
    assert params == {"start": "2024-12-01", "end": "2024-12-07"}  # a week ending on the end date


def test_an_empty_window_says_so(app_on, demo_engine):
    at = app_on(demo_engine, start="2023-06-01", end="2023-06-07")  # before the demo's year
    assert not at.exception
    assert any("Nothing was reported in this window" in i.value for i in at.info)


GAZETTEER_PAGE = "../pages/9_Gazetteer.py"


def test_gazetteer_page_resolves_a_spelling_from_the_url(app_on, prepared_engine):
    at = app_on(prepared_engine, GAZETTEER_PAGE, name="Ḥamāh")
    assert not at.exception
    assert at.success[0].value.startswith("Resolved (exact")
    assert at.dataframe[0].value.iloc[0]["Name"] == "Hama"


def test_gazetteer_page_refuses_a_near_miss_and_escapes_it(app_on, prepared_engine):
    at = app_on(prepared_engine, GAZETTEER_PAGE, name="<b>Sarmin</b>")
    assert not at.exception
    assert "Not resolved" in at.warning[0].value
    assert not any("<b>" in m.value for m in at.markdown)


def test_gazetteer_page_lists_the_review_queue(app_on, prepared_engine):
    from gazetteer import forget_cached_gazetteers, resolve_place

    forget_cached_gazetteers()
    resolve_place("Sarmin", within="SY", engine=prepared_engine)  # looked for inside Syria: near names are candidates
    at = app_on(prepared_engine, GAZETTEER_PAGE)
    queue = at.dataframe[0].value
    assert list(queue["Name as written"]) == ["Sarmin"] and queue.iloc[0]["Closest gazetteer entry"]


UPLOAD_PAGE = "../pages/7_Upload.py"


def test_upload_page_previews_then_loads_on_confirmation(app_on, prepared_engine):
    from sqlalchemy import func, select

    from db.schema import conflict_event
    from tests.conftest import FIXTURES_DIR

    data = (FIXTURES_DIR / "acled" / "acled_2023_format_syria.csv").read_bytes()
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].set_value(("acled_2023_format_syria.csv", data, "text/csv"))
    at.run()
    assert not at.exception
    assert any("Understood as ACLED events: 4 rows read; 0 rows rejected (not loaded)" in t.value for t in at.text)
    assert any("[new-place]" in t.value for t in at.text)  # towns the gazetteer lacks, placed at their coordinates
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(conflict_event)).scalar() == 0  # preview only
    at.button(key=next(b.key for b in at.button if b.key.startswith("load-"))).click().run()
    assert not at.exception
    assert any("4 rows read, 0 rejected; records 4 inserted" in s.value for s in at.success)
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(conflict_event)).scalar() == 4


def test_upload_page_shows_a_file_level_error_clearly(app_on, prepared_engine):
    at = app_on(prepared_engine, UPLOAD_PAGE)
    at.file_uploader[0].set_value(("mystery.csv", b"a,b\n1,2\n", "text/csv"))
    at.run()
    assert not at.exception
    assert at.error[0].value.replace("\\", "").startswith("mystery.csv: cannot tell what kind of file this is")
