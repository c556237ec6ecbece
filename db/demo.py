"""Demo database: a deterministic, synthetic year (2024) that peaks with the Nov–Dec 2024 offensive.

Everything here is invented for demonstration and labelled "demo data (synthetic)" wherever it
appears (sources carry is_demo = true). The *shape* follows the public timeline: the offensive
from Idleb and western Aleppo from 27 Nov, Aleppo city 29–30 Nov, Tell Rifaat 1–2 Dec, Hama
5 Dec, Homs 7–8 Dec, Damascus 8 Dec, Manbij 9 Dec; people leave a city in the days after the
events there, towards real cities and sites; returns start after 8 Dec. No figure is real.

Before it, the whole of 2024 has a quiet baseline in every governorate of the demo country's
gazetteer: a few events a week in its towns, now and then a local flare-up, and people leaving
a town 0–2 weeks after its events (each governorate has its own delay, so the lag view finds
one); returns rise in the summer and fall in the winter. Site counts and monthly stocks per
governorate follow from those movements.

`build_demo()` is pure (gazetteer in, rows out); `create_demo()` writes them through db.writes;
`remove_demo()` deletes every demo batch (as an admin deleting each, db/batches.py). The same
seed always gives the same rows. `scale=N` adds N more events and N more figures spread over
2023–2024 and every community in the gazetteer, for benchmarks.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Engine, exists, select

from access.policy import Actor, Permission
from db import writes
from db.audit import acting
from db.records import PlaceRecord, SourceInfo
from db.schema import conflict_event, displacement_figure, event_count, load_batch, place, site_population, source
from gazetteer import Gazetteer, PlaceRef, load_gazetteer

DEMO_LABEL = "demo data (synthetic)"
DEFAULT_SEED = 20241127
VERSION = "demo-v2"  # v2: a year of history (v1 held Nov–Dec 2024 only)

PERIOD_START, PERIOD_END = date(2024, 1, 1), date(2024, 12, 31)  # 2024-01-01 is a Monday: 53 weeks
OFFENSIVE_START = date(2024, 11, 27)
DEMO_COUNTRY = "SY"  # the gazetteer's key of the country the demo covers (every governorate of it)

GOVERNMENT = "Military Forces of Syria (2000-2024)"
HTS = "Hay'at Tahrir al-Sham"
SNA = "Syrian National Army"
SDF = "Syrian Democratic Forces"
RUSSIA = "Military Forces of Russia (2000-)"
ISRAEL = "Military Forces of Israel (1948-)"
SOUTHERN = "Southern Operations Room"

# (day, place, event_type, sub_event_type, actor1, actor2, count) — the offensive's spine.
TIMELINE = [
    ("2024-11-27", "Atareb", "Battles", "Armed clash", HTS, GOVERNMENT, 4),
    ("2024-11-27", "Darat Izza", "Battles", "Armed clash", HTS, GOVERNMENT, 2),
    ("2024-11-27", "Sarmada", "Explosions/Remote violence", "Air/drone strike", RUSSIA, None, 2),
    ("2024-11-28", "Saraqab", "Battles", "Armed clash", HTS, GOVERNMENT, 3),
    ("2024-11-28", "Ariha", "Explosions/Remote violence", "Air/drone strike", RUSSIA, None, 2),
    ("2024-11-29", "Saraqab", "Battles", "Non-state actor overtakes territory", HTS, GOVERNMENT, 1),
    ("2024-11-29", "Aleppo", "Battles", "Armed clash", HTS, GOVERNMENT, 5),
    ("2024-11-30", "Aleppo", "Battles", "Non-state actor overtakes territory", HTS, GOVERNMENT, 2),
    ("2024-11-30", "Maarrat An-Nu'man", "Battles", "Non-state actor overtakes territory", HTS, GOVERNMENT, 1),
    ("2024-11-30", "Tell Rifaat", "Battles", "Armed clash", SNA, SDF, 3),
    ("2024-12-01", "Tell Rifaat", "Battles", "Non-state actor overtakes territory", SNA, SDF, 1),
    ("2024-12-01", "Khan Shaykhun", "Battles", "Non-state actor overtakes territory", HTS, GOVERNMENT, 1),
    ("2024-12-01", "Idleb", "Explosions/Remote violence", "Air/drone strike", RUSSIA, None, 3),
    ("2024-12-02", "Hama", "Battles", "Armed clash", HTS, GOVERNMENT, 3),
    ("2024-12-03", "Hama", "Battles", "Armed clash", HTS, GOVERNMENT, 4),
    ("2024-12-04", "Hama", "Explosions/Remote violence", "Shelling/artillery/missile attack", GOVERNMENT, None, 3),
    ("2024-12-05", "Hama", "Strategic developments", "Non-violent transfer of territory", GOVERNMENT, HTS, 1),
    ("2024-12-05", "Hama", "Battles", "Armed clash", HTS, GOVERNMENT, 2),
    ("2024-12-06", "Deir-ez-Zor", "Strategic developments", "Non-violent transfer of territory", GOVERNMENT, SDF, 1),
    ("2024-12-06", "Dar'a", "Battles", "Non-state actor overtakes territory", SOUTHERN, GOVERNMENT, 1),
    ("2024-12-07", "As-Sweida", "Strategic developments", "Non-violent transfer of territory", GOVERNMENT, None, 1),
    ("2024-12-07", "Homs", "Battles", "Armed clash", HTS, GOVERNMENT, 4),
    ("2024-12-08", "Homs", "Battles", "Non-state actor overtakes territory", HTS, GOVERNMENT, 1),
    ("2024-12-08", "Damascus", "Strategic developments", "Non-violent transfer of territory", GOVERNMENT, HTS, 1),
    ("2024-12-08", "Sayyida Zaynab", "Strategic developments", "Other", HTS, None, 1),
    ("2024-12-09", "Manbij", "Battles", "Non-state actor overtakes territory", SNA, SDF, 1),
    ("2024-12-09", "Damascus", "Explosions/Remote violence", "Air/drone strike", ISRAEL, None, 3),
    ("2024-12-10", "Lattakia", "Explosions/Remote violence", "Air/drone strike", ISRAEL, None, 2),
    ("2024-12-10", "Tartous", "Explosions/Remote violence", "Air/drone strike", ISRAEL, None, 1),
    ("2024-12-12", "Manbij", "Battles", "Armed clash", SNA, SDF, 3),
    ("2024-12-16", "Manbij", "Battles", "Armed clash", SNA, SDF, 3),
    ("2024-12-20", "Manbij", "Battles", "Armed clash", SNA, SDF, 2),
    ("2024-12-23", "Manbij", "Explosions/Remote violence", "Air/drone strike", "Military Forces of Turkey (2016-)", None, 2),
    ("2024-12-26", "Manbij", "Battles", "Armed clash", SNA, SDF, 3),
]

# Background before and beside the offensive, from BACKGROUND_START: (place, type, sub-type, actor1,
# daily probability). The rest of the year has the governorates' quiet baseline (BASELINE_TYPES).
BACKGROUND_START = date(2024, 11, 1)
BACKGROUND = [
    ("Ariha", "Explosions/Remote violence", "Shelling/artillery/missile attack", GOVERNMENT, 0.25),
    ("Sarmada", "Explosions/Remote violence", "Air/drone strike", RUSSIA, 0.08),
    ("Atareb", "Explosions/Remote violence", "Shelling/artillery/missile attack", GOVERNMENT, 0.2),
    ("Idleb", "Explosions/Remote violence", "Air/drone strike", RUSSIA, 0.08),
    ("Manbij", "Explosions/Remote violence", "Shelling/artillery/missile attack", SNA, 0.15),
    ("Deir-ez-Zor", "Violence against civilians", "Attack", "Islamic State (Syria)", 0.1),
    ("Dar'a", "Violence against civilians", "Attack", None, 0.15),
    ("Damascus", "Protests", "Peaceful protest", "Protesters (Syria)", 0.05),
]

# Flights after the timeline's events: origin, first day, days, total persons, destinations with
# weights. Destinations named "site:..." are demo sites created below.
FLIGHTS = [
    ("Atareb", "2024-11-27", 4, 9_000, {"Sarmada": 3, "Atmeh camps": 5, "Darat Izza": 1}),
    ("Saraqab", "2024-11-28", 3, 6_500, {"Idleb": 3, "Atmeh camps": 2, "Hama": 1}),
    ("Aleppo", "2024-11-29", 7, 48_000, {"Tabqa": 3, "Ar-Raqqa": 2, "Al-Hasakeh": 1, "Hama": 2, "Homs": 1}),
    ("Tell Rifaat", "2024-11-30", 5, 36_000, {"Tabqa": 4, "site:tabqa_cc": 3, "Ar-Raqqa": 2}),
    ("Maarrat An-Nu'man", "2024-11-30", 3, 4_000, {"Hama": 2, "Khan Shaykhun": 1}),
    ("Khan Shaykhun", "2024-12-01", 3, 3_500, {"Hama": 2, "As-Salamiyeh": 1}),
    ("Hama", "2024-12-03", 5, 52_000, {"Homs": 3, "As-Salamiyeh": 2, "Masyaf": 2, "Tartous": 2,
                                       "Lattakia": 1, "site:hama_makeshift": 2}),
    ("Homs", "2024-12-06", 4, 41_000, {"Tartous": 4, "Lattakia": 3, "Damascus": 1}),
    ("Sayyida Zaynab", "2024-12-07", 3, 15_000, {"Jdaidet Yabous crossing": 1}),
    ("Damascus", "2024-12-08", 2, 9_000, {"Jdaidet Yabous crossing": 1}),
    ("Manbij", "2024-12-09", 6, 28_000, {"Tabqa": 2, "Ar-Raqqa": 2, "Ain Al Arab": 1, "site:raqqa_rc": 2}),
    # The fighting around Manbij and the Euphrates dams went on through late December.
    ("Manbij", "2024-12-20", 4, 6_000, {"Tabqa": 2, "Ar-Raqqa": 1, "site:raqqa_rc": 1}),
    ("Manbij", "2024-12-26", 5, 7_500, {"Tabqa": 2, "Ar-Raqqa": 2, "Ain Al Arab": 1}),
]
# Returns after 8 December: (origin, first day, days, total persons, destinations).
RETURNS = [
    ("Atmeh camps", "2024-12-10", 20, 22_000, {"Saraqab": 2, "Maarrat An-Nu'man": 2, "Khan Shaykhun": 1}),
    ("Jdaidet Yabous crossing", "2024-12-09", 22, 30_000, {"Homs": 2, "Damascus": 2, "Aleppo": 1}),
    ("Tartous", "2024-12-12", 18, 12_000, {"Homs": 3, "Hama": 1}),
]

# Invented sites, named "(demo)"; key, English name, Arabic name, nearby community, site type.
DEMO_SITES = [
    ("tabqa_cc", "Tabqa collective centres (demo)", "مراكز إيواء الطبقة (تجريبي)", "Tabqa", "collective_centre"),
    ("raqqa_rc", "Ar-Raqqa reception centre (demo)", "مركز استقبال الرقة (تجريبي)", "Ar-Raqqa", "reception_centre"),
    ("hama_makeshift", "Hama makeshift camp (demo)", "مخيم عشوائي حماة (تجريبي)", "Masyaf", "informal_settlement"),
]
# Sites with weekly (synthetic) counts, and the population each starts November with. Atmeh
# camps is a real site of the gazetteer; its counts here are as invented as the rest.
SITE_START_POPULATION = {"Atmeh camps": 60_000, "site:tabqa_cc": 800, "site:raqqa_rc": 300,
                         "site:hama_makeshift": 0}

REQUIRED_PLACES = sorted(
    {row[1] for row in TIMELINE}
    | {row[0] for row in BACKGROUND}
    | {p for flight in FLIGHTS + RETURNS for p in [flight[0], *flight[4]] if not p.startswith("site:")}
    | {row[3] for row in DEMO_SITES}
)


@dataclass
class DemoPart:
    """One demo source: its description and the rows of each table it holds."""

    name: str
    title: str
    tables: list[tuple] = field(default_factory=list)  # (table, columns, rows)

    def info(self, seed: int, scale: int) -> SourceInfo:
        digest = hashlib.sha256(f"{VERSION}|{self.name}|seed={seed}|scale={scale}".encode()).hexdigest()
        return SourceInfo(source_kind="demo", title=f"{self.title} — {DEMO_LABEL}",
                          publisher="demo generator", file_name=None, sha256=digest, is_demo=True)


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


class _Places:
    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self._cache: dict[str, PlaceRef] = {}

    def __getitem__(self, name: str) -> PlaceRef:
        if name not in self._cache:
            if name.startswith("site:"):
                ref = self.gazetteer.by_key(f"demo:site:{name[5:]}")
            else:
                resolution = self.gazetteer.resolve(name, kind="community")
                if not resolution.is_resolved:
                    resolution = self.gazetteer.resolve(name, kind="site")
                ref = resolution.place
            if ref is None:
                raise LookupError(f"the demo needs {name!r} in the gazetteer; run `python -m db upgrade` first")
            self._cache[name] = ref
        return self._cache[name]

    def governorate(self, ref: PlaceRef) -> PlaceRef | None:
        return next((a for a in self.gazetteer.ancestors(ref.place_id) if a.kind == "governorate"), None)


def demo_site_records(gazetteer: Gazetteer) -> list[PlaceRecord]:
    records = []
    for key, name_en, name_ar, near, site_type in DEMO_SITES:
        town = gazetteer.resolve(near, kind="community").place
        if town is None:
            raise LookupError(f"the demo needs {near!r} in the gazetteer")
        parent = gazetteer.places[town.parent_id]
        records.append(PlaceRecord(
            place_key=f"demo:site:{key}", kind="site", name_en=name_en, name_ar=name_ar,
            parent_key=parent.place_key, lat=round(town.lat + 0.02, 4), lon=round(town.lon + 0.02, 4),
            site_type=site_type,
        ))
    return records


EVENT_COLUMNS = ("provider", "record_key", "event_date", "date_precision", "event_type", "sub_event_type",
                 "actor1", "actor2", "place_id", "place_name_raw", "admin1_name_raw", "lat", "lon",
                 "fatalities", "notes", "review_status")
FIGURE_COLUMNS = ("provider", "record_key", "figure_kind", "unit", "qualifier", "figure", "figure_max",
                  "is_cumulative", "origin_place_id", "origin_name_raw", "destination_place_id",
                  "destination_name_raw", "period_start", "period_end", "term", "review_status")
POPULATION_COLUMNS = ("site_id", "provider", "reported_date", "individuals", "households", "girls", "boys",
                      "women", "men")
COUNT_COLUMNS = ("provider", "area_pcode", "area_name_raw", "place_id", "admin_level", "event_category",
                 "period_start", "period_end", "events", "fatalities")


def _event_row(rng, places, key, day, name: str | PlaceRef, etype, sub, actor1, actor2):
    ref = name if isinstance(name, PlaceRef) else places[name]
    gov = places.governorate(ref)
    fatal = {"Battles": (0, 12), "Explosions/Remote violence": (0, 6), "Violence against civilians": (0, 3)}
    low, high = fatal.get(etype, (0, 0))
    return ("demo", key, day, "day", etype, sub, actor1, actor2, ref.place_id, ref.name_en,
            gov.name_en if gov else None, round(ref.lat + rng.uniform(-0.03, 0.03), 4),
            round(ref.lon + rng.uniform(-0.03, 0.03), 4), rng.randint(low, high), f"{DEMO_LABEL}", "not_required")


def _build_events(rng: random.Random, places: _Places) -> list[tuple]:
    rows = []
    for line, (day_text, name, etype, sub, actor1, actor2, count) in enumerate(TIMELINE):
        for n in range(count):
            rows.append(_event_row(rng, places, f"DEMO-T{line:02d}-{n}", _day(day_text), name, etype, sub,
                                   actor1, actor2))
    for day in _days(BACKGROUND_START, PERIOD_END):
        for name, etype, sub, actor1, probability in BACKGROUND:
            if rng.random() < probability:
                rows.append(_event_row(rng, places, f"DEMO-BG-{day}-{name}", day, name, etype, sub, actor1, None))
    return rows


def _spread(rng: random.Random, total: int, days: int) -> list[int]:
    """A spike that decays: most people leave in the first days after the events."""
    weights = [0.55 ** d * rng.uniform(0.8, 1.2) for d in range(days)]
    scale = total / sum(weights)
    return [int(round(w * scale, -1)) for w in weights]


def _add_flow(rng: random.Random, persons: list, households: list, key: str, kind: str, term: str,
              origin: PlaceRef, destination: PlaceRef, day: date, figure: int) -> None:
    """One reported movement: in persons by partner A, or (one in five) in households by partner B."""
    if figure < 10:
        return
    if rng.random() < 0.2:  # partner B counts families, on other days than partner A
        households.append(("demo-partner-b", key, kind, "households", "approx", float(round(figure / 5.5)), None,
                           False, origin.place_id, origin.name_en, destination.place_id, destination.name_en, day,
                           day, term, "not_required"))
        return
    qualifier = "exact" if rng.random() < 0.8 else "approx"
    persons.append(("demo-partner-a", key, kind, "persons", qualifier, float(figure), None, False, origin.place_id,
                    origin.name_en, destination.place_id, destination.name_en, day, day, term, "not_required"))


def _build_flows(rng: random.Random, places: _Places) -> tuple[list[tuple], list[tuple]]:
    """Daily origin→destination figures: persons from partner A, households from partner B."""
    persons, households = [], []
    for kind, plans in (("new_displacement", FLIGHTS), ("return", RETURNS)):
        term = "fled" if kind == "new_displacement" else "returned"
        for origin, first, days, total, destinations in plans:
            o = places[origin]
            weight_sum = sum(destinations.values())
            for offset, day_total in enumerate(_spread(rng, total, days)):
                day = _day(first) + timedelta(days=offset)
                for dest, weight in destinations.items():
                    d = places[dest]
                    figure = int(round(day_total * weight / weight_sum, -1))
                    _add_flow(rng, persons, households, f"{kind}:{origin}:{dest}:{day}", kind, term, o, d, day,
                              figure)
            if kind == "new_displacement":
                # A first, figure-less report ("hundreds of families are fleeing") on the first day.
                day = _day(first)
                persons.append(("demo-partner-a", f"vague:{origin}:{day}", kind, "households", "vague", None, None,
                                False, o.place_id, o.name_en, None, "safer areas", day, day, "fled",
                                "not_required"))
    return persons, households


# The quiet baseline: the same rules for every governorate of DEMO_COUNTRY; no place is named.
BASELINE_TYPES = [  # (event type, sub-type, actor1, actor2, weight)
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", GOVERNMENT, None, 4),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", None, None, 2),
    ("Violence against civilians", "Attack", "Unidentified Armed Group (Syria)", None, 2),
    ("Battles", "Armed clash", "Unidentified Armed Group (Syria)", GOVERNMENT, 2),
    ("Explosions/Remote violence", "Air/drone strike", RUSSIA, None, 1),
]
FLIGHT_DELAYS = (0, 1, 1, 2)  # weeks from a governorate's events to the flights they cause (one per governorate)
RETURN_PEAK_DAY = 196  # mid-July: returns rise in the summer (harvest, school holidays) and ebb in the winter
QUIET_UNTIL = OFFENSIVE_START - timedelta(days=14)  # flare-ups and baseline returns stop before the offensive


@dataclass
class _Area:
    """A governorate of the baseline: its towns, where each town's people go, and its rhythm."""

    governorate: PlaceRef
    towns: list[PlaceRef]
    refuges: dict[int, list[tuple[PlaceRef, int]]]  # town place_id → (destination, weight)
    events_per_week: float
    flight_delay: int
    persons_per_event: tuple[int, int]
    returns_per_week: float


def _mondays(first: date, last: date) -> list[date]:
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _distance(a: PlaceRef, b: PlaceRef) -> float:
    return math.hypot((a.lat - b.lat), (a.lon - b.lon) * math.cos(math.radians(a.lat)))


def demo_governorates(gazetteer: Gazetteer) -> list[PlaceRef]:
    """The governorates (admin 1) of the demo country, by key."""
    country = gazetteer.by_key(DEMO_COUNTRY)
    if country is None:
        raise LookupError(f"the demo needs the country {DEMO_COUNTRY!r} in the gazetteer; run `python -m db upgrade`")
    return sorted((p for p in gazetteer.places.values()
                   if p.kind == "governorate" and gazetteer.is_within(p.place_id, country.place_id)),
                  key=lambda p: p.place_key)


def _areas(rng: random.Random, places: _Places) -> list[_Area]:
    gazetteer = places.gazetteer
    governorates = demo_governorates(gazetteer)
    wanted = {g.place_id for g in governorates}
    towns: dict[int, list[PlaceRef]] = defaultdict(list)
    for ref in sorted(gazetteer.places.values(), key=lambda p: p.place_key):
        if ref.kind == "community" and ref.lat is not None:
            gov = places.governorate(ref)
            if gov is not None and gov.place_id in wanted:
                towns[gov.place_id].append(ref)
    every_town = [t for g in governorates for t in towns[g.place_id]]
    sites: dict[int, list[PlaceRef]] = defaultdict(list)  # the counted sites take in their governorate's people
    for name in SITE_START_POPULATION:
        gov = places.governorate(places[name])
        if gov is not None:
            sites[gov.place_id].append(places[name])
    areas = []
    for gov in governorates:
        if not towns[gov.place_id]:
            continue
        refuges = {}
        for town in towns[gov.place_id]:
            nearest = sorted((t for t in every_town if t.place_id != town.place_id),
                             key=lambda t: (_distance(town, t), t.place_key))[:3]
            refuges[town.place_id] = [*zip(nearest, (3, 2, 1)), *((s, 2) for s in sites[gov.place_id])]
        areas.append(_Area(gov, towns[gov.place_id], refuges, events_per_week=rng.uniform(0.4, 1.6),
                           flight_delay=rng.choice(FLIGHT_DELAYS),
                           persons_per_event=(rng.randint(5, 12) * 10, rng.randint(25, 45) * 10),
                           returns_per_week=rng.uniform(60, 400)))
    return areas


def _pick(rng: random.Random, weighted: list[tuple[PlaceRef, int]]) -> PlaceRef:
    return rng.choices([p for p, _ in weighted], weights=[w for _, w in weighted])[0]


def _build_baseline(rng: random.Random, places: _Places) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The year's quiet baseline: (events, figures in persons, figures in households).

    Each governorate has a few events a week and one to three flare-ups before the offensive;
    every event sends people away from its town `flight_delay` weeks later (0–2), so the lag
    view finds each governorate's delay. Returns rise and fall with the season."""
    weeks = _mondays(PERIOD_START, PERIOD_END)
    quiet = [i for i, monday in enumerate(weeks) if monday <= QUIET_UNTIL]
    kinds = [(t, s, a1, a2) for t, s, a1, a2, _ in BASELINE_TYPES]
    kind_weights = [w for *_, w in BASELINE_TYPES]
    events, persons, households = [], [], []
    for area in _areas(rng, places):
        code = area.governorate.pcode or area.governorate.place_key
        flare_weeks = set(rng.sample(quiet, rng.randint(1, 3)))
        leaving: dict[tuple[int, int], int] = defaultdict(int)  # (week index, town id) → persons
        towns = {t.place_id: t for t in area.towns}
        for i, monday in enumerate(weeks):
            n = sum(rng.random() < area.events_per_week / 7 for _ in range(7))
            flare_town = rng.choice(area.towns) if i in flare_weeks else None
            n_flare = rng.randint(5, 10) if flare_town else 0
            for k in range(n + n_flare):
                town = flare_town if k >= n else rng.choice(area.towns)
                day = min(monday + timedelta(days=rng.randrange(7)), PERIOD_END)
                etype, sub, actor1, actor2 = rng.choices(kinds, weights=kind_weights)[0]
                events.append(_event_row(rng, places, f"DEMO-BL-{code}-{monday}-{k}", day, town, etype,
                                         sub, actor1, actor2))
                low, high = area.persons_per_event
                later = i + area.flight_delay
                if later < len(weeks):
                    leaving[(later, town.place_id)] += rng.randint(low, high * (3 if k >= n else 1))
            for town in area.towns:  # a few people leave in any week, events or not
                if rng.random() < 0.1:
                    leaving[(i, town.place_id)] += rng.randint(2, 8) * 10
        for (i, town_id), total in sorted(leaving.items()):
            town, day = towns[town_id], min(weeks[i] + timedelta(days=rng.randint(2, 6)), PERIOD_END)
            refuges = area.refuges[town_id]
            weight_sum = sum(w for _, w in refuges)
            for refuge, weight in refuges:
                key = f"baseline:new_displacement:{town.place_key}:{refuge.place_key}:{day}"
                _add_flow(rng, persons, households, key, "new_displacement", "fled", town, refuge, day,
                          int(round(total * weight / weight_sum, -1)))
        for i in quiet:
            monday = weeks[i]
            season = 1 + 0.8 * math.cos(2 * math.pi * (monday.timetuple().tm_yday - RETURN_PEAK_DAY) / 365.25)
            if rng.random() < 0.3:  # not every week is reported
                continue
            town = rng.choice(area.towns)
            refuge = _pick(rng, area.refuges[town.place_id])
            day = monday + timedelta(days=rng.randint(0, 6))
            _add_flow(rng, persons, households, f"baseline:return:{refuge.place_key}:{town.place_key}:{day}", "return",
                      "returned", refuge, town, day,
                      int(round(area.returns_per_week * season * rng.uniform(0.6, 1.4), -1)))
    return events, persons, households


def _build_stocks(rng: random.Random, places: _Places, flows: list[tuple]) -> list[tuple]:
    """Month-end IDP stocks per governorate (persons): a starting stock, plus the people who fled
    into the governorate, minus those who returned from it, both from the demo's own flows."""
    gazetteer = places.gazetteer
    governorates = demo_governorates(gazetteer)
    stock = {g.place_id: rng.randint(20, 400) * 1_000 for g in governorates}
    month_of: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    of_place: dict[int, int | None] = {}

    def governorate_id(place_id):
        if place_id not in of_place:
            gov = places.governorate(gazetteer.places[place_id]) if place_id is not None else None
            of_place[place_id] = gov.place_id if gov else None
        return of_place[place_id]

    for row in flows:
        kind, figure, origin_id, destination_id, day = row[2], row[5], row[8], row[10], row[13]
        if figure is None:
            continue
        month = day.replace(day=1)
        if kind == "new_displacement" and governorate_id(destination_id) in stock:
            month_of[governorate_id(destination_id)][month] += int(figure)
        elif kind == "return" and governorate_id(origin_id) in stock:
            month_of[governorate_id(origin_id)][month] -= int(figure)
    rows = []
    for gov in governorates:
        month = PERIOD_START.replace(day=1)
        while month <= PERIOD_END:
            stock[gov.place_id] = max(stock[gov.place_id] + month_of[gov.place_id][month], 0)
            month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            rows.append(("demo-hapi", f"stock:{gov.place_key}:{month:%Y-%m}", "idp_stock", "persons", "approx",
                         float(round(stock[gov.place_id], -2)), None, False, None, None, gov.place_id, gov.name_en,
                         month, month_end, "displaced", "not_required"))
            month = month_end + timedelta(days=1)
    return rows


def _build_site_counts(rng: random.Random, places: _Places, flows: list[tuple]) -> list[tuple]:
    """Weekly counts (on Sundays) per counted site: its starting population plus arrivals minus
    departures in persons, week by week over the whole period."""
    weeks = _mondays(PERIOD_START, PERIOD_END)
    sites = {places[name].place_id: base for name, base in SITE_START_POPULATION.items()}
    change: dict[tuple[int, date], int] = defaultdict(int)  # (site id, Monday) → net persons
    for row in flows:
        day, unit, figure = row[13], row[3], row[5]
        if unit != "persons" or figure is None:
            continue
        monday = day - timedelta(days=day.weekday())
        if row[10] in sites:
            change[(row[10], monday)] += int(figure)
        if row[8] in sites:
            change[(row[8], monday)] -= int(figure)
    rows = []
    for site_id, population in sites.items():
        for monday in weeks:
            week_end = monday + timedelta(days=6)
            if week_end > PERIOD_END:
                break
            population = max(population + change[(site_id, monday)], 0)
            if population > 0:
                individuals = population
                children = int(individuals * rng.uniform(0.48, 0.55))
                girls = children // 2
                women = (individuals - children) // 2 + rng.randint(0, 50)
                rows.append((site_id, "demo-cccm", week_end, individuals, int(individuals / 5.4), girls,
                             children - girls, min(women, individuals - children), max(individuals - children - women, 0)))
    return rows


def _build_event_counts(events: list[tuple], places: _Places) -> list[tuple]:
    """HDX HAPI-style monthly counts per governorate, derived from the demo events."""
    categories = {
        "political_violence": {"Battles", "Explosions/Remote violence", "Violence against civilians"},
        "civilian_targeting": {"Violence against civilians"},
        "demonstration": {"Protests", "Riots"},
    }
    totals: dict[tuple, list[int]] = {}
    for row in events:
        ref = places.gazetteer.places[row[8]]
        gov = places.governorate(ref)
        month = row[2].replace(day=1)
        for category, types in categories.items():
            if row[4] in types:
                entry = totals.setdefault((gov.place_id, category, month), [0, 0])
                entry[0] += 1
                entry[1] += row[13]
    rows = []
    for (gov_id, category, month), (n, fatalities) in sorted(totals.items()):
        gov = places.gazetteer.places[gov_id]
        next_month = (month + timedelta(days=32)).replace(day=1)
        rows.append(("demo-hapi", gov.pcode, gov.name_en, gov.place_id, 1, category, month,
                     next_month - timedelta(days=1), n, fatalities))
    return rows


def _build_scale(rng: random.Random, gazetteer: Gazetteer, n: int) -> tuple[list[tuple], list[tuple]]:
    """n more events and n more figures over 2023–2024 across every community, for benchmarks."""
    communities = sorted((p for p in gazetteer.places.values() if p.kind == "community" and p.lat is not None),
                         key=lambda p: p.place_key)
    types = [(t, s) for t, s in [("Battles", "Armed clash"), ("Explosions/Remote violence", "Air/drone strike"),
                                 ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
                                 ("Violence against civilians", "Attack"), ("Protests", "Peaceful protest")]]
    first = date(2023, 1, 1)
    span = (PERIOD_END - first).days
    events, figures = [], []
    for i in range(n):
        ref = communities[rng.randrange(len(communities))]
        etype, sub = types[rng.randrange(len(types))]
        day = first + timedelta(days=rng.randrange(span))
        events.append(("demo-scale", f"S{i}", day, "day", etype, sub, "Actor A", None, ref.place_id, ref.name_en,
                       None, ref.lat, ref.lon, rng.randint(0, 5), DEMO_LABEL, "not_required"))
    for i in range(n):
        origin = communities[rng.randrange(len(communities))]
        dest = communities[rng.randrange(len(communities))]
        day = first + timedelta(days=rng.randrange(span))
        unit = "persons" if rng.random() < 0.8 else "households"
        figures.append(("demo-scale", f"S{i}", "new_displacement", unit, "exact", float(rng.randint(10, 5000)),
                        None, False, origin.place_id, origin.name_en, dest.place_id, dest.name_en, day, day,
                        "displaced", "not_required"))
    return events, figures


def build_demo(gazetteer: Gazetteer, seed: int = DEFAULT_SEED, scale: int = 0) -> list[DemoPart]:
    """The demo's rows, grouped by the (synthetic) source they belong to. Pure and deterministic."""
    rng = random.Random(seed)
    places = _Places(gazetteer)
    events = _build_events(rng, places)
    persons, households = _build_flows(rng, places)
    baseline_events, baseline_persons, baseline_households = _build_baseline(random.Random(rng.random()), places)
    events, persons, households = events + baseline_events, persons + baseline_persons, households + baseline_households
    sites = _build_site_counts(rng, places, persons)
    stocks = _build_stocks(rng, places, persons)
    counts = _build_event_counts(events, places)
    parts = [
        DemoPart("events", "Conflict events, 2024 (ACLED-like)",
                 [(conflict_event, EVENT_COLUMNS, events)]),
        DemoPart("event-counts", "Monthly event counts by governorate (HDX HAPI-like)",
                 [(event_count, COUNT_COLUMNS, counts)]),
        DemoPart("flows-a", "Displacement flows in persons, partner A",
                 [(displacement_figure, FIGURE_COLUMNS, persons)]),
        DemoPart("flows-b", "Displacement flows in households, partner B",
                 [(displacement_figure, FIGURE_COLUMNS, households)]),
        DemoPart("sites", "Site population counts (CCCM-like)",
                 [(site_population, POPULATION_COLUMNS, sites)]),
        DemoPart("stocks", "IDP stocks by governorate, month ends (HDX HAPI-like)",
                 [(displacement_figure, FIGURE_COLUMNS, stocks)]),
    ]
    if scale:
        more_events, more_figures = _build_scale(random.Random(seed + 1), gazetteer, scale)
        parts.append(DemoPart("scale", f"Benchmark volume: {scale:,} events and {scale:,} figures",
                              [(conflict_event, EVENT_COLUMNS, more_events),
                               (displacement_figure, FIGURE_COLUMNS, more_figures)]))
    return parts


def create_demo(engine: Engine, seed: int = DEFAULT_SEED, scale: int = 0) -> list[writes.BatchResult]:
    """Write the demo (idempotent: the same seed and scale load once).

    The weekly summaries are kept by the writer (db/summary.py). With `scale` the bulk rows are
    inserted before the tables' secondary indexes are built (db.writes.write_rows_batch); a
    million events and a million figures take about 30 s on SQLite (BENCHMARKS.md). When the
    scale part is already loaded its rows are not generated again.
    """
    gazetteer = load_gazetteer(engine)
    sites_info = DemoPart("site-list", "Demo sites").info(seed, 0)
    results = [writes.write_places_batch(engine, sites_info, demo_site_records(gazetteer))]
    gazetteer = load_gazetteer(engine)
    with engine.connect() as conn:
        scale_loaded = bool(scale) and writes.find_live_batch(conn, DemoPart("scale", "").info(seed, scale).sha256)
    for part in build_demo(gazetteer, seed, 0 if scale_loaded else scale):
        results.append(writes.write_rows_batch(engine, part.info(seed, scale), part.tables))
    return results


@dataclass(frozen=True)
class RemovedDemo:
    batches: int  # demo batches deleted (0 when there was no demo left)
    removed: int  # rows they held, deleted
    places_removed: int  # the demo's invented sites
    kept: int = 0  # rows a real load holds too: they stay, as that load's (db/batches.py)


def live_demo_batches(engine: Engine) -> list[int]:
    """The live batches of demo sources, in the order they are deleted: the batches that brought
    places (the demo's sites) last, so that nothing names those places any more when they go."""
    brought_places = exists(select(place.c.place_id).where(place.c.batch_id == load_batch.c.batch_id))
    with engine.connect() as conn:
        return list(conn.execute(
            select(load_batch.c.batch_id)
            .join(source, source.c.source_id == load_batch.c.source_id)
            .where(source.c.is_demo.is_(True), load_batch.c.status == "loaded")
            .order_by(brought_places, load_batch.c.batch_id.desc())).scalars())


def remove_demo(engine: Engine, *, actor: Actor | None = None) -> RemovedDemo:
    """Delete every demo batch, each as db.batches.delete_batch does (its rows, what the weekly
    summaries hold from them, its invented places; one delete_batch entry each on the audit
    trail). Real loads are untouched. Running it again finds nothing and changes nothing.

    `actor` (the command line when None) must be allowed to delete batches (admins)."""
    from db.batches import delete_batch

    actor = acting(actor, Permission.DELETE_BATCH)
    removed = places_removed = kept = 0
    found = live_demo_batches(engine)
    for batch_id in found:
        done = delete_batch(engine, batch_id, actor=actor)
        removed += done.removed
        places_removed += done.places_removed
        kept += done.handed_over
    return RemovedDemo(len(found), removed, places_removed, kept)
