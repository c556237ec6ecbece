"""Free-text reports (.txt, .md, .html): the plain text, its title and its publication date.

The text handed on is what the extractor reads and what quote offsets refer to: for HTML, the
visible text of the page (scripts, styles, navigation, headers and footers dropped; block
elements become paragraph breaks); for Markdown, the text with its front matter, heading marks,
emphasis and link targets removed; a .txt file as it is.

The publication date is looked for in the file's own metadata only — HTML `<meta>` tags
(article:published_time, datePublished, date, DC.date …), a `<time datetime>` element or JSON-LD
`"datePublished"`; Markdown front matter (`date:`, `post_date:`, `date_published:`, `published:`); a
`Published:` or `Date:` line among the first lines of a text file; last, a YYYY-MM-DD date in the file
name. Nothing is inferred from the prose.
"""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

from loaders.readers.document import Document
from loaders.report import LoadError

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
MAX_CHARS = 2_000_000  # a report, not a book: refuse what is surely not one


# --- dates in metadata ---------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")


def _month(name: str) -> int | None:
    name = name.lower()
    for full, number in _MONTHS.items():
        if len(name) >= 3 and full.startswith(name):
            return number
    return None


def parse_metadata_date(value: str) -> date | None:
    """An ISO date or datetime, "5 December 2024", "Dec 5, 2024"; None for anything else."""
    value = (value or "").strip()
    candidates = []
    if match := _ISO.search(value):
        candidates.append((int(match[1]), int(match[2]), int(match[3])))
    if match := _DAY_MONTH_YEAR.search(value):
        if month := _month(match[2]):
            candidates.append((int(match[3]), month, int(match[1])))
    if match := _MONTH_DAY_YEAR.search(value):
        if month := _month(match[1]):
            candidates.append((int(match[3]), month, int(match[2])))
    for year, month, day in candidates:
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


# --- HTML ------------------------------------------------------------------------------------

_DATE_META = ("article:published_time", "datepublished", "date", "dc.date", "dc.date.issued", "dcterms.date",
              "pubdate", "publishdate", "og:published_time", "sailthru.date", "parsely-pub-date", "post_date",
              "date_published", "publication_date", "citation_publication_date")
_SKIPPED = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "svg",
            "button", "select", "iframe"}
_BLOCK = {"p", "div", "section", "article", "main", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
          "tr", "table", "blockquote", "figure", "figcaption", "pre", "hr", "dd", "dt"}
_JSON_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]+)"')


class _PageText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.title = ""
        self.dates: list[tuple[str, str]] = []  # (where, value)

    def handle_starttag(self, tag, attrs):
        attrs = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            name = (attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or "").lower()
            if name in _DATE_META and attrs.get("content"):
                self.dates.append((f"the page's <meta {name}>", attrs["content"]))
            return
        if tag == "time" and attrs.get("datetime"):
            self.dates.append(("the page's <time> element", attrs["datetime"]))
        if tag == "title":
            self.in_title = True
        if tag in _SKIPPED:
            self.skip_depth += 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in _SKIPPED and self.skip_depth:
            self.skip_depth -= 1
        elif tag in _BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            match = _JSON_LD_DATE.search(data)
            if match:
                self.dates.append(("the page's JSON-LD datePublished", match[1]))
            return
        self.parts.append(data)


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _from_html(raw: str) -> tuple[str, str | None, list[tuple[str, str]]]:
    page = _PageText()
    page.feed(raw)
    page.close()
    title = re.sub(r"\s+", " ", page.title).strip() or None
    return _tidy("".join(page.parts)), title, page.dates


# --- Markdown and plain text ------------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
# Static-site generators each name the key their own way (Jekyll `date`, WordPress exports
# `post_date`, the HIU product pages `date_published`); a commented-out key (`# date:`) is no date.
_FRONT_DATE = re.compile(r"^(?:date|post_date|date_published|published|published_at|publication_date|pubdate)"
                         r"\s*:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", re.I | re.M)
# The last resort: a date in the file's own name ("2017-03-22_drought.md", "report 2024_12_05.txt").
_NAME_DATE = re.compile(r"(?<!\d)(\d{4})[-_.](\d{2})[-_.](\d{2})(?!\d)")
_FRONT_TITLE = re.compile(r"^title\s*:\s*['\"]?(.+?)['\"]?\s*$", re.I | re.M)
_TEXT_DATE_LINE = re.compile(r"^\s*(?:published|publication date|date|posted)(?: on)?\s*:\s*(.+)$", re.I)


def _from_markdown(raw: str) -> tuple[str, str | None, list[tuple[str, str]]]:
    dates, title = [], None
    front = _FRONT_MATTER.match(raw)
    if front:
        if match := _FRONT_DATE.search(front[1]):
            dates.append(("the file's front matter", match[1]))
        if match := _FRONT_TITLE.search(front[1]):
            title = match[1]
        raw = raw[front.end():]
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", raw)  # images: keep the alt text
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links: keep the words
    text = re.sub(r"^\s{0,3}#{1,6}\s+", "", text, flags=re.M)  # heading marks
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", r"\1", text)
    text = re.sub(r"^\s{0,3}>\s?", "", text, flags=re.M)  # block quotes
    dates += _text_dates(text)
    return _tidy(text), title, dates


def _text_dates(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines()[:8]:
        if match := _TEXT_DATE_LINE.match(line):
            found.append((f"the line {line.strip()[:40]!r}", match[1]))
    return found


def _decode(raw: bytes, file_name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise LoadError(f"{file_name}: the report is neither UTF-8 nor Windows-1252 text ({exc}); save it as "
                        "UTF-8 text") from None


def looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or ("<p>" in head and "</p>" in head)


def read_report(path: str | Path, data: bytes | None = None) -> Document:
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise LoadError(f"{path.name}: this is not a text report (it holds binary data); save the report as "
                        ".txt, .md or .html")
    text = _decode(raw, path.name)
    if len(text) > MAX_CHARS:
        raise LoadError(f"{path.name}: {len(text):,} characters is too long for one report (at most "
                        f"{MAX_CHARS:,}); split it into its articles")
    suffix = path.suffix.lower()
    title = None
    if suffix in (".html", ".htm") or looks_like_html(text):
        text, title, dates = _from_html(text)
    elif suffix in (".md", ".markdown"):
        text, title, dates = _from_markdown(text)
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        dates = _text_dates(text)
    if title is None:
        first = next((line.strip() for line in text.splitlines() if line.strip()), "")
        title = first[:120] or None
    published, published_from = None, None
    if match := _NAME_DATE.search(path.name):
        dates.append((f"the file name {path.name!r}", f"{match[1]}-{match[2]}-{match[3]}"))
    for where, value in dates:
        published = parse_metadata_date(value)
        if published:
            published_from = where
            break
    return Document(path.name, "report", text=text, title=title, published=published,
                    published_from=published_from)
