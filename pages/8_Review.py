"""Review: facts read from text reports, each beside its sentence; accept (as read or edited) or reject.

Charts count a text fact only once it is accepted here. Place names the gazetteer did not know can
be linked to a gazetteer entry at the bottom of the page.
"""

from __future__ import annotations

import streamlit as st

from access.policy import Permission, PermissionDenied
from db import queries, review, vocab
from db.engine import DatabaseBusy
from textfacts.quantities import find_quantities
from ui.access import gate
from ui.common import database_ready, from_link, get_engine, refuse_url_value
from ui.places import place_picker
from ui.safe_text import highlighted, inert, literal

SHOWN = 25  # facts per kind per page run: review is done a few at a time

st.set_page_config(page_title="Review text facts", page_icon="📝", layout="wide")
st.title("Review facts read from text")
actor = gate(Permission.REVIEW)  # before any data is read (ui/access.py)
engine = get_engine()
if not database_ready(engine):
    st.info("The database has no tables yet. Run `python -m db upgrade`.")
    st.stop()

if "review_message" in st.session_state:
    st.success(st.session_state.pop("review_message"))

counts = queries.query_text_review_counts(engine)
st.caption(f"{counts.get('pending', 0)} waiting, {counts.get('accepted', 0)} accepted, "
           f"{counts.get('rejected', 0)} rejected. Charts count a fact read from text only once it is accepted, "
           "and mark it as from text.")
statuses = ["pending", "accepted", "rejected"]
wanted = st.query_params.get("status", "pending")
if wanted not in statuses and from_link("status"):
    refuse_url_value("status", wanted, "not one of " + ", ".join(statuses), "pending")
status = st.radio("Show", statuses, index=statuses.index(wanted) if wanted in statuses else 0, horizontal=True,
                  format_func=vocab.label)
st.query_params["status"] = status


def _none_if_nan(value):
    return None if vocab.is_missing(value) else value  # None, NaN and NaT alike


def _sentence(row, places) -> None:
    phrases = [q.text for q in find_quantities(row.quote or "")] + [p for p in places if p]
    st.markdown(f"> {highlighted(row.quote, phrases)}", unsafe_allow_html=True)
    published = f", published {row.published_date:%d %b %Y}" if _none_if_nan(row.published_date) else \
        ", no publication date"
    st.caption(f"From {inert(row.source_title)}{published} (batch {row.batch_id})", unsafe_allow_html=True)


def _place_box(label: str, raw, key_now, widget_key: str) -> str | None:
    """A place picked by name (ui/places.py), starting at the place linked now; None keeps it unlinked."""
    return place_picker(engine, label, raw, key_now, widget_key)


def _place(label: str, picked: str | None):
    """(place_id or None, problem or None) for the place picked."""
    if not picked:
        return None, None
    found = review.place_id_for(engine, picked)
    return found, None if found else f"{label}: that place is no longer in the gazetteer; pick another"


def _decision_buttons(key: str, decided: bool) -> str | None:
    """A fact form's buttons (Back to waiting only for a fact already decided): the one pressed, or None."""
    accept = st.form_submit_button("Accept", type="primary", key=f"{key}-accept")
    reject = st.form_submit_button("Reject", key=f"{key}-reject")
    reopen = decided and st.form_submit_button("Back to waiting", key=f"{key}-reopen")
    return "accept" if accept else "reject" if reject else "reopen" if reopen else None


def _decide(kind: str, row_id: int, decision: str, edits: dict, problems: list[str]) -> None:
    if decision == "accept" and problems:
        for problem in problems:
            st.error(literal(problem))
        return
    try:
        review.decide(engine, kind, row_id, decision, edits if decision == "accept" else {}, actor=actor)
    except (review.ReviewError, PermissionDenied, DatabaseBusy) as exc:
        st.error(literal(str(exc)))
        return
    st.session_state["review_message"] = f"Fact {row_id}: {review.DECISIONS[decision]}."
    st.cache_data.clear()  # every chart counts the decision on its next run
    st.rerun()


def _figure_form(row) -> None:
    with st.form(f"figure-{row.figure_id}"):
        left, middle, right = st.columns(3)
        figure = left.number_input("Figure (empty: no number given)", min_value=0.0, step=1.0, format="%.0f",
                                   value=_none_if_nan(row.figure), key=f"figure-{row.figure_id}-value")
        qualifier = middle.selectbox("Hedge", vocab.QUALIFIERS, index=vocab.QUALIFIERS.index(row.qualifier),
                                     key=f"figure-{row.figure_id}-qualifier", format_func=vocab.label)
        unit = right.selectbox("Unit", vocab.UNITS, index=vocab.UNITS.index(row.unit),
                               key=f"figure-{row.figure_id}-unit")
        figure_max = left.number_input("Upper bound (ranges only)", min_value=0.0, step=1.0, format="%.0f",
                                       value=_none_if_nan(row.figure_max), key=f"figure-{row.figure_id}-max")
        kind = middle.selectbox("Kind", vocab.FIGURE_KINDS, index=vocab.FIGURE_KINDS.index(row.figure_kind),
                                key=f"figure-{row.figure_id}-kind", format_func=vocab.label)
        start = left.date_input("From", value=_none_if_nan(row.period_start), format="YYYY-MM-DD",
                                key=f"figure-{row.figure_id}-start")
        end = middle.date_input("To", value=_none_if_nan(row.period_end), format="YYYY-MM-DD",
                                key=f"figure-{row.figure_id}-end")
        with right:
            origin_typed = _place_box("Origin", row.origin_name_raw, row.origin_place_key,
                                      f"figure-{row.figure_id}-origin")
            destination_typed = _place_box("Destination", row.destination_name_raw, row.destination_place_key,
                                           f"figure-{row.figure_id}-destination")
        decision = _decision_buttons(f"figure-{row.figure_id}", status != "pending")
    if decision:
        origin, origin_problem = _place("Origin", origin_typed)
        destination, destination_problem = _place("Destination", destination_typed)
        edits = {"figure": None if qualifier == "vague" else figure, "qualifier": qualifier, "unit": unit,
                 "figure_max": figure_max if qualifier == "range" else None, "figure_kind": kind,
                 "period_start": start, "period_end": end, "origin_place_id": origin,
                 "destination_place_id": destination}
        problems = [p for p in (origin_problem, destination_problem) if p]
        if qualifier != "vague" and figure is None:
            problems.append("Give the figure, or choose the hedge 'vague' when the report gives no number.")
        _decide("displacement_figure", row.figure_id, decision, edits, problems)


SUB_TYPES = ["(not stated)"] + [sub for subs in vocab.ACLED_EVENT_TYPES.values() for sub in subs]


def _event_form(row) -> None:
    with st.form(f"event-{row.event_id}"):
        left, middle, right = st.columns(3)
        event_date = left.date_input("Date (needed to accept)", value=_none_if_nan(row.event_date),
                                     format="YYYY-MM-DD", key=f"event-{row.event_id}-date")
        event_type = middle.selectbox("Event type", vocab.EVENT_TYPES, index=vocab.EVENT_TYPES.index(row.event_type),
                                      key=f"event-{row.event_id}-type")
        sub = _none_if_nan(row.sub_event_type) or "(not stated)"
        sub_event_type = right.selectbox("Sub-event type", SUB_TYPES, index=SUB_TYPES.index(sub),
                                         key=f"event-{row.event_id}-sub")
        with left:
            place_typed = _place_box("Place", row.place_name_raw, row.place_key, f"event-{row.event_id}-place")
        actors = [a for a in (row.actor1, row.actor2, row.assoc_actors) if _none_if_nan(a)]
        middle.caption("Actors as written: " + (inert("; ".join(actors)) or "none named"), unsafe_allow_html=True)
        decision = _decision_buttons(f"event-{row.event_id}", status != "pending")
    if decision:
        place_id, problem = _place("Place", place_typed)
        sub_value = None if sub_event_type == "(not stated)" else sub_event_type
        edits = {"event_date": event_date, "event_type": event_type, "sub_event_type": sub_value, "place_id": place_id}
        if event_date != _none_if_nan(row.event_date):
            edits["date_precision"] = "day"  # a date a person picked is a day
        problems = [problem] if problem else []
        if event_date is None:
            problems.append("Give the event a date before accepting it (the report's date could not be resolved).")
        if sub_value and sub_value not in vocab.ACLED_EVENT_TYPES[event_type]:
            problems.append(f"{sub_value} is not a sub-event type of {event_type}.")
        _decide("conflict_event", row.event_id, decision, edits, problems)


figures = queries.query_text_figures(engine, status)
events = queries.query_text_events(engine, status)
st.subheader(f"Displacement facts ({len(figures)})")
if figures.empty:
    st.info(f"No displacement fact read from text is {status}. Load a report on the Upload page "
            "(or `python -m loaders ingest REPORT.txt --published YYYY-MM-DD`).")
def _read_as(row) -> None:
    """What the extractor understood, places as written (an origin may come from an earlier sentence)."""
    parts = [row.term or "no movement verb", f"from {_none_if_nan(row.origin_name_raw) or '—'}",
             f"to {_none_if_nan(row.destination_name_raw) or '—'}"]
    if _none_if_nan(row.alt_figure):
        parts.append(f"also {row.alt_figure:,.0f} {row.alt_unit}")
    st.caption("Read as: " + inert(" · ".join(parts)), unsafe_allow_html=True)


for row in figures.head(SHOWN).itertuples():
    with st.container(border=True):
        _sentence(row, [row.origin_name_raw, row.destination_name_raw])
        _read_as(row)
        _figure_form(row)

st.subheader(f"Conflict events ({len(events)})")
if events.empty:
    st.info(f"No conflict event read from text is {status}.")
for row in events.head(SHOWN).itertuples():
    with st.container(border=True):
        _sentence(row, [row.place_name_raw])
        _event_form(row)
if len(figures) > SHOWN or len(events) > SHOWN:
    st.caption(f"Showing the first {SHOWN} of each kind; decide on these to see the next.")

st.subheader("Place names to link")
unlinked = queries.query_unlinked_text_places(engine)
if unlinked.empty:
    st.info("Every place name in the waiting facts is linked to the gazetteer, or is descriptive (\"safer areas\").")
for i, row in enumerate(unlinked.itertuples()):
    left, middle, right = st.columns([2, 2, 1])
    left.markdown(f"**{inert(row.raw_name)}** — in {row.facts} waiting fact(s)", unsafe_allow_html=True)
    target = place_picker(engine, "Gazetteer place", row.raw_name, row.best_candidate_key,
                          f"link-{i}-target", container=middle)
    if right.button("Link", key=f"link-{i}"):
        place_id = review.place_id_for(engine, target) if target else None
        if place_id is None:
            st.error("Pick the place this name means first (type to search the list by name).")
        else:
            resolved = review.link_place_name(engine, row.raw_name, place_id, actor=actor)
            st.session_state["review_message"] = (f"Linked {literal(repr(row.raw_name))}: {resolved} fact(s) now "
                                                  "name that place.")
            st.cache_data.clear()
            st.rerun()
