"""Personal data never reaches a stored quote (textfacts.scrub.scrub_quote); the facts' figures, dates and places do.

tests/fixtures/reports/personal_data_in_quotes.txt is an invented report (every name, number and
address made up) holding each kind: private persons' names, ages, street addresses, telephone
numbers and e-mail addresses in several spellings.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from db.schema import displacement_figure
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR
from textfacts.scrub import scrub_quote

REPORT = FIXTURES_DIR / "reports" / "personal_data_in_quotes.txt"

PERSONAL = ("Ahmad", "Khalil", "Huda", "Saleh", "Omar", "Karim", "Nasser", "Yusuf", "Hamdan", "Sami", "Darwish",
            "34", "45", "52", "7-year", "aged 7", "Baghdad Street", "Street 5", "building 3", "0933", "222",
            "0944", "+963", "00963", "(011)", "hani", "relief")


def test_a_report_full_of_personal_data_is_stored_with_placeholders_and_its_facts_intact(prepared_engine):
    result = ingest_file(prepared_engine, REPORT)
    assert result.batch.rows_rejected == 0
    with prepared_engine.connect() as conn:
        rows = conn.execute(select(displacement_figure.c.figure, displacement_figure.c.unit,
                                   displacement_figure.c.origin_name_raw, displacement_figure.c.destination_name_raw,
                                   displacement_figure.c.period_start, displacement_figure.c.quote)
                            .order_by(displacement_figure.c.quote_start)).all()
    quotes = [row.quote for row in rows]
    for quote in quotes:
        for text in PERSONAL:
            assert text not in quote, f"{text!r} was stored in {quote!r}"
    assert quotes == [
        "[name], a [age]-year-old resident of Hama, said 300 families fled from Hama to Salamiyah on 3 December.",
        "Mrs [name] ([age]) and her son [name] were among 120 people who arrived in Azaz from [address] in Aleppo "
        "on 4 December.",
        "[name], [age], said farmer [name] and a [age]-year-old girl, aged [age], were among 80 families sheltering "
        "in Idlib, at [address], on 4 December.",
        "Some 200 families returned to Khan Shaykhun on 4 December; relatives can call [phone], [phone], [phone], "
        "[phone] or [phone].",
        "About 500 people fled Saraqib on 2 December, a man named [name] said; write to [email], [email] or "
        "[email].",
        # a public official keeps his name
        "Governor Ali Mahmoud said 1,200 people fled Maarat al-Numan on 1 December, according to the UN.",
    ]
    # the facts read from those sentences are whole: figures, units, places and days
    assert [(r.figure, r.unit, r.origin_name_raw, r.destination_name_raw, r.period_start) for r in rows] == [
        (300, "households", "Hama", "Salamiyah", date(2024, 12, 3)),
        (120, "persons", None, "Azaz", date(2024, 12, 4)),
        (80, "households", None, "Idlib", date(2024, 12, 4)),
        (200, "households", None, "Khan Shaykhun", date(2024, 12, 4)),
        (500, "persons", "Saraqib", None, date(2024, 12, 2)),
        (1200, "persons", "Maarat al-Numan", None, date(2024, 12, 1)),
    ]


@pytest.mark.parametrize(("written", "stored"), [
    # e-mail addresses, however written
    ("Mail aid.desk@example.org today.", "Mail [email] today."),
    ("Mail hani.k [at] relief.org today.", "Mail [email] today."),
    ("Mail hani(at)relief dot org today.", "Mail [email] today."),
    ("Mail hani @ relief.org.", "Mail [email]."),
    ("Mail hani at relief dot org now.", "Mail [email] now."),
    # telephone numbers in any usual form
    ("Call 0933.222.111 now.", "Call [phone] now."),
    ("Call 0933 222 111 now.", "Call [phone] now."),
    ("Call +963 944 123 456 now.", "Call [phone] now."),
    ("Call 00963944123456 now.", "Call [phone] now."),
    ("Call (011) 222-3333 now.", "Call [phone] now."),
    ("Call +963-11-2223333 now.", "Call [phone] now."),
    # street addresses
    ("They lived at 12 Baghdad Street in Aleppo.", "They lived at [address] in Aleppo."),
    ("They lived in Street 5, building 3, apartment 4 in Homs.", "They lived in [address] in Homs."),
    # ages
    ("A 7-year-old boy and a woman aged 70 were hurt.", "A [age]-year-old boy and a woman aged [age] were hurt."),
    ("She is 34 years old.", "She is [age] years old."),
    # names of private persons, from what the sentence says about them
    ("Farmer Yusuf Hamdan left.", "Farmer [name] left."),
    ("Her daughter Lina al-Hamwi stayed.", "Her daughter [name] stayed."),
    ("A woman named Rana Aziz said so.", "A woman named [name] said so."),
    ("Umm Khaled and Dr Rami Haddad left.", "[name] and Dr [name] left."),
    ("Samir Odeh, a 41-year-old teacher, fled.", "[name], a [age]-year-old teacher, fled."),
    ("Samir Odeh, 41, fled.", "[name], [age], fled."),
    ("Samir Odeh (41) fled.", "[name] ([age]) fled."),
    ("Samir Odeh, a displaced father of four, fled.", "[name], a displaced father of four, fled."),
])
def test_each_kind_of_personal_data_becomes_its_placeholder(written, stored):
    assert scrub_quote(written) == stored


@pytest.mark.parametrize("kept", [
    "Some 120 000 000 people and 1,200,000 others.",  # figures with thousands separators are not phones
    "1,200 people arrived on 2024-12-03 and 03.12.2024.",  # dates are not phones
    "Displacement between 2023-2024 and in 2024 3000 families.",
    "Governor Ali Mahmoud and Minister Sami Haddad said 300 families fled.",  # public officials stay
    "UNHCR and the Syrian Arab Red Crescent said so.",  # organisations stay
    "300 families fled Sheikh Maqsoud for Tal Abyad.",  # places (the gazetteer's) are not persons
    "Yesterday, a resident said the house 3 families shared was hit.",  # "house 3 families" is a figure
    "Hay’at Tahrir al-Sham (HTS), formerly known as Jabhat al-Nusra, took Hama.",
])
def test_figures_dates_places_officials_and_organisations_stay(kept):
    assert scrub_quote(kept) == kept


def test_the_facts_own_places_are_kept_even_when_the_gazetteer_does_not_know_them():
    sentence = "Tell Warda, a resident said, lost 40 families."
    assert scrub_quote(sentence) == "[name], a resident said, lost 40 families."  # a rule's guess: a person
    assert scrub_quote(sentence, keep=["Tell Warda"]) == sentence
    assert scrub_quote(sentence, keep=["Hama; Tell Warda"]) == sentence  # a fact's list of places


def test_an_idu_source_sentence_is_scrubbed_like_every_quote(prepared_engine, tmp_path):
    """IDMC's sentence is stored as a quote too: the same function scrubs it."""
    records = json.loads((FIXTURES_DIR / "json" / "idu_qualifier_unknown.json").read_text(encoding="utf-8"))[:1]
    records[0]["standard_popup_text"] = records[0]["standard_popup_text"].replace(
        "according to", "said Rekha Nair, a 40-year-old resident (call +91 98470 12345), according to")
    path = tmp_path / "idu.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    ingest_file(prepared_engine, path)
    with prepared_engine.connect() as conn:
        (quote,) = conn.execute(select(displacement_figure.c.quote)).scalars().all()
    assert quote == ("A total of 2 people were in relief camp due to flood on 7 November in Kerala, said [name], a "
                     "[age]-year-old resident (call [phone]), according to national/regional disaster authorities.")
