"""Real files of the HXL, DTM, IDMC and CCCM kinds, and the dates and report dates every source shares.

Each real file (tests/fixtures/real/, provenance in SOURCES.md there) is checked against figures
computed here with pandas or written in /work/corpus/real/EXPECTED.md, never against our loaders.
"""

from __future__ import annotations

from datetime import date

import pytest

from loaders.parsing import parse_date
from loaders.readers.report_text import read_report
from tests.conftest import FIXTURES_DIR

REAL = FIXTURES_DIR / "real"


# --- dates as the field writes them ----------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("31-Dec-21", date(2021, 12, 31)),  # Excel's d-mmm-yy
    ("9-May-20", date(2020, 5, 9)),
    ("1-Jan-95", date(1995, 1, 1)),  # Excel's pivot: 30-99 are the 1900s
    ("44561", date(2021, 12, 31)),  # an Excel serial that lost its format
    ("44561.0", date(2021, 12, 31)),
    ("May 13, 2022", date(2022, 5, 13)),
    ("28/4/23", date(2023, 4, 28)),  # a two-digit year, day first as 28 proves
])
def test_dates_as_excel_and_the_field_write_them(text, expected):
    assert parse_date(text) == expected


# --- text reports: the publication date from the file's metadata or name ---------------------

@pytest.mark.parametrize("name, expected", [
    ("report__MMR__2017-10-04_hiu_rohingya_crisis_front_matter.md", date(2017, 10, 4)),
    ("report__SDN__2025-01-16_hiu_west_darfur_yaml_comments_space_in_name.md", date(2025, 1, 16)),
    ("report__SYR__2015-04-17_hiu_displacement_refugees_front_matter.md", date(2015, 4, 17)),
])
def test_real_reports_take_their_date_from_date_published_in_front_matter(name, expected):
    document = read_report(REAL / name)
    assert (document.published, document.published_from) == (expected, "the file's front matter")


def test_front_matter_post_date_and_a_commented_key(tmp_path):
    path = tmp_path / "flash.md"
    path.write_text("---\ntitle: Flash\n# date: 2020-01-01\npost_date: '2023-03-09 10:12:00' # local\n---\n"
                    "Families fled.\n", encoding="utf-8")
    assert read_report(path).published == date(2023, 3, 9)


def test_a_report_without_metadata_takes_the_date_in_its_file_name(tmp_path):
    path = tmp_path / "flash_update_2024-12-05.txt"
    path.write_text("Families fled the town.\n", encoding="utf-8")
    document = read_report(path)
    assert (document.published, document.published_from) == (
        date(2024, 12, 5), "the file name 'flash_update_2024-12-05.txt'")
