"""Report text shown in pages: escaped, so nothing from a file ever renders as HTML or Markdown.

`inert(text)` turns any string into HTML that shows exactly its characters: HTML special
characters become entities, and so do the characters Markdown acts on (`*`, `_`, `[`, `#`, `|`,
backticks, ...), because st.markdown parses Markdown before HTML. `highlighted(sentence, phrases)`
does the same and wraps each occurrence of the given phrases in <mark>.
"""

from __future__ import annotations

import html
import re

_MARKDOWN = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~<>$:="}


def inert(text: str | None) -> str:
    if not text:
        return ""
    escaped = html.escape(str(text), quote=True)
    # Entities made by html.escape start with "&" and end with ";": leave those characters alone.
    return re.sub(r"&[a-z]+;|&#\d+;|.", lambda m: m[0] if len(m[0]) > 1 else _MARKDOWN.get(m[0], m[0]), escaped,
                  flags=re.S).replace("\n", "<br>")


def highlighted(sentence: str | None, phrases) -> str:
    """The sentence, inert, with every occurrence of the phrases marked (longest first)."""
    sentence = sentence or ""
    wanted = sorted({p.strip() for p in phrases if isinstance(p, str) and p.strip()}, key=len, reverse=True)
    if not wanted:
        return inert(sentence)
    pattern = re.compile("|".join(re.escape(p) for p in wanted), re.I)
    out, last = [], 0
    for match in pattern.finditer(sentence):
        out.append(inert(sentence[last:match.start()]))
        out.append(f"<mark>{inert(match[0])}</mark>")
        last = match.end()
    out.append(inert(sentence[last:]))
    return "".join(out)


def literal(text) -> str:
    """Text from a file or the database (a place key, a provider's name) for st.caption/st.info:
    every character Markdown or HTML acts on is backslash-escaped, so it shows as written."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:=&])", r"\\\1", str(text))
