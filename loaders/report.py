"""Row problems, collected into a report instead of raised one at a time.

Every problem has a stable code from ISSUE_CODES, so tests, the upload page and the data-quality
page can group and count them. A file that cannot be read at all raises LoadError instead, with
a message that says how to fix the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# The fixed vocabulary of row-problem codes. Add a code here (with its meaning) before using it.
ISSUE_CODES = {
    "missing-cell": "a required cell is empty",
    "type-error": "a cell cannot be read as the type the column needs (number, date, ...)",
    "out-of-range": "a value lies outside what the column allows (negative count, latitude > 90, ...)",
    "unknown-parent": "a place refers to a parent p-code that is neither in the file nor in the gazetteer",
    "unknown-value": "a value is not in the column's vocabulary",
    "duplicate-key": "the row repeats the natural key of an earlier row in the same file",
    "unresolved-place": "a place name did not match the gazetteer well enough; it is queued for review",
    "unknown-pcode": "an area's p-code is not in the gazetteer (its country's p-code list is not loaded, or "
                     "writes the code another way); the row is kept with the code as given and no place",
    "provider-error": "the provider's own error column flags the row (HDX HAPI files); the adapter says "
                      "whether it still loads",
    "unused-column": "columns (or sheets) the file's kind has no use for; their values are not loaded "
                     "(reported once per file)",
    "conflicting-cells": "cells of one row contradict each other (a date and a period, two different hedges)",
    "uncached-formula": "a spreadsheet cell holds a formula whose result was never saved with the file; "
                        "formulas are not evaluated, so the cell has no value",
    "total-mismatch": "a total the file states differs from the sum of the cells it totals; the cells are "
                      "loaded, the total never is",
    "period-mismatch": "the period a file's sheet names or titles give disagrees with the period its own "
                       "figures are filed under; the adapter says which one it loads",
}


class LoadError(Exception):
    """The file as a whole cannot be loaded. The message names the file and how to fix it."""


@dataclass(frozen=True)
class Issue:
    row: int | None  # 1-based row number as a spreadsheet shows it (header = row 1)
    field: str | None
    code: str
    message: str
    value: Any = None
    severity: str = "error"  # "error": the row is rejected; "warning": loaded, but look at it
    raw_row: dict | None = None

    def __post_init__(self):
        if self.code not in ISSUE_CODES:
            raise ValueError(f"unknown issue code {self.code!r}; add it to ISSUE_CODES first")


@dataclass
class LoadReport:
    file_name: str
    issues: list[Issue] = field(default_factory=list)

    def add(self, row, field_name, code, message, value=None, *, severity="error", raw_row=None) -> None:
        self.issues.append(Issue(row, field_name, code, message, value, severity, raw_row))

    @property
    def rejected_rows(self) -> set[int]:
        return {i.row for i in self.issues if i.severity == "error" and i.row is not None}

    def flatten(self, keys=("row", "field", "code")) -> list[list]:
        return [[getattr(i, k) for k in keys] for i in self.issues]

    def summary(self, examples: int = 10) -> list[str]:
        """One line per code and field: "N rows: message. First 10 values: ..."."""
        groups: dict[tuple[str, str | None], list[Issue]] = {}
        for issue in self.issues:
            groups.setdefault((issue.code, issue.field), []).append(issue)
        lines = []
        for (code, field_name), issues in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0][0])):
            values = list(dict.fromkeys(repr(i.value) for i in issues if i.value is not None))[:examples]
            where = f" in column {field_name!r}" if field_name else ""
            line = f"{len(issues)} row(s) [{code}]{where}: {issues[0].message}"
            if values:
                line += f". First {len(values)} values: {', '.join(values)}"
            lines.append(line)
        return lines

    def counts(self) -> Counter:
        return Counter(i.code for i in self.issues)
