"""Hostile and out-of-range values in the URL are refused cleanly on every page (issue 7).

Each page runs in AppTest on the demo database with every URL parameter it reads set to a bad
value at once — an SQL injection, 10,000 characters, values out of range or unknown — and must:
run without an exception; say in a warning, per parameter, that the link's value was ignored
(quoted escaped, cut short); show exactly what it shows with no parameters (same charts, metrics
and tables, same URL afterwards: the bad value is not written back); never put the value in the
text of an SQL statement (only a bound parameter may carry it); and leave every table of the
database as it was. The parameters each page reads are listed in PAGES; a test checks that every
parameter the pages and ui/ read from st.query_params is listed there.

A few parameters are read by code this change could not touch (pages/*.py, ui/camps.py,
ui/quality.py): they are refused silently, without a warning, and are listed in SILENT; the test
fails once one of them warns, so the list is kept true.
"""

from __future__ import annotations

import ast
import json
from functools import lru_cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select

from db.schema import metadata
from tests.conftest import REPO_ROOT
from ui.safe_text import literal

INJECTION = "'; DROP TABLE conflict_event; --"
LONG = "x" * 10_000
WINDOW = ("start", "end")

# Every page (as AppTest finds it from this folder) and the URL parameters it reads.
PAGES = {
    "../app.py": WINDOW,
    "../pages/1_Flows.py": (*WINDOW, "area", "sources", "side", "kind", "hh_size", "unit"),
    "../pages/2_Flows_and_events.py": (*WINDOW, "area", "event_types", "sources", "unit", "lookback", "radius_km",
                                       "spike_place", "spike_week"),
    "../pages/3_Events.py": (*WINDOW, "area", "event_types", "sources", "subtypes_of"),
    "../pages/4_Camps.py": (*WINDOW, "area", "sources", "site_types", "unit", "level"),
    "../pages/5_Export.py": ("area", "event_types", "sources", "week", "unit", "hh_size", "min_persons",
                             "min_households", "context_weeks"),
    "../pages/6_Data_quality.py": (*WINDOW, "area", "figure_kinds", "units", "sources", "batch"),
    "../pages/7_Upload.py": (),
    "../pages/8_Review.py": ("status",),
    "../pages/9_Gazetteer.py": ("name",),
    "../pages/10_Admin.py": (),
}
# Parameters refused (never used, never written back) without a warning, with where they are read:
# none now; one listed here must not warn, so a new silent one is a deliberate entry.
SILENT: dict = {}
# A question, not a filter: any text is a place name to look up (in memory, never in SQL); the
# page keeps its first 120 characters in the box and in the URL.
FREE_TEXT = {"name"}

# Values out of range, or unknown to the allowed sets, per parameter.
OUT_OF_RANGE = {
    "start": "1900-01-01", "end": "9999-12-31", "area": "SY0299", "sources": "Nobody", "event_types": "Earthquakes",
    "figure_kinds": "rumours", "units": "litres", "side": "sideways", "kind": "everything", "unit": "kg",
    "hh_size": "-4", "lookback": "-1", "radius_km": "-10", "subtypes_of": "Earthquakes", "level": "street",
    "week": "1999-W01", "min_persons": "-1", "min_households": "-1", "context_weeks": "0", "spike_place": "SY0299",
    "spike_week": "1999-01-04", "site_types": "tents", "batch": "99999", "status": "deleted", "name": "Atlantis",
}
# The other end: dates and numbers far too large (or the window upside down).
TOO_LARGE = {"start": "9999-12-31", "end": "1900-01-01", "hh_size": "1e12", "lookback": "99999",
             "radius_km": "1e308", "min_persons": "1e9", "min_households": "9" * 400, "context_weeks": "53"}


def _cases():
    for page, names in PAGES.items():
        if not names:
            continue
        yield page, "an SQL injection", {name: INJECTION for name in names}
        yield page, "10,000 characters", {name: LONG for name in names}
        yield page, "out of range or unknown", {name: OUT_OF_RANGE[name] for name in names}
        large = {name: TOO_LARGE[name] for name in names if name in TOO_LARGE}
        if large:
            yield page, "too large", large


CASES = list(_cases())


def _params(at) -> dict[str, str]:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _view(at) -> dict:
    """What the page shows that a filter changes: its charts, metrics and tables."""
    return {
        "charts": [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")],
        "metrics": [(m.label, m.value) for m in at.metric],
        "tables": [frame.value.to_csv(index=False) for frame in at.dataframe],
    }


def _table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in metadata.sorted_tables}


@pytest.fixture
def statements():
    """The SQL text of every statement any engine runs during the test (values bound apart are not in it)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *rest):
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture(scope="module")
def default_views():
    return {}  # page → (view, URL) with no parameters, filled by the first case of each page


@pytest.mark.parametrize("page, what, params", CASES, ids=[f"{Path(p).stem}-{w}" for p, w, _ in CASES])
def test_bad_values_are_refused_with_a_warning_and_the_default_shown(page, what, params, app_on, demo_engine,
                                                                     default_views, statements):
    if page not in default_views:
        plain = app_on(demo_engine, page)
        assert not plain.exception
        default_views[page] = (_view(plain), _params(plain))
    before = _table_counts(demo_engine)
    statements.clear()

    at = app_on(demo_engine, page, **params)

    assert not at.exception, at.exception
    assert statements, "the page read the database"
    assert not [s for s in statements if INJECTION in s or LONG[:100] in s], "a value from the URL in SQL text"
    warnings = [w.value for w in at.warning]
    for name, value in params.items():
        said = [w for w in warnings if f"`{name}`" in w]
        if name in FREE_TEXT:
            continue
        if (page, name) in SILENT:
            assert not said, f"{name} now warns: remove it from SILENT ({SILENT[page, name]})"
            continue
        assert said, f"no warning names {name} (given {value[:40]!r}); warnings: {warnings}"
        assert literal(" ".join(value.split())[:30]) in said[0], said[0]  # the value as given, escaped
    assert all(len(w) < 1_000 for w in warnings), "a refused value is quoted cut short"
    view, url = default_views[page]
    url_now = _params(at)
    for name in FREE_TEXT & set(params):
        assert len(url_now.pop(name, "")) <= 120
    assert url_now == url, "the URL holds what the default view holds, not the refused values"
    if not FREE_TEXT & set(params):
        assert _view(at) == view, "the page shows its default view"
    assert _table_counts(demo_engine) == before


def test_a_start_after_the_end_is_refused_and_the_default_start_used(app_on, demo_engine):
    at = app_on(demo_engine, start="2024-12-20", end="2024-12-01")
    assert not at.exception
    said = [w.value for w in at.warning if "`start`" in w.value]
    assert said and "after the window" in said[0] and literal("2024-12-20") in said[0]
    assert _params(at) == {"start": "2024-11-25", "end": "2024-12-01"}  # a week ending on the end
    assert _view(at) == _view(app_on(demo_engine, end="2024-12-01"))


def test_a_valid_link_gives_no_warning(app_on, demo_engine):
    at = app_on(demo_engine, "../pages/1_Flows.py", start="2024-11-25", end="2024-12-15", area="SY05",
                side="destination", kind="new_displacement", hh_size="4.5", unit="movements")
    assert not at.exception
    assert [w.value for w in at.warning if "The link's" in w.value] == []
    assert _params(at)["hh_size"] == "4.5" and _params(at)["area"] == "SY05"


def test_a_choice_that_stops_being_allowed_later_in_the_session_is_not_blamed_on_the_link(app_on, demo_engine):
    """Households are not a unit once a household size converts them: the page switches to persons
    without saying the link was wrong."""
    at = app_on(demo_engine, "../pages/1_Flows.py", start="2024-11-25", end="2024-12-15", unit="households")
    assert _params(at)["unit"] == "households"
    at.number_input(key="param-hh_size").set_value(5.0).run()
    assert not at.exception
    assert [w.value for w in at.warning if "The link's" in w.value] == []
    assert _params(at)["unit"] != "households"


# --- every parameter read is tested --------------------------------------------------------------

READERS = {"param_choice", "param_number", "_url_date", "_url_number"}


@lru_cache
def parameters_read() -> dict[str, set[str]]:
    """file → the URL parameters its code names: literal keys of st.query_params.get(...) and [...],
    first arguments of the ui.common readers, and the constants ALL_FILTERS and BATCH_PARAM (also
    when a loop goes over them). A key that is a helper's own argument is its callers' to name."""
    from ui.filters import ALL_FILTERS
    from ui.quality import BATCH_PARAM

    constants = {"ALL_FILTERS": set(ALL_FILTERS), "BATCH_PARAM": {BATCH_PARAM}}
    found: dict[str, set[str]] = {}
    for path in [REPO_ROOT / "app.py", *sorted((REPO_ROOT / "pages").glob("*.py")),
                 *sorted((REPO_ROOT / "ui").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        loops = {node.target.id: constants[node.iter.id] for node in ast.walk(tree)
                 if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name)
                 and isinstance(node.iter, ast.Name) and node.iter.id in constants}
        names: set[str] = set()
        for node in ast.walk(tree):
            key = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                reads_url = isinstance(func, ast.Attribute) and ast.unparse(func.value).endswith("query_params")
                if called in READERS or (reads_url and called == "get"):
                    key = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("query_params"):
                key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
            elif isinstance(key, ast.Name):
                names |= constants.get(key.id, loops.get(key.id, set()))
        found[path.relative_to(REPO_ROOT).as_posix()] = names
    return found


def test_every_page_and_every_parameter_read_is_listed():
    pages = {f"../{p.relative_to(REPO_ROOT).as_posix()}" for p in [REPO_ROOT / "app.py",
                                                                  *(REPO_ROOT / "pages").glob("*.py")]}
    assert set(PAGES) == pages, "list each page's URL parameters in PAGES"
    listed = {name for names in PAGES.values() for name in names}
    read = {name for names in parameters_read().values() for name in names}
    unlisted = read - listed
    assert not unlisted, f"read from the URL but not tested: {sorted(unlisted)} ({parameters_read()})"
    assert {"start", "end", "area", "sources", "hh_size", "spike_place", "status", "batch", "site_types"} <= read
