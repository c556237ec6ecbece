"""One colour per place, the same on every page and in the pack, and never two places of one chart alike.

Plotly colours series by their order in a figure, so a place's colour changed with the filters and the
window (Hama blue on a page, red in the pack). A place's colour here comes from its name: its slot in
the palette is a hash of the name. Names hashed into 24 slots collide (Manbij and Tell Rifaat, Aleppo
and Damascus shared one in the same chart), so a chart's colours are given for the whole set of places
it draws (`place_colours`): in order of name, each place takes its own slot, or the next free one when
a place before it holds it (linear probing). A page and the pack draw the same set of places, so they
agree; a place keeps its own slot whenever nothing before it in its chart claimed it.
"""

from __future__ import annotations

import zlib

from plotly.colors import qualitative

PLACE_PALETTE = tuple(qualitative.Dark24)  # 24 colours: few places of one chart share one
OTHERS_COLOUR = "#b0b0b0"  # "other places", "other areas": grey, never a place's colour


def _key(name) -> str:
    return str(name).strip().casefold()


def _slot(name) -> int:
    return zlib.crc32(_key(name).encode("utf-8")) % len(PLACE_PALETTE)


def place_colour(name: str, others: tuple[str, ...] = ()) -> str:
    """The colour of a place alone, from its name (case and surrounding spaces ignored); grey for `others`.
    A chart of several places takes `place_colours` of all of them instead."""
    if name in others:
        return OTHERS_COLOUR
    return PLACE_PALETTE[_slot(name)]


def place_colours(names, others: tuple[str, ...] = ()) -> dict[str, str]:
    """The colours of the places one chart draws, by name: distinct for up to 24 places (beyond, the
    palette is used again), grey for `others`. The result depends on the set of names only, not on
    their order (the same names written alike, case and surrounding spaces aside, share one colour)."""
    colours: dict[str, str] = {}
    taken: dict[str, int] = {}  # key → slot
    used: set[int] = set()
    for key in sorted({_key(n) for n in names if n not in others}):
        slot = _slot(key)
        if len(used) < len(PLACE_PALETTE):
            while slot in used:
                slot = (slot + 1) % len(PLACE_PALETTE)
        else:  # more places than colours: start a new round of the palette
            used.clear()
        used.add(slot)
        taken[key] = slot
    for name in names:
        colours[name] = OTHERS_COLOUR if name in others else PLACE_PALETTE[taken[_key(name)]]
    return colours
