"""Picking a place by its name: a selectbox of gazetteer places written in words with their context
("Hama · حماة — district in Hama (SY0501)"), never a key to type.

The gazetteer holds every country's admin areas (some 33,000 places), too many for one box: a box offers
the place linked now, the resolver's candidates for the name as written, and the other places of their
countries (a few hundred for one country); for a name without candidates, the places of the countries the
gazetteer knows below district level. Streamlit's selectbox filters its options as a person types.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from db import queries, vocab
from gazetteer import load_gazetteer
from ui.cache import cached, shared
from ui.safe_text import literal

UNLINKED = ""  # the option "keep the name as written, unlinked"
KIND_ORDER = {kind: order for order, kind in enumerate(vocab.PLACE_KINDS)}


def read_place_directory(engine) -> pd.DataFrame:
    """Every place with its label in words and its country's key, indexed by place key (read through
    ui.cache.cached, so once a while per database)."""
    places = queries.query_places(engine, None).set_index("place_key")
    parent = places["parent_key"]
    country = places.index.to_series().where(places["kind"] == "country")
    ancestor = parent
    for _ in range(len(vocab.PLACE_KINDS)):  # walk up to the country, one level a step
        country = country.fillna(ancestor.where(ancestor.map(places["kind"]) == "country"))
        ancestor = ancestor.map(parent)
    names = places["name_en"]
    labels = [
        vocab.place_label(name, pcode, name_ar, key) + " — " + kind
        + ("" if vocab.is_missing(up) or up not in names.index else f" in {names[up]}")
        for key, name, pcode, name_ar, kind, up in zip(places.index, names, places["pcode"], places["name_ar"],
                                                     places["kind"], parent)]
    return pd.DataFrame({"label": labels, "kind": places["kind"], "name": names, "country": country},
                        index=places.index)


def place_options(engine, raw_name, key_now) -> list[str]:
    """The keys a box offers: unlinked, the place linked now, the resolver's candidates for the name as
    written, then the other places of those countries by kind (largest first) and name."""
    directory = cached(read_place_directory, engine)
    first = [k for k in (key_now,) if not vocab.is_missing(k) and k in directory.index]
    if not vocab.is_missing(raw_name) and str(raw_name).strip():
        resolution = shared(load_gazetteer, engine).resolve(str(raw_name))
        found = [resolution.place] if resolution.place is not None else []
        first += [p.place_key for p in found + [c for c, _ in resolution.candidates] if p.place_key in directory.index]
    first = list(dict.fromkeys(first))
    countries = set(directory.loc[first, "country"].dropna())
    if not countries:  # a name the resolver knows nothing near: the countries the gazetteer knows in detail
        detailed = directory["kind"].isin(("subdistrict", "community", "site"))
        countries = set(directory.loc[detailed, "country"].dropna())
    rest = directory[directory["country"].isin(countries) & (directory["kind"] != "country")]
    rest = rest.assign(order=rest["kind"].map(KIND_ORDER)).sort_values(["order", "name"])
    return [UNLINKED, *first, *(k for k in rest.index if k not in set(first))]


def place_picker(engine, label: str, raw_name, key_now, widget_key: str, container=st) -> str | None:
    """A selectbox of places by name; the chosen place's key, or None to keep the name unlinked."""
    directory = cached(read_place_directory, engine)
    options = place_options(engine, raw_name, key_now)
    now = key_now if not vocab.is_missing(key_now) and key_now in options else UNLINKED
    written = "—" if vocab.is_missing(raw_name) else literal(raw_name)  # a file's text: shown, never rendered
    picked = container.selectbox(
        label, options, index=options.index(now), key=widget_key,
        format_func=lambda key: "not linked (keep the name as written)" if key == UNLINKED
        else directory.at[key, "label"],
        help=f"As written: {written}. Type to search by name; the list holds the places the name may mean "
             "and the other places of their country.")
    return picked or None
