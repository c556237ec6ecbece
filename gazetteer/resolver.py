"""Resolve a written place name to one gazetteer entry, or say honestly that it cannot.

A name is looked for inside an area (`within`: a country, or an admin unit): in practice the
row's own country. Without one, only an exact name that belongs to a single country resolves;
sound-alikes and fuzzy matches are never sought across the world, so never across a border.

Order of trust:
1. exact match of the normalised name against every name and alias (score 100);
2. the same consonant skeleton (Idlib/Idleb, Menbij/Manbij) when only one place in scope has it
   (score 92);
3. fuzzy match (rapidfuzz) against the names of places in scope, accepted only at or above the
   threshold and clearly ahead of the runner-up.

Below that the result is *unresolved*, with the best candidate for a person to confirm; the
caller queues the name for review (`db.writes.queue_unresolved_name`). Nothing is guessed
silently.

A name can belong to several kinds of place ("Hama" the city, district and governorate). A kind
word in the name ("Hama governorate") or the `kind` argument decides; with neither, a
community is preferred, then a governorate, then a district: a bare name in a report or a
table of movements most often means the town.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from rapidfuzz import fuzz, process

from gazetteer.normalise import kind_hint, name_key, phonetic_key

DEFAULT_THRESHOLD = 90.0
# A fuzzy winner must lead the best *other* place by this much, or it is a coin toss.
FUZZY_MARGIN = 4.0
PHONETIC_SCORE = 92.0
MIN_PHONETIC_LENGTH = 3
KIND_PREFERENCE = ("community", "governorate", "district", "subdistrict", "site", "country")


@dataclass(frozen=True, slots=True)  # slots: the world's 34,000 places, each without a __dict__
class PlaceRef:
    place_id: int
    place_key: str
    pcode: str | None
    kind: str
    name_en: str
    name_ar: str | None
    parent_id: int | None
    lat: float | None = None
    lon: float | None = None
    country_iso3: str | None = None  # only on country rows


@dataclass(frozen=True)
class Resolution:
    query: str
    place: PlaceRef | None
    score: float
    method: str | None  # "exact", "phonetic", "fuzzy" or None when unresolved
    kind: str | None = None  # the kind asked for or read from the name
    candidates: tuple[tuple[PlaceRef, float], ...] = field(default=())

    @property
    def is_resolved(self) -> bool:
        return self.place is not None

    @property
    def pcode(self) -> str | None:
        return self.place.pcode if self.place else None

    @property
    def best_candidate(self) -> tuple[PlaceRef, float] | None:
        return self.candidates[0] if self.candidates else None

# For name_fits only (resolving a name does not translate): French and Spanish compass words,
# and abbreviations of the Haitian names in hapi_idps_global.csv.
_PLAIN_WORDS = {"nord": "north", "norte": "north", "sud": "south", "sur": "south", "est": "east", "este": "east",
                "ouest": "west", "oeste": "west", "centre": "center", "centro": "center", "central": "center",
                "st": "saint", "ste": "sainte", "grd": "grand"}
NAME_FITS_RATIO = 90.0


def _plain(key: str) -> str:
    return " ".join(_PLAIN_WORDS.get(word, word) for word in key.split(" "))


class Gazetteer:
    """An in-memory index of places and their names; build once, resolve many times."""

    def __init__(self, places: Iterable[PlaceRef], aliases: Iterable[tuple[int, str]] = ()):
        self.places: dict[int, PlaceRef] = {}
        self._by_key: dict[str, str] = {}
        self._by_pcode: dict[str, int] = {}
        # Tuples, not sets: most names belong to one place and most places have one or two names, and
        # a set each took about four times the memory (the world's index: ~60 MB, issue 17's 200 MB)
        self._names: dict[int, tuple[str, ...]] = {}
        self._ancestor_ids: dict[int, frozenset[int]] = {}
        self._fuzzy_choices: dict[tuple, dict[str, set[int]]] = {}
        self._exact: dict[str, tuple[int, ...]] = {}
        self._phonetic: dict[str, tuple[int, ...]] = {}
        self._country_ids: dict[int, int | None] = {}
        self._children: dict[int, list[int]] | None = None
        self.add(places, aliases)

    def add(self, places: Iterable[PlaceRef], aliases: Iterable[tuple[int, str]] = ()) -> None:
        """Index new places and aliases (a load added a few): cheaper than building the world again.
        Places already indexed must not have changed; the caller rebuilds when they have."""
        places = [p for p in places]
        for p in places:
            self.places[p.place_id] = p
            self._by_key[p.place_key] = p.place_id
            if p.pcode:
                self._by_pcode[p.pcode] = p.place_id
        added: dict[int, set[str]] = defaultdict(set)
        for p in places:
            for name in (p.name_en, p.name_ar):
                if name:
                    added[p.place_id].add(name_key(name))
        for place_id, alias in aliases:
            if place_id in self.places:
                added[place_id].add(name_key(alias))
        for place_id, keys in added.items():
            known = self._names.get(place_id, ())
            self._names[place_id] = known + tuple(sorted(keys.difference(known)))
            for key in keys:
                if key:
                    self._exact[key] = _with_place(self._exact.get(key, ()), place_id)
                    skeleton = phonetic_key(key)
                    self._phonetic[skeleton] = _with_place(self._phonetic.get(skeleton, ()), place_id)
        self._fuzzy_choices.clear()  # scopes may hold new names
        self._children = None
        self._countries = self._country_index()
        # admin-0 p-code (ET, TUR, BDI: the letters OCHA's p-codes of the country start with) → country
        self._country_by_pcode = {p.pcode.upper(): p.place_id for p in self.places.values()
                                  if p.kind == "country" and p.pcode}

    def _country_index(self) -> dict[str, int]:
        """Every way a file names a country → its place: ISO3, ISO2 and numeric (M49) codes, the
        admin-0 p-code, and its names and aliases (exact, normalised: a country is never guessed)."""
        from gazetteer.countries import country_codes

        index: dict[str, int] = {}
        codes = country_codes()
        for p in self.places.values():
            if p.kind != "country":
                continue
            for key in self._names.get(p.place_id, ()):
                index.setdefault(key, p.place_id)
            for code in (p.place_key, p.pcode, p.country_iso3, *codes.get(p.country_iso3 or "", ())):
                if code:
                    index[code.upper()] = p.place_id
        return index

    def find_country(self, text: str | None) -> PlaceRef | None:
        """The country a cell names ("Sudan", "SDN", "SD", "729", "the Sudan"), or None."""
        text = (text or "").strip()
        if not text:
            return None
        code = text.upper()
        if code.isdigit():
            code = code.lstrip("0") or "0"  # M49 codes are written with or without leading zeros
        place_id = self._countries.get(code)
        if place_id is None:
            place_id = self._countries.get(name_key(text))
        return self.places[place_id] if place_id is not None else None

    def countries_named_in(self, text: str) -> dict[int, int]:
        """country place id → how often a text names it by a name or alias (runs of up to four
        words, normalised; never by a code: "CAR", "AND" and "IN" are words too)."""
        names = {key: place_id for key, place_id in self._countries.items()
                 if len(key) >= 4 and not key.isupper() and not key.isdigit()}
        longest = max((key.count(" ") + 1 for key in names), default=1)
        words = [name_key(re.sub(r"['’]s$", "", word)) for word in re.findall(r"[^\W\d_][\w'’-]*", text)]
        found: dict[int, int] = defaultdict(int)
        at = 0
        while at < len(words):
            for size in range(min(longest, 4, len(words) - at), 0, -1):
                place_id = names.get(" ".join(w for w in words[at:at + size] if w))
                if place_id is not None:
                    found[place_id] += 1
                    at += size
                    break
            else:
                at += 1
        return dict(found)

    def countries_of_admin1_names(self, names) -> dict[int, int]:
        """country place id → how many of these names are, exactly, names of its admin 1 units."""
        found: dict[int, int] = defaultdict(int)
        for name in set(names):
            countries = {self._country_id(place_id) for place_id in self._exact.get(name_key(name or ""), ())
                         if self.places[place_id].kind == "governorate"}
            for country_id in countries - {None}:
                found[country_id] += 1
        return dict(found)

    def _descendants(self, area_id: int) -> list[int]:
        """Every place below `area_id` (the world's 34,000 places are not scanned per scope)."""
        if self._children is None:
            self._children = defaultdict(list)
            for p in self.places.values():
                if p.parent_id is not None:
                    self._children[p.parent_id].append(p.place_id)
        found, stack = [], list(self._children.get(area_id, ()))
        while stack:
            place_id = stack.pop()
            found.append(place_id)
            stack.extend(self._children.get(place_id, ()))
        return found

    def _country_id(self, place_id: int) -> int | None:
        country = self.country_of(place_id)
        return country.place_id if country else None

    def country_of(self, place_id: int) -> PlaceRef | None:
        """The country a place lies in (itself for a country)."""
        if place_id not in self._country_ids:
            place = self.places.get(place_id)
            chain = [place, *self.ancestors(place_id)] if place else []
            top = next((p for p in chain if p.kind == "country"), None)
            self._country_ids[place_id] = top.place_id if top else None
        found = self._country_ids[place_id]
        return self.places[found] if found is not None else None

    # -- lookups --------------------------------------------------------------------------
    def by_key(self, place_key_or_pcode: str) -> PlaceRef | None:
        """A place by its key or p-code; a country also by its ISO3 code (files name countries so)."""
        place_id = self._by_key.get(place_key_or_pcode) or self._by_pcode.get(place_key_or_pcode)
        if place_id is None and len(place_key_or_pcode) == 3 and place_key_or_pcode.isalpha():
            place_id = self._countries.get(place_key_or_pcode.upper())
            if place_id is not None and self.places[place_id].country_iso3 != place_key_or_pcode.upper():
                place_id = None
        return self.places.get(place_id) if place_id else None

    def pcode_area(self, code: str | None) -> tuple[PlaceRef, bool] | None:
        """The area an OCHA p-code names, as (place, True), or for a finer p-code the gazetteer lacks
        (an admin 3 woreda ET020102, an admin 4) the finest area above it, as (place, False); else None.

        OCHA's p-codes are hierarchical: a unit's code is its parent's code and digits of its own,
        and they all begin with the country's admin-0 p-code (ET for Ethiopia; TUR, BDI for the few
        countries that use their ISO3). A code the gazetteer does not hold is placed under a known
        area only when that area's p-code begins it, the rest is digits, and the letters it begins
        with are that area's country's admin-0 p-code: "ET041295" lies in ET0412 of Ethiopia; a
        code of an unknown prefix ("XQ0101"), of digits only, or whose prefix is only a country
        ("ET99": no admin 1 of that code) lies nowhere. Never decided from a place's name.
        """
        code = (code or "").strip()
        if not code:
            return None
        ref = self.by_key(code) or self.by_key(code.upper())
        if ref is not None:
            return ref, True
        code = code.upper()
        letters = re.match(r"[A-Z]+", code)
        country_id = self._country_by_pcode.get(letters.group(0)) if letters else None
        if country_id is None:
            return None
        for end in range(len(code) - 1, letters.end(), -1):
            if not code[end:].isdigit():
                break
            place_id = self._by_pcode.get(code[:end])
            if place_id is not None:
                area = self.places[place_id]
                if area.kind != "country" and self._country_id(place_id) == country_id:
                    return area, False
                return None  # the longest known code it begins with is another country's, or no area
        return None

    def ancestors(self, place_id: int) -> list[PlaceRef]:
        chain, seen = [], set()
        parent = self.places[place_id].parent_id
        while parent is not None and parent not in seen and parent in self.places:
            seen.add(parent)
            chain.append(self.places[parent])
            parent = self.places[parent].parent_id
        return chain

    def is_within(self, place_id: int, area_id: int) -> bool:
        if place_id not in self._ancestor_ids:
            self._ancestor_ids[place_id] = frozenset(a.place_id for a in self.ancestors(place_id))
        return place_id == area_id or area_id in self._ancestor_ids[place_id]

    def _in_scope(self, ids: Iterable[int], within: int | None, kind: str | None) -> set[int]:
        return {
            i
            for i in ids
            if (kind is None or self.places[i].kind == kind)
            and (within is None or (i != within and self.is_within(i, within)))
        }

    def _pick(self, ids: set[int], kind: str | None) -> int | None:
        """One place among several with the same name: by kind preference, never a toss-up."""
        if len(ids) == 1:
            return next(iter(ids))
        if kind is None:
            for preferred in KIND_PREFERENCE:
                of_kind = [i for i in ids if self.places[i].kind == preferred]
                if of_kind:
                    return of_kind[0] if len(of_kind) == 1 else None
        return None

    # -- resolution -----------------------------------------------------------------------
    def resolve(
        self,
        name: str,
        within: str | None = None,
        kind: str | None = None,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> Resolution:
        """Resolve `name`, optionally inside the area with p-code/place key `within`."""
        within_id = None
        if within:
            area = self.by_key(within)
            if area is None:
                raise ValueError(f"unknown area {within!r}: give a p-code or place key")
            within_id = area.place_id
        # A kind word may be part of the name itself ("Al-Hol camp"): try the whole name first.
        whole = self._in_scope(self._exact.get(name_key(name), ()), within_id, kind)
        bare, hinted_kind = kind_hint(name)
        kind = kind or hinted_kind
        key = name_key(bare)
        if not key:
            return Resolution(name, None, 0.0, None, kind)

        exact = whole or self._in_scope(self._exact.get(key, ()), within_id, kind)
        if within_id is None and len({self._country_id(i) for i in exact}) > 1:
            # The same name in two countries: only the row's country can say which.
            ranked = tuple((self.places[i], 100.0) for i in sorted(exact))
            return Resolution(name, None, 100.0, None, kind, ranked)
        if exact:
            chosen = self._pick(exact, kind)
            ranked = tuple((self.places[i], 100.0) for i in sorted(exact))
            if chosen is None:
                return Resolution(name, None, 100.0, None, kind, ranked)
            return Resolution(name, self.places[chosen], 100.0, "exact", kind, ranked)

        if within_id is None:
            # No country given: nothing but an exact name, and only one country's. A sound-alike or a
            # near spelling anywhere in the world is how Shwebo (Myanmar) became Shahba (Syria).
            return Resolution(name, None, 0.0, None, kind)
        skeleton = phonetic_key(key)
        if len(skeleton.replace(" ", "")) >= MIN_PHONETIC_LENGTH:
            same_sound = self._in_scope(self._phonetic.get(skeleton, ()), within_id, kind)
            chosen = self._pick(same_sound, kind) if same_sound else None
            if chosen is not None:
                ranked = ((self.places[chosen], PHONETIC_SCORE),)
                return Resolution(name, self.places[chosen], PHONETIC_SCORE, "phonetic", kind, ranked)

        return self._resolve_fuzzy(name, key, within_id, kind, threshold)

    def _resolve_fuzzy(self, name, key, within_id, kind, threshold) -> Resolution:
        choices = self._fuzzy_choices.get((within_id, kind))
        if choices is None:  # built once per scope: a file asks the same scope many times
            choices = defaultdict(set)
            for place_id in self._descendants(within_id):
                if kind is None or self.places[place_id].kind == kind:
                    for candidate_key in self._names.get(place_id, ()):
                        if candidate_key:
                            choices[candidate_key.replace(" ", "")].add(place_id)
            self._fuzzy_choices[(within_id, kind)] = choices
        if not choices:
            return Resolution(name, None, 0.0, None, kind)
        matches = process.extract(key.replace(" ", ""), list(choices), scorer=fuzz.ratio, limit=12)
        best_by_place: dict[int, float] = {}
        for choice, score, _ in matches:
            for place_id in choices[choice]:
                best_by_place[place_id] = max(best_by_place.get(place_id, 0.0), score)
        ranked = sorted(best_by_place.items(), key=lambda item: (-item[1], item[0]))
        candidates = tuple((self.places[i], round(s, 1)) for i, s in ranked[:5])
        top_id, top_score = ranked[0]
        runner_up = next((s for i, s in ranked[1:] if not self._same_name_family(i, top_id)), 0.0)
        if top_score >= threshold and top_score - runner_up >= FUZZY_MARGIN:
            tied = {i for i, s in ranked if s == top_score}
            chosen = self._pick(tied, kind)
            if chosen is not None:
                return Resolution(name, self.places[chosen], round(top_score, 1), "fuzzy", kind, candidates)
        return Resolution(name, None, round(top_score, 1), None, kind, candidates)

    def name_fits(self, place_id: int, name: str) -> bool:
        """Whether `name` is a way of writing the place's name, for a row that gives a p-code and a
        name. It is when, both normalised (a kind word such as "governorate" aside), the two are
        equal, or sound alike (Idleb for Idlib, Hamah for Hama), or differ only in spaces (Qarabagh,
        Qara Bagh) or by a letter or two (Anse A Galet, Anse a Galets: fuzzy ratio >= 90), or the
        words of one are part of the other's (Cayes, Les Cayes; Maputo, Cidade De Maputo; Ise,
        Ise/Orun). Compass words in French or Spanish count as English and "St." as "Saint" (HAPI and
        DTM write Haiti's names in French, OCHA's p-code list in English). A name that normalises
        to nothing says nothing: True."""
        names = {_plain(k) for k in self._names.get(place_id, ())}
        keys = {_plain(name_key(name)), _plain(name_key(kind_hint(name)[0]))} - {""}
        if not keys or keys & names:
            return True
        for key in keys:
            for known in names:
                if phonetic_key(key) == phonetic_key(known) or \
                        fuzz.ratio(key.replace(" ", ""), known.replace(" ", "")) >= NAME_FITS_RATIO:
                    return True
                words, known_words = set(key.split()), set(known.split())
                if words and known_words and (words <= known_words or known_words <= words):
                    return True
        return False

    def _same_name_family(self, a: int, b: int) -> bool:
        """City, district and governorate called alike do not compete with each other."""
        return not set(self._names.get(a, ())).isdisjoint(self._names.get(b, ()))


def _with_place(ids: tuple[int, ...], place_id: int) -> tuple[int, ...]:
    return ids if place_id in ids else ids + (place_id,)


def gazetteer_from_rows(places: Iterable[Mapping], aliases: Iterable[Mapping]) -> Gazetteer:
    refs = [
        PlaceRef(
            place_id=r["place_id"],
            place_key=r["place_key"],
            pcode=r["pcode"],
            kind=r["kind"],
            name_en=r["name_en"],
            name_ar=r["name_ar"],
            parent_id=r["parent_id"],
            lat=r["lat"],
            lon=r["lon"],
            country_iso3=r.get("country_iso3"),
        )
        for r in places
    ]
    return Gazetteer(refs, ((a["place_id"], a["alias"]) for a in aliases))
