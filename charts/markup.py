"""Text from files, made inert before plotly draws it.

plotly renders a subset of HTML in every text it draws: legend entries, hover labels, axis ticks,
Sankey labels, annotations. A place or actor name written `<a href="...">Hama</a>` in a file
became a live link in the Flows legend, and `<b>` or `<span style=...>` change what a reader sees.
So every string of a figure passes `inert_text` on its way out (the pages' `ui.show.show_chart`
and the exports in `charts/export.py`): `&`, `<` and `>` become entities, which plotly shows as
the characters themselves, except the two tags our own templates use (`<br>` for a line break,
`<extra>` for a hover box's side label). A name holding `<br>` can at most break a line.

Done at the edge, once per figure, rather than in each builder: a builder added later cannot
forget it. It is idempotent (an entity stays an entity), so a figure shown and then exported is
not escaped twice.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go

# Our templates' own tags; anything else that looks like a tag is shown as text.
_KEPT_TAG = re.compile(r"<br\s*/?>|</?extra>", re.IGNORECASE)
_BARE_AMPERSAND = re.compile(r"&(?!(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});)")


def inert_text(text: str) -> str:
    """`text` with every markup character but those of `<br>` and `<extra>` as an entity."""
    if "<" not in text and ">" not in text and "&" not in text:
        return text
    parts, last = [], 0
    for kept in _KEPT_TAG.finditer(text):
        parts.append(_escaped(text[last:kept.start()]))
        parts.append(kept.group(0))
        last = kept.end()
    parts.append(_escaped(text[last:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    return _BARE_AMPERSAND.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _inert(value):
    """`value` with its strings made inert, or the same object when nothing changed."""
    if isinstance(value, str):
        return inert_text(value)
    if isinstance(value, dict):
        changed = {key: _inert(item) for key, item in value.items()}
        return value if all(changed[key] is value[key] for key in value) else changed
    if isinstance(value, (list, tuple)):
        changed = [_inert(item) for item in value]
        return value if all(new is old for new, old in zip(changed, value)) else type(value)(changed)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in ("O", "U", "S"):  # numbers and dates: nothing to draw as markup
            return value
        changed = [_inert(item) for item in value.ravel().tolist()]
        if all(new is old or new == old for new, old in zip(changed, value.ravel().tolist())):
            return value
        return np.array(changed, dtype=object).reshape(value.shape)
    return value


def inert_markup(figure: go.Figure) -> go.Figure:
    """The figure with every string of its traces and layout made inert (in place; returned)."""
    for trace in figure.data:
        props = trace.to_plotly_json()
        updates = {key: new for key, old in props.items() if (new := _inert(old)) is not old}
        if updates:
            trace.update(updates)
    layout = figure.layout.to_plotly_json()
    updates = {key: new for key, old in layout.items() if key != "template" and (new := _inert(old)) is not old}
    if updates:
        figure.update_layout(updates)
    return figure
