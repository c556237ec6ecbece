"""The Camps and sites page's site-type filter kept in the URL."""

from __future__ import annotations

import streamlit as st

from db import vocab
from db.camps_queries import valid_site_types
from db.filters import LIST_SEPARATOR
from ui.common import from_link, refuse_url_value


def param_site_types(label: str = "Site types") -> tuple[str, ...]:
    """A multiselect of site types kept in the URL as `site_types` (comma-separated).

    Values outside vocab.SITE_TYPES are dropped (never passed on); an empty choice means all types
    and removes the parameter from the URL.
    """
    asked = [t for t in (st.query_params.get("site_types") or "").split(LIST_SEPARATOR) if t]
    wanted = valid_site_types(asked)
    unknown = [t for t in asked if t not in wanted]
    if unknown and from_link("site_types"):
        refuse_url_value("site_types", LIST_SEPARATOR.join(unknown), "not a site type",
                         "the other types" if wanted else "all site types")
    picked = st.sidebar.multiselect(label, vocab.SITE_TYPES, default=list(wanted), key="param-site_types",
                                    format_func=lambda t: t.replace("_", " "), placeholder="all",
                                    help="Only sites of these types count in every chart (empty: all types).")
    picked = valid_site_types(picked)
    if picked:
        st.query_params["site_types"] = LIST_SEPARATOR.join(picked)
    else:
        st.query_params.pop("site_types", None)
    return picked
