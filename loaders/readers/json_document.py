"""JSON documents (API responses saved to a file), read whole and parsed with the stdlib.

JSON is UTF-8 by its standard (RFC 8259); a byte-order mark is tolerated, anything else is
refused with the place it broke. API responses come either as a bare list of records (IDMC IDU)
or as an envelope object holding the list (IOM DTM's `{"result": [...], "isSuccess": ...}`): the
reader only parses and counts, the source adapters judge the envelope.

JSON records have no row numbers; issues give the 1-based position of the record in its list.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loaders.readers.document import Document
from loaders.report import LoadError

# Where APIs usually put their records inside an envelope object, in the order looked for.
RECORD_LIST_KEYS = ("result", "results", "data", "records", "items", "features")


def records_of(data: Any) -> list | None:
    """The list of records: the document itself, or the list inside a usual envelope key."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in RECORD_LIST_KEYS:
            if isinstance(data.get(key), list):
                return data[key]
    return None


def _line_and_column(text: bytes | str, position: int) -> tuple[int, int]:
    before = text[:position]
    newline = b"\n" if isinstance(text, bytes) else "\n"
    line = before.count(newline) + 1
    return line, position - (before.rfind(newline) + 1) + 1


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(f"{name}: the file is UTF-16 text; JSON must be UTF-8. Save or download it as UTF-8")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _line_and_column(raw, exc.start)
        raise LoadError(
            f"{name}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}, column {column}); JSON must "
            "be UTF-8. Download the response again, or re-save the file as UTF-8"
        ) from None


def _refuse_constant(name: str):
    def refuse(constant: str):
        raise LoadError(f"{name}: the file contains {constant}, which is not a JSON number; the API or the "
                        "program that wrote the file must write null (or a number) instead")
    return refuse


# The largest whole number a column of the database holds (BIGINT); a longer one is no count or id
# any source writes, and Python would spend quadratic time turning thousands of digits into an int.
LARGEST_INTEGER = 2**63 - 1


def _refuse_duplicate_keys(name: str):
    """An object hook that refuses a key given twice: json.loads keeps the last value silently,
    so {"idps": 1200, "idps": 12} would load 12 and nobody would know there was a 1200."""
    def build(pairs: list[tuple[str, Any]]) -> dict:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: dict[str, Any] = {}
            for key, value in pairs:
                if key in seen:
                    raise LoadError(f"{name}: the key {key!r} appears twice in one object (first {seen[key]!r}, then "
                                    f"{value!r}); only one can be loaded, so the file is refused. Fix the program "
                                    "that wrote it so each key appears once per object")
                seen[key] = value
        return obj
    return build


def _refuse_huge_numbers(name: str, text: str):
    """Number hooks that refuse an integer beyond LARGEST_INTEGER (a float that overflows is left to its row)."""
    def where(literal: str) -> str:
        line, column = _line_and_column(text, max(text.find(literal), 0))
        return f"line {line}, column {column}"

    def parse_int(literal: str) -> int:
        digits = literal.lstrip("-")
        if len(digits) > 19 or int(digits) > LARGEST_INTEGER:
            raise LoadError(f"{name}: the number at {where(literal)} has {len(digits):,} digits, more than any count "
                            f"or id can have (the largest stored is {LARGEST_INTEGER:,}); fix the value, or download "
                            "the file again if it is damaged")
        return int(literal)

    def parse_float(literal: str) -> float:
        # A float that overflows (1e400) reads as infinity and is refused by its row alone
        # (implausible-figure in loaders/validate.py): one bad cell must not lose the rest of the file.
        return float(literal)

    return parse_int, parse_float


def read_json_document(path: str | Path, data: bytes | None = None) -> Document:
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise LoadError(f"{path.name}: the file is empty; download the API response again")
    text = _decode(raw, path.name)
    parse_int, parse_float = _refuse_huge_numbers(path.name, text)
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant(path.name), parse_int=parse_int,
                            parse_float=parse_float, object_pairs_hook=_refuse_duplicate_keys(path.name))
    except RecursionError:
        # The stdlib parser recurses once per level; about a thousand levels exhaust Python's stack.
        raise LoadError(f"{path.name}: the JSON is nested too deeply to read (lists or objects inside one another "
                        "about a thousand levels down); no API response is shaped like that: download it "
                        "again") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        # The stdlib reports a string cut by the end of the file at the string's start.
        in_string = exc.msg.startswith("Unterminated string")
        if in_string or exc.pos >= len(text.rstrip()):
            line, column = _line_and_column(text, max(len(text.rstrip()) - 1, 0))  # its last character
            detail = "inside a string" if in_string else exc.msg
            raise LoadError(f"{path.name}: the JSON stops before it is complete (the file ends at line {line}, "
                            f"column {column}: {detail}); it looks truncated. Download it again") from None
        if exc.msg == "Extra data":
            raise LoadError(f"{path.name}: more than one JSON value (the second starts at {where}); the file must "
                            "hold one JSON document (JSON Lines are not supported)") from None
        snippet = text[exc.pos:exc.pos + 30].split("\n", 1)[0]
        raise LoadError(f"{path.name}: not valid JSON at {where}: {exc.msg} (near {snippet!r}); fix the file or "
                        "download it again") from None
    records = records_of(parsed)
    first = records[0] if records else None
    columns = tuple(first) if isinstance(first, dict) else tuple(parsed) if isinstance(parsed, dict) else ()
    count = len(records) if records is not None else 1
    return Document(path.name, "json", data=parsed, records=count, record_keys=columns)
