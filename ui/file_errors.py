"""The upload page's one way of saying that a file did not load (the command line's twin is
loaders.errors.cli_message; both are built on loaders.errors.explain_failure)."""

from __future__ import annotations

import streamlit as st

from loaders.errors import display_text, explain_failure
from ui.safe_text import literal


def file_title(file_name: str) -> str:
    """A file's name for a heading: control characters escaped, Markdown and HTML inert."""
    return literal(display_text(file_name))


def show_file_failure(file_name: str, exc: BaseException) -> None:
    """One error box naming the file and what is wrong; never a traceback (an unexpected error
    is logged server-side, and the box gives its id)."""
    st.error(literal(explain_failure(file_name, exc).message))
