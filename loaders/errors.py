"""One place that turns whatever a load raised into the one message a person sees.

The command line (`loaders/__main__.py`, `cli_message`) and the upload page (`ui/file_errors.py`)
both go through `explain_failure`, so a file gets the same answer wherever it is loaded, and no
traceback ever reaches a user: a file from outside can make any library fail in a way nobody
foresaw, and a traceback would show server paths and code to whoever uploaded it.

- A LoadError (its subclass RefusedFile too) already names the file and the fix: its message is
  shown as it is.
- Errors we know a hostile or damaged file can raise from deeper down (XML a parser refuses, a
  zip whose member is damaged, text in the wrong encoding, nesting too deep for the parser) get a
  message here, in case a reader let one through.
- Anything else is unexpected: the person sees the file name and "unexpected error, logged as
  <id>"; the traceback goes to the server's log under that id, so the administrator can find it.

File names come from the uploader and may hold control characters (an escape sequence that
rewrites a terminal, a right-to-left override that reverses the ending): every message leaves
here with such characters written out as escapes (`display_text`).
"""

from __future__ import annotations

import logging
import re
import secrets
import zipfile
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from access.policy import PermissionDenied
from db.writes import RejectedLoad
from loaders.report import LoadError

log = logging.getLogger("loaders.errors")

# C0 and C1 controls, DEL, and the Unicode marks that reorder or hide text on screen.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _escape(match: re.Match) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def display_text(text) -> str:
    """The text with every control or invisible formatting character written as an escape (`\\x1b`)."""
    return _CONTROL.sub(_escape, str(text))


@dataclass(frozen=True)
class FileFailure:
    """What a person is told about a file that did not load."""

    message: str  # one line, names the file, control characters escaped
    expected: bool  # False: an error nobody foresaw, logged with its traceback as `incident`
    incident: str | None = None


def _known_message(name: str, exc: BaseException) -> str | None:
    if isinstance(exc, (LoadError, RejectedLoad, PermissionDenied)):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return f"{name}: no such file; check the path"
    if isinstance(exc, IsADirectoryError):
        return f"{name}: this is a folder, not a file; name the files inside it"
    if isinstance(exc, PermissionError):
        return f"{name}: the file cannot be opened (permission denied); make it readable and load it again"
    if isinstance(exc, ParseError):
        return (f"{name}: the workbook's XML is damaged or truncated ({exc}); open it in Excel or LibreOffice and "
                "save it again as .xlsx")
    if isinstance(exc, (zipfile.BadZipFile, EOFError)):
        return (f"{name}: the file is damaged or truncated ({exc}); save or download it again")
    if isinstance(exc, UnicodeDecodeError):
        return (f"{name}: byte {exc.start:,} cannot be read as {exc.encoding} text; save the file as UTF-8 "
                "(in Excel: Save As > CSV UTF-8)")
    if isinstance(exc, RecursionError):
        return (f"{name}: the data is nested too deeply to read (lists or objects inside one another thousands "
                "of levels down); no export the dashboard reads is shaped like that: download the file again")
    if isinstance(exc, MemoryError):
        return f"{name}: the file needs more memory than the server has to read; split it into smaller files"
    return None


def explain_failure(file_name: str, exc: BaseException) -> FileFailure:
    """The message for a file whose load raised `exc`; an unexpected error is logged with its
    traceback under a short id that the message gives."""
    name = display_text(file_name)
    message = _known_message(name, exc)
    if message is not None:
        return FileFailure(display_text(message), True)
    incident = secrets.token_hex(4)
    log.error("loading %s failed unexpectedly (incident %s)", name, incident, exc_info=exc)
    return FileFailure(f"{name}: unexpected error, logged as {incident}; tell the administrator this id", False,
                       incident)


def cli_message(path: str, exc: BaseException) -> str:
    """The line the command line prints for a file that did not load."""
    return f"{display_text(path)}: rejected: {explain_failure(path, exc).message}"
