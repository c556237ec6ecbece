"""The registry of source kinds, used by the CLI (and later the upload page).

Each entry points at one adapter module with the same face: KIND, TITLE, PUBLISHER,
EXPECTED_COLUMNS, detect(columns), normalise(table, report, known_keys),
validate(records, report, known_keys); plus the reader for its file format and the writer for
its records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable

from db import writes
from loaders.report import LoadError
from loaders.sources import acled, ocha_pcodes
from loaders.sources import hapi_conflict_event, hapi_idps
from loaders.sources import dtm_api, idmc_gidd, idmc_idu
from loaders.sources import cccm_sites
from loaders.sources import hxl_tagged
from loaders.sources import idptf_workbook
from loaders.sources import field_template
from loaders.sources import text_report


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
        """The readers whose output the adapter takes: FORMATS when it reads several (CSV or XLSX)."""
        return tuple(getattr(self.adapter, "FORMATS", (self.adapter.FORMAT,)))

    def reader_format(self, file_name: str) -> str:
        """The reader for a file named as the kind: its suffix's, when the kind reads that format."""
        from loaders.readers import FORMAT_BY_SUFFIX

        by_suffix = FORMAT_BY_SUFFIX.get(Path(file_name).suffix.lower())
        return by_suffix if by_suffix in self.formats else self.adapter.FORMAT


SOURCE_KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind(acled),
        SourceKind(hapi_conflict_event),
        SourceKind(hapi_idps),
        SourceKind(dtm_api),
        SourceKind(idmc_idu),
        SourceKind(idmc_gidd),
        SourceKind(cccm_sites),
        SourceKind(hxl_tagged),
        SourceKind(idptf_workbook),
        SourceKind(field_template),
        SourceKind(text_report),
        SourceKind(ocha_pcodes, writes.write_places_batch),
    )
}


def _format_of(parsed) -> str:
    from loaders.readers.delimited import Table

    return "delimited" if isinstance(parsed, Table) else getattr(parsed, "FORMAT", "unknown")


def get_kind(name: str) -> SourceKind:
    if name not in SOURCE_KINDS:
        raise LoadError(f"unknown kind {name!r}; choose one of: {', '.join(SOURCE_KINDS)}")
    return SOURCE_KINDS[name]


def detect_kind(file_name: str, parsed) -> SourceKind:
    matches = [k for k in SOURCE_KINDS.values() if _format_of(parsed) in k.formats and k.adapter.detect(parsed)]
    if len(matches) == 1:
        return matches[0]
    expected = "; ".join(f"{k.name}: {', '.join(k.expected_columns)}" for k in SOURCE_KINDS.values())
    if not matches:
        columns = getattr(parsed, "columns", ())
        raise LoadError(
            f"{file_name}: cannot tell what kind of file this is from its columns "
            f"({', '.join(list(columns)[:12])}). Name the kind with --kind, or give the file the "
            f"columns of one of these kinds — {expected}"
        )
    raise LoadError(f"{file_name}: matches several kinds ({', '.join(k.name for k in matches)}); choose one with --kind")
