"""Displacement and conflict-event facts from report prose, each with its sentence.

Rule-based and general: a displacement fact is a quantity of people or families (a number, or a
vague "thousands of", "increasing numbers of") in a sentence with a movement verb (displaced,
fled, arrived, returned, sheltering, evacuated); its origin and destination come from the place
phrases around the verb ("from X", "toward X", "in X camps"). Numbers of the dead, patients,
people besieged or receiving aid, and percentages are not displacement figures. An event is a
trigger phrase (fighting, clashes, took control of, withdrew, air strike, shelling, ...) with
its place, date and the actors named in the sentence. Nothing is invented: a report without a
figure gives facts without a figure.

The output follows the gold files' schema (../shared/texts/README.md): units "people" and
"households"; places as written.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date

from textfacts.dates import DateMention, find_dates
from textfacts.quantities import Quantity, find_quantities

# --- sentences --------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]?\s+(?=[\"“‘(]?[A-Z0-9•\-])|\n\s*\n|\n(?=\s*[•\-*]\s)|\n")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


# A pasted page without full stops is one "sentence" of any length (a 51 KB paste made 3,001 facts,
# each with its own copy of the whole paste, and rules that reread the sentence up to each figure
# took 90 s). So each rule reads at most CONTEXT characters on either side of what it looks at,
# and a sentence longer than QUOTE_CAP is quoted as a window of QUOTE_CAP characters around its
# fact (cut at spaces), so extraction and storage grow linearly with the report.
CONTEXT = 400
QUOTE_CAP = 600


def quote_window(sentence: Sentence, at: int) -> tuple[str, int, int]:
    """(quote, start, end) for a fact at `at` (an offset in the sentence): the whole sentence when it
    is at most QUOTE_CAP long, else a window of it around `at`; start and end are offsets in the report."""
    text = sentence.text
    if len(text) <= QUOTE_CAP:
        return text, sentence.start, sentence.end
    start = min(max(0, at - QUOTE_CAP // 3), len(text) - QUOTE_CAP)
    end = start + QUOTE_CAP
    if start > 0:  # begin at a word, not inside one
        space = text.find(" ", start, start + 40)
        start = space + 1 if space >= 0 and space + 1 <= at else start
    if end < len(text):
        space = text.rfind(" ", end - 40, end)
        end = space if space > max(at, start) else end
    return text[start:end], sentence.start + start, sentence.start + end


def sentences(text: str) -> list[Sentence]:
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        _add_sentence(out, text, start, match.start())
        start = match.end()
    _add_sentence(out, text, start, len(text))
    return out


# "HAMA, Syria (North Press) " or "GENEVA (Reuters) - " before a report's first sentence
_DATELINE = re.compile(r"^[A-Z][A-Z .'’-]+(?:,\s*[A-Z][\w .]+)?\s*\([^)]{2,40}\)\s*[-–—]?\s*")


def _add_sentence(out: list, text: str, start: int, end: int) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip(" \t\n•-*"))
    piece = piece.strip(" \t\n•-*")
    dateline = _DATELINE.match(piece)
    if dateline and dateline.end() < len(piece):
        lead += dateline.end()
        piece = piece[dateline.end():]
    if piece:
        out.append(Sentence(start + lead, start + lead + len(piece), piece))


# --- places -----------------------------------------------------------------------------------

# A place phrase: a name (capitalised words) or a kind of place ("makeshift camps", "government-
# controlled territories"), with up to three lower-case words before it and an optional "in X" /
# "of X" / "in and around X" after it; lists of such phrases joined by commas, "and", "as well as".
# Arabic article as transliterated, with its assimilations: al-, el-, ad-, adh-, ar-, as-, ash-, at-, az-, ez-, an- ...
_ARTICLE = r"(?:a|e)(?:l|d|dh|r|s|sh|t|th|z|n)-\w+"
_NAME = rf"(?:[A-Z][\w’'-]*|{_ARTICLE})(?:\s+(?:[A-Z][\w’'-]*|{_ARTICLE}|de|du|da|" \
        r"of(?=\s+[A-Z])|I{1,3}\b|\d{1,3}\b(?!\s*(?:,|\d|people|persons|individuals|families|households|km|%))))*"
_KIND = r"(?:camps?|shelters?|centres?|centers?|areas?|territories|villages?|schools?|mosques?|sites?|settlements?|" \
        r"communities|localit(?:y|ies)|regions?|districts?|neighbou?rhoods?|provinces?|governorates?|countryside|" \
        r"towns?|cit(?:y|ies)|directions?|hamlets?|forests?|crossings?|bridges?|outskirts|suburbs|parts?|" \
        r"frontlines?|front lines?|countr(?:y|ies))\b"
_LOWER = r"(?:(?!(?:by|with|from|to|and|or|of|in|on|at|for|that|which|who|is|are|was|were|has|have|had|said|" \
         r"says|according|after|before|since|while|when)\b)[a-z][\w’'-]*\s+)"
_CORE = rf"(?:{_NAME}(?:\s+(?:displacement|IDP|refugee|collective))?(?:\s+{_KIND})?|{_KIND}(?:\s+{_KIND})?)"
_ITEM = rf"(?:(?:the|these|this|that)\s+)?(?:(?:over|more than|some|about|around|nearly)\s+)?(?:\d[\d,]*\s+)?" \
        rf"{_LOWER}{{0,3}}?{_CORE}(?:\s+\([^)]{{1,40}}\))?" \
        rf"(?:\s+(?:in and around|in|of|around|near|within|between|(?:north|south|east|west)(?:east|west)?\s+of)" \
        rf"\s+(?:the\s+)?{_LOWER}{{0,2}}?" \
        rf"(?:{_CORE}|origin\b)){{0,2}}"
_CONT = rf"(?:the\s+)?(?:(?:other|nearby|surrounding|neighbouring|several)\s+)?{_CORE}(?:\s+\([^)]{{1,40}}\))?" \
        rf"(?:\s+(?:of|in)\s+(?:the\s+)?{_NAME}|\s+in\s+the\s+(?:north|south|east|west|centre|center)\w*)?"
_LIST = rf"{_ITEM}(?:\s*,\s*(?!and\b){_CONT}(?=\s*(?:,|and\b|as well as\b|or\b|[.;:)]|$)))*" \
        rf"(?:,?\s+(?:and|as well as)\s+(?:(?:from|to|in|into)\s+)?{_CONT})?"
_PHRASE = _LIST
_LEAD = r"(?<![\w’'])"
ORIGIN = re.compile(rf"{_LEAD}(?:(?:from|out of)\s+(?P<place>{_LIST})|"
                    rf"(?:fled|fleeing|flee|left|leaving|abandoned|abandoning|escaped|escaping)\s+"
                    rf"(?!(?:to|toward|towards|into|for|in|at|on|with|under|amid|because|as|after|before|from|their|"
                    rf"his|her|its)\b)(?P<name>{_LIST}))")
DESTINATION = re.compile(rf"{_LEAD}(?<!according )(?:to|toward|towards|into|for|reached|reaching|in|at|inside)\s+"
                         rf"(?P<place>{_LIST})")
_LOCATION = re.compile(rf"{_LEAD}(?:in|inside|within|across)\s+(?P<place>{_LIST})")
_PLACE_SCAN = re.compile(rf"{_LEAD}(?:in|from|to|into|towards?|at|of|near|around|inside|within|across|for|on)\s+"
                         rf"(?P<place>{_LIST})")
_GENERIC_AREA = re.compile(r"^(?:[a-z][\w-]*\s+){0,2}(?:areas?|places?|locations?|regions?|parts?)\s+(?:in|of)\s+"
                           r"(?!origin\b)")
_KIND_OF = re.compile(r"^(?:the\s+)?(?:[\w’'-]+\s+){0,2}?(?:towns?|cit(?:y|ies)|villages?|camps?|areas?|"
                      r"districts?|governorates?|provinces?|neighbou?rhoods?|localit(?:y|ies)|regions?)\s+of\s+"
                      r"(?=[A-Z])")
_NOT_A_PLACE = re.compile(r"^(?:the\s+)?(?:past|last|recent|coming|next|same|first|following|meantime|total|all|"
                          r"addition|particular|parallel|response|order|search|need|danger|fear|late|early|mid|"
                          r"middle|time|writing|north|south|east|west|centre|center|weekend|morning|night|evening|"
                          r"week|month|year|day|afternoon|"
                          r"January|February|March|April|May|June|July|August|September|October|November|"
                          r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Late|Early|"
                          r"Mid|Dec|Nov|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct)\b|^\d")
# Organisations, agencies and offices are never places ("according to the IDP Task Force").
_ORG = re.compile(r"\b(?:UN|UNHCR|OCHA|IOM|UNRWA|UNICEF|WFP|WHO|DTM|NGOs?|MSF|ICRC|Reuters|AFP|AANES|DAANES|"
                  r"Task Force|Cluster|Office|Agency|Ministry|Administration|Organi[sz]ation|Committee|Council|"
                  r"Authorit(?:y|ies)|Observatory|Commission|Department|Programme|Fund|Coordinator|Spokesperson|"
                  r"Government|Forces|Army|Front|Movement|Brigades?|Police|Red Cross|Red Crescent|News|Times|Press|"
                  r"Television|TV|Radio|English|Agency|Institute|Center|Centre|Union|Bank|Nations)\b")
_ANAPHOR = re.compile(r"^(?:(?:the|these|this|that)\s+(?P<kind>city|town|region|area|areas|village|villages|camp|"
                      r"district|locality|governorate|province|neighbou?rhood)|(?P<there>there))$", re.I)
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+)?|\s+(?:and|as well as|or)\s+(?:(?:from|to|in|into)\s+)?")


class _Places:
    """Place phrases seen so far in the passage (with positions), to resolve "the city", "these areas", "there"."""

    def __init__(self):
        self.items: list[tuple[int, str]] = []

    def add(self, position: int, place: str) -> None:
        self.items.append((position, place))

    def resolve(self, kind: str | None, position: int) -> str | None:
        # items arrive in text order, so those before `position` are a prefix (found by bisection, not a scan)
        count = bisect_left(self.items, position, key=lambda item: item[0])
        for index in range(count - 1, -1, -1):
            place = self.items[index][1]
            if kind in (None, "area", "areas"):
                return place
            names = re.findall(rf"{_NAME}", place)
            names = [n for n in names if not _NOT_A_PLACE.match(n)]
            if names:
                return names[-1]
        return None


def _clean(raw: str) -> str | None:
    place = re.sub(r"\s*\([^)]*\)", "", raw)
    place = re.sub(r"\s*\([^)]*$", "", place).strip(" ,.;:()’'")
    place = re.sub(r"^(?:the|these|this|that)\s+(?=\S+\s)", "", place, flags=re.I) \
        if not _ANAPHOR.match(place) else place
    place = re.sub(r"^(?:(?:over|more than|some|about|around|nearly)\s+)?\d[\d,]*\s+(?=[a-z])", "", place)
    place = _GENERIC_AREA.sub("", place)
    place = _KIND_OF.sub("", place)
    place = re.sub(r"^the\s+", "", place, flags=re.I)
    place = re.sub(r"\s+(?:city|town|City|Town)(?:\s+in\s+.*)?$", "", place)
    place = re.sub(r"\s+(?:in|on|of|since|during)\s+(?:(?:early|late|mid-?)\s*)?(?:January|February|March|April|May|"
                   r"June|July|August|September|October|November|December)\b.*$", "", place)
    place = re.sub(r"['’]s$", "", place)
    if not place or _NOT_A_PLACE.match(place) or ACTORS.fullmatch(place) or _ORG.search(place):
        return None
    return place


def _place(raw: str, places: _Places | None = None, position: int = 0) -> str | None:
    """A place phrase (or list) as written: items joined with "; ", anaphors resolved."""
    raw = raw.strip(" ,.;:")
    protected = raw.replace("in and around", "in\x00around")
    items = []
    for piece in _LIST_SPLIT.split(protected):
        piece = piece.replace("in\x00around", "in and around")
        anaphor = _ANAPHOR.match(piece.strip(" ,.;:"))
        if anaphor:
            resolved = places.resolve(anaphor["kind"] and anaphor["kind"].lower() if not anaphor["there"] else None,
                                      position) if places else None
            if resolved:
                items.append(resolved)
            continue
        possessive = re.match(r"^(?:the\s+)(?:city|town)['’]s\s+", piece)
        if possessive and places:
            owner = places.resolve("city", position)
            piece = f"{owner}'s {piece[possessive.end():]}" if owner else piece[possessive.end():]
        place = _clean(piece)
        if place and place not in items:
            items.append(place)
    return "; ".join(items) or None


def _first_place(pattern: re.Pattern, text: str, places: _Places | None = None, offset: int = 0) -> str | None:
    for match in pattern.finditer(text):
        raw = match["place"] or match.groupdict().get("name") or ""
        place = _place(raw, places, offset + match.start())
        if place:
            return place
    return None


# --- displacement -----------------------------------------------------------------------------

TERMS = [  # (pattern, term), most specific first
    (r"\bevacuat(?:ed|ing|ion|ions)\b|\bevacuees\b", "evacuated"),
    (r"\breturn(?:ed|ing|ees|s)?\b|\bcom(?:e|ing) back\b|\bgo(?:ing)? back\b|\bcross(?:ed|ing) back\b|"
     r"\bwent back\b|\bheaded back\b", "returned"),
    (r"\barriv(?:e|ed|ing|als?)\b|\breached\b|\bturned up\b|\bflocked\b", "arrived"),
    (r"\bshelter(?:ed|ing)?\b|\bhost(?:ed|ing)\b|\bhoused\b|\baccommodated\b|\bstaying (?:in|at|with)\b|"
     r"\bliving (?:as refugees )?in\b|\bseeking refuge\b|\btaking refuge\b|\btook refuge\b|\bsleeping in\b",
     "sheltering"),
    (r"\bfle(?:d|e|eing|es)\b|\bflight\b|\bescap(?:ed|ing)\b|\bleft their homes\b|\bleaving\b|\bheading\b|"
     r"\bmaking for\b|\bmoved\b|\bcrossing\b|\bcrossed\b|\babandon(?:ed|ing)\b|\bstreamed out\b|\bleft\b", "fled"),
    (r"\bdisplac(?:ed|ing|ement)\b|\b(?:driv|forc)(?:en|ing|es?|ed)\b[^.]{0,60}?\bfrom their homes\b|"
     r"\bdriven (?:from|out)\b|"
     r"\bforced (?:from|out)\b|\buprooted\b|\bhomeless\b", "displaced"),
]
_TERM_RES = [(re.compile(p, re.I), t) for p, t in TERMS]

PEOPLE = r"people|persons|individuals|residents|civilians|IDPs|internally displaced(?: people| persons)?|" \
         r"displaced(?: people| persons)?|refugees|Syrians|Lebanese|Palestinians|Sudanese|Ukrainians|children|" \
         r"women|men|inhabitants|villagers|evacuees|returnees|others|more"
HOUSEHOLDS = r"families|households|family|household"
_UNIT_AFTER = re.compile(rf"^\s*(?:[\w'-]+\s+){{0,3}}?(?P<unit>{HOUSEHOLDS}|{PEOPLE})\b", re.I)
_PAIR = re.compile(rf"^\s*(?:{PEOPLE})\s*\(\s*(?P<alt>[\d,.]+)\s+(?P<unit>{HOUSEHOLDS})\s*\)", re.I)

# A number followed by these is not a count of displaced people.
_NOT_DISPLACED_AFTER = re.compile(
    r"^\s*(?:%|percent|per cent|km|kilomet|miles?|metres?|meters?|kg|tonnes?|tons?|trucks?|meals?|years?|days?|"
    r"hours?|weeks?|months?|schools?|hospitals?|beds?|shelters?|sites?|camps?|centres?|centers?|villages?|towns?|"
    r"communities|attacks|incidents|(?:collective|official) (?:centres|centers|shelters)|"
    r"(?:[\w'-]+\s+){0,2}(?:killed|dead|deaths|died|injured|wounded|casualties|patients|besieged|trapped|"
    r"recipients|beneficiaries|received|receiving|fatalities|buildings|houses|homes|detained|arrested|missing)\b)",
    re.I)
_NOT_DISPLACED_BEFORE = re.compile(
    r"(?:population of|populations? of|killed|injured|wounded|besieged|patients|aid to|assistance to|reached|"
    r"fed|treated|up from|down from|compared with|%)\s*$", re.I)
_CASUALTY = re.compile(r"\b(?:killed|injured|wounded|died|dead|lost their lives|casualties)\b", re.I)
_POPULATION_SHARE = re.compile(r"\b(?:a|one)\s+(?:quarter|third|half|fifth)\b|\b\d+\s*(?:%|percent)", re.I)
_SHARE = re.compile(rf"\b(?:(?:roughly|about|around|nearly|almost|some|over|more than)\s+)?(?:a|one)\s+"
                    rf"(?:quarter|third|half|fifth)\s+of\s+(?:(?P<place>{_NAME})['’]s\s+)?(?:the\s+)?"
                    rf"(?:population|residents|inhabitants|people)\b(?=[^.—–;]{{0,60}}\b(?:has|have)\s+(?:now\s+)?"
                    rf"(?:been\s+)?(?:\w+ly\s+)?(?:displaced|fled|forced|uprooted))")
_NUMBER_OF = re.compile(rf"\b(?:the\s+)?(?:number|count|total|tally)\s+of\s+(?:{PEOPLE}|{HOUSEHOLDS})\b", re.I)
_GROWN_TO = re.compile(r"\b(?:a|the|this) (?:figure|number|total)\b[^.]{0,40}?\b(?:grown|risen|rose|climbed|increased|"
                       r"grew|jumped)\s+to\s*$|\b(?:peaking|peaked)\s+at\s*$", re.I)
_PEAK = re.compile(r"\bdisplacement\s+(?:had\s+|has\s+)?(?:reached|peaked at|hit|stood at)(?:\s+(?:its|a)\s+peak\s+of)?"
                   r"\s*$", re.I)
_AMONG = re.compile(rf"\b(?i:among\s+(?:those|the\s+people|the\s+families|them)\s+"
                    rf"(?:who\s+(?:had\s+|have\s+|were\s+)?)?"
                    rf"(?:been\s+)?(?P<verb>displaced|evacuated|fled|uprooted)\s+from)\s+(?P<place>{_LIST})")
_SUBTOTAL = re.compile(r"^\s*(?:of|among)\s+(?:them|those|whom)\b|^\s*(?:\w+\s+){0,2}of\s+(?:them|whom)\b", re.I)
_STATEMENT = re.compile(r"\b(?:said|reported|announced|stated|told\s+[\w ]{1,30}?|estimated)\s+(?:on\s+)?$", re.I)
# A group with no number that moves: "IDPs fleeing Aleppo", "displaced people are mainly arriving",
# "the overwhelming majority of its residents fled", "some have begun coming back".
_GROUP = re.compile(
    r"(?P<group>\b(?:(?:the\s+)?(?:overwhelming\s+|vast\s+)?majority\s+of\s+(?P<owner>its|their|the)\s+"
    r"(?:residents|population|inhabitants)|(?:internally\s+)?displaced\s+(?:people|persons)(?:\s+\(IDPs\))?|IDPs|"
    r"(?:[A-Z][a-z]+\s+)?refugees|(?:[Dd]isplaced\s+)?(?P<families>families))"
    r"|(?:^|[,;]\s+|\band\s+)(?P<pronoun>[Ss]ome|[Mm]any|[Oo]thers))"
    r"\s+(?:(?:are|were|have|had|has)\s+)?(?:(?:begun|began|started|continued)\s+(?:to\s+)?)?(?:\w+ly\s+)?"
    r"(?P<verb>fleeing|fled|arriving|arrived|returning|returned|crossing|crossed|coming back|going back|"
    r"evacuated|leaving|left)\b")
# "triggering further displacement from northern Gaza": displacement with no group named
_FURTHER = re.compile(rf"\b(?:further|more|new|renewed|mass|fresh)\s+(?P<term>displacement)\s+(?=from\s+{_LIST})")
_WHERE_PLACES = re.compile(rf"^(?P<place>{_LIST})\s+(?:are|is)\s+where\b")


@dataclass
class _Mention:
    quantity: Quantity
    unit: str | None
    alt_figure: int | None = None
    alt_unit: str | None = None
    subtotal: bool = False
    copy_of: "_Mention | None" = None
    location: str | None = None
    verb_at: int | None = None


def _unit_of(sentence: str, quantity: Quantity) -> _Mention | None:
    after = sentence[quantity.end:quantity.end + CONTEXT]
    before = sentence[max(0, quantity.start - CONTEXT):quantity.start]
    if quantity.value is not None:
        if quantity.value == 1 and not re.search(r"thousand|million|hundred", quantity.text, re.I):
            return None  # one person: an anecdote, not a group
        if _NOT_DISPLACED_AFTER.match(after) or _NOT_DISPLACED_BEFORE.search(before):
            return None
        if re.match(r"^\s*(?:January|February|March|April|May|June|July|August|September|October|November|"
                    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", after) or \
                re.search(r"(?:January|February|March|April|May|June|July|August|September|October|November|"
                          r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.?\s*$", before):
            return None  # a date
        if re.match(r"^\s*(?:[ap]\.?m\b|:\d)", after) or re.search(r"\d:$", before):
            return None  # a time
        if 1900 <= quantity.value <= 2100 and "," not in quantity.text and quantity.qualifier == "exact":
            return None  # a year
        if re.search(rf"{_NAME}\s*$", before) and re.search(r"[A-Z][a-z]+\s+$", before) and \
                not re.search(r"\b(?:[A-Z][a-z]+ly|According|Some|About|Around|Over|Nearly|Roughly|Almost|"
                              r"Approximately|"
                              r"An?)\s*$", before):
            return None  # part of a name ("Delmas 24", "Jakho 1")
    pair = _PAIR.match(after)
    if pair and quantity.value is not None:
        alt = int(float(pair["alt"].replace(",", "")))
        return _Mention(quantity, "people", alt, "households")
    subtotal = bool(_SUBTOTAL.match(after))
    unit = _UNIT_AFTER.match(after)
    if unit and quantity.value is not None:
        upto = min([m.start() for r, _ in _TERM_RES for m in [r.search(after)] if m] or [len(after)])
        if _CASUALTY.search(after[:upto]):
            return None
    if unit:
        word = unit["unit"].lower()
        if re.fullmatch(HOUSEHOLDS, word, re.I):
            return _Mention(quantity, "households", subtotal=subtotal)
        if word in ("more", "others") and quantity.value is None:
            return None
        return _Mention(quantity, "people", subtotal=subtotal)
    if quantity.value is None:
        return None
    if re.match(r"^\s*(?:have|had|has|are|were|was|is)\s+(?:\w+\s+){0,3}?"
                r"(?:displaced|fled|returned|evacuated|arrived|uprooted|forced|driven)", after, re.I):
        return _Mention(quantity, "people")
    if subtotal:
        return _Mention(quantity, "people", subtotal=True)
    number_of = None
    for number_of in _NUMBER_OF.finditer(before):
        pass
    if number_of and re.search(r"\b(?:at|to|of|is|was|were|stood at|stands at|reached|rose to|climbed to|grew to|"
                               r"risen to|now)\s*$", before):
        unit = "households" if re.search(HOUSEHOLDS, number_of[0], re.I) else "people"
        return _Mention(quantity, unit)
    if _GROWN_TO.search(before):
        return _Mention(quantity, None)  # the unit and places of the figure it updates
    if _PEAK.search(before):
        return _Mention(quantity, "people")
    return None


_LEFT_WHAT = re.compile(r"\s+(?:their|his|her|the|[A-Z])")
_KIND_OF_SITE = re.compile(r"\s+(?:sites?|camps?|centres?|centers?)\b")


def _terms(sentence: str) -> list[tuple[int, str]]:
    found = []
    starts = set()  # where a term was found already (a set: one lookup per match, not a scan)
    for pattern, term in _TERM_RES:
        for match in pattern.finditer(sentence):
            word = match[0].lower()
            if term == "fled" and word in ("moved", "crossing", "crossed", "heading", "leaving", "left") and \
                    not re.search(r"\b(?:into|to|towards?|from|back|out of|for)\b",
                                  sentence[match.end():match.end() + 25], re.I):
                continue
            if term == "fled" and word == "left" and not _LEFT_WHAT.match(sentence, match.end()):
                continue
            if term == "displaced" and word.startswith("displacement") and _KIND_OF_SITE.match(sentence, match.end()):
                continue  # "displacement sites": a kind of place
            if match.start() in starts:
                continue
            starts.add(match.start())
            found.append((match.start(), term))
    return sorted(found)


def _nearest_term(terms: list[tuple[int, str]], position: int) -> tuple[int, str] | None:
    index = bisect_left(terms, position, key=lambda t: t[0])  # terms are sorted by position
    return terms[index] if index < len(terms) else (terms[-1] if terms else None)


def _fact_dates(dates: list[DateMention], published: date | None, anchor: int, present: bool,
                window: tuple[int, int]) -> tuple[str | None, str | None]:
    # dates are sorted by start: the ones in the window, or else the nearest two, by bisection
    low = bisect_left(dates, window[0], key=lambda d: d.start)
    high = bisect_left(dates, window[1], key=lambda d: d.start)
    if low == high:
        nearest = bisect_left(dates, anchor, key=lambda d: d.start)
        low, high = max(0, nearest - 1), min(len(dates), nearest + 1)
    if high > low:
        best = min(dates[low:high], key=lambda d: abs(d.start - anchor))
        return best.date_start, best.date_end
    if present and published is not None:
        return published.isoformat(), published.isoformat()
    return None, None


_HYPOTHETICAL = re.compile(r"\b(?:threat|risk|possibility|fears?|danger|could|may|might|would|plans? to|planned|"
                           r"seeking to|ordered|order to|orders? to|ultimatum|will)\b[^.]{0,40}\b"
                           r"(?:displac|evacuat|flee|return)")
_DISPLACED_GROUP = re.compile(r"displaced\s+(?:people|persons|families)")
_EVENT_REFERENCE = re.compile(r"\b(?:this|these|the|that)\s+(?:recent\s+|renewed\s+|latest\s+)?"
                              r"(?:fighting|clashes|attacks?|assault|offensive|hostilities|violence|bombardment|"
                              r"shelling|strikes|airstrikes|takeover|advance)\b", re.I)


def _displacements(sentence: Sentence, ctx: "_Context", published: date | None) -> list[dict]:
    text = sentence.text
    terms = _terms(text)
    if not terms:
        return []
    if _HYPOTHETICAL.search(text):
        return []
    mentions: list[_Mention] = []
    for quantity in find_quantities(text):
        if mentions and mentions[-1].alt_figure is not None and \
                quantity.start < text.find(")", mentions[-1].quantity.end) + 1:
            continue  # the households of an "N individuals (M households)" pair: part of that fact
        mention = _unit_of(text, quantity)
        if mention:
            if mention.unit is None and mention.quantity.value is not None:
                previous = next((m for m in reversed(mentions) if m.quantity.value is not None), None)
                if previous is None:
                    continue
                mention.unit, mention.copy_of = previous.unit, previous
            mentions.append(mention)
    if _POPULATION_SHARE.search(text):
        mentions = [m for m in mentions if m.quantity.value is not None]
    for share in _SHARE.finditer(text):
        if not any(m.quantity.start <= share.start() < m.quantity.end + 40 for m in mentions):
            mentions.append(_Mention(Quantity(share.start(), share.end(), share[0], None, "vague"), "people",
                                     location=share["place"]))
    for further in _FURTHER.finditer(text):
        if not mentions:
            mentions.append(_Mention(Quantity(further.start(), further.start("term"), further[0], None, "vague"), None))
    if not any(m.quantity.value is None for m in mentions):
        ends = sorted(m.quantity.end for m in mentions)
        for group in _GROUP.finditer(text):
            if bisect_right(ends, group.start() - 40) < bisect_left(ends, group.start() + 40):
                continue  # a figure ends within 40 characters of the group
            if re.search(r"\b(?:to|planning to|keen to|wary about whether to)\s*$",
                         text[max(0, group.start("verb") - CONTEXT):group.start("verb")]):
                continue
            if group["pronoun"] and not ctx.last_displacement_place:
                continue
            unit = "households" if group["families"] else "people"
            mention = _Mention(Quantity(group.start("group") if group["group"] else group.start("pronoun"),
                                        group.start("verb"), group[0], None, "vague"), unit)
            mention.location = "\x00owner" if group["owner"] else ("\x00pronoun" if group["pronoun"] else None)
            mention.verb_at = group.start("verb")
            mentions.append(mention)
            break
    mentions.sort(key=lambda m: m.quantity.start)
    dates = find_dates(text, published)
    statement_dates = [DateMention(d.start, d.end, d.text, None, d.date_end)
                       if _STATEMENT.search(text[max(0, d.start - CONTEXT):d.start]) else d for d in dates]
    facts = []
    numeric = [m for m in mentions if m.quantity.value is not None]
    numeric_starts = [m.quantity.start for m in numeric]
    numeric_ends = sorted(m.quantity.end for m in numeric)
    event_place = ctx.sentence_event_place
    # what the whole sentence says, read once (not once per figure)
    there = re.search(r"\b(?:displaced|living|staying)\s+there\b", text)
    lead = re.match(rf"^(?:Across|Throughout|In|Inside|Within)\s+(?P<place>{_LIST})\s*,", text[:CONTEXT])
    event_reference = _EVENT_REFERENCE.search(text)
    present = bool(re.search(r"\b(?:fleeing|arriving|returning|sheltering|seeking|are being|continue|"
                             r"are staying|are still)\b", text, re.I))
    for index, mention in enumerate(mentions):
        q = mention.quantity
        nearest = _nearest_term(terms, q.start)
        if nearest is None:
            continue
        term_at, term = nearest
        later = bisect_right(numeric_starts, q.start)
        earlier = bisect_right(numeric_ends, q.start)
        # between the figures on either side, and at most CONTEXT characters from this one
        window = (max(numeric_ends[earlier - 1] if earlier else 0, q.start - CONTEXT),
                  min(numeric_starts[later] if later < len(numeric_starts) else len(text), q.end + CONTEXT))
        own = text[q.start:window[1]]
        before = text[window[0]:q.start]
        origin = None
        extra = []
        among = None
        reach = max(0, q.start - CONTEXT)
        for among in _AMONG.finditer(text, reach, q.start):
            pass
        if among is not None and q.value is not None:
            among_origin = _place(among["place"], ctx.places, sentence.start + among.start("place"))
            if among_origin:
                extra.append({"term": "displaced" if among["verb"].lower() != "evacuated" else "evacuated",
                              "origin": among_origin})
            before = ""
        if q.value is None:
            origin = _first_place(ORIGIN, text[q.start:q.end + CONTEXT], ctx.places, sentence.start + q.start)
        else:
            origin = _first_place(ORIGIN, own, ctx.places, sentence.start + q.start)
            if origin is None and not mention.subtotal and among is None:
                origin = _first_place(ORIGIN, before, ctx.places, sentence.start + window[0])
        location = None
        if mention.location == "\x00owner":
            subject = re.match(rf"^(?:The\s+)?{_LOWER}{{0,2}}(?P<place>{_NAME}(?:\s+{_KIND})?)", text)
            origin = origin or (_place(subject["place"]) if subject else None)
        elif mention.location == "\x00pronoun":
            location = "\x00pronoun"
        elif mention.location:
            location = mention.location
        if mention.copy_of is not None:
            copied = next((f for f in reversed(facts) if f["figure"] == mention.copy_of.quantity.value), None)
            if copied:
                facts.append({**copied, "figure": q.value, "qualifier": q.qualifier, "figure_text": q.text,
                              "figure_max": q.maximum, "alt_figure": None, "alt_unit": None})
            continue
        # "people in X have fled" / "IDPs inside X" / "displaced there" / "Across X, ...": where the group is
        if origin is None and location is None:
            in_place = re.match(rf"^\s*(?:[\w-]+\s+){{0,3}}?(?i:{PEOPLE}|{HOUSEHOLDS})(?:\s+\([^)]*\))?\s+"
                                rf"(?:in|inside|within|across)\s+(?P<place>{_LIST})", text[q.end:q.end + CONTEXT])
            if in_place:
                place = _place(in_place["place"], ctx.places, sentence.start + q.end + in_place.start("place"))
                if term == "fled":
                    origin = place
                else:
                    location = place
            elif there:
                location = ctx.places.resolve(None, sentence.start + there.start())
            elif lead and not _NOT_A_PLACE.match(lead["place"]):
                location = _place(lead["place"], ctx.places, sentence.start + lead.start("place"))
        verbs = [t for t in terms[bisect_left(terms, q.start, key=lambda t: t[0]):] if not (
            t[1] == "displaced" and _DISPLACED_GROUP.match(text, t[0]))] if q.value is None else [nearest]
        if mention.verb_at is not None:
            verbs = [t for t in verbs if t[0] >= mention.verb_at] or verbs[:1]
        if origin is None and location is None and any(v in ("fled", "displaced", "evacuated") for _, v in verbs):
            if event_place and not mention.subtotal:
                origin = event_place  # "clashes erupted in X, displacing N"; "the approach towards X has driven ..."
            elif event_reference and ctx.previous_event_place:
                origin = ctx.previous_event_place  # "displaced by this fighting"
            elif re.search(rf"\bother\s+(?:{PEOPLE})\b", text[q.end:q.end + 30]) and ctx.last_displacement_place:
                location = ctx.last_displacement_place
            elif q.value is None and ctx.previous_places:
                origin = ctx.previous_places[-1]
        seen_terms = set()
        group_facts = []
        for position, verb in verbs or [nearest]:
            if verb in seen_terms:
                continue
            seen_terms.add(verb)
            nxt = [t[0] for t in verbs if t[0] > position]
            if q.value is None:
                clause = text[position:min(nxt[0] if nxt else len(text), position + CONTEXT)]
                clause_at = position
            else:
                start = position if window[0] <= position < window[1] and position >= q.start else q.end
                clause, clause_at = text[start:window[1]], start
            destination = _first_place(DESTINATION, clause, ctx.places, sentence.start + clause_at)
            if destination is None and q.value is not None and window[0] <= position < q.start:
                destination = _first_place(DESTINATION, text[position:q.start], ctx.places, sentence.start + position)
            including = re.search(rf",\s+(?P<place>{_NAME})\s+among them\b", clause)
            if including and destination and including["place"] not in destination:
                destination = f"{destination}; {including['place']}"  # "to their areas of origin, Aleppo among them"
            fact_origin, fact_location = origin, location
            if destination is None and group_facts == [] and q.value is None:
                where = _WHERE_PLACES.match(text)
                if where:
                    destination = _place(where["place"], ctx.places, sentence.start)
            if fact_location == "\x00pronoun":
                fact_location = None
                if verb == "returned":
                    destination = destination or ctx.last_displacement_place
                else:
                    fact_origin = fact_origin or ctx.last_displacement_place
            if destination is not None and destination in (fact_origin, fact_location):
                destination = None
            if group_facts and verb in ("arrived", "returned") and group_facts[-1]["term"] == "fled" and \
                    re.search(r",\s+where\b", text[group_facts[-1]["_at"]:position]):
                # "making for X, where they turned up at Y": one journey, ending where they arrived
                group_facts[-1].update(term=verb, destination=destination or group_facts[-1]["destination"])
                continue
            date_start, date_end = _fact_dates(statement_dates, published, q.start, present, window)
            quote, quote_start, quote_end = quote_window(sentence, q.start)
            fact = {
                "figure": q.value, "unit": mention.unit, "qualifier": q.qualifier, "term": verb,
                "origin": fact_origin, "destination": destination, "location": fact_location,
                "date_start": date_start, "date_end": date_end,
                "quote": quote, "quote_start": quote_start, "quote_end": quote_end,
                "figure_text": q.text, "figure_max": q.maximum, "alt_figure": mention.alt_figure,
                "alt_unit": mention.alt_unit, "_at": position,
            }
            group_facts.append(fact)
            if q.value is not None:
                break
        for item in extra:
            facts.append({**group_facts[0], "term": item["term"], "origin": item["origin"], "destination": None,
                          "location": None, "date_start": None, "date_end": None})
        facts += group_facts
    for fact in facts:
        fact.pop("_at", None)
    return facts


# --- events -----------------------------------------------------------------------------------

NON_STATE = r"HTS|Hay['’]at Tahrir al-Sham|Hayat Tahrir al-Sham|SNA|Syrian National Army|SDF|" \
            r"Syrian Democratic Forces|" \
            r"RSF|Rapid Support Forces|M23|rebels?|rebel forces|militants?|insurgents?|factions?|opposition|" \
            r"armed groups?|jihadists?|Hamas|Hezbollah|Houthis?|ISIS|Islamic State|militias?|fighters|gangs?|" \
            r"Afrin Liberation Forces|paramilitary force"
STATE = r"army|government forces|regime|Ministry of Defen[cs]e|troops|Israeli forces|Israeli military|IDF|Israel|" \
        r"Russian forces|Russia|Turkish forces|Ukrainian forces|SAF|Sudanese Armed Forces|armed forces|government|" \
        r"junta|military|air force|police"
ACTORS = re.compile(rf"\b(?:{NON_STATE}|{STATE}|Turkish-backed factions|Ankara-backed groups|allied factions)\b", re.I)

_TAKE = r"(?:gained|took|taken|seized|wrested|assumed|regained|retook|retaken)\s+(?:full\s+|effective\s+)?control|" \
        r"\b(?:re)?captur(?:ed|ing|e)\b|\bseiz(?:ed|ing)\b|\btook over\b|\btaken over\b|\boverran\b|\bstormed\b|" \
        r"\bentered\b|\bfell to\b|\bretook\b|\bretaken\b|\b(?:have|has|had)\s+(?:already\s+|now\s+)?taken\b|" \
        r"\btook\s+(?=(?:the\s+)?(?:[\w’']+\s+){0,2}?(?:town|city|village|camp|crossing|airport|base|bridge|" \
        r"district|region|area|neighbourhood|garrison)s?\b)"
EVENT_TRIGGERS = [
    (r"\bwithdr(?:ew|awal|awn|awing|aws)\b|\bpull(?:ed|ing) (?:out|back)\b|\bretreat(?:ed|ing)?\b",
     "Strategic developments",
     "Non-violent transfer of territory"),
    (_TAKE, "Battles", "overtake"),
    (r"\bair ?strikes?\b|\bair raids?\b|\bdrone strikes?\b|\bairstrikes?\b|\bwarplanes\b|\baerial bombing\b|"
     r"\b(?:air force|warplanes|jets|aircraft|drones)\b[^.,;]{0,30}?\bbomb(?:ed|ing)\b", "Explosions/Remote violence",
     "Air/drone strike"),
    (r"\bshell(?:ing|ed|s)\b|\bartillery\b|\brockets?\b|\bmissiles?\b", "Explosions/Remote violence",
     "Shelling/artillery/missile attack"),
    (r"\bbombardment\b|\bbombing\b|\bbombed\b|\bstrikes\b", "Explosions/Remote violence", None),
    (r"\bclash(?:es|ed)?\b|\bfighting\b|\bfierce battles\b|\bbattles? for\b|\bfirefights?\b|\bgun ?battles?\b",
     "Battles", "Armed clash"),
    (r"\b(?:counter-)?offensives?\b|\bhostilities\b|\bmilitary operations?\b|"
     r"\b(?:large-scale|major|ground|new|own|surprise|military)\s+operations?\b", "Battles", None),
    (r"\bevacuation orders?\b|\bordered\b[^.]{0,40}\bto (?:leave|evacuate)\b|\bultimatum\b|\bbesieg(?:ed|ing)\b|"
     r"\bsiege\b", "Strategic developments", "Other"),
    (r"\battacks?\b(?:\s+[\w-]+){0,4}?\s+on\s+(?:the\s+)?(?:\w+\s+)?(?:villages?|camps?|neighbou?rhoods?|civilians|"
     r"homes|displacement sites?|settlements?)\b|\battacked\s+(?:the\s+)?(?:\w+\s+)?(?:villages?|camps?|"
     r"neighbou?rhoods?|displacement sites?|settlements?)\b", "Violence against civilians", "Attack"),
    (r"\bagreement\b|\bdeal\b|\btruce\b|\bceasefire\b", "Strategic developments", "Agreement"),
    # a ground advance without reported fighting
    (r"\b(?:advanc(?:ing|ed|es)|moved forward|moving forward|pushed (?:into|towards?)|pushing (?:into|towards?)|"
     r"establishing positions|approach(?:ing)? towards?)\b", "Strategic developments", "advance"),
]
_EVENT_RES = [(re.compile(p, re.I), t, s) for p, t, s in EVENT_TRIGGERS]
_EVENT_PLACE = re.compile(rf"{_LEAD}(?:in|on|of|from|over|at|around|near|across|(?<=orders )for|(?<=order )for|"
                          rf"towards?|into|"
                          rf"throughout)\s+"
                          rf"(?P<place>{_LIST})")
_QUOTED_SPEECH = re.compile(r"^\s*[“\"]")
_NOT_NEW = re.compile(r"(?:\b(?:caught up in|affected by)\s+(?:[\w-]+\s+)?|"
                      r"\b(?:fleeing|fled|escaping|escape|amid|by|from|of|to|in)\s+"
                      r"(?:the|this|these|that|such)\s+(?:[\w-]+\s+)?|\b(?:a number of|their|its|his|her)\s+"
                      r"(?:[\w-]+\s+)?|\bthe\s+(?:[\w-]+\s+)?|\bif\s+(?:[\w-]+\s+){0,3})$", re.I)
_EVENT_HYPOTHETICAL = re.compile(r"\b(?:[Ii]f|possibility|threat|risk|could|would|might|fears?|unless)\b[^.;]{0,60}$")
_TALLY = re.compile(r"^[\w-]*\s+(?:have\s+|has\s+)?(?:killed|wounded|injured|left)\b")
_LAUNCH = re.compile(r"\b(?:launch(?:ed|ing)?|beg[au]n|start(?:ed|ing)?|initiated)\b", re.I)
_LATER = re.compile(r"\b(?:a few|several|two|three|some) (?:days|weeks|hours) later\b|\blater\b", re.I)


def _event_place(clause: str, places: _Places, offset: int) -> str | None:
    for match in _EVENT_PLACE.finditer(clause):
        if re.match(r"(?:from|towards?)\s+the\s+(?:north|south|east|west)\b", match[0]):
            continue
        place = _place(match["place"], places, offset + match.start("place"))
        if place and not ACTORS.fullmatch(place.split(" (")[0]):
            return place
    return None


def _events(sentence: Sentence, published: date | None, ctx: "_Context") -> list[dict]:
    text = sentence.text
    if _QUOTED_SPEECH.match(text):
        return []
    found = []
    dates = find_dates(text, published)
    actors = list(dict.fromkeys(m[0] for m in ACTORS.finditer(text)))
    matches = []
    for pattern, event_type, sub in _EVENT_RES:
        for match in pattern.finditer(text):
            matches.append((match.start(), match, event_type, sub))
    matches.sort(key=lambda m: m[0])
    kinds = {(t, s) for _, _, t, s in matches}
    taken_until = 0  # matches come in text order: one starting before this is inside a trigger already taken
    for _, match, event_type, sub in matches:
        if match.start() < taken_until:
            continue
        before = text[max(0, match.start() - CONTEXT):match.start()]
        if _EVENT_HYPOTHETICAL.search(before):
            continue
        if sub == "advance" and (len({t for t, s in kinds if s != "advance"} - {"Strategic developments"}) or
                                 re.search(r"['’]s?\s+(?:rapid\s+)?$", before) and "approach" not in match[0]):
            continue  # the advance of a battle or takeover reported in the same sentence is part of it
        tail = re.split(r",?\s+\b(?:after|before|following|while|as|once|when)\b|;|,\s+(?:which|who|where)\b",
                        text[match.start():match.start() + CONTEXT], maxsplit=1)[0]
        head = re.split(r"\b(?:after|before|following|once|when)\b|;", before)[-1]
        clause_dates = dates[bisect_left(dates, match.start() - len(head), key=lambda d: d.start):
                             bisect_left(dates, match.start() + len(tail), key=lambda d: d.start)]
        tail_dates = [d for d in clause_dates if d.start >= match.start()]
        reference = _NOT_NEW.search(before)
        if reference and ACTORS.search(reference[0]):
            reference = None  # "which the enemy shells": "the" belongs to the subject
        possessive = reference and re.search(r"\b(?:their|its|his|her|a number of)\s+(?:[\w-]+\s+)?$", before)
        if before.strip().lower() == "the" and not ctx.any_event:
            reference = None  # a passage's opening subject ("The hostilities under way in X ...") is new
        if sub != "overtake" and event_type != "Strategic developments" and reference and \
                (possessive or not tail_dates) and not (_LAUNCH.search(head[-40:]) or _LAUNCH.search(tail[:80])):
            continue  # "affected by the fighting", "their offensive": a reference to an event, not a new one
        if event_type == "Battles" and sub is None and re.search(r"offensive|operation", match[0], re.I) and \
                not clause_dates and not _LAUNCH.search(head[-40:] + " " + tail[:60]):
            continue
        if _TALLY.match(text[match.end():match.end() + CONTEXT]) or _TALLY.match(tail[len(match[0]):]):
            continue  # "the hostilities killed 12 civilians": a casualty tally
        relative = re.search(r",\s+(?:which|that)\s+(?:[\w-]+\s+){0,7}$", before)
        if sub == "overtake":
            subject = head
            state = re.search(rf"\b(?:{STATE})\b", subject, re.I) and not re.search(rf"\b(?:{NON_STATE})\b",
                                                                                    subject, re.I)
            sub = "Government regains territory" if state else "Non-state actor overtakes territory"
            rest = tail[len(match[0]):]
            at = match.start() + len(match[0])
            strip = re.match(r"^\s*(?:(?:full|effective)\s+)?(?:control\s+)?(?:of|over)?\s*", rest)
            at += strip.end()
            rest = rest[strip.end():]
            place = None
            if re.match(r"^by\b", rest):  # "parts of X seized by Y": the place comes first
                place = _event_place(head, ctx.places, sentence.start)
            else:
                item = re.match(rf"(?P<place>{_LIST})", rest)
                if item:
                    place = _place(item["place"], ctx.places, sentence.start + at)
                if place is None and re.match(r"^there\b", rest):
                    place = ctx.places.resolve(None, sentence.start + at)
            place = place or _event_place(tail, ctx.places, sentence.start + match.start())
        elif relative and event_type != "Strategic developments":
            # "communities in X, which the enemy shells constantly": the place is what the clause is about
            place = _event_place(head, ctx.places, sentence.start) or _event_place(
                tail, ctx.places, sentence.start + match.start())
        else:
            direct = None
            if re.match(r"(?:shell|bomb|attack)ed$", match[0], re.I):
                item = re.match(rf"\s+(?P<place>{_LIST})", text[match.end():])
                direct = item and _place(item["place"], ctx.places, sentence.start + match.end() + item.start(1))
            obj = re.search(rf"\b(?:struck|hit|destroyed|targeted)\s+(?P<place>{_LIST})", tail)
            direct = direct or (obj and _place(obj["place"], ctx.places, sentence.start + match.start() + obj.start(1)))
            near_tail = re.split(r",\s+(?=[a-z])", tail, maxsplit=1)[0]
            near_head = re.split(r"\b(?:while|as|and)\b|,", head)[-1]
            place = direct or _event_place(near_tail, ctx.places, sentence.start + match.start()) or \
                _event_place(near_head, ctx.places, sentence.start + match.start() - len(near_head))
            if place is None and event_type != "Battles":
                place = _event_place(tail, ctx.places, sentence.start + match.start()) or \
                    _event_place(head, ctx.places, sentence.start + match.start() - len(head))
        fallback = False
        if place is None and not (event_type == "Battles" and sub is None):
            place, fallback = ctx.last_event_place, True
        if sub == "advance":
            sub = "Other"
        when = None
        if re.search(r"\bon that (?:date|day)\b", head + tail, re.I) and ctx.previous_dates:
            when = ctx.previous_dates[-1]
        elif clause_dates:
            best = min(clause_dates, key=lambda d: abs(d.start - match.start()))
            later = _LATER.search(tail)
            if not later or match.start() <= best.start < match.start() + later.start():
                when = best.date_start or best.date_end
        quote, quote_start, quote_end = quote_window(sentence, match.start())
        found.append({
            "event_type": event_type, "sub_event_type": sub, "actors": actors, "place": place,
            "date": when, "quote": quote, "quote_start": quote_start,
            "quote_end": quote_end, "_span": (match.start(), match.start() + len(tail)),
            "_fallback": fallback, "_background": bool(re.search(r"\b(?:after|before|following)\b", before)),
        })
        taken_until = max(taken_until, match.start() + max(len(match[0]), 1))
    # A place taken once the other side withdrew, with no fighting reported: a non-violent transfer.
    takeovers = [e for e in found if e["event_type"] == "Battles" and e["sub_event_type"] in
                 ("Non-state actor overtakes territory", "Government regains territory")]
    withdrawals = [e for e in found if e["sub_event_type"] == "Non-violent transfer of territory"]
    if takeovers and withdrawals:
        for event in takeovers:
            event["event_type"] = withdrawals[0]["event_type"]
            event["sub_event_type"] = withdrawals[0]["sub_event_type"]
            event["date"] = event["date"] or withdrawals[0]["date"]
        dropped = {id(e) for e in withdrawals}
        found = [e for e in found if id(e) not in dropped]
    # Shelling and air strikes named together are one remote-violence event of unstated kind.
    remote = [e for e in found if e["event_type"] == "Explosions/Remote violence"]
    if len({e["sub_event_type"] for e in remote}) > 1:
        first = remote[0]
        first["sub_event_type"] = None
        first["place"] = next((e["place"] for e in remote if e["place"]), None)
        dropped = {id(e) for e in remote[1:]}
        found = [e for e in found if id(e) not in dropped]
    # An attack on a camp or village that ends in its takeover is also violence against civilians.
    if re.search(r"\b(?:assault|attack)\b", text, re.I) and not any(
            e["event_type"] == "Violence against civilians" for e in found):
        for event in takeovers:
            if event["place"] and re.search(r"\b(?:camp|displacement site|village)s?\b", event["place"], re.I):
                found.append({**event, "event_type": "Violence against civilians", "sub_event_type": "Attack"})
                break
    # Clashes in an "after ..." clause of a takeover, with no place of their own, are part of that takeover.
    if takeovers:
        found = [e for e in found if not (e["sub_event_type"] == "Armed clash" and e["_background"] and e["_fallback"])]
    # An offensive launched the same day as a takeover it led to is part of that takeover.
    last_takeover: dict = {}  # a takeover's day -> where the last takeover of that day begins
    for event in takeovers:
        last_takeover[event["date"]] = max(last_takeover.get(event["date"], -1), event["_span"][0])
    found = [e for e in found if not (e["event_type"] == "Battles" and e["sub_event_type"] is None
                                      and e["_span"][0] < last_takeover.get(e["date"], -1))]
    return found


def _overlap(a: str | None, b: str | None) -> bool:
    if a == b:
        return True
    if not a or not b:
        return False
    words = lambda s: {w.lower()[:5] for w in re.findall(r"[A-Za-z][\w’'-]{3,}", s)}  # noqa: E731
    return bool(words(a) & words(b))


_TERRITORY = {"Non-state actor overtakes territory", "Government regains territory"}


def _merge_events(events: list[dict]) -> list[dict]:
    """One record per real-world occurrence: mentions of one type in one place merge."""
    merged: list[dict] = []
    by_type_and_place: dict[tuple, list[dict]] = {}  # only these can merge: not every event merged so far
    for event in events:
        candidates = by_type_and_place.setdefault((event["event_type"], event["place"]), [])
        same = next((m for m in candidates if (m["sub_event_type"] == event["sub_event_type"] or
                          (not m["sub_event_type"] or not event["sub_event_type"]) and not {
                              m["sub_event_type"], event["sub_event_type"]} & _TERRITORY)
                     and (m["date"] is None or event["date"] is None or m["date"] == event["date"])), None)
        if same is None:
            merged.append(event)
            candidates.append(event)
            continue
        if same["date"] is None and event["date"] is not None:
            for key in ("date", "quote", "quote_start", "quote_end"):
                same[key] = event[key]
        if not same["sub_event_type"] and event["sub_event_type"]:
            same["sub_event_type"] = event["sub_event_type"]
        same["actors"] = list(dict.fromkeys(same["actors"] + event["actors"]))
    for event in merged:
        event.pop("_span", None)
        event.pop("_background", None)
        event.pop("_fallback", None)
    return merged


# --- the whole report -------------------------------------------------------------------------

_PLACE_NAME = re.compile(r"\b(?:[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)?)(?=['’]s\s+(?![A-Z]|armed|army|military|"
                         r"government|forces|troops|president|ministry)|\s+city\b|\s+governorate\b|\s+province\b)")


@dataclass
class _Context:
    places: _Places
    previous_places: list
    last_event_place: str | None = None
    previous_event_place: str | None = None
    sentence_event_place: str | None = None
    last_displacement_place: str | None = None
    previous_dates: list | None = None
    any_event: bool = False


# Cumulative vs new vs currently displaced (the gold's figure_scope): a stock counts people where
# they are now; a cumulative figure is a running total since a start or "as of" a day; a period
# figure is a flow tied to a bounded time.
_STOCK = re.compile(r"\b(?:still|currently|remain(?:s|ed|ing)?|are (?:now )?(?:staying|living|sheltering|hosted|"
                    r"housed|accommodated|displaced)|(?:is|are) hosting|peak(?:ed)? (?:of|at))\b", re.I)
_CUMULATIVE = re.compile(r"\b(?:since|so far|in total|a total of|to date|as of|cumulative(?:ly)?|"
                         r"(?:has|have) (?:now )?(?:climbed|risen|grown|increased|reached)|brings? the (?:total|number)|"
                         r"(?:has|have) (?:now )?been (?:displaced|forced|uprooted|driven)|"
                         r"(?:has|have) (?:now )?(?:fled|left|arrived|returned))\b", re.I)
_PERIOD = re.compile(r"\b(?:(?:this|last|past|previous|the) (?:week|weekend|days|month|\d+ hours|24 hours|two days|"
                     r"three days)|in (?:recent|the past|the last|the space of|just) (?:\w+ )?(?:days|weeks|hours)|"
                     r"over the (?:past|last|weekend)|in (?:two|three|four|five|\d+) days|overnight|yesterday|"
                     r"on (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))\b", re.I)


def _scope(fact: dict) -> str | None:
    if fact["term"] == "sheltering" or _STOCK.search(fact["quote"]):
        return "stock"
    if _CUMULATIVE.search(fact["quote"]):
        return "cumulative"
    return "period" if fact["date_start"] or fact["date_end"] or _PERIOD.search(fact["quote"]) else None


def extract_facts(text: str, published: date | None = None) -> dict:
    """{"displacements": [...], "events": [...]} found in `text`, each with its sentence and offsets."""
    displacements, events = [], []
    ctx = _Context(_Places(), [])
    for sentence in sentences(text):
        for match in _PLACE_SCAN.finditer(sentence.text):
            if match[0].startswith("of") and re.search(r"[A-Z][\w’'-]*\s+$",
                                                        sentence.text[max(0, match.start() - CONTEXT):match.start()]):
                continue  # "Ministry of Defense": part of a name
            for piece in _LIST_SPLIT.split(match["place"]):
                place = _clean(piece)
                if place and not _ANAPHOR.match(place):
                    ctx.places.add(sentence.start + match.start("place"), place)
        found = _events(sentence, published, ctx)
        ctx.sentence_event_place = next((e["place"] for e in found if e["place"] and not e["_fallback"]), None)
        ctx.any_event = ctx.any_event or bool(found)
        facts = _displacements(sentence, ctx, published)
        for fact in facts:
            fact["figure_scope"] = _scope(fact)
        displacements += facts
        for event in found:
            events.append(event)
            if not event["_background"]:
                ctx.last_event_place = event["place"] or ctx.last_event_place
        ctx.previous_event_place = ctx.sentence_event_place or (found[0]["place"] if found else None)
        for fact in facts:
            ctx.last_displacement_place = fact["origin"] or fact["location"] or fact["destination"] or \
                ctx.last_displacement_place
        ctx.previous_places += [m[0] for m in _PLACE_NAME.finditer(sentence.text)]
        ctx.previous_dates = [d.date_start or d.date_end for d in find_dates(sentence.text, published)
                              if d.date_start or d.date_end]
    return {"displacements": displacements, "events": _merge_events(events)}
