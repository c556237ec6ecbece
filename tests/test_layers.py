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
