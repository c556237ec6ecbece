"""What the Upload page says about a file: its check (dry run) and its load, in one consistent wording.

A row of a file can become more than one record (a CCCM site list gives a count in persons and one in
households per site): the numbers of records are then explained, never left larger than the rows
without a word.
"""

from __future__ import annotations

import math

from db import vocab
from loaders.intake import MB

SEVERITIES = ("error", "warning")


def issue_counts(report) -> tuple[int, int]:
    """(rows rejected, warnings) of a load report: rejected rows are not loaded; warnings were loaded."""
    return len(report.rejected_rows), report.severity_counts().get("warning", 0)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def checked_text(kind: str, rows_read: int, report, records: int) -> str:
    """The line under a checked file: what it is, the rows read, rejected and warned about, the records."""
    rejected, warnings = issue_counts(report)
    text = kind == "text_report"
    read = _plural(rows_read, "fact found", "facts found") if text else _plural(rows_read, "row read", "rows read")
    line = (f"Understood as {vocab.label(kind)}: {read}; {_plural(rejected, 'row', 'rows')} rejected (not loaded), "
            f"{_plural(warnings, 'warning', 'warnings')} (loaded, listed below). ")
    line += f"{_plural(records, 'record', 'records')} would be loaded"
    return line + _more_records(records, rows_read - rejected) + "."


def _more_records(records: int, rows: int) -> str:
    if records > rows > 0:
        return (f" from {_plural(rows, 'row', 'rows')}: a row that gives more than one figure (for example persons "
                "and households) is stored as one record per figure")
    return ""


def loaded_text(batch, kind: str) -> str:
    """The line after a load: records inserted, updated and unchanged, from how many rows, and why more."""
    records = batch.rows_inserted + batch.rows_updated + batch.rows_unchanged
    line = (f"Batch {batch.batch_id}: {_plural(batch.rows_read, 'row', 'rows')} read, "
            f"{batch.rows_rejected:,} rejected; records {batch.rows_inserted:,} inserted, {batch.rows_updated:,} "
            f"updated, {batch.rows_unchanged:,} unchanged")
    line += _more_records(records, batch.rows_read - batch.rows_rejected)
    if batch.status == "unchanged":
        line += " (this file was already loaded)"
    if kind == "text_report":
        line += ". The facts wait for review on the Review page"
    return line + "."


def upload_limit_mb(limit_bytes: int) -> int:
    """The upload box's limit in whole MB (Streamlit takes an integer): the dashboard's limit, rounded up;
    a file between the two still gets loaders.intake's own message."""
    return max(1, math.ceil(limit_bytes / MB))


def upload_label(limit_bytes: int) -> str:
    from loaders.intake import describe_limit

    return f"Files up to {describe_limit(limit_bytes)} each (data tables, or reports as .txt, .md or .html)"
