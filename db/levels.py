"""A figure of an area is never added to the figures of the areas inside it.

Files often give one count at several admin levels at once: HDX HAPI's IDP rows for a country,
each of its provinces and each district; an HXL sheet with a province's total above its
districts' rows (`#adm+level`); a DTM export at admin 1 and admin 2. Summed, the same people
are counted two or three times.

A figure is *held in finer rows* (displacement_figure.held_in_finer) when the same provider gives,
for the same figure kind, unit, running-total flag and day, and the same other end of the flow,
a figure at a place inside its own (a district of its province, a town of its district) that
counts (a fact read from text once a reviewer accepted it): its people are already in theirs. Summaries and every total skip it (db.summary.counted_figures,
the day summary's own column), so a country's total is the sum of its finest rows and a
province on the Flows page is the sum of its districts; the row itself stays, as loaded, for
Data quality and for the current stocks, which show the levels side by side.

The finer rows win rather than the coarser because they are what the maps and the per-place
charts draw; where they cover only part of the area, the total is smaller than the provider's
own, never larger.

The flag is recomputed for whole groups (provider, kind, unit, day) after every load, every
batch deletion and every review edit or place-name link that touched them (db/review.py: the
groups before the change and after it), in the same transaction, before the summaries are.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import Connection, or_, select, tuple_, update

from db.schema import displacement_figure, place
from db import summary, vocab
from db.summary import figure_day

Group = tuple  # (provider, figure_kind, unit, day)

_CHUNK = 500


def groups_of(conn: Connection, condition) -> set[Group]:
    """The (provider, kind, unit, day) groups of the figures matching `condition`."""
    f = displacement_figure
    day = figure_day()
    return set(conn.execute(select(f.c.provider, f.c.figure_kind, f.c.unit, day)
                            .where(condition, day.is_not(None)).distinct()).all())


def _strict_ancestors(conn: Connection) -> dict[int, frozenset[int]]:
    """place id → the ids of every place above it (its parent, the parent's parent...)."""
    parents = dict(conn.execute(select(place.c.place_id, place.c.parent_id)).all())
    found: dict[int, frozenset[int]] = {}

    def above(place_id: int) -> frozenset[int]:
        if place_id in found:
            return found[place_id]
        chain, seen, current = [], set(), parents.get(place_id)
        while current is not None and current not in seen:
            chain.append(current)
            seen.add(current)
            current = parents.get(current)
        found[place_id] = frozenset(chain)
        return found[place_id]

    for place_id in parents:
        above(place_id)
    return found


def held_ids(rows: Iterable[tuple], ancestors: dict[int, frozenset[int]]) -> set[int]:
    """The figure ids held in finer rows, among rows (figure id, group key, origin id, origin name,
    destination id, destination name[, whether it counts]) of the same groups: a row is held when a
    row of its group with the same origin has a destination inside its destination, or one with the
    same destination an origin inside its origin. Only a row that counts holds another: a district's
    figure a reviewer rejected, or has not accepted yet, leaves its province's figure counted."""
    rows = list(rows)
    held: set[int] = set()
    for area, other in ((4, 2), (2, 4)):  # destination inside, origin the same; then the other way round
        above: dict[tuple, set[int]] = defaultdict(set)  # (group, other end) → places above the rows' areas
        for row in rows:
            if row[area] is not None and (len(row) < 7 or row[6]):
                above[(row[1], row[other], row[other + 1])] |= ancestors.get(row[area], frozenset())
        for row in rows:
            if row[area] is not None and row[area] in above.get((row[1], row[other], row[other + 1]), ()):
                held.add(row[0])
    return held


def refresh_held(conn: Connection, groups: Iterable[Group], *, summaries: bool = False) -> int:
    """Recompute held_in_finer for every figure of these groups; how many rows changed. The caller
    recomputes the summaries of those days afterwards (a load does, once, at its end), or asks for it
    with `summaries` (a batch deletion, whose summaries were recomputed before)."""
    groups = sorted(set(groups), key=repr)
    if not groups:
        return 0
    f = displacement_figure
    day = figure_day()
    key = tuple_(f.c.provider, f.c.figure_kind, f.c.unit, day)
    parts = [groups[start:start + _CHUNK] for start in range(0, len(groups), _CHUNK)]
    # Only a group with a figure at a place that has places under it can hold anything (one query
    # per part); a load of towns' flows reads nothing more.
    parents = select(place.c.parent_id).where(place.c.parent_id.is_not(None)).distinct().scalar_subquery()
    was_held: set[int] = set()
    candidates: set[Group] = set()
    for part in parts:
        was_held |= set(conn.execute(select(f.c.figure_id).where(key.in_(part), f.c.held_in_finer.is_(True)))
                        .scalars())
        candidates |= set(conn.execute(
            select(f.c.provider, f.c.figure_kind, f.c.unit, day).distinct()
            .where(key.in_(part), or_(f.c.destination_place_id.in_(parents), f.c.origin_place_id.in_(parents)))).all())
    held: set[int] = set()
    if candidates:
        ancestors = _strict_ancestors(conn)
        ordered = sorted(candidates, key=repr)
        for start in range(0, len(ordered), _CHUNK):
            rows = conn.execute(
                select(f.c.figure_id, f.c.provider, f.c.figure_kind, f.c.unit, f.c.is_cumulative, day,
                       f.c.origin_place_id, f.c.origin_name_raw, f.c.destination_place_id, f.c.destination_name_raw,
                       f.c.review_status)
                .where(key.in_(ordered[start:start + _CHUNK]))).all()
            held |= held_ids(((r[0], tuple(r[1:6]), *r[6:10], r[10] in vocab.COUNTED_REVIEW_STATUSES) for r in rows),
                             ancestors)
    for flag, ids in ((False, sorted(was_held - held)), (True, sorted(held - was_held))):
        for start in range(0, len(ids), _CHUNK):
            conn.execute(update(f).where(f.c.figure_id.in_(ids[start:start + _CHUNK])).values(held_in_finer=flag))
    changed = len(was_held ^ held)
    if summaries and changed:
        summary.refresh_weeks(conn, figure_weeks={summary.monday(group[3]) for group in groups})
    return changed


def refresh_all_held(conn: Connection) -> int:
    """held_in_finer for every figure (a migration, `python -m db summary --rebuild`)."""
    return refresh_held(conn, groups_of(conn, displacement_figure.c.figure_id.is_not(None)))
