"""Personal data out of a quote before it is stored: scrub_quote, the one function every loader uses.

A quote is the sentence (or window of one, see extract.QUOTE_CAP) a fact was read from. Reviewers
need its figures, dates and places; nobody needs the people in it. These become placeholders:

- e-mail addresses however written ("a@b.org", "a @ b.org", "a [at] b.org", "a(at)b dot org") → [email]
- telephone numbers in any usual form ("0933.222.111", "+963 944 123 456", "00963 ...",
  "(011) 222-3333") → [phone]; figures ("120 000 000", "1,200"), dates and year ranges stay
- street addresses ("12 Baghdad Street", "Street 5, building 3", "apartment 4") → [address]
- ages ("aged 34", "a 7-year-old", "34 years old", "Name (45)", "Name, 34,") → [age]
- names of private persons, where the sentence itself shows one: after a private role or
  family word ("farmer Ahmad Khalil", "her son Omar"), a personal title ("Mrs", "Dr", "Sheikh",
  "Abu"/"Umm" kunyas), "a man named X", or in apposition with an age or a private role
  ("X, a 34-year-old resident", "X, 34,", "X (45)") → [name]

These are rules, not a named-entity recogniser: a name with none of these cues stays (e.g. "Ahmad
said"). Public officials ("Minister X", "Governor X", spokespeople) and organisations have no such
cue and stay. A candidate name that is a place the facts need — passed in `keep`, or a place of the
shipped gazetteer (gazetteer/data) — is never replaced: "Sheikh Maqsoud" is a neighbourhood.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from gazetteer.normalise import name_key

GAZETTEER_DATA = Path(__file__).resolve().parent.parent / "gazetteer" / "data"

# --- e-mail -----------------------------------------------------------------------------------
_AT = r"(?:\s*(?:@|\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|<\s*at\s*>)\s*)"
_DOT = r"(?:\s*(?:\[\s*dot\s*\]|\(\s*dot\s*\))\s*|\s+dot\s+|\.)"
_EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[A-Za-z]{{2,24}}\b"
                    rf"|[\w.+-]+\s+at\s+[\w-]+(?:\s+dot\s+[\w-]+)+\b", re.I)

# --- telephone --------------------------------------------------------------------------------
# Digits in groups joined by spaces, dots, dashes, slashes or parentheses, optionally after + or 00.
_PHONE = re.compile(r"(?<![\w.,/+-])(?:\+|\b00)?\(?\d[\d\s().\-/]{5,}\d(?![\w])")
_DATE_LIKE = re.compile(r"\d{4}\s*[-–/.]\s*\d{1,2}(?:\s*[-–/.]\s*\d{1,2})?|"
                        r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}|"
                        r"\d{4}\s*[-–/]\s*\d{4}")
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:[ .]\d{3})+")


def _phone_or_not(match: re.Match) -> str:
    text = match[0]
    digits = sum(c.isdigit() for c in text)
    if digits < 8 or digits > 15 or _DATE_LIKE.fullmatch(text):
        return match[0]
    international = text.startswith(("+", "00", "(0", "(+"))
    if not international and not text.startswith("0") and (digits < 9 or _THOUSANDS.fullmatch(text)):
        return match[0]  # a figure written with thousands separators ("120 000 000"), not a number to call
    return "[phone]"


# --- street addresses -------------------------------------------------------------------------
_STREET_WORD = r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Boulevard|Blvd\.?|Alley)"
_UNIT_WORD = r"(?:street|st\.|road|building|bldg\.?|block|apartment|apt\.?|flat|house|floor|entrance)"
# a number of people is a figure, not a house number: "the house 3 families shared" stays
_NUMBER = r"(?:no\.?\s*|number\s+|#\s*)?\d{1,4}[A-Za-z]?\b" \
          r"(?!\s+(?:people|persons|families|households|individuals|residents|civilians|children|IDPs)\b)"
_ADDRESS = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:(?:al|el)-)?(?:[A-Z][\w’'-]*\s+){{1,3}}{_STREET_WORD}(?![\w])"
    rf"|\b(?i:{_UNIT_WORD})\s*{_NUMBER}(?:\s*,?\s*(?i:{_UNIT_WORD})\s*{_NUMBER})*")

# --- ages -------------------------------------------------------------------------------------
_AGE = re.compile(r"\b(?P<lead>aged?\s+)\d{1,3}\b"
                  r"|\b(?:\d{1,3}|[a-z]+(?:-[a-z]+)?)(?P<tail>[- ](?:years?|months?)[- ]old)\b"
                  r"|\b\d{1,3}(?P<years>\s+years?\s+old)\b", re.I)

# --- names of private persons -----------------------------------------------------------------
_TOKEN = r"[A-Z][a-z]+(?:[’'-][A-Za-z]+)*"
_PART = rf"(?:(?:al|el|bin|ibn|bint)[- ])?{_TOKEN}"
_PERSON = rf"(?P<name>{_PART}(?:\s+{_PART}){{0,3}})"
_ROLE = r"(?:resident|farmer|mother|father|widow|widower|grandmother|grandfather|teacher|shopkeeper|driver|" \
        r"student|nurse|volunteer|neighbou?r|survivor|villager|returnee|shepherd|labou?rer|vendor|merchant|" \
        r"trader|fisherman|housewife|mechanic|baker|pharmacist|refugee|evacuee|displaced (?:man|woman|mother|" \
        r"father|person)|man|woman|boy|girl|teenager|child)"
_KIN = r"(?:son|daughter|wife|husband|brother|sister|cousin|uncle|aunt|nephew|niece|grandson|granddaughter|" \
       r"father|mother|child|children|baby|neighbou?r)"
_AGE_TEXT = r"(?:\d{1,3}|\[age\])"
_NAMES = [
    # a personal title or a kunya: "Mrs Fatima Ali", "Abu Ahmad"
    re.compile(rf"\b(?:(?:Mr|Mrs|Ms|Miss|Dr|Sheikh|Shaikh|Haj|Hajj|Hajji)\.?\s+|(?=(?:Abu|Umm|Um)\s)){_PERSON}"),
    # a private role or kin word just before the name: "farmer Ahmad Khalil", "her son Omar"
    re.compile(rf"\b(?i:{_ROLE}|(?:his|her|their|my|our)\s+(?:\w+\s+)?{_KIN})\s+{_PERSON}"),
    # "a man named X", "identified her as X", "whose name is X"
    re.compile(rf"\b(?i:(?:{_ROLE}|person|someone|one)\s+(?:named|called)|identified\s+(?:\w+\s+)?as|"
               rf"whose\s+name\s+(?:is|was))\s+{_PERSON}"),
    # apposition: "X, a 34-year-old resident", "X, 34, said", "X, a farmer", "X (45)"
    re.compile(rf"{_PERSON}(?=,\s+(?:a|an)\s+{_AGE_TEXT}[- ](?:years?|months?)[- ]old\b"
               rf"|,\s+{_AGE_TEXT},|,\s+(?:a|an)\s+(?:[a-z]+\s+){{0,2}}(?i:{_ROLE})\b|\s*\(\s*{_AGE_TEXT}\s*\))"),
]
_AGE_BESIDE_NAME = re.compile(r"(?<=\[name\])(?P<between>,\s+|\s*\(\s*)\d{1,3}(?=\s*\)|,)")
# Capitalised words that open sentences or name times, never a person: "Yesterday, a resident said".
_NOT_A_PERSON = re.compile(r"^(?:Yesterday|Today|Tonight|Meanwhile|However|Earlier|Later|Separately|Overall|Nearby|"
                           r"There|Here|Last|This|That|These|Those|The|A|An|One|Another|Some|Many|Most|Several|"
                           r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|"
                           r"April|May|June|July|August|September|October|November|December|"
                           r"Minister|Governor|President|Mayor|General|Colonel|Spokesperson|Spokesman|"
                           r"Director|Commander|Ambassador|Envoy|Secretary|Coordinator)\b")


@lru_cache(maxsize=1)
def _gazetteer_names() -> frozenset[str]:
    """Name keys of the shipped gazetteer's places and aliases (places are never scrubbed as names)."""
    keys = set()
    for file_name, column in (("syria_admin.csv", "name_en"), ("syria_places.csv", "name_en"),
                              ("syria_aliases.csv", "alias")):
        path = GAZETTEER_DATA / file_name
        if path.exists():
            with open(path, encoding="utf-8", newline="") as handle:
                keys.update(name_key(row[column]) for row in csv.DictReader(handle) if row.get(column))
    return frozenset(keys)


def _is_place(name: str, kept: frozenset[str]) -> bool:
    key = name_key(name)
    return key in kept or key in _gazetteer_names()


def _replace_names(quote: str, kept: frozenset[str]) -> str:
    for pattern in _NAMES:
        def replace(match: re.Match) -> str:
            name = match["name"]
            if _NOT_A_PERSON.match(name) or _is_place(name, kept) or _is_place(match[0], kept):
                return match[0]  # "Sheikh Maqsoud" is a neighbourhood: the whole phrase is a place
            start, end = match.start("name") - match.start(), match.end("name") - match.start()
            return match[0][:start] + "[name]" + match[0][end:]
        quote = pattern.sub(replace, quote)
    # the age beside a name just removed: "[name] (45)", "[name], 52,"
    return _AGE_BESIDE_NAME.sub(r"\g<between>[age]", quote)


def scrub_quote(quote: str | None, keep: Iterable[str | None] = ()) -> str | None:
    """`quote` with e-mails, telephone numbers, street addresses, ages and private persons' names
    replaced by [email], [phone], [address], [age] and [name]; figures, dates and places stay, and
    so does every place in `keep` (the fact's own places)."""
    if not quote:
        return quote
    # a fact's places may be a list ("A; B"): each is kept
    kept = frozenset(name_key(one) for place in keep if place for one in place.split(";") if one.strip())
    quote = _EMAIL.sub("[email]", quote)
    quote = _PHONE.sub(_phone_or_not, quote)
    quote = _ADDRESS.sub("[address]", quote)
    quote = _AGE.sub(lambda m: (m["lead"] or "") + "[age]" + (m["tail"] or m["years"] or ""), quote)
    return _replace_names(quote, kept)
