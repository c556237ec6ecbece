"""A load in which every row was rejected exits 1 and leaves nothing behind (issue 16).

The whole load rolls back, as a --strict rejection does: no source, no batch, no issues, no
audit entry. The rows' problems reach the user on the command line instead, and the same file
is refused again the next time (never "already loaded").
"""

from __future__ import annotations

from sqlalchemy import func, select

from db.schema import audit_event, load_batch, load_issue, source
from loaders.__main__ import main
from tests.conftest import FIXTURES_DIR

NEGATIVE = FIXTURES_DIR / "acled" / "acled_negative_fatalities.csv"


def _every_row_negative(tmp_path):
    """The fixture with its one good row's fatalities made negative too: rows 2 and 3 both break."""
    text = NEGATIVE.read_text(encoding="utf-8")
    good = next(line for line in text.splitlines() if line.startswith("SYR900101,"))
    assert good.count(",7,,") == 1
    path = tmp_path / "acled_every_row_negative.csv"
    path.write_text(text.replace(good, good.replace(",7,,", ",-7,,")), encoding="utf-8")
    return path


def _counts(engine) -> list[int]:
    with engine.connect() as conn:
        return [conn.execute(select(func.count()).select_from(t)).scalar()
                for t in (source, load_batch, load_issue, audit_event)]


def test_a_file_of_rejected_rows_exits_1_records_nothing_and_shows_the_problems(prepared_engine, tmp_path,
                                                                                 monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", prepared_engine.url.render_as_string(hide_password=False))
    path = _every_row_negative(tmp_path)
    before = _counts(prepared_engine)
    for _ in range(2):  # the second time too: nothing recorded, so never "already loaded"
        assert main(["ingest", str(path)]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert err.splitlines() == [
            f"{path}: rejected: acled_every_row_negative.csv: every row (2) has problems; nothing was loaded and "
            "no batch was recorded. Fix the rows listed and load the file again.",
            "  2 row(s) [out-of-range] in column 'fatalities': '-7' is negative; a count cannot be below "
            "zero. First 2 values: '-7', '-3'",
        ]
        assert _counts(prepared_engine) == before

    # a file with one good row of the two loads it, as before, and exits 0
    assert main(["ingest", str(NEGATIVE)]) == 0
    assert "1 inserted" in capsys.readouterr().out
