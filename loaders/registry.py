"""The registry of source kinds, used by the CLI and the Upload page.

Each entry points at one adapter module with the same face (checked by
tests/test_ingest_pipeline.py): KIND, TITLE, PUBLISHER, FORMAT (or FORMATS), TARGET,
EXPECTED_COLUMNS, detect(part) and normalise(part, ctx); the p-code list also has its writer.
Every reader gives a Document (loaders/readers/document.py); the registry hands an adapter the
part of it the adapter reads: a table, when the adapter reads tables only; else the document.

Every tabular kind reads XLSX as well as CSV. An adapter that reads tables only (FORMAT
"delimited") is handed a workbook's data sheets one by one, each with a CSV's face: detection
looks at every visible sheet, skips those whose names say they are not data (a licence or terms
of use, a read-me, notes, a data dictionary, a pivot or summary), and loads each sheet the kind
recognises. Issues found on a sheet name it in their column ("HRP_1!Events"), since row numbers
alone repeat from sheet to sheet; sheets not loaded are named in one warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

from db import writes
from loaders.readers.document import Document
from loaders.report import LoadError
from loaders.sources import acled, acled_aggregate, ocha_pcodes
from loaders.sources import hapi_conflict_event, hapi_idps
from loaders.sources import dtm_api, idmc_gidd, idmc_idu
from loaders.sources import cccm_sites
from loaders.sources import hxl_tagged
from loaders.sources import idptf_workbook
from loaders.sources import field_template
from loaders.sources import movement_table
from loaders.sources import text_report
from loaders.sources import boundaries


@dataclass(frozen=True)
class SourceKind:
    adapter: ModuleType
    write: Callable | None = None  # for gazetteer kinds; fact kinds all go through write_fact_load

    @property
    def name(self) -> str:
        return self.adapter.KIND

    @property
    def expected_columns(self) -> tuple[str, ...]:
        return self.adapter.EXPECTED_COLUMNS

    @property
    def formats(self) -> tuple[str, ...]:
        """The readers whose output the adapter takes: FORMATS when it reads several (CSV or XLSX);
        a kind of facts that reads tables reads a workbook's sheets too (see sheet-by-sheet below)."""
        formats = tuple(getattr(self.adapter, "FORMATS", (self.adapter.FORMAT,)))
        return formats + ("workbook",) if self.by_sheet else formats

    @property
    def takes_tables(self) -> bool:
        """True when the adapter is handed tables one at a time (a CSV's, or each of a workbook's
        data sheets); an adapter that reads several formats, JSON or prose is handed the document."""
        return tuple(getattr(self.adapter, "FORMATS", (self.adapter.FORMAT,))) == ("delimited",)

    @property
    def by_sheet(self) -> bool:
        """True when a workbook reaches this kind as its data sheets, one table at a time."""
        return self.takes_tables and self.adapter.TARGET == "facts"

    def detect(self, document: Document) -> bool:
        if document.format not in self.formats:
            return False
        if not self.takes_tables:
            return self.adapter.detect(document)
        if document.format == "workbook":
            return bool(self.data_sheets(document))
        return self.adapter.detect(document.tables[0])

    def data_sheets(self, workbook: Document) -> list:
        return [s for s in workbook.tables if s.columns and not NOT_DATA_SHEET.search(s.sheet)
                and self.adapter.detect(s)]

    def normalise(self, document: Document, ctx):
        """The adapter's chunks: of the document, of its table, or of each of a workbook's data sheets
        in turn."""
        if not self.takes_tables:
            return self.adapter.normalise(document, ctx)
        if document.format == "workbook":
            return self._normalise_sheets(document, ctx)
        return self.adapter.normalise(document.tables[0], ctx)

    def country_named(self, document: Document, gazetteer):
        """The adapter's reading of the country a file names (None when the kind does not read one):
        of its table, its first data sheet or the document, as `normalise` hands them."""
        if not hasattr(self.adapter, "country_named"):
            return None
        if not self.takes_tables:
            return self.adapter.country_named(document, gazetteer)
        tables = self.data_sheets(document) if document.format == "workbook" else document.tables
        return self.adapter.country_named(tables[0], gazetteer) if tables else None

    def _normalise_sheets(self, workbook, ctx):
        from loaders.readers.workbook import report_hidden_sheets, report_sheet_notes

        sheets = self.data_sheets(workbook)
        report_hidden_sheets(workbook, ctx.report)
        others = [s.sheet for s in workbook.tables if s not in sheets]
        if others:
            ctx.report.add(None, None, "unused-column", f"these sheets do not hold {self.adapter.TITLE} rows (a "
                           "licence, notes, a dictionary or a summary) and are not loaded", ", ".join(others),
                           severity="warning")
        report = ctx.report
        try:
            for sheet in sheets:
                ctx.report = _SheetReport(report, sheet.sheet) if len(workbook.tables) > 1 else report
                report_sheet_notes(sheet, ctx.report, (sheet.header_row or 0) + 1)
                yield from self.adapter.normalise(sheet, ctx)
        finally:
            ctx.report = report

    def reader_format(self, file_name: str) -> str:
        """The reader for a file named as the kind: its suffix's, when the kind reads that format."""
        from loaders.readers import FORMAT_BY_SUFFIX

        by_suffix = FORMAT_BY_SUFFIX.get(Path(file_name).suffix.lower())
        return by_suffix if by_suffix in self.formats else self.adapter.FORMAT


# Sheet names that say the sheet is not data: ACLED's "TOU", read-me and notes sheets, data
# dictionaries and codebooks, pivots and summaries.
NOT_DATA_SHEET = re.compile(r"^(tou|terms)\b|terms[\W_]*of[\W_]*use|licen[cs]|read[\W_]*me|^notes?$|^about$|"
                            r"dictionar|codebook|metadata|pivot|summary|^sources?$|^definitions?$", re.IGNORECASE)


class _SheetReport:
    """The load's report, with the sheet's name put in front of every column an issue names."""

    def __init__(self, report, sheet: str):
        self._report, self._sheet = report, sheet

    def add(self, row, field_name, code, message, value=None, **options) -> None:
        field_name = f"{self._sheet}!{field_name}" if field_name else f"{self._sheet}!"
        self._report.add(row, field_name, code, message, value, **options)

    def __getattr__(self, name):
        return getattr(self._report, name)


SOURCE_KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind(acled),
        SourceKind(acled_aggregate),
        SourceKind(hapi_conflict_event),
        SourceKind(hapi_idps),
        SourceKind(dtm_api),
        SourceKind(idmc_idu),
        SourceKind(idmc_gidd),
        SourceKind(cccm_sites),
        SourceKind(hxl_tagged),
        SourceKind(idptf_workbook),
        SourceKind(field_template),
        SourceKind(movement_table),
        SourceKind(text_report),
        SourceKind(ocha_pcodes, writes.write_places_batch),
        SourceKind(boundaries, writes.write_boundaries_batch),
    )
}


def get_kind(name: str) -> SourceKind:
    if name not in SOURCE_KINDS:
        raise LoadError(f"unknown kind {name!r}; choose one of: {', '.join(SOURCE_KINDS)}")
    return SOURCE_KINDS[name]


def detect_kind(file_name: str, document: Document) -> SourceKind:
    matches = [k for k in SOURCE_KINDS.values() if k.detect(document)]
    if len(matches) > 1 and hxl_tagged.KIND in {k.name for k in matches}:
        # A file of a known kind that also carries HXL hashtags (HDX's ACLED aggregates as CSV) is
        # read as that kind: its adapter knows the file, the generic HXL reader only its tags.
        matches = [k for k in matches if k.name != hxl_tagged.KIND]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{k.name}: {', '.join(k.expected_columns)}" for k in SOURCE_KINDS.values())
    if not matches:
        columns = document.columns
        raise LoadError(
            f"{file_name}: cannot tell what kind of file this is from its columns "
            f"({', '.join(list(columns)[:12])}). Name the kind with --kind, or give the file the "
            f"columns of one of these kinds — {expected}"
        )
    raise LoadError(f"{file_name}: matches several kinds ({', '.join(k.name for k in matches)}); choose one with --kind")
