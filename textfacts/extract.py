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


# --- displacement -----------------------------------------------------------------------------

TERMS = [  # (pattern, term), most specific first
    (r"\bevacuat(?:ed|ing|ion|ions)\b|\bevacuees\b", "evacuated"),
    (r"\breturn(?:ed|ing|ees|s)?\b|\bcom(?:e|ing) back\b|\bgo(?:ing)? back\b|\bcross(?:ed|ing) back\b|"
     r"\bwent back\b", "returned"),
    (r"\barriv(?:ed|ing|als?)\b|\breached\b|\bturned up\b|\bflocked\b", "arrived"),
    (r"\bshelter(?:ed|ing)?\b|\bhost(?:ed|ing)\b|\bhoused\b|\baccommodated\b|\bstaying in\b|\bliving in\b|"
     r"\bseeking refuge\b|\btaking refuge\b|\btook refuge\b", "sheltering"),
    (r"\bfle(?:d|e|eing|es)\b|\bflight\b|\bescap(?:ed|ing)\b|\bleft their homes\b|\bleaving\b|\bheading\b|"
     r"\bmaking for\b|\bmoved\b|\bcrossing\b|\bcrossed\b", "fled"),
    (r"\bdisplac(?:ed|ing|ement)\b|\bdriven (?:from|out)\b|\bforced (?:from|out)\b|\buprooted\b|\bhomeless\b",
     "displaced"),
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
    r"(?:[\w'-]+\s+){0,2}(?:killed|dead|deaths|died|injured|wounded|casualties|patients|besieged|trapped|"
    r"recipients|beneficiaries|received|receiving|fatalities|buildings|houses|homes|detained|arrested|missing)\b)",
    re.I)
_NOT_DISPLACED_BEFORE = re.compile(
    r"(?:population of|populations? of|killed|injured|wounded|besieged|patients|aid to|assistance to|reached|"
    r"fed|treated|up from|down from|compared with|%)\s*$", re.I)
_POPULATION_SHARE = re.compile(r"\b(?:a|one)\s+(?:quarter|third|half|fifth)\b|\b\d+\s*(?:%|percent)", re.I)

# Place phrases: a preposition, then a name (capitalised words) or a kind of place ("makeshift
# camps", "government-controlled territories"), with up to three lower-case words before it.
_NAME = r"(?:[A-Z][\w’'-]*|al-\w+|el-\w+|ad-\w+|as-\w+|ar-\w+)(?:\s+(?:[A-Z][\w’'-]*|al-\w+|el-\w+|de|du|" \
        r"of(?=\s+[A-Z])|I{1,3}\b))*"
_KIND = r"(?:camps?|shelters?|centres?|centers?|areas?|territories|villages?|schools?|sites?|settlements?|" \
        r"communities|localit(?:y|ies)|regions?|districts?|neighbou?rhoods?|provinces?|governorates?|countryside)\b"
_PHRASE = rf"(?:the\s+)?(?:[a-z][\w-]*\s+){{0,3}}?(?:{_NAME}|{_KIND})(?:\s+(?:in|of)\s+(?:the\s+)?" \
          rf"(?:[a-z][\w-]*\s+){{0,2}}?(?:{_NAME}|{_KIND}))?"
_LEAD = r"(?<![\w’'])"
ORIGIN = re.compile(rf"{_LEAD}(?:(?:from|out of)\s+(?P<place>{_PHRASE})|"
                    rf"(?:fled|fleeing|left|leaving|abandoned|abandoning)\s+(?:the\s+)?"
                    rf"(?:(?:town|city|village|camp|area|district) of\s+)?(?P<name>{_NAME}))")
DESTINATION = re.compile(rf"{_LEAD}(?:to|toward|towards|into|for|reached|reaching|in|at)\s+(?P<place>{_PHRASE})")
_GENERIC_AREA = re.compile(r"^(?:[a-z][\w-]*\s+){0,2}(?:areas?|places?|locations?|regions?|parts)\s+(?:in|of)\s+")
_NOT_A_PLACE = re.compile(r"^(?:the\s+)?(?:past|last|recent|coming|next|same|first|following|meantime|total|all|"
                          r"addition|particular|parallel|response|order|search|need|danger|fear|"
                          r"January|February|March|April|May|June|July|August|September|October|November|"
                          r"December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")


def _place(raw: str) -> str | None:
    place = raw.strip(" ,.;:()’'")
    place = re.sub(r"^the\s+", "", place, flags=re.I)
    place = _GENERIC_AREA.sub("", place)
    place = re.sub(r"^the\s+", "", place, flags=re.I)
    place = re.sub(r"\s+(?:city|town|City|Town)$", "", place)
    place = re.sub(r"['’]s$", "", place)
    if not place or _NOT_A_PLACE.match(place) or ACTORS.fullmatch(place):
        return None
    return place


def _first_place(pattern: re.Pattern, text: str) -> str | None:
    for match in pattern.finditer(text):
        place = _place(match["place"] or match.groupdict().get("name") or "")
        if place:
            return place
    return None


@dataclass
class _Mention:
    quantity: Quantity
    unit: str | None
    alt_figure: int | None = None
    alt_unit: str | None = None


def _unit_of(sentence: str, quantity: Quantity) -> _Mention | None:
    after = sentence[quantity.end:]
    before = sentence[:quantity.start]
    if quantity.value is not None:
        if _NOT_DISPLACED_AFTER.match(after) or _NOT_DISPLACED_BEFORE.search(before):
            return None
        if re.match(r"^\s*(?:January|February|March|April|May|June|July|August|September|October|November|"
                    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", after) or \
                re.search(r"(?:January|February|March|April|May|June|July|August|September|October|November|"
                          r"December)\s*$", before):
            return None  # a date
        if 1900 <= quantity.value <= 2100 and "," not in quantity.text and quantity.qualifier == "exact":
            return None  # a year
    pair = _PAIR.match(after)
    if pair and quantity.value is not None:
        alt = int(float(pair["alt"].replace(",", "")))
        return _Mention(quantity, "people", alt, "households")
    unit = _UNIT_AFTER.match(after)
    if unit:
        word = unit["unit"].lower()
        if re.fullmatch(HOUSEHOLDS, word, re.I):
            return _Mention(quantity, "households")
        if word in ("more", "others") and quantity.value is None:
            return None
        return _Mention(quantity, "people")
    if quantity.value is not None and re.match(r"^\s*(?:have|had|has|are|were|was|is)\s+(?:\w+\s+){0,2}"
                                               r"(?:displaced|fled|returned|evacuated|arrived)", after, re.I):
        return _Mention(quantity, "people")
    if quantity.value is not None and re.match(r"^\s*(?:of|among)\s+(?:them|those|whom)", after, re.I):
        return _Mention(quantity, "people")
    return None


def _terms(sentence: str) -> list[tuple[int, str]]:
    found = []
    for pattern, term in _TERM_RES:
        for match in pattern.finditer(sentence):
            if term == "fled" and match[0].lower() in ("moved", "crossing", "crossed", "heading", "leaving") and \
                    not re.search(r"\b(?:into|to|towards?|from|back|out of)\b", sentence[match.end():match.end() + 25],
                                  re.I):
                continue
            found.append((match.start(), term))
    return sorted(found)


def _nearest_term(terms: list[tuple[int, str]], position: int) -> tuple[int, str] | None:
    after = [t for t in terms if t[0] >= position]
    return after[0] if after else (terms[-1] if terms else None)


def _fact_dates(dates: list[DateMention], published: date | None, term_at: int, present: bool) -> tuple[str | None, str | None]:
    if dates:
        best = min(dates, key=lambda d: abs(d.start - term_at))
        return best.date_start, best.date_end
    if present and published is not None:
        return published.isoformat(), published.isoformat()
    return None, None


def _displacements(sentence: Sentence, previous_places: list[str], published: date | None) -> list[dict]:
    text = sentence.text
    terms = _terms(text)
    if not terms:
        return []
    if re.search(r"\b(?:threat|risk|possibility|fear|danger|could|may|might|would|plans? to|seeking to|"
                 r"ordered|order to|ultimatum)\b[^.]{0,40}\b(?:displac|evacuat|flee|return)", text, re.I):
        return []
    mentions = []
    for quantity in find_quantities(text):
        if mentions and mentions[-1].alt_figure is not None and \
                quantity.start < text.find(")", mentions[-1].quantity.end) + 1:
            continue  # the households of an "N individuals (M households)" pair: part of that fact
        mention = _unit_of(text, quantity)
        if mention:
            mentions.append(mention)
    if _POPULATION_SHARE.search(text):
        mentions = [m for m in mentions if m.quantity.value is not None]
    dates = find_dates(text, published)
    facts = []
    for mention in mentions:
        q = mention.quantity
        nearest = _nearest_term(terms, q.start)
        if nearest is None:
            continue
        term_at, term = nearest
        # Vague groups are taken once per movement verb: "families fleeing toward X or seeking shelter in Y"
        # is two movements of one group.
        verbs = [t for t in terms if t[0] >= q.start] if q.value is None else [nearest]
        group_origin = _first_place(ORIGIN, text[q.start:] if q.value is None else text)
        if group_origin is None and previous_places and any(v in ("fled", "displaced") for _, v in verbs):
            group_origin = previous_places[-1]
        seen_terms = set()
        for position, verb in verbs or [nearest]:
            if verb in seen_terms:
                continue
            seen_terms.add(verb)
            nxt = [t[0] for t in verbs if t[0] > position]
            clause = text[position:nxt[0]] if nxt and q.value is None else text[position:]
            origin = group_origin
            destination = _first_place(DESTINATION, clause)
            if destination is not None and origin is not None and destination == origin:
                destination = None
            present = bool(re.search(r"\b(?:fleeing|arriving|returning|sheltering|seeking|are being|continue)\b",
                                     text, re.I))
            date_start, date_end = _fact_dates(dates, published, position, present)
            facts.append({
                "figure": q.value, "unit": mention.unit, "qualifier": q.qualifier, "term": verb,
                "origin": origin, "destination": destination, "date_start": date_start, "date_end": date_end,
                "quote": text, "quote_start": sentence.start, "quote_end": sentence.end,
                "figure_text": q.text, "figure_max": q.maximum, "alt_figure": mention.alt_figure,
                "alt_unit": mention.alt_unit,
            })
            if q.value is not None:
                break
    return facts


# --- events -----------------------------------------------------------------------------------

NON_STATE = r"HTS|Hay['’]at Tahrir al-Sham|SNA|Syrian National Army|SDF|Syrian Democratic Forces|RSF|Rapid Support " \
            r"Forces|M23|rebels?|militants?|insurgents?|factions?|opposition|armed groups?|jihadists?|Hamas|" \
            r"Hezbollah|ISIS|Islamic State|militias?|fighters|Afrin Liberation Forces"
STATE = r"army|government forces|regime|Ministry of Defen[cs]e|troops|Israeli forces|IDF|Israel|Russian forces|" \
        r"Russia|Turkish forces|Ukrainian forces|SAF|Sudanese Armed Forces|armed forces|government"
ACTORS = re.compile(rf"\b(?:{NON_STATE}|{STATE}|Turkish-backed factions|Ankara-backed groups|allied factions)\b", re.I)

EVENT_TRIGGERS = [
    (r"\bwithdr(?:ew|awal|awn)\b|\bpulled out\b|\bretreat(?:ed)?\b", "Strategic developments",
     "Non-violent transfer of territory"),
    (r"\b(?:gained|took|taken|seized|wrested|assumed) (?:full )?control\b|\bcaptur(?:ed|ing|e)\b|\bseiz(?:ed|ing)\b|"
     r"\btook over\b|\boverran\b|\bstormed\b|\bentered\b|\bfell to\b", "Battles", "overtake"),
    (r"\bair ?strikes?\b|\bair raids?\b|\bdrone strikes?\b|\bairstrikes?\b|\bwarplanes\b|\baerial bombing\b",
     "Explosions/Remote violence", "Air/drone strike"),
    (r"\bshell(?:ing|ed)\b|\bartillery\b|\brockets?\b|\bmissiles?\b", "Explosions/Remote violence",
     "Shelling/artillery/missile attack"),
    (r"\bbombardment\b|\bbombing\b|\bstrikes\b", "Explosions/Remote violence", None),
    (r"\bclash(?:es|ed)?\b|\bfighting\b|\bfierce battles\b|\bbattles? for\b", "Battles", "Armed clash"),
    (r"\boffensive\b|\bhostilities\b|\bmilitary operations?\b", "Battles", None),
    (r"\bevacuation orders?\b|\bordered\b[^.]{0,40}\bto (?:leave|evacuate)\b|\bultimatum\b|\bbesieg(?:ed|ing)\b|"
     r"\bsiege\b", "Strategic developments", "Other"),
    (r"\battacks? on (?:the )?(?:villages?|camps?|neighbourhoods?|neighborhoods?|civilians|homes)\b",
     "Violence against civilians", "Attack"),
    (r"\bagreement\b|\bdeal\b|\btruce\b|\bceasefire\b", "Strategic developments", "Agreement"),
]
_EVENT_RES = [(re.compile(p, re.I), t, s) for p, t, s in EVENT_TRIGGERS]
_EVENT_PLACE = re.compile(rf"{_LEAD}(?:in|on|of|from|over|at|around|near|across)\s+(?:the\s+)?"
                          rf"(?P<place>(?:[a-z][\w-]*\s+){{0,2}}?(?:{_NAME}|{_KIND}))")
_QUOTED_SPEECH = re.compile(r"^\s*[“\"]")


def _event_place(clause: str) -> str | None:
    for match in _EVENT_PLACE.finditer(clause):
        place = _place(match["place"])
        if place and not ACTORS.fullmatch(place.split(" (")[0]):
            return place
    return None


def _events(sentence: Sentence, published: date | None, last_place: str | None) -> list[dict]:
    text = sentence.text
    if _QUOTED_SPEECH.match(text):
        return []
    found = []
    dates = find_dates(text, published)
    actors = list(dict.fromkeys(m[0] for m in ACTORS.finditer(text)))
    for pattern, event_type, sub in _EVENT_RES:
        match = pattern.search(text)
        if not match:
            continue
        if any(f["_span"][0] <= match.start() < f["_span"][1] for f in found):
            continue
        if sub in ("Armed clash", None) and not dates and re.search(
                r"\b(?:the|this|these|that|by the|from the)\s+(?:\w+\s+)?$", text[:match.start()], re.I):
            continue  # "affected by the fighting": a reference to an event, not a new one
        # The clause of the trigger: up to the next "after"/"before"/";" (those start another event)
        tail = re.split(r",?\s+\b(?:after|before|following|while|as)\b|;", text[match.start():], maxsplit=1)[0]
        head = re.split(r"\b(?:after|before|following)\b", text[:match.start()])[-1]
        if sub == "overtake":
            subject = head
            state = re.search(rf"\b(?:{STATE})\b", subject, re.I) and not re.search(rf"\b(?:{NON_STATE})\b",
                                                                                    subject, re.I)
            sub = "Government regains territory" if state else "Non-state actor overtakes territory"
            place = _place(re.split(r"\s+and\s+|,", re.sub(r"^(?:\w+\s+){0,2}?(?:control\s+)?(?:of|over)\s+", "",
                                                             tail[len(match[0]):].strip()))[0]) or _event_place(tail)
        else:
            place = _event_place(tail) or _event_place(head)
        place = place or last_place
        in_clause = [d for d in dates if match.start() - len(head) <= d.start < match.start() + len(tail)]
        when = min(in_clause, key=lambda d: abs(d.start - match.start())) if in_clause else None
        found.append({
            "event_type": event_type, "sub_event_type": sub, "actors": actors, "place": place,
            "date": when.date_start if when else None, "quote": text, "quote_start": sentence.start,
            "quote_end": sentence.end, "_span": (match.start(), match.start() + len(tail)),
        })
    return found


def _merge_events(events: list[dict]) -> list[dict]:
    """One record per real-world occurrence: mentions of one type in one place merge."""
    merged: list[dict] = []
    for event in events:
        same = next((m for m in merged if m["event_type"] == event["event_type"] and m["place"] == event["place"]
                     and (m["sub_event_type"] == event["sub_event_type"] or not m["sub_event_type"]
                          or not event["sub_event_type"])), None)
        if same is None:
            merged.append(event)
            continue
        if same["date"] is None and event["date"] is not None:
            for key in ("date", "quote", "quote_start", "quote_end"):
                same[key] = event[key]
        if not same["sub_event_type"] and event["sub_event_type"]:
            same["sub_event_type"] = event["sub_event_type"]
        same["actors"] = list(dict.fromkeys(same["actors"] + event["actors"]))
    for event in merged:
        event.pop("_span", None)
    return merged


# --- the whole report -------------------------------------------------------------------------

_PLACE_NAME = re.compile(r"\b(?:[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)?)(?=['’]s\b|\s+city\b|\s+governorate\b|"
                         r"\s+province\b)")


def extract_facts(text: str, published: date | None = None) -> dict:
    """{"displacements": [...], "events": [...]} found in `text`, each with its sentence and offsets."""
    displacements, events = [], []
    places: list[str] = []
    last_event_place = None
    for sentence in sentences(text):
        displacements += _displacements(sentence, places, published)
        for event in _events(sentence, published, last_event_place):
            events.append(event)
            last_event_place = event["place"] or last_event_place
        places += [m[0] for m in _PLACE_NAME.finditer(sentence.text)]
    return {"displacements": displacements, "events": _merge_events(events)}
