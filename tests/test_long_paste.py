"""A pasted page with no full stops is one long "sentence": reading it must grow linearly with its length.

Linearity is checked by counting, not timing, for a paste and for one twice as long: the
characters the extractor hands to its regular expressions (every pattern of textfacts.extract,
.quantities and .dates, and the `re` functions extract.py calls), and the Python lines it runs
(a scan of every term or date found so far, per figure, counts once per item). The quadratic
extractor reread the sentence up to each figure, so doubling the paste quadrupled the first.
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

import textfacts.dates
import textfacts.extract
import textfacts.quantities
from db.schema import conflict_event, displacement_figure
from loaders.ingest import ingest_file
from textfacts import extract_facts
from textfacts.extract import QUOTE_CAP

CLAUSES = ("300 people fled Hama to Homs on 3 December, ", "clashes erupted in Idlib on 4 December, ",
           "120 families arrived in Azaz camps, ")


def _paste(size: int) -> str:
    """One "sentence" of about `size` characters: the three clauses over and over, no full stop until the end."""
    body = "".join(CLAUSES)
    return "Since Monday, " + body * (size // len(body)) + "the office said."


class _Scanned:
    """Counts the characters each regular-expression call is given (from pos to endpos)."""

    METHODS = ("search", "match", "fullmatch", "finditer", "findall", "split")

    def __init__(self):
        self.characters = 0

    def _count(self, string, pos=0, endpos=None):
        if isinstance(string, str):
            self.characters += (len(string) if endpos is None else min(endpos, len(string))) - pos

    def pattern(self, compiled: re.Pattern):
        scanned = self

        class Counted:
            def __getattr__(self, name):
                real = getattr(compiled, name)
                if name in scanned.METHODS:
                    def counted(string, *args, **kwargs):
                        scanned._count(string, *args[:2])
                        return real(string, *args, **kwargs)
                    return counted
                if name == "sub":
                    def substituted(repl, string, *args, **kwargs):
                        scanned._count(string)
                        return real(repl, string, *args, **kwargs)
                    return substituted
                return real

        return Counted()

    def module(self):
        """A stand-in for `re` in textfacts.extract: the same functions, counted."""
        scanned = self

        class CountedRe:
            def __getattr__(self, name):
                real = getattr(re, name)
                if name in scanned.METHODS:
                    def counted(pattern, string, *args, **kwargs):
                        scanned._count(string)
                        return real(pattern, string, *args, **kwargs)
                    return counted
                if name == "sub":
                    def substituted(pattern, repl, string, *args, **kwargs):
                        scanned._count(string)
                        return real(pattern, repl, string, *args, **kwargs)
                    return substituted
                return real

        return CountedRe()


def _wrap(value, scanned: _Scanned):
    if isinstance(value, re.Pattern):
        return scanned.pattern(value)
    if isinstance(value, (list, tuple)) and any(isinstance(v, (re.Pattern, tuple)) for v in value):
        return type(value)(_wrap(v, scanned) for v in value)
    return value


def _characters_scanned(monkeypatch, text: str) -> int:
    scanned = _Scanned()
    with monkeypatch.context() as patch:
        for module in (textfacts.extract, textfacts.quantities, textfacts.dates):
            for name, value in list(vars(module).items()):
                wrapped = _wrap(value, scanned)
                if wrapped is not value:
                    patch.setattr(module, name, wrapped)
        patch.setattr(textfacts.extract, "re", scanned.module())
        found = extract_facts(text, date(2024, 12, 5))
    assert found["displacements"], "the paste's figures are read"
    return scanned.characters


def _lines_run(text: str) -> int:
    """Python lines executed in textfacts (list comprehensions and generators count once per item)."""
    folder = str(Path(textfacts.extract.__file__).parent)
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(folder) else None

    sys.settrace(calls)
    try:
        extract_facts(text, date(2024, 12, 5))
    finally:
        sys.settrace(None)
    return count


def test_reading_a_paste_twice_as_long_costs_about_twice_as_much(monkeypatch):
    once = _characters_scanned(monkeypatch, _paste(4_000))
    twice = _characters_scanned(monkeypatch, _paste(8_000))
    # linear: about 2x (a fixed part per sentence makes it a little less); the quadratic reader gave ~3.8x
    assert twice <= 2.2 * once, f"{once:,} characters scanned for 4 KB, {twice:,} for 8 KB"
    # longer pastes here: a scan per figure of the terms found so far shows only once there are many
    # (it gave 2.2x from 4 to 8 KB, 2.7x from 16 to 32 KB; linear reading gives 2.0x)
    once, twice = _lines_run(_paste(16_000)), _lines_run(_paste(32_000))
    assert twice <= 2.2 * once, f"{once:,} lines run for 16 KB, {twice:,} for 32 KB"


def test_a_50_kb_paste_stores_each_fact_with_its_own_bounded_window_of_the_sentence(prepared_engine, tmp_path):
    text = _paste(50_000)
    path = tmp_path / "long_paste.txt"
    path.write_text(text, encoding="utf-8")
    result = ingest_file(prepared_engine, path, published=date(2024, 12, 5))
    assert result.batch.rows_rejected == 0
    rows = {}
    with prepared_engine.connect() as conn:
        for table in (displacement_figure, conflict_event):
            rows[table.name] = [tuple(r) for r in conn.execute(
                select(table.c.quote, table.c.quote_start, table.c.quote_end))]
    repeats = len(text) // len("".join(CLAUSES))
    # every clause's two figures are stored (300 people, 120 families), none lost to the window
    assert len(rows["displacement_figure"]) == 2 * repeats
    rows = rows["displacement_figure"] + rows["conflict_event"]
    for quote, start, end in rows:
        assert len(quote) <= QUOTE_CAP
        assert text[start:end] == quote  # a window of the sentence at its own offsets, not a copy of the whole
    assert sum(len(quote) for quote, _, _ in rows) <= QUOTE_CAP * len(rows) < len(text) * 20


@pytest.mark.parametrize("at", [0, 5_000, 49_900])
def test_a_window_holds_its_fact_and_starts_and_ends_at_a_word(at):
    text = _paste(50_000)
    sentence = textfacts.extract.sentences(text)[0]
    quote, start, end = textfacts.extract.quote_window(sentence, at)
    assert len(quote) <= QUOTE_CAP and start <= sentence.start + at < end
    assert text[start:end] == quote
    assert start == sentence.start or text[start - 1] == " "
    assert end == sentence.end or text[end] == " "
