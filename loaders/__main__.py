"""python -m loaders {ingest,kinds,extract}

  ingest PATH... [--kind K] [--dry-run] [--strict] [--published YYYY-MM-DD] [--max-mb N] [--country C]
                                                     load files into DATABASE_URL (text reports: facts
                                                     are stored pending review); files pass the upload
                                                     page's content checks (loaders/intake.py); no size
                                                     limit unless --max-mb is given (the server's operator
                                                     loads large exports here; uploads have their limit).
                                                     --country (name or ISO3): the country of rows that
                                                     name none; places are looked for only inside a row's
                                                     own country, and without one they stay unresolved
  kinds                                              list the kinds and what each expects
  extract FILE [--published YYYY-MM-DD] [--json]     print the facts a text report states (writes nothing)

  ingest ... --map COLUMN=FIELD                      read a column of the file as one of its kind's fields (`kinds`
                                                     lists them); the summary names every column of figures
                                                     the kind did not read, with this option

Exit codes: 0 rows landed from every file, or a file was already loaded (its bytes known: nothing read, nothing
changed); 1 a file landed no rows (unreadable, --strict with row problems, every row rejected, or nothing in it
its kind loads), or for --dry-run would land none; 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys

from db.engine import make_engine
from db.setup import prepare_database
from loaders.errors import cli_message, display_text
from loaders.ingest import ingest_file, parse_column_map
from loaders.intake import MB
from loaders.registry import SOURCE_KINDS

PROGRESS_FROM_BYTES = 5 * 1024 * 1024


def _progress_printer(path: str):
    size = os.path.getsize(path) if os.path.exists(path) else 0
    if size < PROGRESS_FROM_BYTES or not sys.stderr.isatty():
        return None

    def show(rows: int) -> None:
        print(f"\r  {display_text(path)}: {rows:,} rows read", end="", file=sys.stderr, flush=True)

    return show


def _print_kinds() -> None:
    for name, kind in SOURCE_KINDS.items():
        adapter = kind.adapter
        print(f"{name:<22} {adapter.TITLE}")
        print(f"{'':<22} {' or '.join(kind.formats)}; expects: {', '.join(adapter.EXPECTED_COLUMNS)}")


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _extract(path: str, published) -> int:
    import json

    from textfacts import extract_facts

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{display_text(path)}: cannot read the report ({exc})", file=sys.stderr)
        return 1
    if published is None:
        print(f"{display_text(path)}: no publication date given (--published); relative dates stay unresolved",
              file=sys.stderr)
    try:
        facts = extract_facts(text, published)
    except Exception as exc:  # one line for any report, as for ingest (loaders/errors.py)
        print(cli_message(path, exc), file=sys.stderr)
        return 1
    print(json.dumps(facts, ensure_ascii=False, indent=2))
    return 0


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in MB above 0; write it as a number, e.g. 200")
    return value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="Load field data files (DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="load files into the database")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--kind", choices=sorted(SOURCE_KINDS), help="skip detection")
    ingest.add_argument("--dry-run", action="store_true", help="read and check, write nothing")
    ingest.add_argument("--strict", action="store_true", help="reject a whole file when any row has a problem")
    ingest.add_argument("--published", type=_iso_date,
                        help="a text report's publication date (relative dates resolve against it), or the date of a "
                             "sheet or site list that has no date column")
    ingest.add_argument("--max-mb", type=_megabytes,
                        help="refuse files larger than this many MB (default: no limit; the upload page's limit is "
                             "DASHBOARD_MAX_UPLOAD_MB)")
    ingest.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                        help="read the file's COLUMN as the kind's FIELD (repeat for more columns)")
    ingest.add_argument("--country", help="the country of rows that name none (a name or ISO3 code, e.g. SDN); "
                                          "a row's own country column wins")
    sub.add_parser("kinds", help="list the kinds of file the loaders read")
    extract = sub.add_parser("extract", help="print the displacement and event facts a text report states")
    extract.add_argument("path")
    extract.add_argument("--published", type=_iso_date, help="publication date (relative dates resolve against it)")
    extract.add_argument("--json", action="store_true", help="one JSON object (the default output)")
    args = parser.parse_args(argv)  # exits with 2 on usage errors

    if args.command == "kinds":
        _print_kinds()
        return 0
    if args.command == "extract":
        return _extract(args.path, args.published)
    max_bytes = int(args.max_mb * MB) if args.max_mb else None
    engine = make_engine()
    prepare_database(engine)  # the schema and the shipped gazetteer, which loaders resolve against
    status = 0
    for path in args.paths:
        try:
            result = ingest_file(engine, path, args.kind, dry_run=args.dry_run, strict=args.strict,
                                 progress=_progress_printer(path), published=args.published, max_bytes=max_bytes,
                                 column_map=parse_column_map(args.map), country=args.country)
        except Exception as exc:  # any file, however broken, gets one line (loaders/errors.py), never a traceback
            print(cli_message(path, exc), file=sys.stderr)
            report = getattr(exc, "report", None)
            for line in report.summary() if report is not None else []:
                print(f"  {display_text(line)}", file=sys.stderr)  # the rows' problems: the database keeps none
            status = 1
            continue
        batch = result.batch
        if batch is None:
            outcome = (f"{result.rows_read:,} rows read, {result.rows_would_load or 0:,} would load; "
                       "dry run, nothing written")
        else:
            outcome = (f"{batch.rows_read:,} rows read, {batch.rows_inserted:,} inserted, {batch.rows_updated:,} updated, "
                       f"{batch.rows_unchanged:,} unchanged, {batch.rows_rejected:,} rejected")
            if batch.status == "unchanged":
                outcome += f" (already loaded as batch {batch.batch_id}: nothing changed)"
            else:
                outcome += f" (batch {batch.batch_id})"
        print(f"{display_text(path)} [{result.kind}]: {outcome}")
        if result.kind == "text_report" and batch is not None and batch.rows_inserted + batch.rows_updated:
            print("  facts read from text wait for review (review page) before any chart counts them")
        for line in result.understood.lines() if result.understood else []:
            print(f"  would load: {display_text(line)}")
        for line in result.report.summary():
            print(f"  {display_text(line)}")
        if not result.rows_landed and not result.already_loaded:
            # The file was read, but nothing from it is (or would be) in the database: not a success.
            print(f"{display_text(path)}: no rows {'would land' if batch is None else 'landed'}; "
                  "the lines above say why", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
