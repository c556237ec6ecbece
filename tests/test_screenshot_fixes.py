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
    assert detail_words('{"file": "nw_syria_isimm_sites_2020-07.csv"}') == "file: nw_syria_isimm_sites_2020-07.csv"


def test_the_brief_names_sources_in_words_and_prints_each_chart_title_once(demo_engine):
    """Pack PDF pages: "Data as of: demo: data to …" (a code), and each chart's title twice (heading and image)."""
    import html
    import re
    from datetime import date

    from pack.brief import brief_html
    from pack.weekly import PackOptions, build_pack

    pack = build_pack(demo_engine, PackOptions(date(2024, 12, 2)))
    page = brief_html(pack, {chart.name: b"" for chart in pack.charts}, "2024-12-09T06:00:00+00:00")
    as_of = re.search(r"<b>Data as of:</b>([^<]*)", page).group(1)
    assert "demo data (synthetic): data to" in as_of and not re.search(r"(^|; )demo:", as_of.strip())
    printed = [text.strip() for text in re.split(r"<[^>]+>", page)]  # text between tags; alt texts are not printed
    for chart in pack.charts:
        assert html.escape(chart.title) not in printed  # the PNG carries the title


def test_daily_chart_legend_hangs_below_the_axis_title():
    """Home page: the legend's "new displacement (households)" was printed over the axis title "day"."""
    days = [date(2024, 12, 25) + timedelta(days=n) for n in range(7)]
    daily = pd.DataFrame({"day": days * 2, "unit": ["persons"] * 7 + ["events"] * 7, "from_text": [False] * 14,
                          "value": [float(n * 100) for n in range(7)] + [float(n) for n in range(7)]})
    legend = build_daily_displacement_and_events(daily, "t").layout.legend
    assert legend.yanchor == "top" and legend.y <= -0.25  # its top edge below the slanted ticks and the title


def test_daily_persons_and_households_bars_stand_side_by_side():
    """Home page: each day's households bar was drawn over its persons bar (two axes), reading as one stack."""
    days = [date(2024, 12, 25) + timedelta(days=n) for n in range(3)]
    daily = pd.DataFrame({"day": days * 2, "unit": ["persons"] * 3 + ["households"] * 3, "from_text": [False] * 6,
                          "value": [3800.0, 1900.0, 300.0, 40.0, 120.0, 7.0]})
    bars = [t for t in build_daily_displacement_and_events(daily, "t").data if t.type == "bar"]
    assert {t.yaxis for t in bars} == {"y", "y3"}  # two axes, one per unit
    groups = [t.offsetgroup for t in bars]
    assert all(groups) and len(set(groups)) == len(bars)
