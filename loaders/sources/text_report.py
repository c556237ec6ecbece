"""Free-text reports (news items, flash updates, sitreps): facts read from prose, pending review.

The facts come from textfacts.extract_facts, each with the sentence it was read from and that
sentence's character offsets in the report's text (loaders/readers/report_text.py says what the
text is for HTML and Markdown). Every fact is stored with review_status "pending": the charts
count it only once a person has accepted it on the review page.

Mapping onto the tables:
- displacements → displacement_figure, provider "text": the term gives the kind (fled, displaced,
  evacuated → new_displacement; arrived → arrival; returned → return; sheltering → idp_stock),
  "people" → persons, "households" → households; a fact with no group is stored as persons with
  a warning for the reviewer. A place stated only as "in X" is stored as the destination (where
  the people are counted). Dates "YYYY-MM" or "YYYY" become that whole month or year.
- events → conflict_event, provider "text": actors in order as actor1, actor2 and the rest
  associated; an event without a date it could resolve is stored undated (the schema lets only a
  pending or rejected event be undated).

Places are resolved through the gazetteer when they are names (a word with a capital letter);
descriptive places ("safer areas", "makeshift camps") are kept as written and not queued.
Several places in one fact ("A; B") are kept as written, unresolved.

Record keys (see _Keys) stay the same when the same report is loaded again with another
publication date, so its facts are revised, not doubled. Row numbers in issues are the report's
line numbers.

Quotes are stored as sentences (a long one as a window around its fact, see
textfacts.extract.QUOTE_CAP) after textfacts.scrub.scrub_quote: e-mail addresses, telephone
numbers, street addresses, ages and private persons' names become [email], [phone], [address],
[age] and [name]; the fact's own places are kept.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import Counter
from datetime import date
from typing import Iterator

from loaders.context import Chunk, LoadContext
from loaders.readers.document import Document
from loaders.sources._countries import leading_country
from textfacts import extract_facts
from textfacts.scrub import scrub_quote

KIND = "text_report"
# textfacts' place lexicon is Syria's: a report that names no country is read as Syrian. One that
# names another country is read as that country's (country_named), and --country replaces both.
COUNTRY = "SYR"
TITLE = "Text report"
PUBLISHER = None
FORMAT = "report"
TARGET = "facts"
EXPECTED_COLUMNS = ("a .txt, .md or .html report in prose",)
PROVIDER = "text"

FIGURE_KIND_BY_TERM = {"fled": "new_displacement", "displaced": "new_displacement", "evacuated": "new_displacement",
                       "arrived": "arrival", "returned": "return", "sheltering": "idp_stock", None: "new_displacement"}
UNIT = {"people": "persons", "persons": "persons", "households": "households"}

def detect(document) -> bool:
    return document.format == "report"


# A report is about the country it names most, when that country has at least this share of every
# country name in it; naming none, it is about COUNTRY (the lexicon's).
COUNTRY_SHARE = 2 / 3


def country_named(document: Document, gazetteer) -> tuple[bool, str | None, str, set[str]]:
    """(whether the text names any country, the ISO3 code of the one it is about or None, why, the
    ISO3 codes of every country it names)."""
    named = gazetteer.countries_named_in(f"{document.title or ''}\n{document.text}")
    if not named:
        return False, None, "the report names no country", set()
    country, among, listing = leading_country(gazetteer, named, sum(named.values()), COUNTRY_SHARE)
    if country:
        return True, country, f"the report names {listing}", among
    return True, None, f"the report names several countries ({listing}) and none most of the time", among


def period(value: str | None, *, end: bool) -> tuple[date | None, str | None]:
    """A gold-style date ("2024-12-05", "2024-12", "2024") as a day, and its precision."""
    if not value:
        return None, None
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return date(*parts), "day"
    if len(parts) == 2:
        year, month = parts
        return date(year, month, calendar.monthrange(year, month)[1] if end else 1), "month"
    return date(parts[0], 12, 31) if end else date(parts[0], 1, 1), "year"


def _is_a_name(place: str) -> bool:
    return any(word[:1].isupper() for word in re.findall(r"[^\W\d_][\w’'-]*", place))


def _place_id(ctx: LoadContext, place: str | None, row: int, column: str) -> int | None:
    if not place or ";" in place or not _is_a_name(place):
        return None
    return ctx.place_id(place, row=row, column=column)


def _digest(text: str, length: int = 12) -> str:
    return hashlib.sha1(" ".join(text.split()).lower().encode("utf-8")).hexdigest()[:length]


class _Keys:
    """record_key = the report's text digest + the fact's own digest + which such fact it is.

    A displacement is identified by its sentence, an event by its type, sub-type and place —
    not by the sentence chosen to quote it, nor by its date: loading the same report again with a
    publication date revises the facts of the undated load instead of adding new ones. Keys are
    scoped to the report's text, so two reports never overwrite each other's facts.
    """

    def __init__(self, text: str):
        self.document = _digest(text)
        self.seen: Counter = Counter()

    def __call__(self, letter: str, *identity: str | None) -> str:
        digest = _digest("|".join(part or "" for part in identity))
        self.seen[(letter, digest)] += 1
        return f"{self.document}:{letter}:{digest}:{self.seen[(letter, digest)]}"


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def normalise(document: Document, ctx: LoadContext) -> Iterator[Chunk]:
    if document.published is None:
        ctx.report.add(None, None, "no-publication-date",
                       "no publication date was given or found in the file; relative dates such as \"last "
                       "Saturday\" stay unresolved. Give the date (--published YYYY-MM-DD, or on the upload page) "
                       "to resolve them", severity="warning")
    facts = extract_facts(document.text, document.published)
    document.records = len(facts["displacements"]) + len(facts["events"])
    if not document.record_count:
        ctx.report.add(None, None, "nothing-to-load", "no displacement or conflict-event fact was found in the text",
                       severity="warning")
    key = _Keys(document.text)
    figures = [_figure_row(fact, document.text, ctx, key) for fact in facts["displacements"]]
    events = [_event_row(fact, document.text, ctx, key) for fact in facts["events"]]
    if figures:
        yield Chunk("displacement_figure", figures)
    if events:
        yield Chunk("conflict_event", events)


def _figure_row(fact: dict, text: str, ctx: LoadContext, key: _Keys) -> tuple[int, dict]:
    row = _line_of(text, fact["quote_start"])
    unit = UNIT.get(fact.get("unit"))
    if unit is None:
        unit = "persons"
        ctx.report.add(row, "unit", "unit-not-stated", "the sentence names no group (people or families); stored "
                       "as persons — check it on the review page", fact.get("figure_text"), severity="warning")
    destination = fact.get("destination") or fact.get("location")
    start, _ = period(fact.get("date_start"), end=False)
    end, _ = period(fact.get("date_end"), end=True)
    scope = fact.get("figure_scope")
    kind = "idp_stock" if scope == "stock" else FIGURE_KIND_BY_TERM.get(fact.get("term"), "new_displacement")
    return row, {
        "provider": PROVIDER,
        "record_key": key("d", fact["quote"]),
        "figure_kind": kind,
        "unit": unit,
        "qualifier": fact["qualifier"],
        "figure": None if fact.get("figure") is None else float(fact["figure"]),
        "figure_max": None if fact.get("figure_max") is None else float(fact["figure_max"]),
        "alt_figure": None if fact.get("alt_figure") is None else float(fact["alt_figure"]),
        "alt_unit": UNIT.get(fact.get("alt_unit")) if fact.get("alt_figure") is not None else None,
        "is_cumulative": scope == "cumulative",
        "origin_place_id": _place_id(ctx, fact.get("origin"), row, "origin"),
        "origin_name_raw": fact.get("origin"),
        "destination_place_id": _place_id(ctx, destination, row, "destination"),
        "destination_name_raw": destination,
        "period_start": start,
        "period_end": end,
        "term": fact.get("term"),
        "review_status": "pending",
        "quote": scrub_quote(fact["quote"], keep=(fact.get("origin"), destination)),
        "quote_start": fact["quote_start"],
        "quote_end": fact["quote_end"],
    }


def _event_row(fact: dict, text: str, ctx: LoadContext, key: _Keys) -> tuple[int, dict]:
    row = _line_of(text, fact["quote_start"])
    event_date, precision = period(fact.get("date"), end=False)
    if event_date is None:
        ctx.report.add(row, "event_date", "undated-fact", "the event's date could not be resolved; give it a date "
                       "on the review page before accepting it", severity="warning")
    actors = list(fact.get("actors") or [])
    return row, {
        "provider": PROVIDER,
        "record_key": key("e", fact["event_type"], fact.get("sub_event_type"), fact.get("place")),
        "event_date": event_date,
        "date_precision": precision or "day",
        "event_type": fact["event_type"],
        "sub_event_type": fact.get("sub_event_type"),
        "actor1": actors[0] if actors else None,
        "actor2": actors[1] if len(actors) > 1 else None,
        "assoc_actors": "; ".join(actors[2:]) or None,
        "place_id": _place_id(ctx, fact.get("place"), row, "place"),
        "place_name_raw": fact.get("place"),
        "review_status": "pending",
        "quote": scrub_quote(fact["quote"], keep=(fact.get("place"),)),
        "quote_start": fact["quote_start"],
        "quote_end": fact["quote_end"],
    }

