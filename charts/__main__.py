"""`python -m charts weekly`: the weekly chart pack, from the command line (cron on Monday mornings).

    python -m charts weekly --week 2024-W49 [--out DIR] [--area SY05] [--event-types "Battles,Protests"]
                            [--sources ACLED,DTM] [--unit persons|households] [--household-size 5]
                            [--context-weeks 8] [--min-persons 10] [--min-households 5]
    python -m charts weekly --week last [--area SY]   # the last whole week of data that has ended

With data of several countries, `--week last` needs --area (exit 2 naming the countries): each
country has its own last week. When the latest data of the area (or the database) is more than
OLD_DATA_DAYS old, a "note: latest data for ..." line on stderr says so.

Writes, for that ISO week with its trailing weeks, a PNG, an HTML and a CSV per chart, a PDF brief,
plotly.min.js (shared by the HTML files) and manifest.json into DIR (default exports/<week>[_<area>]).
Exit codes: 0 written, 1 nothing to export for that week (the message says what to change), 2 usage
(a week, area or value that does not parse; nothing is written), 3 written without PNG/PDF (no
Chrome/Chromium, or it failed or hung: one line on stderr says how to get one; HTML, CSV and the
manifest are written).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

EXIT_WRITTEN, EXIT_NOTHING, EXIT_USAGE, EXIT_NO_IMAGES = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own usage errors: exit 2 with the usage line, as documented
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m charts", description="Chart exports.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    weekly = commands.add_parser("weekly", help="the weekly chart pack: PNG, HTML and CSV per chart, a PDF brief")
    weekly.add_argument("--week", required=True, help="ISO week (2024-W49) or 'last' (the last whole week of data)")
    weekly.add_argument("--out", type=Path, default=None, help="folder to write into (default exports/<week>)")
    weekly.add_argument("--area", default=None, help="a place key or p-code: country, governorate, district or city")
    weekly.add_argument("--event-types", default="", help="comma-separated ACLED event types (default all)")
    weekly.add_argument("--sources", default="", help="comma-separated providers (default all)")
    weekly.add_argument("--unit", default="persons", choices=("persons", "households"))
    weekly.add_argument("--household-size", type=float, default=0.0,
                        help="show households as persons at this many per household (default: kept apart)")
    weekly.add_argument("--context-weeks", type=int, default=8, help="weeks shown in the weekly charts (default 8)")
    weekly.add_argument("--min-persons", type=int, default=10, help="counts of persons under this show as '<N'")
    weekly.add_argument("--min-households", type=int, default=5, help="counts of households under this show as '<N'")
    return parser


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    # Imported here: `--help` and usage errors answer without loading pandas, plotly and the database.
    from charts.suppress import SmallCounts
    from db import queries
    from db.engine import describe_url, make_engine
    from db.filters import AREA_KINDS, Filters, country_of
    from pack.files import write_pack
    from pack.weekly import NothingToExport, PackError, PackOptions, build_pack, old_data_note, parse_week

    engine = make_engine()
    if not queries.query_schema_ready(engine):
        return _fail(f"the database {describe_url(str(engine.url))} has no tables: run python -m db upgrade "
                     "(or python -m db demo) and load files first")
    today = date.today()
    try:
        areas = queries.query_places(engine, AREA_KINDS)
        countries = queries.query_countries_with_data(engine)
        area = _area_key(areas, args.area, countries)
        if area is None and len(countries) > 1 and args.week.strip().lower() == "last":
            raise PackError(_whose_last_week(countries))
        # A week has run whole by the data of the area's country (a governorate whose last event fell on a
        # Saturday still has that week); whether it holds data is the area's own.
        _, latest = queries.query_area_date_range(engine, area)
        _, horizon = queries.query_area_date_range(engine, country_of(areas.set_index("place_key"), area) or area)
        week = parse_week(args.week, today=today, data_end=horizon,
                          latest_day_by=lambda day: queries.query_area_date_range(engine, area, day)[1])
        where = None if area is None else areas.loc[areas["place_key"] == area, "name_en"].iloc[0]
        old = old_data_note(where, latest, today)
        if old:
            print(f"note: {old}", file=sys.stderr)
        providers = queries.query_providers(engine)
        filters = Filters.parse({"area": area, "event_types": args.event_types, "sources": args.sources},
                                default_start=week, default_end=week, areas=areas["place_key"], sources=providers)
        _check_listed("event type", args.event_types, filters.event_types)
        _check_listed("source", args.sources, filters.sources, known=providers)
        if min(args.min_persons, args.min_households) < 0:
            raise PackError("--min-persons and --min-households are 0 or more")
        options = PackOptions(week=week, filters=filters, unit=args.unit, household_size=args.household_size,
                              context_weeks=args.context_weeks, small=SmallCounts(args.min_persons,
                                                                                  args.min_households))
    except PackError as error:
        return _fail(str(error))
    try:
        pack = build_pack(engine, options)
    except NothingToExport as nothing:
        print(nothing, file=sys.stderr)
        return EXIT_NOTHING
    out = args.out or Path("exports") / options.stem
    files = write_pack(pack, out)
    print(f"{options.label} ({pack.area_name}): {len(pack.charts)} charts, {len(files)} files in {out}")
    for name in sorted(files):
        print(f"  {name}")
    if files.images_missing:
        print(f"written without PNG/PDF: {files.images_missing}", file=sys.stderr)
        return EXIT_NO_IMAGES
    return EXIT_WRITTEN


def _area_key(areas, text: str | None, countries=None) -> str | None:
    """An area given as a place key, a p-code or (a country with data) its ISO3 code, as its place
    key; unknown ones are refused."""
    from pack.weekly import PackError

    if not text:
        return None
    text = text.strip()
    if text in set(areas["place_key"]):
        return text
    by_pcode = areas[areas["pcode"].astype("string").str.upper() == text.upper()]
    if len(by_pcode):
        return by_pcode["place_key"].iloc[0]
    if countries is not None and len(countries):
        by_iso3 = countries[countries["country_iso3"].astype("string").str.upper() == text.upper()]
        if len(by_iso3):
            return by_iso3["place_key"].iloc[0]
    raise PackError(f"--area {text!r} is not a country, governorate, district or city of the gazetteer; give its "
                    "place key, p-code or country code (e.g. SY05 for Hama governorate, SY or SYR for Syria)")


def _whose_last_week(countries) -> str:
    """Why `--week last` needs --area on a database of several countries: each has its own last week,
    and a Monday job for one country must not get another's week (nor an empty one)."""
    listed = "; ".join(f"{row.name_en} (--area {row.place_key}, data to {row.last_date:%Y-%m-%d})"
                       for row in countries.itertuples())
    return (f"--week last: the database holds data of {len(countries)} countries, each with its own last week: "
            f"{listed}. Name the country or area with --area")


def _check_listed(what: str, given: str, kept: tuple[str, ...], known=None) -> None:
    from db import vocab
    from pack.weekly import PackError

    wanted = [part.strip() for part in (given or "").split(",") if part.strip()]
    unknown = [value for value in wanted if value not in kept]
    if unknown:
        allowed = known if known is not None else vocab.EVENT_TYPES
        raise PackError(f"unknown {what} {', '.join(map(repr, unknown))}; one of: {', '.join(allowed)}")


if __name__ == "__main__":
    sys.exit(main())
