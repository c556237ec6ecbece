"""python -m loaders ingest PATH... [--kind K] [--dry-run]"""

from __future__ import annotations

import argparse
import sys

from db.engine import make_engine
from db.setup import prepare_database
from loaders.ingest import ingest_file
from loaders.registry import SOURCE_KINDS
from loaders.report import LoadError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders")
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest", help="load files into the database (DATABASE_URL)")
    ingest.add_argument("paths", nargs="+")
    ingest.add_argument("--kind", choices=sorted(SOURCE_KINDS), help="skip detection")
    ingest.add_argument("--dry-run", action="store_true", help="read and check, write nothing")
    args = parser.parse_args(argv)

    engine = make_engine()
    prepare_database(engine)  # the schema and the shipped gazetteer, which loaders resolve against
    status = 0
    for path in args.paths:
        try:
            result = ingest_file(engine, path, args.kind, dry_run=args.dry_run)
        except (LoadError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        batch = result.batch
        if batch is None:
            outcome = "dry run: nothing written"
        elif batch.status == "unchanged":
            outcome = f"already loaded as batch {batch.batch_id}: nothing changed"
        else:
            outcome = f"batch {batch.batch_id}: {batch.rows_loaded} loaded, {batch.rows_rejected} rejected"
        print(f"{path} [{result.kind}] {result.rows_read} rows read; {outcome}")
        for line in result.report.summary():
            print(f"  {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())
