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
