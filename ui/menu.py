"""The sidebar menu: every page by its name (Streamlit's own menu would call the home page "app").

`.streamlit/config.toml` hides Streamlit's menu (client.showSidebarNavigation); every page draws this one
through ui.access.gate, which every page calls first. The order is the `pages/` folder's.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

# (script relative to app.py, name in the menu)
MENU = (
    ("app.py", "Home"),
    ("pages/1_Flows.py", "Flows"),
    ("pages/2_Flows_and_events.py", "Flows and events"),
    ("pages/3_Events.py", "Events"),
    ("pages/4_Camps.py", "Camps"),
    ("pages/5_Export.py", "Export"),
    ("pages/6_Data_quality.py", "Data quality"),
    ("pages/7_Upload.py", "Upload"),
    ("pages/8_Review.py", "Review"),
    ("pages/9_Gazetteer.py", "Gazetteer"),
    ("pages/10_Admin.py", "Admin"),
)


def show_menu() -> None:
    """One link per page in the sidebar. A page run on its own (AppTest runs a page file as the entry
    point) has no other pages to link to: the menu is left out there, the page itself runs as usual."""
    with st.sidebar:
        for script, name in MENU:
            try:
                st.page_link(script, label=name)
            except StreamlitAPIException:
                return
