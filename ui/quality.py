"""The Data quality page's URL-kept batch choice and its decisions.

Queries are cached at the UI edge (ui/cache.py). A decision taken here (a name linked or dismissed, a pair
decided) changes what every page counts, so it clears every cached query, not only these.
Values from loaded files (titles, names, messages, raw cells, quotes) reach the page only in
tables (st.dataframe) or as plain-text options, never in Markdown.
"""

from __future__ import annotations

import hashlib
import math
import re

import pandas as pd
import streamlit as st

from access.policy import Actor, Permission, PermissionDenied
from charts.suppress import NONE, SmallCounts
from db.engine import DatabaseBusy
from db import quality, quality_queries, review, vocab
from ui.cache import cached
from ui.common import from_link, refuse_url_value
from ui.places import place_picker

MESSAGE_KEY = "quality_message"
BATCH_PARAM = "batch"
MAX_BATCH_DIGITS = 12


def forget_cached_queries() -> None:
    """After a decision: every page's cached numbers may have changed (a rejected figure stops counting)."""
    st.cache_data.clear()


def _done(message: str) -> None:
    """Say what happened on the next run (plain words and numbers only, nothing from a file) and rerun."""
    st.session_state[MESSAGE_KEY] = message
    forget_cached_queries()
    st.rerun()


def show_last_message() -> None:
    if MESSAGE_KEY in st.session_state:
        st.success(st.session_state.pop(MESSAGE_KEY))


# --- batches ---------------------------------------------------------------------------------------

def _url_batch(engine) -> int | None:
    """The batch id in the URL when it is one that exists; anything else is ignored."""
    wanted = (st.query_params.get(BATCH_PARAM) or "").strip()
    if not wanted:
        return None
    if not re.fullmatch(f"[0-9]{{1,{MAX_BATCH_DIGITS}}}", wanted):
        if from_link(BATCH_PARAM):
            refuse_url_value(BATCH_PARAM, wanted, "not a batch number", "every load listed")
        return None
    batch_id = int(wanted)
    if cached(quality_queries.query_batch_exists, engine, batch_id):
        return batch_id
    if from_link(BATCH_PARAM):
        refuse_url_value(BATCH_PARAM, wanted, "no load batch has that number", "every load listed")
    return None


def param_batch(engine, batches: pd.DataFrame) -> int | None:
    """A batch chosen in a selectbox and kept in the URL as `batch`; None means every batch listed."""
    listed = {int(row.batch_id): row for row in batches.itertuples()}
    wanted = _url_batch(engine)
    options = [None, *listed] + ([wanted] if wanted is not None and wanted not in listed else [])

    def label(batch_id):
        if batch_id is None:
            return "every load listed above"
        row = listed.get(batch_id)
        if row is None:
            return f"batch {batch_id}"
        finished = pd.Timestamp(row.finished_at)
        return f"batch {batch_id} · {vocab.label(row.source_kind)} · finished {finished:%Y-%m-%d %H:%M}"

    picked = st.selectbox("Issues of", options, index=options.index(wanted), format_func=label,
                          key=f"param-{BATCH_PARAM}")
    if picked is None:
        st.query_params.pop(BATCH_PARAM, None)
    else:
        st.query_params[BATCH_PARAM] = str(picked)
    return picked


# --- place names -----------------------------------------------------------------------------------

def _name_widget_key(raw_name: str) -> str:
    """A widget key per name that survives the queue changing order (a name's own digest)."""
    return "dq-link-target-" + hashlib.sha1(raw_name.encode("utf-8")).hexdigest()[:12]


def best_candidate(queue: pd.DataFrame, raw_name: str) -> str:
    """The gazetteer key the resolver came closest to for this name, or ''."""
    keys = queue.loc[queue["raw_name"] == raw_name, "best_candidate_key"].dropna()
    return str(keys.iloc[0]) if len(keys) else ""


def link_or_dismiss(engine, queue: pd.DataFrame, actor: Actor) -> None:
    """A name of the queue, the place it means picked by name (ui/places.py), and Link / Dismiss buttons
    (for a role that may link names; the db functions check the actor again)."""
    if not actor.can(Permission.LINK_PLACES):
        st.caption(f"Linking or dismissing names needs the editor role (yours: {actor.role.label}).")
        return
    names = list(dict.fromkeys(queue["raw_name"]))
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    raw_name = left.selectbox("Place name as written", names, key="dq-link-name")
    target = place_picker(engine, "The place it means", raw_name,
                          best_candidate(queue, raw_name) or None, _name_widget_key(raw_name), container=middle)
    link = right.button("Link", type="primary", key="dq-link")
    dismiss = right.button("Dismiss", key="dq-dismiss", help="Not a place, or not worth linking: close it "
                                                             "without a place. Its rows keep the name as written.")
    if link:
        place_id = review.place_id_for(engine, target) if target else None
        if place_id is None:
            st.error("Pick the place this name means first (type in the list to search it by name).")
            return
        try:
            resolved = review.link_place_name(engine, raw_name, place_id, actor=actor)
        except (review.ReviewError, PermissionDenied, DatabaseBusy) as exc:
            st.error(str(exc))
            return
        _done(f"Linked: {resolved:,} row(s) now have that place, the name is an alias of it for future loads, "
              "and it has left the queue.")
    if dismiss:
        try:
            closed = quality.dismiss_place_name(engine, raw_name, actor=actor)
        except (quality.QualityError, PermissionDenied, DatabaseBusy) as exc:
            st.error(str(exc))
            return
        _done(f"Dismissed: {closed} queue entr{'y' if closed == 1 else 'ies'} closed without a place.")


# --- possible duplicates ---------------------------------------------------------------------------

PAIR_ROWS = (("figure id", "figure_id"), ("provider", "provider"), ("source", "source_title"),
             ("origin", "origin"), ("destination", "destination"), ("period", None), ("figure", None),
             ("unit", "unit"), ("kind", "figure_kind"), ("hedge", "qualifier"), ("quote", "quote"))


def _blank(value) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _text(value) -> str:
    return "—" if _blank(value) else str(value)


def _period(pair, side: str) -> str:
    start, end = pair[f"{side}_period_start"], pair[f"{side}_period_end"]
    if _blank(start) or _blank(end) or start == end:
        return _text(end if _blank(start) else start)
    return f"{start} – {end}"


def _figure(pair, side: str, small: SmallCounts = NONE) -> str:
    figure, upper, unit = pair[f"{side}_figure"], pair[f"{side}_figure_max"], pair.get(f"{side}_unit")
    return small.text(figure, unit) + ("" if _blank(upper) else f" – {small.text(upper, unit)}")


def _place(pair, side: str, end: str) -> str:
    name, key = pair[f"{side}_{end}"], pair[f"{side}_{end}_key"]
    return vocab.place_label(name, None if _blank(key) else str(key).partition(":")[0], key=key)


def pair_table(pair, small: SmallCounts = NONE) -> pd.DataFrame:
    """Two figures side by side, every value as text: columns field, first, second. A field the
    query did not read (the quote, for a viewer) has no row. With `small` (charts/suppress.py: a
    viewer, who cannot decide and needs no exact figure), a small count of people reads "<10"."""
    rows = []
    for label, field in PAIR_ROWS:
        if field is not None and f"first_{field}" not in pair:
            continue
        values = []
        for side in ("first", "second"):
            if label == "period":
                values.append(_period(pair, side))
            elif label == "figure":
                values.append(_figure(pair, side, small))
            elif field in ("origin", "destination"):
                values.append(_place(pair, side, field))
            elif field in ("figure_kind", "qualifier", "unit"):
                values.append(vocab.label(pair[f"{side}_{field}"]))
            else:
                values.append(_text(pair[f"{side}_{field}"]))
        rows.append((label, *values))
    return pd.DataFrame(rows, columns=["field", "first", "second"])


def decide_pair(engine, pair, actor: Actor) -> None:
    """Three buttons under a pair (for a role that may decide); a click stores the decision
    (db.quality, which checks the actor again) and reruns the page."""
    if not actor.can(Permission.DECIDE_DUPLICATES):
        st.caption(f"Deciding needs the editor role (yours: {actor.role.label}).")
        return
    first, second = int(pair["first_figure_id"]), int(pair["second_figure_id"])
    keep_first, keep_second, distinct = st.columns(3)
    choice = None
    if keep_first.button(f"Duplicate — keep first ({first})", key=f"dq-pair-{first}-{second}-keep-first"):
        choice = ("duplicate", first)
    if keep_second.button(f"Duplicate — keep second ({second})", key=f"dq-pair-{first}-{second}-keep-second"):
        choice = ("duplicate", second)
    if distinct.button("Distinct: both count", key=f"dq-pair-{first}-{second}-distinct"):
        choice = ("distinct", None)
    if choice is None:
        return
    try:
        decided = quality.decide_duplicate(engine, first, second, choice[0], choice[1], actor=actor)
    except (quality.QualityError, PermissionDenied, DatabaseBusy) as exc:
        st.error(str(exc))
        return
    if decided.rejected_id is None:
        _done(f"Figures {first} and {second}: distinct. Both still count.")
    else:
        _done(f"Figures {first} and {second}: duplicate. Figure {decided.kept_id} still counts; figure "
              f"{decided.rejected_id} no longer counts anywhere (review status rejected).")
