"""What every data page does first: configure, connect, say when there is nothing yet, flag demo data."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from sqlalchemy import Engine

from access.policy import Actor, Permission
from charts.captions import demo_mark
from ui.access import gate
from ui.common import database_ready, get_engine, show_demo_banner


@dataclass(frozen=True)
class Page:
    engine: Engine
    url: str  # the database URL (ui.cache.cached keys on it, taken from the engine itself)
    is_demo: bool
    actor: Actor  # who is using the page (ui/access.py); actions check actor.can(...)

    def demo_mark(self, text: str, sources) -> str:
        """A chart title, marked as demo data only when the rows it draws include demo rows
        (`sources`: ui.captions.chart_sources of the chart)."""
        return demo_mark(text, sources)


def open_page(title: str, icon: str, heading: str | None = None, permission: Permission = Permission.VIEW) -> Page:
    """Set up a page; stops it when the session may not `permission` (ui/access.py: before any data
    is read) or, with a plain message, when the database has no tables yet."""
    st.set_page_config(page_title=title, page_icon=icon, layout="wide")
    st.title(heading or title)
    actor = gate(permission)
    engine = get_engine()
    if not database_ready(engine):
        st.info("The database has no tables yet. Run `python -m db demo` for the demo data, or "
                "`python -m db upgrade` and load your own files.")
        st.stop()
    return Page(engine=engine, url=str(engine.url), is_demo=show_demo_banner(engine), actor=actor)
