"""The Gazetteer page's list of places, as a person reads it (pure: pandas in, pandas out)."""

from __future__ import annotations

import pandas as pd

from db import vocab

# Column names in words, as ui.show.show_table's column_config; place_key is kept for tests and left out
# of the page (show_table without keys: the name and p-code say which place it is).
COLUMNS = {"name_en": "Name", "name_ar": "Name (Arabic)", "kind": "Kind", "pcode": "P-code", "inside": "Inside",
           "lat": "Latitude", "lon": "Longitude"}


def _coordinate(value) -> str:
    return "—" if vocab.is_missing(value) else f"{float(value):.4f}"


def places_inside(places: pd.DataFrame, country: str | None) -> pd.DataFrame:
    """The rows of `places` (query_places: place_key, parent_key, …) that lie in `country`, itself included;
    all rows when `country` is None."""
    if country is None:
        return places
    children: dict[str, list[str]] = {}
    for key, parent in zip(places["place_key"], places["parent_key"]):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(key)
    found, todo = set(), [country]
    while todo:
        key = todo.pop()
        if key not in found:
            found.add(key)
            todo.extend(children.get(key, ()))
    return places[places["place_key"].isin(found)]


def places_for_reading(places: pd.DataFrame, country: str | None, kinds) -> pd.DataFrame:
    """The places of `country` of the given kinds, in words: "Inside" is the enclosing place's name and
    p-code ("Hama · حماة (SY05)", not its key), coordinates are text with "—" when missing (not "None")."""
    by_key = places.set_index("place_key")
    rows = places_inside(places, country)
    rows = rows[rows["kind"].isin(list(kinds))] if kinds else rows

    def inside(parent) -> str:
        if not isinstance(parent, str) or parent not in by_key.index:
            return "—"
        row = by_key.loc[parent]
        return vocab.place_label(row["name_en"], row["pcode"], row["name_ar"], parent)

    shown = rows.assign(inside=[inside(p) for p in rows["parent_key"]],
                        lat=[_coordinate(v) for v in rows["lat"]], lon=[_coordinate(v) for v in rows["lon"]])
    shown = shown.sort_values(["kind", "name_en"], key=lambda c: c.astype(str).str.casefold())
    # ui.show.show_table(…, column_config=COLUMNS) names them
    return shown[[*COLUMNS, "place_key"]].reset_index(drop=True)
