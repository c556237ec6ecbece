"""Streamlit helpers shared by app.py and pages/ (kept out of pages/, where every file is a page).

This is the UI edge: the only place that caches, reads st.query_params and formats for people.
"""
