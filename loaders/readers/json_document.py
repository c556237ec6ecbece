"""JSON documents (API responses saved to a file), read whole and parsed with the stdlib.

JSON is UTF-8 by its standard (RFC 8259); a byte-order mark is tolerated, anything else is
refused with the place it broke. API responses come either as a bare list of records (IDMC IDU)
or as an envelope object holding the list (IOM DTM's `{"result": [...], "isSuccess": ...}`): the
reader only parses and counts, the source adapters judge the envelope.

JSON records have no row numbers; issues give the 1-based position of the record in its list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from loaders.report import LoadError

# Where APIs usually put their records inside an envelope object, in the order looked for.
RECORD_LIST_KEYS = ("result", "results", "data", "records", "items", "features")


@dataclass
class JsonDocument:
    """A parsed JSON file: its data as parsed, and how many records it holds."""

    FORMAT: ClassVar[str] = "json"  # registry._format_of reads this to pick the source kinds to try

    file_name: str
    data: Any
    record_count: int = 0
    columns: tuple[str, ...] = field(default=())  # keys of the first record, for "unknown file" messages


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


def read_json_document(path: str | Path, data: bytes | None = None) -> JsonDocument:
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise LoadError(f"{path.name}: the file is empty; download the API response again")
    text = _decode(raw, path.name)
    try:
        parsed = json.loads(text, parse_constant=_refuse_constant(path.name))
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
    return JsonDocument(path.name, parsed, count, columns)
