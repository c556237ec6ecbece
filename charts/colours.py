"""One colour per place, the same on every page and in the pack.

Plotly colours series by their order in a figure, so a place's colour changed with the filters and the
window (Hama blue on a page, red in the pack). A place's colour here depends on its name alone: the same
name gets the same colour in every chart that draws places (flows, sites by area, HAPI counts).
"""

from __future__ import annotations

import zlib

from plotly.colors import qualitative

PLACE_PALETTE = tuple(qualitative.Dark24)  # 24 colours: few places of one chart share one
OTHERS_COLOUR = "#b0b0b0"  # "other places", "other areas": grey, never a place's colour


def place_colour(name: str, others: tuple[str, ...] = ()) -> str:
    """The colour of a place, from its name (case and surrounding spaces ignored); grey for `others`."""
    if name in others:
        return OTHERS_COLOUR
    digest = zlib.crc32(str(name).strip().casefold().encode("utf-8"))
    return PLACE_PALETTE[digest % len(PLACE_PALETTE)]
