"""Fixes made after looking at screenshots of every page (issue 18, "Done when")."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from charts.timeline import build_daily_displacement_and_events


def test_households_axis_of_the_daily_chart_has_whole_ticks():
    """The home page's households axis read "18.7, 37.4, … 149.6" households beside the persons axis."""
    days = [date(2024, 12, 25) + timedelta(days=n) for n in range(7)]
    households = [0.0, 30.0, 149.0, 12.0, 0.0, 80.0, 5.0]
    daily = pd.DataFrame({"day": days * 3, "unit": ["persons"] * 7 + ["households"] * 7 + ["events"] * 7,
                          "from_text": [False] * 21,
                          "value": [500.0, 3800.0, 1900.0, 0.0, 1000.0, 300.0, 3800.0] + households
                          + [1.0, 9.0, 3.0, 1.0, 4.0, 5.0, 16.0]})
    figure = build_daily_displacement_and_events(daily, "t")
    axis = next(figure.layout[name] for name in figure.layout if name.startswith("yaxis")
                and figure.layout[name].title.text == "households")
    assert axis.tick0 == 0 and float(axis.dtick).is_integer() and axis.dtick >= 1
    assert axis.tickformat == ",d"
    assert 2 <= max(households) / axis.dtick <= 10  # a handful of ticks up to the largest day


def test_audit_detail_is_read_as_words_not_json():
    """The Admin page's Detail column showed the stored JSON: '{"file": null, "inserted": 168, "kind": "demo"'."""
    from db.vocab import detail_words

    text = detail_words('{"file": null, "inserted": 3310, "kind": "demo", "source_kind": "cccm_sites"}')
    assert text == "inserted: 3,310; kind: demo data (synthetic); source kind: CCCM site list"
    assert "{" not in text and "null" not in text
