"""The Data quality page: loads and their issues, linking or dismissing place names from any source,
and possible duplicates across sources decided by a person (db.quality)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from db import quality, queries, review, summary
from db.filters import Filters
from db.quality_queries import query_issue_counts, query_possible_duplicates
from db.schema import (conflict_event, displacement_figure, duplicate_decision, event_count, load_batch, load_issue,
                       place, place_alias, unresolved_place_name)
from loaders.ingest import ingest_file
from tests.conftest import FIXTURES_DIR
from tests.test_app import _trace_values

PAGE = "../pages/6_Data_quality.py"
WINDOW = {"start": "2024-12-01", "end": "2024-12-10"}
IDU_BAD = FIXTURES_DIR / "json" / "idu_missing_start_end_before_start_and_no_figure.json"
TEMPLATE_HEADER = "record,date,origin,destination,individuals,households,figure_kind,qualifier,source,notes\n"


def _template(engine, name: str, *rows: str):
    """Load a field-template file written here: one source per file, the provider its `source` column."""
    return ingest_file(engine, name, data=(TEMPLATE_HEADER + "".join(r + "\n" for r in rows)).encode())


def _params(at) -> dict:
    return {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _place_id(engine, key: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(place.c.place_id).where(place.c.place_key == key)).scalar_one()


def _figures(engine) -> dict[tuple, dict]:
    """(provider, origin as written, destination as written) → the figure row."""
    with engine.connect() as conn:
        rows = conn.execute(select(displacement_figure)).mappings().all()
    return {(r["provider"], r["origin_name_raw"], r["destination_name_raw"]): dict(r) for r in rows}


def _queue_statuses(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(unresolved_place_name.c.raw_name, unresolved_place_name.c.status)).all())


# --- the page as a whole -------------------------------------------------------------------------

def test_the_page_runs_on_the_demo_data_and_lists_every_load(app_on, demo_engine):
    at = app_on(demo_engine, PAGE, start="2024-11-25", end="2024-12-15")
    assert not at.exception
    with demo_engine.connect() as conn:
        loads = conn.execute(select(func.count()).select_from(load_batch)).scalar_one()
    assert len(at.dataframe[0].value) == loads > 0
    assert at.subheader[0].value == "Loads"


def test_a_bad_batch_in_the_url_is_ignored(app_on, prepared_engine):
    ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_negative_fatalities.csv")
    for bad in ("'; DROP TABLE load_batch; --", "99999", "-1", "１"):
        at = app_on(prepared_engine, PAGE, batch=bad, **WINDOW)
        assert not at.exception
        assert "batch" not in _params(at)
        assert at.selectbox(key="param-batch").value is None
    with prepared_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(load_batch)).scalar_one() >= 2  # gazetteer + file


def test_an_empty_queue_and_no_duplicates_say_so(app_on, prepared_engine):
    at = app_on(prepared_engine, PAGE, **WINDOW)
    assert not at.exception
    infos = [i.value for i in at.info]
    assert any(text.startswith("No open place names — every name resolved") for text in infos)
    assert any(text.startswith("No possible duplicates") for text in infos)


# --- issues --------------------------------------------------------------------------------------

def _chart_counts(at) -> Counter:
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    counts = Counter()
    for trace in traces:
        severity = trace["name"].split()[0].rstrip("s")  # "errors (row not loaded)" → error
        # The axis is in words ("missing cell"); the code is kept in each bar's hover data.
        for (code, _meaning), n in zip(trace["customdata"], _trace_values(trace, "y")):
            counts[(code, severity)] += n
    return counts


def _stored_issue_counts(engine, batch_id=None) -> Counter:
    query = select(load_issue.c.code, load_issue.c.severity, func.count()).group_by(load_issue.c.code,
                                                                                    load_issue.c.severity)
    if batch_id is not None:
        query = query.where(load_issue.c.batch_id == batch_id)
    with engine.connect() as conn:
        return Counter({(code, severity): n for code, severity, n in conn.execute(query)})


def test_the_issue_chart_counts_the_stored_issues_of_the_chosen_batch(app_on, prepared_engine):
    # the bad records and one good one: a file of which every record is rejected records nothing
    good = json.loads((FIXTURES_DIR / "json" / "idu_three_records.json").read_text(encoding="utf-8"))[0]
    bad = json.loads(IDU_BAD.read_text(encoding="utf-8"))
    idu = ingest_file(prepared_engine, IDU_BAD.name, data=json.dumps(bad + [good]).encode()).batch
    acled = ingest_file(prepared_engine, FIXTURES_DIR / "acled" / "acled_negative_fatalities.csv").batch
    # tests/test_json_loaders.py reads the bad records; every record is in India, which the world gazetteer holds
    expected = Counter({("missing-cell", "error"): 2, ("out-of-range", "error"): 1})
    assert _stored_issue_counts(prepared_engine, idu.batch_id) == expected

    at = app_on(prepared_engine, PAGE, batch=str(idu.batch_id), **WINDOW)
    assert not at.exception
    assert _params(at)["batch"] == str(idu.batch_id)
    assert _chart_counts(at) == expected
    # The axis reads words, not the codes ("missing-cell" was on it; seen on the screenshot).
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert {x for t in traces for x in _trace_values(t, "x")} == {"missing cell", "out of range"}
    issues = at.dataframe[1].value
    assert sorted(zip(issues["Row"], issues["Column / field"], issues["Code"])) == [
        (1, "displacement_start_date", "missing-cell"), (2, "period_end", "out-of-range"),
        (3, "figure", "missing-cell")]

    # no batch chosen: the chart counts every load, ACLED's negative fatalities too
    at = app_on(prepared_engine, PAGE, **WINDOW)
    assert not at.exception and "batch" not in _params(at)
    assert any(i.value.startswith("Choose a batch above") for i in at.info)
    assert _chart_counts(at) == expected + Counter({("out-of-range", "error"): 1}) == _stored_issue_counts(
        prepared_engine)
    assert query_issue_counts(prepared_engine, (acled.batch_id,))["issues"].tolist() == [1]


# --- place names ---------------------------------------------------------------------------------

def _without_coordinates(path) -> bytes:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    lat, lon = rows[0].index("latitude"), rows[0].index("longitude")
    for row in rows[1:]:
        row[lat] = row[lon] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def test_linking_a_name_on_the_page_resolves_rows_of_every_source(app_on, prepared_engine):
    # SYR900004 in Kafr Takharim, a town the gazetteer lacks; without coordinates it cannot become a place of
    # its own there, so it waits on the queue, counted in its district
    ingest_file(prepared_engine, "acled.csv", data=_without_coordinates(FIXTURES_DIR / "acled" /
                                                                         "acled_2023_format_syria.csv"))
    _template(prepared_engine, "field.csv", "flow,2024-12-07,Kafr Takharim,Idleb,400,,,,SARC Idleb,")
    district, target = _place_id(prepared_engine, "SY0700"), _place_id(prepared_engine, "SY0700:saraqab")
    with prepared_engine.connect() as conn:
        before = conn.execute(select(conflict_event.c.record_key, conflict_event.c.place_id)
                              .order_by(conflict_event.c.record_key)).all()
    assert dict(before)["SYR900004"] == district  # counted in its district while the name waits
    assert {status for _, status in _queue_statuses(prepared_engine)} == {"open"}

    at = app_on(prepared_engine, PAGE, **WINDOW)
    assert at.selectbox(key="dq-link-name").value == "Kafr Takharim"
    box = next(s for s in at.selectbox if s.key.startswith("dq-link-target-"))
    assert any(option.startswith("Saraqab") for option in box.options)  # places are offered by name
    box.set_value("SY0700:saraqab").run()
    at.button(key="dq-link").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Linked: 2 row(s)")

    figure = _figures(prepared_engine)[("SARC Idleb", "Kafr Takharim", "Idleb")]
    assert figure["origin_place_id"] == target
    with prepared_engine.connect() as conn:
        after = dict(conn.execute(select(conflict_event.c.record_key, conflict_event.c.place_id)).all())
        aliases = conn.execute(select(place_alias.c.alias, place_alias.c.language)
                               .where(place_alias.c.place_id == target)).all()
    assert after == {**dict(before), "SYR900004": target}  # the other events keep their places
    assert ("Kafr Takharim", "user") in aliases
    assert {status for _, status in _queue_statuses(prepared_engine)} == {"linked"}
    assert queries.query_unresolved_names(prepared_engine).empty
    assert not any(summary.check_summaries(prepared_engine).values())  # weekly sums per place moved too
    assert any(i.value.startswith("No open place names") for i in at.info)


def test_linking_without_a_place_picked_is_refused_and_changes_nothing(app_on, prepared_engine):
    _template(prepared_engine, "field.csv", "flow,2024-12-07,Kafr Takharim,Idleb,400,,,,SARC Idleb,")
    at = app_on(prepared_engine, PAGE, **WINDOW)
    next(s for s in at.selectbox if s.key.startswith("dq-link-target-")).set_value("").run()
    at.button(key="dq-link").click().run()
    assert not at.exception
    assert "Pick the place this name means first" in at.error[0].value
    assert {status for _, status in _queue_statuses(prepared_engine)} == {"open"}


def test_dismissing_a_name_closes_it_and_leaves_its_rows_as_written(app_on, prepared_engine):
    _template(prepared_engine, "field.csv", "flow,2024-12-07,Kafr Takharim,Idleb,400,,,,SARC Idleb,")
    at = app_on(prepared_engine, PAGE, **WINDOW)
    at.button(key="dq-dismiss").click().run()
    assert not at.exception
    assert _queue_statuses(prepared_engine) == [("Kafr Takharim", "dismissed")]
    assert _figures(prepared_engine)[("SARC Idleb", "Kafr Takharim", "Idleb")]["origin_place_id"] is None
    with pytest.raises(quality.QualityError, match="not open on the queue"):
        quality.dismiss_place_name(prepared_engine, "Kafr Takharim")


def test_linking_resolves_event_counts_and_spellings_with_the_same_name_key(prepared_engine):
    ingest_file(prepared_engine, FIXTURES_DIR / "hapi_conflict_event" / "conflict_event_pcodes_not_in_gazetteer.csv")
    _template(prepared_engine, "field.csv", "flow,2024-12-07,NOWHERE  valley,Idleb,400,,,,SARC Idleb,")
    target = _place_id(prepared_engine, "SY0202")
    assert review.link_place_name(prepared_engine, "Nowhere Valley", target) == 2
    with prepared_engine.connect() as conn:
        counts = dict(conn.execute(select(event_count.c.area_pcode, event_count.c.place_id)).all())
    # the Iraqi district's p-code is in the world gazetteer: it was placed there at load, and linking leaves it
    assert counts["SY0298"] == target and counts["IQG15Q02"] == _place_id(prepared_engine, "IQG15Q02")
    assert _figures(prepared_engine)[("SARC Idleb", "NOWHERE  valley", "Idleb")]["origin_place_id"] == target
    assert {status for _, status in _queue_statuses(prepared_engine)} == {"linked"}


# --- possible duplicates -------------------------------------------------------------------------

def _two_sources(engine) -> dict[tuple, dict]:
    """SARC and UNHCR report Hama → Homs within 5% (a possible duplicate); Homs → Tartous 15% apart
    (not one); UNHCR's Hama → Tartous shares an origin with SARC's Hama → Homs but not its
    destination (not one)."""
    _template(engine, "sarc.csv",
              "flow,2024-12-05,Hama,Homs,1000,,,,SARC,",
              "flow,2024-12-05,Homs,Tartous,1000,,,,SARC,")
    _template(engine, "unhcr.csv",
              "flow,2024-12-05,Hama,Homs,1050,,,,UNHCR,",
              "flow,2024-12-05,Homs,Tartous,1150,,,,UNHCR,",
              "flow,2024-12-05,Hama,Tartous,1000,,,,UNHCR,")
    figures = _figures(engine)
    assert all(f["origin_place_id"] and f["destination_place_id"] for f in figures.values())
    return figures


def _persons_on(engine, day: date) -> float:
    daily = queries.query_daily_totals(engine, day, day)
    return daily.loc[daily["unit"] == "persons", "value"].sum()


def test_figures_within_ten_percent_from_two_sources_are_a_pair_and_fifteen_percent_apart_are_not(
        app_on, prepared_engine):
    figures = _two_sources(prepared_engine)
    sarc, unhcr = figures[("SARC", "Hama", "Homs")], figures[("UNHCR", "Hama", "Homs")]
    pairs = query_possible_duplicates(prepared_engine, Filters(date(2024, 12, 1), date(2024, 12, 10)))
    assert list(zip(pairs["first_figure_id"], pairs["second_figure_id"])) == [(sarc["figure_id"], unhcr["figure_id"])]
    assert (pairs.loc[0, "first_provider"], pairs.loc[0, "second_figure"]) == ("SARC", 1050.0)
    # outside the window, or in another area, there is nothing to compare
    assert query_possible_duplicates(prepared_engine, Filters(date(2024, 12, 6), date(2024, 12, 10))).empty
    assert query_possible_duplicates(prepared_engine, Filters(date(2024, 12, 1), date(2024, 12, 10),
                                                              area="SY07")).empty

    at = app_on(prepared_engine, PAGE, **WINDOW)
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Field", "First", "Second"]
    shown = dict(zip(table["Field"], zip(table["First"], table["Second"])))
    assert shown["provider"] == ("SARC", "UNHCR") and shown["figure"] == ("1,000", "1,050")
    assert len([b for b in at.button if b.key.endswith("-distinct")]) == 1


def test_figure_kind_and_unit_filters_in_the_url_narrow_the_duplicates(app_on, prepared_engine):
    _two_sources(prepared_engine)  # persons, new displacement
    shown = app_on(prepared_engine, PAGE, **WINDOW, figure_kinds="new_displacement", units="persons")
    assert not shown.exception and len([b for b in shown.button if b.key.endswith("-distinct")]) == 1
    for other in ({"units": "households"}, {"figure_kinds": "return"}):
        at = app_on(prepared_engine, PAGE, **WINDOW, **other)
        assert not at.exception
        assert not [b for b in at.button if b.key.endswith("-distinct")], other
        assert any(i.value.startswith("No possible duplicates") for i in at.info)
        assert _params(at).items() >= other.items()  # kept in the URL


def test_deciding_duplicate_keep_first_rejects_the_other_everywhere(app_on, prepared_engine):
    figures = _two_sources(prepared_engine)
    first, second = figures[("SARC", "Hama", "Homs")]["figure_id"], figures[("UNHCR", "Hama", "Homs")]["figure_id"]
    day = date(2024, 12, 5)
    assert _persons_on(prepared_engine, day) == 1000 + 1000 + 1050 + 1150 + 1000

    at = app_on(prepared_engine, PAGE, **WINDOW)
    at.button(key=f"dq-pair-{first}-{second}-keep-first").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(f"Figures {first} and {second}: duplicate")
    statuses = {f["figure_id"]: f["review_status"] for f in _figures(prepared_engine).values()}
    assert (statuses[first], statuses[second]) == ("not_required", "rejected")
    assert _persons_on(prepared_engine, day) == 1000 + 1000 + 1150 + 1000
    assert not any(summary.check_summaries(prepared_engine).values())  # the weekly sums dropped it too
    with prepared_engine.connect() as conn:
        stored = conn.execute(select(duplicate_decision.c.first_id, duplicate_decision.c.second_id,
                                     duplicate_decision.c.decision, duplicate_decision.c.kept_id)).all()
    assert stored == [(first, second, "duplicate", first)]
    assert any(i.value.startswith("No possible duplicates") for i in at.info)


def test_a_revised_reload_of_a_figure_set_aside_as_a_duplicate_keeps_it_set_aside(prepared_engine):
    """UNHCR corrects its Hama → Homs figure after a person said it repeats SARC's: the correction
    is stored (with the previous values kept) but the figure still does not count."""
    figures = _two_sources(prepared_engine)
    kept, set_aside = figures[("SARC", "Hama", "Homs")]["figure_id"], figures[("UNHCR", "Hama", "Homs")]["figure_id"]
    quality.decide_duplicate(prepared_engine, kept, set_aside, "duplicate", kept_id=kept)
    day = date(2024, 12, 5)
    before = _persons_on(prepared_engine, day)
    result = _template(prepared_engine, "unhcr-corrected.csv",
                       "flow,2024-12-05,Hama,Homs,1080,,,,UNHCR,",
                       "flow,2024-12-05,Homs,Tartous,1200,,,,UNHCR,",
                       "flow,2024-12-05,Hama,Tartous,1000,,,,UNHCR,")
    assert result.batch.rows_updated == 2
    after = {f["figure_id"]: f for f in _figures(prepared_engine).values()}
    assert (after[set_aside]["figure"], after[set_aside]["review_status"]) == (1080.0, "rejected")
    assert after[kept]["review_status"] == "not_required"
    assert _persons_on(prepared_engine, day) == before - 1150 + 1200  # only the other correction counts
    assert not any(summary.check_summaries(prepared_engine).values())


def test_deciding_distinct_keeps_both_and_the_pair_is_no_longer_listed(app_on, prepared_engine):
    figures = _two_sources(prepared_engine)
    first, second = figures[("SARC", "Hama", "Homs")]["figure_id"], figures[("UNHCR", "Hama", "Homs")]["figure_id"]
    at = app_on(prepared_engine, PAGE, **WINDOW)
    at.button(key=f"dq-pair-{first}-{second}-distinct").click().run()
    assert not at.exception
    assert {f["review_status"] for f in _figures(prepared_engine).values()} == {"not_required"}
    assert _persons_on(prepared_engine, date(2024, 12, 5)) == 5200
    assert query_possible_duplicates(prepared_engine, Filters(date(2024, 12, 1), date(2024, 12, 10))).empty
    assert any(i.value.startswith("No possible duplicates") for i in at.info)
    with pytest.raises(quality.DuplicateDecisionError, match="already decided"):
        quality.decide_duplicate(prepared_engine, second, first, "duplicate", kept_id=first)


def _snapshot(engine):
    with engine.connect() as conn:
        return (conn.execute(select(duplicate_decision)).all(),
                conn.execute(select(displacement_figure.c.figure_id, displacement_figure.c.review_status)
                             .order_by(displacement_figure.c.figure_id)).all())


@pytest.mark.parametrize("args, message", [
    (("duplicate", "other"), "must be one of the pair"),
    (("duplicate", None), "say which figure to keep"),
    (("distinct", "first"), "give no figure to keep"),
    (("same", None), "decision must be one of duplicate, distinct"),
])
def test_a_bad_decision_is_refused_and_changes_nothing(prepared_engine, args, message):
    figures = _two_sources(prepared_engine)
    first, second = figures[("SARC", "Hama", "Homs")]["figure_id"], figures[("UNHCR", "Hama", "Homs")]["figure_id"]
    other = figures[("UNHCR", "Homs", "Tartous")]["figure_id"]
    decision, kept = args
    kept_id = {"other": other, "first": first, None: None}[kept]
    before = _snapshot(prepared_engine)
    with pytest.raises(quality.DuplicateDecisionError, match=message):
        quality.decide_duplicate(prepared_engine, first, second, decision, kept_id=kept_id)
    assert _snapshot(prepared_engine) == before


def test_figures_of_one_source_or_not_counted_cannot_be_decided(prepared_engine):
    figures = _two_sources(prepared_engine)
    sarc = figures[("SARC", "Hama", "Homs")]["figure_id"]
    unhcr = figures[("UNHCR", "Hama", "Homs")]["figure_id"]
    unhcr_other = figures[("UNHCR", "Hama", "Tartous")]["figure_id"]
    before = _snapshot(prepared_engine)
    with pytest.raises(quality.DuplicateDecisionError, match="same source"):
        quality.decide_duplicate(prepared_engine, unhcr, unhcr_other, "distinct")
    with pytest.raises(quality.DuplicateDecisionError, match="does not exist"):
        quality.decide_duplicate(prepared_engine, sarc, 10**9, "distinct")
    assert _snapshot(prepared_engine) == before
    quality.decide_duplicate(prepared_engine, sarc, unhcr, "duplicate", kept_id=sarc, decided_by="tester")
    with pytest.raises(quality.DuplicateDecisionError, match="is not counted"):
        quality.decide_duplicate(prepared_engine, unhcr, figures[("SARC", "Homs", "Tartous")]["figure_id"],
                                 "distinct")


def test_periods_that_overlap_pair_and_a_side_without_a_place_does_not_stop_a_pair(prepared_engine):
    _two_sources(prepared_engine)
    header = "record,period_start,period_end,origin,destination,individuals,households,figure_kind,qualifier,source\n"
    ingest_file(prepared_engine, "ocha.csv", data=(header + "".join(row + "\n" for row in (
        "flow,2024-12-01,2024-12-07,Homs,Tartous,1100,,,,OCHA",  # spans SARC's and UNHCR's day
        "flow,2024-12-06,2024-12-09,Hama,Homs,1000,,,,OCHA",  # starts the day after theirs
        "flow,2024-12-04,2024-12-05,,Homs,1040,,,,OCHA",  # no origin: the shared destination decides
    ))).encode())
    # 1,120 is within 10% of UNHCR's 1,150 and OCHA's 1,100, not of SARC's 1,000
    ingest_file(prepared_engine, "iom.csv", data=(header + "flow,2024-12-03,2024-12-08,Homs,Tartous,1120,,,,IOM\n")
                .encode())
    ids = {key: f["figure_id"] for key, f in _figures(prepared_engine).items()}
    pairs = query_possible_duplicates(prepared_engine, Filters(date(2024, 12, 1), date(2024, 12, 10)))
    found = {frozenset(p) for p in zip(pairs["first_figure_id"], pairs["second_figure_id"])}
    assert all(first < second for first, second in zip(pairs["first_figure_id"], pairs["second_figure_id"]))
    expected = [("SARC", "Hama", "Homs", "UNHCR", "Hama", "Homs"),
                ("SARC", "Hama", "Homs", "OCHA", None, "Homs"), ("UNHCR", "Hama", "Homs", "OCHA", None, "Homs"),
                ("SARC", "Homs", "Tartous", "OCHA", "Homs", "Tartous"),
                ("UNHCR", "Homs", "Tartous", "OCHA", "Homs", "Tartous"),
                ("UNHCR", "Homs", "Tartous", "IOM", "Homs", "Tartous"),
                ("OCHA", "Homs", "Tartous", "IOM", "Homs", "Tartous")]
    assert found == {frozenset((ids[pair[:3]], ids[pair[3:]])) for pair in expected}
    assert len(pairs) == len(expected)  # no pair twice


# --- the duplicate search against the rule written out here --------------------------------------

def _expected_pairs(engine, filters: Filters, limit: int = 200) -> list[tuple[int, int]]:
    """Every undecided pair by the module's rule, over all pairs of raw rows, largest figure first."""
    with engine.connect() as conn:
        figures = [dict(r) for r in conn.execute(select(displacement_figure)).mappings()]
        decided = set(conn.execute(select(duplicate_decision.c.first_id, duplicate_decision.c.second_id)).all())
        parents = dict(conn.execute(select(place.c.place_id, place.c.parent_id)).all())
        area_id = conn.execute(select(place.c.place_id).where(place.c.place_key == filters.area)).scalar()

    def inside(place_id):
        while place_id is not None:
            if place_id == area_id:
                return True
            place_id = parents[place_id]
        return False

    def in_view(f):
        day = f["period_end"] or f["period_start"]
        return (day is not None and filters.start <= day <= filters.end
                and f["review_status"] in ("not_required", "accepted") and f["figure"] is not None
                and (f["origin_place_id"] or f["destination_place_id"])
                and (not filters.sources or f["provider"] in filters.sources)
                and (not filters.area or inside(f["origin_place_id"]) or inside(f["destination_place_id"])))

    def same_place(a, b):
        if a["origin_place_id"] and a["origin_place_id"] == b["origin_place_id"]:
            ends = (a["destination_place_id"], b["destination_place_id"])
            return None in ends or ends[0] == ends[1]
        return (a["destination_place_id"] is not None and a["destination_place_id"] == b["destination_place_id"]
                and None in (a["origin_place_id"], b["origin_place_id"]))

    view = sorted((f for f in figures if in_view(f)), key=lambda f: f["figure_id"])
    pairs = []
    for i, a in enumerate(view):
        for b in view[i + 1:]:
            a_days = (a["period_start"] or a["period_end"], a["period_end"] or a["period_start"])
            b_days = (b["period_start"] or b["period_end"], b["period_end"] or b["period_start"])
            larger = max(a["figure"], b["figure"])
            if (a["figure_kind"] == b["figure_kind"] and a["unit"] == b["unit"] and a["source_id"] != b["source_id"]
                    and a_days[0] <= b_days[1] and b_days[0] <= a_days[1] and same_place(a, b)
                    and abs(a["figure"] - b["figure"]) <= 0.1 * larger
                    and (a["figure_id"], b["figure_id"]) not in decided):
                pairs.append((-larger, a["figure_id"], b["figure_id"]))
    return [(first, second) for _, first, second in sorted(pairs)[:limit]]


@pytest.fixture
def many_sources(prepared_engine):
    """Figures of four sources (one much larger, one of reviewed text facts) at four places and an
    unresolved one, over two weeks: one-day figures, periods, a day given only as period_start
    or period_end, vague and running totals, pending and rejected facts; some pairs decided."""
    import random

    from tests.test_summary import _figure, _load, _place_ids

    rng = random.Random(5)
    places = _place_ids(prepared_engine, 4)
    counts = {"big": 160, "second": 40, "third": 25, "text": 25}
    for provider, n in counts.items():
        rows = []
        for k in range(n):
            day = date(2024, 12, rng.randint(1, 14))
            origin = rng.choice([*places[:3], None])
            destination = rng.choice([*places[1:], None])
            shape = rng.random()
            changes = {"provider": provider, "figure_kind": rng.choice(["new_displacement", "return"]),
                       "unit": rng.choice(["persons", "persons", "households"]),
                       "review_status": rng.choice(["not_required"] if provider != "text" else
                                                   ["accepted", "accepted", "pending", "rejected"])}
            if shape < 0.15:
                changes["period_start"] = day - timedelta(days=rng.randint(1, 6))  # a period
            elif shape < 0.22:
                changes["period_end"] = None  # the day given as period_start alone
            elif shape < 0.27:
                changes["period_start"] = None  # ... or as period_end alone
            elif shape < 0.30:
                changes.update(figure=None, qualifier="vague")
            elif shape < 0.33:
                changes["is_cumulative"] = True
            if origin is None:
                changes["origin_name_raw"] = rng.choice(["Unknown village", "Hamlet"])
            figure = changes.pop("figure", round(1000 * rng.uniform(0.9, 1.1)))
            rows.append(_figure(f"{provider}{k}", day, origin, destination, figure, **changes))
        _load(prepared_engine, f"{provider}.csv", figures=rows)
    window = Filters(date(2024, 12, 1), date(2024, 12, 14))
    decided = _expected_pairs(prepared_engine, window)[:6]
    for first, second in decided[:3]:
        quality.decide_duplicate(prepared_engine, first, second, "distinct")
    quality.decide_duplicate(prepared_engine, *decided[4], "duplicate", kept_id=decided[4][0])
    return prepared_engine


@pytest.mark.parametrize("filters", [
    Filters(date(2024, 12, 1), date(2024, 12, 14)),
    Filters(date(2024, 12, 3), date(2024, 12, 9)),  # periods reaching outside the window
    Filters(date(2024, 12, 5), date(2024, 12, 5)),
    Filters(date(2024, 12, 1), date(2024, 12, 14), sources=("big", "text")),
])
def test_possible_duplicates_are_every_pair_the_rule_gives(many_sources, filters):
    found = query_possible_duplicates(many_sources, filters)
    expected = _expected_pairs(many_sources, filters)
    assert list(zip(found["first_figure_id"], found["second_figure_id"])) == expected
    if filters.days > 1:
        assert len(expected) > 10


def test_possible_duplicates_in_an_area_are_every_pair_the_rule_gives(many_sources):
    from tests.test_summary import _place_ids

    with many_sources.connect() as conn:
        parent = conn.execute(select(place.c.parent_id).where(place.c.place_id == _place_ids(many_sources, 4)[1]))
        area = conn.execute(select(place.c.place_key).where(place.c.place_id == parent.scalar_one())).scalar_one()
    filters = Filters(date(2024, 12, 1), date(2024, 12, 14), area=area)
    found = query_possible_duplicates(many_sources, filters)
    assert list(zip(found["first_figure_id"], found["second_figure_id"])) == _expected_pairs(many_sources, filters)
    assert len(found) > 0


def test_possible_duplicates_are_cut_at_the_limit_largest_first(many_sources):
    filters = Filters(date(2024, 12, 1), date(2024, 12, 14))
    found = query_possible_duplicates(many_sources, filters, limit=5)
    assert list(zip(found["first_figure_id"], found["second_figure_id"])) == _expected_pairs(many_sources, filters, 5)
