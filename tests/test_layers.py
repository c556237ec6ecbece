"""One name per page through every layer (issue 18, "One chart, built once").

A page's figures live in charts/<name>.py and its reads in db/<name>_queries.py, named by the same word
as the page, so the code behind a page is found by its name alone.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The page file and the one word its layers are named by (Data quality is "quality" everywhere).
PAGE_NAMES = {
    "1_Flows.py": "flows",
    "2_Flows_and_events.py": "flows_and_events",
    "3_Events.py": "events",
    "4_Camps.py": "camps",
    "6_Data_quality.py": "quality",
}


@pytest.mark.parametrize("page, name", sorted(PAGE_NAMES.items()))
def test_page_layers_share_its_name(page, name):
    source = (ROOT / "pages" / page).read_text(encoding="utf-8")
    assert (ROOT / "charts" / f"{name}.py").is_file()
    assert (ROOT / "db" / f"{name}_queries.py").is_file()
    assert re.search(rf"^from charts\.{name} import", source, re.M), f"{page} draws with charts/{name}.py"
    assert re.search(rf"^from db\.{name}_queries import", source, re.M), f"{page} reads db/{name}_queries.py"


def test_no_module_keeps_an_old_name():
    modules = {path.relative_to(ROOT).as_posix() for layer in ("charts", "ui", "db")
               for path in (ROOT / layer).glob("*.py")}
    old = {"charts/spikes.py", "ui/spikes.py", "db/spike_queries.py", "db/flow_queries.py",
           "db/event_queries.py", "db/camp_queries.py"}
    assert not modules & old
    # Nothing still imports them either.
    pattern = re.compile(r"\b(charts\.spikes|ui\.spikes|spike_queries|flow_queries|event_queries|camp_queries)\b")
    for path in [*ROOT.glob("*.py"), *(p for d in ("charts", "ui", "db", "pack", "pages", "bench", "tests")
                                        for p in (ROOT / d).rglob("*.py"))]:
        if path.name == "test_layers.py":
            continue
        assert not pattern.search(path.read_text(encoding="utf-8")), path


# --- one caching helper (ui/cache.py) -------------------------------------------------------------

CALLS: list[tuple] = []


class FakeEngine:
    """Stands for an engine: only its URL is read; hashing or pickling it fails the test."""

    def __init__(self, url: str):
        self.url = url

    def __reduce__(self):
        raise AssertionError("the engine itself must not be hashed")

    def __hash__(self):
        raise AssertionError("the engine itself must not be hashed")


def count_rows(engine, table: str, *, limit: int | None = None) -> tuple:
    CALLS.append(("count_rows", engine.url, table, limit))
    return (engine.url, table, limit)


def count_others(engine, table: str, *, limit: int | None = None) -> tuple:
    CALLS.append(("count_others", engine.url, table, limit))
    return ("others", table, limit)


@pytest.fixture()
def fresh_cache():
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    CALLS.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def test_cached_runs_a_query_once_for_the_same_arguments(fresh_cache):
    from ui.cache import cached

    engine = FakeEngine("sqlite:///one.db")
    assert cached(count_rows, engine, "flows", limit=3) == ("sqlite:///one.db", "flows", 3)
    assert cached(count_rows, engine, "flows", limit=3) == ("sqlite:///one.db", "flows", 3)
    assert CALLS == [("count_rows", "sqlite:///one.db", "flows", 3)]


def test_cached_runs_again_for_other_arguments_engines_and_queries(fresh_cache):
    from ui.cache import cached

    one, other = FakeEngine("sqlite:///one.db"), FakeEngine("postgresql+psycopg://db/other")
    cached(count_rows, one, "flows")
    cached(count_rows, one, "events")  # another argument
    cached(count_rows, one, "flows", limit=5)  # another keyword
    cached(count_rows, other, "flows")  # another database
    assert cached(count_others, one, "flows") == ("others", "flows", None)  # another query, same arguments
    assert CALLS == [("count_rows", "sqlite:///one.db", "flows", None),
                     ("count_rows", "sqlite:///one.db", "events", None),
                     ("count_rows", "sqlite:///one.db", "flows", 5),
                     ("count_rows", "postgresql+psycopg://db/other", "flows", None),
                     ("count_others", "sqlite:///one.db", "flows", None)]


def test_clearing_the_cache_runs_the_query_again(fresh_cache):
    """Loads, review decisions and deleted batches clear every kept result (pages/7_Upload.py, ...)."""
    import streamlit as st

    from ui.cache import cached, few_cached, shared

    engine = FakeEngine("sqlite:///one.db")
    for helper in (cached, few_cached):
        helper(count_rows, engine, "flows")
        helper(count_rows, engine, "flows")
    assert len(CALLS) == 2  # each helper ran it once
    st.cache_data.clear()
    cached(count_rows, engine, "flows")
    assert len(CALLS) == 3
    shared(count_rows, engine, "sites")
    shared(count_rows, engine, "sites")
    assert len(CALLS) == 4


def test_cached_refuses_a_query_without_a_name_of_its_own(fresh_cache):
    from ui.cache import cached

    with pytest.raises(ValueError, match="module-level"):
        cached(lambda engine: 1, FakeEngine("sqlite://"))


def test_no_hand_written_cache_wrapper_is_left():
    """Pages and ui/ call queries through ui.cache; db/, charts/ and pack/ never cache."""
    wrappers, decorated = [], []
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        wrappers += [f"{path.name}: {m}" for m in re.findall(r"^\s*def (cached_\w+|_cached_\w+)", text, re.M)]
    assert wrappers == []
    for path in [ROOT / "app.py", *(p for d in ("pages", "ui", "db", "charts", "pack") for p in (ROOT / d).rglob("*.py"))]:
        if re.search(r"@st\.cache_data", path.read_text(encoding="utf-8")):
            decorated.append(path.relative_to(ROOT).as_posix())
    assert decorated == ["ui/cache.py"]


# --- one chart definition (charts/definitions.py) -------------------------------------------------

def test_pages_and_pack_draw_shared_charts_only_through_their_definitions():
    """A chart drawn both on a page and in the pack is built by charts/definitions.py alone: no page
    nor the pack calls its figure builder, rows function or caption function itself."""
    parts = re.compile(r"\b(build_weekly_flows|build_sankey|build_flow_map|build_flows_with_events|"
                       r"build_event_timeline|weekly_flow_rows|flows_and_events_rows|weekly_flows_caption|"
                       r"sankey_caption|flow_map_caption|flows_and_events_caption|event_timeline_caption)\b")
    users = {}
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "pack").glob("*.py")]:
        found = sorted(set(parts.findall(path.read_text(encoding="utf-8"))))
        if found:
            users[path.name] = found
    assert users == {}
    for path in ("pages/1_Flows.py", "pages/2_Flows_and_events.py", "pages/3_Events.py", "pack/weekly.py"):
        assert "from charts.definitions import" in (ROOT / path).read_text(encoding="utf-8"), path
