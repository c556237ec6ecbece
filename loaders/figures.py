"""One displacement fact from a row's counts: persons and households are never added together.

A row that gives both ("300 individuals, 55 households") is one fact: the persons count is the
figure and the households count its alt_figure, so a sum over `figure` never counts a family as
a person. Each count may carry its own hedge ("about 300"); the fact has one qualifier.
"""

from __future__ import annotations

from loaders.parsing import CellError, count_issue_code as parsed_count_code


class HedgeConflict(CellError):
    """The two counts of a row are hedged differently ("about 300", "at least 50")."""

    code = "conflicting-cells"


def one_fact(persons: tuple[float | None, str], households: tuple[float | None, str]) -> dict | None:
    """displacement_figure values (figure, unit, qualifier, alt_figure, alt_unit) or None if no count.

    Both arguments are (value, qualifier) as loaders.parsing.parse_count returns them.
    """
    (people, people_q), (families, families_q) = persons, households
    if people is None and families is None:
        return None
    if people is None:
        return {"figure": families, "unit": "households", "qualifier": families_q,
                "alt_figure": None, "alt_unit": None}
    if families is None:
        return {"figure": people, "unit": "persons", "qualifier": people_q, "alt_figure": None, "alt_unit": None}
    hedges = {people_q, families_q} - {"exact"}
    if len(hedges) > 1:
        # "about 300 people, at least 50 families": which one describes the fact is not ours to pick.
        raise HedgeConflict(f"the two counts are hedged differently ({people_q} and {families_q}); "
                            "give one qualifier for the row")
    qualifier = hedges.pop() if hedges else "exact"
    return {"figure": people, "unit": "persons", "qualifier": qualifier,
            "alt_figure": families, "alt_unit": "households"}


def count_issue_code(error: CellError) -> str:
    """The issue code for a count that was refused: negative, contradictory, or unreadable."""
    return parsed_count_code(error)
