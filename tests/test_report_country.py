"""A text report is read in the country it is about (issue 17): never in the kind's default one.

The extractor's lexicon is Syria's, so a report that names no country is read as Syrian. A report
that names another country most is read there; one that names several alike (none of them the
default) has no country, and its places wait on the queue. The passages are written for this test.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from db.schema import displacement_figure
from gazetteer import load_gazetteer
from loaders.ingest import ingest_file

PUBLISHED = date(2025, 1, 6)

ABOUT_SUDAN = b"""Sudan: flash update on Darfur

Renewed shelling in North Darfur, Sudan, on 3 January 2025 forced about 4,000 people to flee from Kutum to Kabkabiya.
Humanitarian partners in Sudan report that 250 families arrived in Tawila on 4 January 2025.
"""

TWO_COUNTRIES = b"""Regional update: Sudan and Chad

About 3,000 people fled from Kutum to Adre on 5 January 2025, crossing from Sudan into Chad.
"""


def _countries_of_places(engine) -> list[tuple]:
    """Each figure's (origin country, destination country) by its places, None where unplaced."""
    gazetteer = load_gazetteer(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(displacement_figure.c.origin_place_id, displacement_figure.c.destination_place_id)
                            .order_by(displacement_figure.c.figure)).all()
    return [tuple(gazetteer.country_of(p).country_iso3 if p else None for p in row) for row in rows]


def test_a_report_about_sudan_is_placed_in_sudan(prepared_engine):
    result = ingest_file(prepared_engine, "darfur_update.txt", data=ABOUT_SUDAN, published=PUBLISHED)
    assert result.batch.status == "loaded"
    assert result.report.counts()["country-from-file"] == 1
    # 250 families to Tawila; 4,000 people from Kutum to Kabkabiya: every place found is Sudanese
    assert _countries_of_places(prepared_engine) == [(None, "SDN"), ("SDN", "SDN")]


def test_a_report_naming_two_countries_alike_places_nothing(prepared_engine):
    result = ingest_file(prepared_engine, "regional_update.txt", data=TWO_COUNTRIES, published=PUBLISHED)
    assert result.batch.status == "loaded"
    assert "unknown-country" in result.report.counts()
    assert _countries_of_places(prepared_engine) == [(None, None)]


def test_the_country_given_wins_over_the_text(prepared_engine):
    result = ingest_file(prepared_engine, "regional_update.txt", data=TWO_COUNTRIES, published=PUBLISHED,
                         country="TCD")
    assert "country-from-file" not in result.report.counts() and "unknown-country" not in result.report.counts()
    origin, destination = _countries_of_places(prepared_engine)[0]
    assert origin != "SDN" and destination in (None, "TCD")  # Kutum is Sudanese: never looked for in Chad's places
