"""Gazetteer: the places names resolve to, a box to try a spelling, and the review queue."""

from __future__ import annotations

import streamlit as st

from access.policy import Permission
from db import vocab
from db.filters import MAX_AREA_KEY, country_of
from db.vocab import PLACE_KINDS
from ui.access import gate
from db import queries
from gazetteer import load_gazetteer
from ui.cache import cached, shared
from ui.common import database_ready, get_engine
from ui.gazetteer import COLUMNS as PLACE_COLUMNS, places_for_reading
from ui.show import show_table

st.set_page_config(page_title="Gazetteer", page_icon="🗺️", layout="wide")
st.title("Gazetteer")
actor = gate(Permission.VIEW)  # before any data is read (ui/access.py)
engine = get_engine()
if not database_ready(engine):
    st.info("The database has no tables yet. Run `python -m db upgrade`.")
    st.stop()

st.subheader("Try a spelling")
name = st.text_input("Place name as written", value=st.query_params.get("name", "")[:120], max_chars=120)
kind = st.selectbox("Kind", ["any", *PLACE_KINDS], index=0)
if name.strip():
    st.query_params["name"] = name
    resolution = shared(load_gazetteer, engine).resolve(name, kind=None if kind == "any" else kind)
    if resolution.is_resolved:
        place = resolution.place
        st.success(f"Resolved ({resolution.method}, score {resolution.score:.0f})")
        show_table([{"name_en": place.name_en, "name_ar": place.name_ar, "kind": place.kind, "pcode": place.pcode,
                     "place_key": place.place_key}], keys=True)
    else:
        st.warning("Not resolved: a loader would queue this name for review rather than guess.")
    if resolution.candidates:
        st.caption("Candidates and their scores")
        show_table([{"name_en": c.name_en, "kind": c.kind, "score": s, "place_key": c.place_key}
                    for c, s in resolution.candidates], keys=True)

st.subheader("Names waiting for review")
queue = cached(queries.query_unresolved_names, engine)
if queue.empty:
    st.info("No place name is waiting for review.")
else:
    show_table(queue, keys=True)

st.subheader("Places")
every = cached(queries.query_places, engine, ())  # the whole tree: a country's places are found through their parents
countries = every[every["kind"] == "country"].sort_values("name_en")
by_key = every.set_index("place_key")
# Start on the country of the link's area, else the one with the most recent data (never the first of
# the alphabet: a world gazetteer opened on Tajikistan while the data were Syria's).
with_data = list(cached(queries.query_countries_with_data, engine)["place_key"])
named = country_of(by_key, (st.query_params.get("area") or "").strip()[:MAX_AREA_KEY] or None)
keys = list(countries["place_key"])
start = named if named in keys else next((k for k in with_data if k in keys), None)
left, right = st.columns(2)
with left:
    country = st.selectbox("Country", keys, index=keys.index(start) if start in keys else 0,
                           format_func=lambda k: vocab.place_label(by_key.loc[k, "name_en"], None,
                                                                   by_key.loc[k, "name_ar"])
                           + (" (holds data)" if k in with_data else "")) if keys else None
with right:
    kinds = st.multiselect("Kinds", PLACE_KINDS, default=["governorate", "district", "community", "site"],
                           format_func=lambda k: vocab.KIND_WORDS.get(k, vocab.label(k)))
show_table(places_for_reading(every, country, kinds), column_config=PLACE_COLUMNS)
