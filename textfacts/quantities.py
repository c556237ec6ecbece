"""Quantities as reports write them: "14,000", "1.1 million", "forty-nine thousand", "over five
thousand", "between 60,000 and 80,000", "thousands of", "increasing numbers of".

`find_quantities(sentence)` returns every quantity phrase with its value, hedge and span; the
displacement rules decide which of them count people on the move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

_WORD = r"(?:" + "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True)) + r")"
_WORD_NUMBER = rf"{_WORD}(?:[- ]{_WORD})?(?:\s+(?:hundred|thousand|million)(?:\s+(?:and\s+)?{_WORD}(?:[- ]{_WORD})?)?)*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER = rf"(?:(?:{_DIGITS})(?:\s+(?:hundred|thousand|million|billion)\b)?|\b{_WORD_NUMBER}\b|\ba\s+(?:hundred|thousand|million)\b)"

HEDGES = [
    (r"just under|close to|approximately|an estimated|estimated|roughly|around|about|nearly|almost|some|approx\.?",
     "approx"),
    (r"more than|upwards of|at least|over|in excess of", "at_least"),
    (r"up to|fewer than|less than|under", "at_most"),
]
_HEDGE = "|".join(f"(?P<h{i}>{pattern})" for i, (pattern, _) in enumerate(HEDGES))

QUANTITY = re.compile(
    rf"(?:\b(?P<between>between)\s+(?P<low>{_NUMBER})\s+(?:and|to)\s+(?P<high>{_NUMBER})"
    rf"|(?:\b(?:{_HEDGE})\s+)?(?:a\s+further\s+|another\s+)?(?P<number>{_NUMBER})"
    rf"(?:\s*(?:-|–|to)\s*(?P<to>{_NUMBER}))?(?P<or_more>\s+or\s+more)?)",
    re.IGNORECASE,
)

# Quantities with no number: stored with a NULL figure, never as zero.
VAGUE = re.compile(
    r"\b(?:(?:hundreds|tens) of thousands|thousands|hundreds|dozens|scores|tens|millions"
    r"|(?:increasing|growing|large|huge|significant|small|relatively small|unknown) numbers"
    r"|\ba\s+(?:\w+\s+)?(?:procession|stream|wave|convoy|column|influx|exodus)(?=\s+of\b)"
    r"|\bmost\s+of\s+(?:the|those)"
    r"(?=\s+(?:\w+\s+)?(?:evacuees|displaced|IDPs|families|households|refugees|returnees)\b)"
    r"|a (?:large |small |growing )?number|several thousand|many thousands|several hundred)\b(?:\s+of)?"
    r"|\b(?:many|several|some|numerous|more)\b(?=\s+(?:\w+\s+)?(?:families|households|people|residents|civilians|"
    r"IDPs|displaced|refugees|Syrians|individuals)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    start: int
    end: int
    text: str
    value: int | None  # None: a vague quantity
    qualifier: str  # exact, approx, at_least, at_most, range, vague
    maximum: int | None = None


def words_to_number(text: str) -> int | None:
    """ "forty-nine thousand" → 49000, "one million" → 1000000, "a hundred" → 100."""
    total, current = 0, 0
    seen = False
    for token in re.split(r"[\s-]+", text.lower().strip()):
        if token in ("and", ""):
            continue
        if token == "a":
            current, seen = 1, True
        elif token in _UNITS:
            current += _UNITS[token]
            seen = True
        elif token in _TENS:
            current += _TENS[token]
            seen = True
        elif token in _SCALES:
            scale = _SCALES[token]
            current = max(current, 1) * scale
            if scale >= 1000:
                total, current = total + current, 0
            seen = True
        else:
            return None
    return total + current if seen else None


def to_number(text: str) -> int | None:
    text = text.strip()
    match = re.fullmatch(r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s+(hundred|thousand|million|billion))?",
                         text, re.IGNORECASE)
    if match:
        value = float(match[1].replace(",", ""))
        if match[2]:
            value *= _SCALES[match[2].lower()]
        return int(round(value))
    return words_to_number(text)


def _hedge(match) -> str:
    for i, (_, meaning) in enumerate(HEDGES):
        if match.group(f"h{i}"):
            return meaning
    return "exact"


def find_quantities(sentence: str) -> list[Quantity]:
    found: list[Quantity] = []
    taken = bytearray(len(sentence) + 1)  # 1 where a figure was read: one lookup per vague phrase, not a scan
    for match in QUANTITY.finditer(sentence):
        if match["between"]:
            low, high = to_number(match["low"]), to_number(match["high"])
            if low is None or high is None:
                continue
            found.append(Quantity(match.start(), match.end(), match[0], low, "range", high))
        else:
            value = to_number(match["number"])
            if value is None:
                continue
            qualifier = "at_least" if match["or_more"] else _hedge(match)
            maximum = to_number(match["to"]) if match["to"] else None
            if maximum is not None and maximum > value:
                qualifier = "range"
            found.append(Quantity(match.start(), match.end(), match[0], value, qualifier, maximum))
        taken[match.start():match.end()] = b"\x01" * (match.end() - match.start())
    for match in VAGUE.finditer(sentence):
        if taken[match.start()]:
            continue
        found.append(Quantity(match.start(), match.end(), match[0], None, "vague"))
    return sorted(found, key=lambda q: q.start)
