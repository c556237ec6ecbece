"""A report's sentences (quotes) reach editors and admins only; a viewer sees places, dates and figures.

Every place a quote could reach a viewer: the Data quality page's possible-duplicates tables, the
Flows and events page's list of a spike's events and its CSV. The Review and Upload pages, where
quotes are read, are for editors already (tests/test_access.py). Roles are given as in
tests/test_access.py: `at.user` with an [auth] and an [access] section.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import update

from access.policy import Actor, Permission, Role
from db.filters import Filters
from db.quality_queries import query_possible_duplicates
from db.schema import conflict_event, displacement_figure
from db.flows_and_events_queries import events_near, query_events_near_places
from tests.test_access import USERS, _run
from tests.test_data_quality_page import _template, _two_sources
from tests.test_flows_events_page import HAMA

SENTENCE = "Witnesses said 1,000 people walked from Hama to Homs overnight."
EVENT_SENTENCE = "Clashes broke out in Hama city on Tuesday, a resident said."
WINDOW = {"start": "2024-11-25", "end": "2024-12-15"}


def _shown(at) -> str:
    """Every cell of every table the page shows, and its texts, as one string."""
    cells = " ".join(frame.value.astype(str).to_string() for frame in at.dataframe)
    texts = " ".join(e.value for kind in (at.markdown, at.caption, at.info) for e in kind)
    return cells + " " + texts


@pytest.fixture
def pair_with_a_quote(prepared_engine):
    figures = _two_sources(prepared_engine)  # SARC and UNHCR: Hama -> Homs within 5%, a possible duplicate
    sarc = figures[("SARC", "Hama", "Homs")]["figure_id"]
    with prepared_engine.begin() as conn:
        conn.execute(update(displacement_figure).where(displacement_figure.c.figure_id == sarc)
                     .values(quote=SENTENCE))
    return prepared_engine


def test_only_a_role_that_may_see_quotes_has_them():
    assert not Actor("v", Role.VIEWER).can(Permission.SEE_QUOTES)
    assert Actor("e", Role.EDITOR).can(Permission.SEE_QUOTES) and Actor("a", Role.ADMIN).can(Permission.SEE_QUOTES)


def test_possible_duplicates_are_read_without_quotes_unless_asked(pair_with_a_quote):
    window = Filters(date(2024, 12, 1), date(2024, 12, 10))
    bare = query_possible_duplicates(pair_with_a_quote, window)
    assert len(bare) == 1 and not [c for c in bare.columns if "quote" in c]
    assert bare.iloc[0]["first_figure"] == 1000 and bare.iloc[0]["first_origin"] == "Hama"  # place, figure stay
    quoted = query_possible_duplicates(pair_with_a_quote, window, with_quotes=True)
    assert SENTENCE in set(quoted["first_quote"]) | set(quoted["second_quote"])


@pytest.mark.parametrize("role, sees", [("viewer", False), ("editor", True), ("admin", True)])
def test_the_data_quality_pairs_show_a_quote_to_editors_only(monkeypatch, pair_with_a_quote, role, sees):
    at = _run(monkeypatch, pair_with_a_quote, "../pages/6_Data_quality.py", USERS[role],
              start="2024-12-01", end="2024-12-10")
    assert not at.exception
    pair = next(f.value for f in at.dataframe if list(f.value.columns) == ["Field", "First", "Second"])
    assert {"origin", "period", "figure"} <= set(pair["Field"])  # place, date and figure, for everyone
    assert ("quote" in set(pair["Field"])) is sees
    assert (SENTENCE in _shown(at)) is sees


@pytest.fixture
def spike_with_a_quoted_event(prepared_engine):
    """A flight from Hama in the week of 2 December (a spike) and, the day before, an accepted
    event read from a report, with its sentence."""

    _template(prepared_engine, "sarc.csv", "flow,2024-12-03,Hama,Homs,1000,,,,SARC,")
    from db.records import SourceInfo
    from db.review import place_id_for
    from db.writes import write_rows_batch
    from tests.test_events_page import TEXT_EVENT_COLUMNS

    hama = place_id_for(prepared_engine, HAMA)
    row = ("text", "r1:e:1", date(2024, 12, 2), "day", "Battles", "Armed clash", hama, "Hama", None, None, 0,
           "accepted", EVENT_SENTENCE, 0, len(EVENT_SENTENCE), "Hama")
    write_rows_batch(prepared_engine, SourceInfo(source_kind="text_report", title="a report", sha256="r" * 64),
                     [(conflict_event, TEXT_EVENT_COLUMNS, [row])])
    return prepared_engine


def test_events_near_a_place_are_read_without_quotes_unless_asked(spike_with_a_quoted_event):
    args = (spike_with_a_quoted_event, (HAMA,), date(2024, 11, 25), date(2024, 12, 8), 50)
    for limit in (None, 10):
        bare = events_near(query_events_near_places(*args, limit=limit), HAMA)
        assert len(bare) == 1 and "quote" not in bare.columns and bare.iloc[0]["from_text"]
        quoted = events_near(query_events_near_places(*args, limit=limit, with_quotes=True), HAMA)
        assert list(quoted["quote"]) == [EVENT_SENTENCE]


@pytest.mark.parametrize("role, sees", [("viewer", False), ("editor", True)])
def test_the_spike_s_events_show_a_quote_to_editors_only(monkeypatch, spike_with_a_quoted_event, role, sees):
    at = _run(monkeypatch, spike_with_a_quoted_event, "../pages/2_Flows_and_events.py", USERS[role], **WINDOW,
              spike_place=HAMA, spike_week="2024-12-02")
    assert not at.exception
    events = next(f.value for f in at.dataframe if "Event type" in f.value.columns)
    assert list(events["Date"]) == [date(2024, 12, 2)] and events.iloc[0]["From text"]
    assert ("Sentence (text reports)" in events.columns) is sees
    assert (EVENT_SENTENCE in _shown(at)) is sees
