"""Text extraction: the seed report's gold facts, quantities and dates as reports write them, the scorer."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from loaders.evaluate import match_displacement, report, score
from tests.conftest import REPO_ROOT, shared_path
from textfacts import extract_facts
from textfacts.dates import find_dates
from textfacts.quantities import find_quantities, words_to_number


def _seed():
    return shared_path("fixtures", "reports", "northpress_hama_withdrawal.txt")


def _gold():
    return json.loads(shared_path("fixtures", "reports", "northpress_hama_withdrawal.gold.json").read_text())


def test_the_seed_report_yields_exactly_its_gold_facts():
    text = _seed().read_text(encoding="utf-8")
    found = extract_facts(text, date(2024, 12, 5))
    gold = _gold()
    keys = ("figure", "unit", "qualifier", "term", "origin", "destination", "date_start", "date_end", "quote")
    assert [{k: d[k] for k in keys} for d in found["displacements"]] == \
        [{k: d[k] for k in keys} for d in gold["displacements"]]
    event_keys = ("event_type", "sub_event_type", "place", "date", "quote")
    assert [{k: e[k] for k in event_keys} for e in found["events"]] == \
        [{k: e[k] for k in event_keys} for e in gold["events"]]
    # No invented number, and every quote is the text at its offsets.
    assert all(d["figure"] is None for d in found["displacements"])
    for fact in found["displacements"] + found["events"]:
        assert text[fact["quote_start"]:fact["quote_end"]] == fact["quote"]


def test_without_a_publication_date_relative_dates_stay_unresolved():
    found = extract_facts(_seed().read_text(encoding="utf-8"))
    assert [e["date"] for e in found["events"]] == [None, None, None]
    assert {d["date_start"] for d in found["displacements"]} == {None}


@pytest.mark.parametrize(("phrase", "value", "qualifier", "maximum"), [
    ("forty-nine thousand people", 49_000, "exact", None),
    ("some 1.1 million people", 1_100_000, "approx", None),
    ("over five thousand IDPs", 5_000, "at_least", None),
    ("between 60,000 and 80,000 people", 60_000, "range", 80_000),
    ("just under 10,000 Syrians", 10_000, "approx", None),
    ("500 or more families", 500, "at_least", None),
    ("up to 300 households", 300, "at_most", None),
    ("hundreds of families", None, "vague", None),
    ("increasing numbers of families", None, "vague", None),
])
def test_quantities_as_reports_write_them(phrase, value, qualifier, maximum):
    (quantity,) = find_quantities(phrase)[:1]
    assert (quantity.value, quantity.qualifier, quantity.maximum) == (value, qualifier, maximum)


def test_number_words():
    assert words_to_number("one million") == 1_000_000
    assert words_to_number("two hundred and fifty") == 250
    assert words_to_number("a thousand") == 1_000
    assert words_to_number("several") is None


@pytest.mark.parametrize(("sentence", "start", "end"), [
    ("Fighting began last Saturday.", "2024-11-30", "2024-11-30"),
    ("The army withdrew on Thursday.", "2024-12-05", "2024-12-05"),
    ("Shelling hit the town yesterday.", "2024-12-04", "2024-12-04"),
    ("From 26 to 28 November, 14,000 people fled.", "2024-11-26", "2024-11-28"),
    ("They have returned since 1 December.", "2024-12-01", None),
    ("A day after 8 December of last year.", "2023-12-08", "2023-12-08"),  # after publication: the year before
    ("As of 5 December, 178,000 were displaced.", None, "2024-12-05"),
    ("Clashes erupted late last month.", "2024-11", "2024-11"),
    ("Afrin was taken in 2018.", "2018", "2018"),
])
def test_dates_resolve_against_the_publication_date(sentence, start, end):
    (mention,) = find_dates(sentence, date(2024, 12, 5))
    assert (mention.date_start, mention.date_end) == (start, end)


def test_trap_numbers_are_not_displacement_figures():
    text = ("Some 300 patients were evacuated from the hospital's wards while 45 people were killed. "
            "About 20% of residents fled. Around 2,000 people fled the town of Sarmin on Monday.")
    figures = [(d["figure"], d["origin"]) for d in extract_facts(text, date(2024, 12, 5))["displacements"]]
    assert figures == [(2000, "Sarmin")]


def test_individuals_and_households_stay_one_fact():
    text = "Clashes displaced around 3,815 individuals (763 households) from Korma village."
    (fact,) = extract_facts(text, date(2024, 4, 24))["displacements"]
    assert (fact["figure"], fact["unit"], fact["alt_figure"], fact["alt_unit"]) == (3815, "people", 763, "households")


def test_the_scorer_counts_matches_misses_and_extras():
    passage = {"id": "t-1", "published": "2024-12-05",
               "text": "Around 2,000 people fled Sarmin on Monday. Over 500 families arrived in Idleb.",
               "displacements": [
                   {"figure": 2000, "unit": "people", "origin": "Sarmin", "destination": None, "location": None,
                    "date_start": "2024-12-02", "date_end": "2024-12-02", "qualifier": "approx", "term": "fled"},
                   {"figure": 900, "unit": "people", "origin": "Homs", "destination": None, "location": None,
                    "date_start": None, "date_end": None, "qualifier": "exact", "term": "fled"}],
               "events": []}
    totals = score([passage])["displacements"]
    assert (totals["gold"], totals["predicted"], totals["matched"]) == (2, 2, 1)
    assert [g["figure"] for _, g in totals["misses"]] == [900]
    assert [p["figure"] for _, p in totals["extra"]] == [500]
    assert "| displacements | 2 | 2 | 1 | 0.50 | 0.50 |" in report(score([passage]))
    # A month in the gold contains a day in the prediction; a different figure never matches.
    gold = {"figure": None, "unit": "people", "origin": "Goma", "date_start": "2025-01", "date_end": "2025-01"}
    assert match_displacement({"figure": None, "unit": "people", "origin": "Goma", "date_start": "2025-01-20"}, gold)
    assert not match_displacement({"figure": 10, "unit": "people", "origin": "Goma"}, gold)


def test_cli_extract_prints_the_facts_and_writes_nothing(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'never.sqlite'}", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "loaders", "extract", str(_seed()), "--published", "2024-12-05",
                          "--json"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    facts = json.loads(run.stdout)
    assert (len(facts["displacements"]), len(facts["events"])) == (2, 3)
    assert not (tmp_path / "never.sqlite").exists()
    bad = subprocess.run([sys.executable, "-m", "loaders", "extract", str(_seed()), "--published", "5/12/2024"],
                         cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "write it as YYYY-MM-DD" in bad.stderr


# --- general rules (each sentence written for these tests) -------------------------------------

PUB = date(2025, 3, 14)  # a Friday


def _one(text, kind="displacements", published=PUB):
    facts = extract_facts(text, published)[kind]
    assert len(facts) == 1, facts
    return facts[0]


def test_among_those_displaced_from_x_gives_a_second_origin():
    text = ("Among those displaced from Lowa village, some 700 people (140 households) had already fled once before, "
            "from Kamanyola in March 2023.")
    facts = extract_facts(text, PUB)["displacements"]
    assert [(f["figure"], f["origin"], f["date_start"]) for f in facts] == [
        (700, "Lowa village", None), (700, "Kamanyola", "2023-03")]
    assert facts[0]["alt_figure"] == 140


def test_a_list_of_places_after_from_is_joined():
    fact = _one("About 2,400 people fled the villages of Tanga, Buma and Kiri on Tuesday.")
    assert (fact["figure"], fact["qualifier"], fact["origin"], fact["date_start"]) == \
        (2400, "approx", "Tanga; Buma; Kiri", "2025-03-11")


def test_organisations_are_never_places():
    fact = _one("More than 9,000 people have been displaced, according to the IDP Task Force and UNHCR.")
    assert (fact["figure"], fact["qualifier"], fact["origin"], fact["destination"], fact["location"]) == \
        (9000, "at_least", None, None, None)


def test_people_in_x_is_where_the_group_is():
    fact = _one("Roughly 52,000 internally displaced people inside Chad are waiting for aid.")
    assert (fact["figure"], fact["location"], fact["origin"], fact["destination"]) == (52000, "Chad", None, None)
    fact = _one("Across Darfur, over 80,000 people have been displaced since 2 March.")
    assert (fact["figure"], fact["location"], fact["date_start"]) == (80000, "Darfur", "2025-03-02")


def test_an_evacuation_order_by_a_party_is_a_strategic_development():
    event = _one("On Wednesday the army issued evacuation orders for the Kasba neighbourhood.", "events")
    assert (event["event_type"], event["sub_event_type"], event["place"], event["date"]) == \
        ("Strategic developments", "Other", "Kasba neighbourhood", "2025-03-12")


def test_a_takeover_after_the_other_side_withdrew_is_non_violent():
    event = _one("Rebels took control of Maro on Monday after government troops pulled out.", "events")
    assert (event["event_type"], event["sub_event_type"], event["place"], event["date"]) == \
        ("Strategic developments", "Non-violent transfer of territory", "Maro", "2025-03-10")
    event = _one("Rebels seized the towns of Lira, Okot and Pader on 2 March.", "events")
    assert (event["sub_event_type"], event["place"], event["date"]) == \
        ("Non-state actor overtakes territory", "Lira; Okot; Pader", "2025-03-02")


def test_the_city_and_this_fighting_refer_back():
    text = ("Clashes broke out in Sabha on 3 March. Militias captured the city two days later. "
            "Around 4,100 people were displaced by this fighting.")
    found = extract_facts(text, PUB)
    assert [(e["sub_event_type"], e["place"]) for e in found["events"]] == [
        ("Armed clash", "Sabha"), ("Non-state actor overtakes territory", "Sabha")]
    assert found["events"][1]["date"] is None  # "two days later" is not 3 March
    assert [(d["figure"], d["origin"]) for d in found["displacements"]] == [(4100, "Sabha")]


def test_the_number_of_people_evacuated_stood_at_n():
    fact = _one("By noon the number of people evacuated from frontline villages stood at over 1,300.")
    assert (fact["figure"], fact["unit"], fact["qualifier"], fact["term"], fact["origin"]) == \
        (1300, "people", "at_least", "evacuated", "frontline villages")


def test_the_dead_and_place_names_with_numbers_are_not_figures():
    text = ("More than 60 civilians, among them several children, were killed in Sector 9 as about 3,000 residents "
            "fled to Kibati.")
    fact = _one(text)
    assert (fact["figure"], fact["destination"]) == (3000, "Kibati")


def test_a_group_with_no_number_that_moves_is_a_vague_fact():
    fact = _one("Displaced families are arriving in Bunia and Djugu.")
    assert (fact["figure"], fact["unit"], fact["qualifier"], fact["term"], fact["destination"]) == \
        (None, "households", "vague", "arrived", "Bunia; Djugu")
    assert extract_facts("Refugees in Uganda remain unsure whether to return.", PUB)["displacements"] == []


def test_a_share_of_a_population_is_vague_and_never_a_number():
    fact = _one("Nearly a third of Tawergha's population has been displaced since the raid.")
    assert (fact["figure"], fact["qualifier"], fact["location"]) == (None, "vague", "Tawergha")


def test_an_advance_without_fighting_and_hypothetical_fighting():
    event = _one("Government troops are advancing towards the outskirts of Kidal.", "events")
    assert (event["event_type"], event["sub_event_type"], event["place"]) == \
        ("Strategic developments", "Other", "outskirts of Kidal")
    assert extract_facts("Aid groups warn of mass flight if fighting breaks out in Gao.", PUB)["events"] == []


def test_facts_never_take_a_persons_name_as_a_place():
    text = ("The order was read on local radio by Omar Saleh, who heads the district council. "
            "Rebels entered the town on Thursday.")
    (event,) = extract_facts(text, PUB)["events"]
    assert event["place"] is None or "Saleh" not in event["place"]


@pytest.mark.parametrize(("sentence", "start", "end"), [
    ("Fighting displaced 9,000 people from November 26-30.", "2024-11-26", "2024-11-30"),
    ("Over the weekend, the militia pressed on.", "2024-11-30", "2024-12-01"),
])
def test_date_spans_and_weekends(sentence, start, end):
    (mention,) = find_dates(sentence, date(2024, 12, 4))
    assert (mention.date_start, mention.date_end) == (start, end)


def test_the_heldout_passages_score_above_their_floor():
    path = REPO_ROOT / "tests" / "fixtures" / "texts" / "heldout.jsonl"
    passages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals = score(passages)
    for kind, (precision_floor, recall_floor) in {"displacements": (0.85, 0.85), "events": (0.9, 0.9)}.items():
        t = totals[kind]
        assert t["matched"] / t["predicted"] >= precision_floor, kind
        assert t["matched"] / t["gold"] >= recall_floor, kind


def test_pulling_back_is_a_withdrawal_and_a_compass_phrase_stays_with_its_place():
    found = extract_facts("Rebels took control of Kiwanja on 3 March after the army pulled back without a fight. "
                          "At least 600 households left Kiwanja for camps north of Goma.", date(2025, 3, 7))
    assert [(e["sub_event_type"], e["place"], e["date"]) for e in found["events"]] == \
        [("Non-violent transfer of territory", "Kiwanja", "2025-03-03")]
    assert [(d["figure"], d["origin"], d["destination"]) for d in found["displacements"]] == \
        [(600, "Kiwanja", "camps north of Goma")]


def test_dev_passages_meet_the_targets():
    """The issue's targets on ../shared/texts/dev.jsonl: displacements P >= 0.90, R >= 0.80; events R >= 0.80."""
    path = shared_path("texts", "dev.jsonl")
    passages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    totals = score(passages)
    displacements, events = totals["displacements"], totals["events"]
    assert displacements["matched"] / displacements["predicted"] >= 0.90
    assert displacements["matched"] / displacements["gold"] >= 0.80
    assert events["matched"] / events["gold"] >= 0.80


@pytest.mark.parametrize("place", ["Deir ez-Zor", "Ras al-Ain", "Tell as-Sultan", "Jisr ash-Shughur", "an-Nabk"])
def test_arabic_articles_in_all_their_assimilations_stay_in_the_name(place):
    (fact,) = extract_facts(f"About 400 families fled to {place} on Monday.", date(2024, 12, 4))["displacements"]
    assert fact["destination"] == place


@pytest.mark.parametrize(("sentence", "scope"), [
    ("Over 1,000 IDPs are still staying in collective centres in Aleppo.", "stock"),
    ("The number of displaced people has climbed to 120,000 since 27 November.", "cumulative"),
    ("About 300 households fled from Saraqab to Idleb yesterday.", "period"),
])
def test_cumulative_new_and_current_figures_are_told_apart(sentence, scope):
    (fact,) = extract_facts(sentence, date(2024, 12, 9))["displacements"]
    assert fact["figure_scope"] == scope
