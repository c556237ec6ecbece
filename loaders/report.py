"""Row problems, collected into a report instead of raised one at a time.

Every problem has a stable code from ISSUE_CODES, so tests, the upload page and the data-quality
page can group and count them. A file that cannot be read at all raises LoadError instead, with
a message that says how to fix the file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

# The fixed vocabulary of row-problem codes. Add a code here (with its meaning) before using it.
ISSUE_CODES = {
    "missing-cell": "a required cell is empty",
    "type-error": "a cell cannot be read as the type the column needs (number, date, ...)",
    "out-of-range": "a value lies outside what the column allows (negative count, latitude > 90, ...)",
    "implausible-date": "a date cannot be true: before DASHBOARD_EARLIEST_DATE (1990-01-01) or more than "
                        "DASHBOARD_MAX_DAYS_AHEAD (31) days after the load; the row is not loaded",
    "implausible-figure": "a count cannot be true: infinite, NaN, beyond a 64-bit integer or above "
                          "DASHBOARD_MAX_FIGURE (50,000,000) in one cell; the row is not loaded",
    "unknown-parent": "a place refers to a parent p-code that is neither in the file nor in the gazetteer",
    "unknown-value": "a value is not in the column's vocabulary",
    "duplicate-key": "the row repeats the natural key of an earlier row in the same file",
    "unresolved-place": "a place name did not match the gazetteer well enough; it is queued for review",
    "unknown-country": "a row's country is not known (no country, ISO or p-code column, no --country or Upload "
                       "choice, or a value no country has): its place names stay unresolved and queued, never "
                       "looked for in another country",
    "country-from-file": "a file of a kind made for one country (a text report, a site list) names no country "
                         "column but its contents name another (the country a report names most, the one whose "
                         "admin 1 units a list's governorates are): its places are looked for there",
    "new-place": "a location the gazetteer lacks is added as a place of its own under the row's admin 2 (or "
                 "admin 1), at the coordinates the file gives; the row is placed there",
    "unknown-pcode": "an area's p-code is not in the gazetteer (its country's p-code list is not loaded, or "
                     "writes the code another way); the row is kept with the code as given and no place",
    "provider-error": "the provider's own error column flags the row (HDX HAPI files); the adapter says "
                      "whether it still loads",
    "unmatched-boundary": "an admin 1 boundary (the boundaries kind) whose p-code and name match no admin 1 place "
                          "of the gazetteer, or repeat an earlier feature's; it is not loaded (load the country's "
                          "p-code list first)",
    "unused-column": "columns (or sheets) the file's kind has no use for; their values are not loaded "
                     "(reported once per file)",
    "unused-figure-column": "a column holds figures (numbers that are not codes, dates or coordinates) and the "
                            "file's kind did not read it; reported once per column with the option that loads it "
                            "as one of the kind's fields (--map COLUMN=FIELD)",
    "conflicting-cells": "cells of one row contradict each other (a date and a period, two different hedges)",
    "uncached-formula": "a spreadsheet cell holds a formula whose result was never saved with the file; "
                        "formulas are not evaluated, so the cell has no value",
    "total-mismatch": "a total the file states differs from the sum of the cells it totals; the cells are "
                      "loaded, the total never is",
    "nothing-to-load": "the file was read and is well formed, but holds nothing its kind loads (an HXL sheet "
                       "without a displacement figure); the load records the file and writes no rows",
    "period-mismatch": "the period a file's sheet names or titles give disagrees with the period its own "
                       "figures are filed under; the adapter says which one it loads",
    "no-publication-date": "a text report came with no publication date (no flag, none in the file): its "
                           "relative dates (\"last Saturday\") are left unresolved, never guessed",
    "unit-not-stated": "a fact read from text names no group (people or families); it is stored as persons "
                       "for the reviewer to confirm or change",
    "pcode-name-mismatch": "a row gives a p-code and a name, and the name is not one the gazetteer knows for that "
                           "p-code (spellings and transliterations such as Idlib/Idleb aside); the row is placed by "
                           "the p-code and loaded",
    "pcode-country-conflict": "a row's p-code is of another country than the one its own country cell (or ISO3 "
                              "code) names; the row stays in the country it names and the p-code is not used",
    "undated-fact": "an event read from text has no date it could resolve; it waits for review, and a "
                    "reviewer gives it a date before it can be accepted",
    "hidden-sheet": "a workbook's sheet is hidden (or very hidden); it is not read (reported once per sheet)",
    "hidden-row": "a sheet's row is hidden in Excel; it is not loaded",
    "external-formula": "a cell's formula copies a cell of another workbook ([1]Sheet!A1); the value saved with "
                        "the file is loaded, and it may be out of date",
    "partial-response": "an API response saved to a file is one page of several (its `next` link is set); this "
                        "page's rows are loaded, the other pages need loading too",
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
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', not {self.severity!r}")


class LoadReport:
    """Every row problem of one load, counted exactly; the first `keep` kept for display.

    A million-row file can carry a hundred thousand warnings (villages the gazetteer does not
    know). The report counts all of them by code and column and keeps examples for the summary,
    but holds only the first `keep_errors` errors and `keep_warnings` warnings as Issue objects;
    the writer takes every issue as it comes with `drain()` and stores it in load_issue in the
    load's transaction, so nothing is lost and memory stays flat.
    """

    def __init__(self, file_name: str, keep_errors: int = 100_000, keep_warnings: int = 10_000):
        self.file_name = file_name
        self.keep = {"error": keep_errors, "warning": keep_warnings}
        self.kept = {"error": 0, "warning": 0}
        self.issues: list[Issue] = []  # the first issues of each severity, in the order they were found
        self.total = 0
        self.rejected_rows: set[int] = set()  # rows with an error (they were not loaded)
        self._groups: dict[tuple[str, str | None], list] = {}  # (code, field) → [message, examples, about file]
        self._pending: list[Issue] = []
        self._tally: Counter = Counter()  # (code, field, severity) → issues

    def add(self, row, field_name, code, message, value=None, *, severity="error", raw_row=None) -> None:
        issue = Issue(row, field_name, code, message, value, severity, raw_row)
        self.total += 1
        if self.kept[severity] < self.keep[severity]:
            self.kept[severity] += 1
            self.issues.append(issue)
        self._pending.append(issue)
        if severity == "error" and row is not None:
            self.rejected_rows.add(row)
        self._tally[(code, field_name, severity)] += 1
        group = self._groups.get((code, field_name))
        if group is None:
            group = self._groups[(code, field_name)] = [message, {}, row is None]
        if value is not None and len(group[1]) < 10:
            group[1].setdefault(repr(value), None)

    def drain(self) -> list[Issue]:
        """The issues added since the last drain (all of them, not only the kept ones)."""
        pending, self._pending = self._pending, []
        return pending

    @property
    def truncated(self) -> bool:
        return self.total > len(self.issues)

    def severity_counts(self) -> dict[str, int]:
        """Issues per severity, all of them (also those not kept as Issue objects)."""
        counts: Counter = Counter()
        for (_, _, severity), count in self._tally.items():
            counts[severity] += count
        return dict(counts)

    def flatten(self, keys=("row", "field", "code")) -> list[list]:
        return [[getattr(i, k) for k in keys] for i in self.issues]

    def summary(self, examples: int = 10) -> list[str]:
        """One line per code and column: "N row(s) [code] in column 'c': message. First 10 values: ..."."""
        per_group: Counter = Counter()
        for (code, field_name, _), count in self._tally.items():
            per_group[(code, field_name)] += count
        lines = []
        for (code, field_name), (message, values, about_file) in sorted(
                self._groups.items(), key=lambda kv: (-per_group[kv[0]], kv[0][0])):
            count = per_group[(code, field_name)]
            shown = list(values)[:examples]
            where = f" in column {field_name!r}" if field_name else ""
            subject = "the file" if about_file and count == 1 else f"{count} row(s)"
            line = f"{subject} [{code}]{where}: {message}"
            if shown:
                line += f". First {len(shown)} values: {', '.join(shown)}"
            lines.append(line)
        return lines

    def tally(self) -> Counter:
        """Every issue counted by (code, field, severity), kept or not."""
        return Counter(self._tally)

    def counts(self) -> Counter:
        totals: Counter = Counter()
        for (code, _, _), count in self._tally.items():
            totals[code] += count
        return totals
