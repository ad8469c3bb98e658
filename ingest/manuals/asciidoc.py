"""AsciiDoc -> the normalised text of ``ingest.normalize``.

Section titles (``== Spindle``, or a line underlined with ``----`` of about its length) become
``#``-lines; block delimiters (``----`` around a listing), block attributes (``[source,ini]``),
attribute entries (``:toc:``), block macros (``image::x.png[]``) and comments are dropped, the text
inside the blocks is kept. A cross reference ``<<id,text>>`` and a link ``link:url[text]`` become
their text; other inline markup stays as written: it is readable as it is.
"""

from __future__ import annotations

import re

from ingest.normalize import squash

# "== Spindle" and the symmetric "== Spindle ==": one "=" is the document title
_TITLE = re.compile(r"^(={1,6})\s+(\S.*?)(?:\s+=+)?\s*$")
_DELIMITER = re.compile(r"^([-.=*_+~^/])\1{3,}$")
# a two-line title is underlined with one of these, its length within two of the title's (AsciiDoc's rule)
_UNDERLINE_LEVELS = {"=": 1, "-": 2, "~": 3, "^": 4, "+": 5}
_XREF = re.compile(r"<<([^,>]+)(?:,\s*([^>]+))?>>")
_LINK = re.compile(r"(?:link:|\b(?=https?://))(\S+?)\[([^\]]*)\]")
_DROPPED = re.compile(r"^(:!?[\w-]+!?:.*|\[.*\]|//.*|[a-z]+::\S*\[.*\])$")


def asciidoc_to_text(text: str) -> tuple[str | None, str]:
    """(title, text with ``#`` headings); the title is the document title, if any."""
    out: list[str] = []
    title: str | None = None
    block: str | None = None  # the delimiter of the listing or example block we are in
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if block is not None:
            if line == block:
                block = None
            elif block != "////":  # a comment block's text is not the manual's
                out.append(line)  # a block's text is kept as written: no titles inside a listing
            continue
        heading = _TITLE.match(line)
        if heading:
            level, name = len(heading.group(1)), squash(heading.group(2))
            title = title or (name if level == 1 else None)
            out.append("#" * level + " " + name)
            continue
        if _DELIMITER.match(line):
            prev = out[-1].strip() if out else ""
            char = line[0]
            if char in _UNDERLINE_LEVELS and prev and not prev.startswith("#") and abs(len(prev) - len(line)) <= 2:
                level = _UNDERLINE_LEVELS[char]
                title = title or (squash(prev) if level == 1 else None)
                out[-1] = "#" * level + " " + squash(prev)
            else:
                block = line
            continue
        if _DROPPED.match(line.strip()):
            continue
        line = _XREF.sub(lambda m: m.group(2) or m.group(1), line)
        out.append(_LINK.sub(lambda m: m.group(2) or m.group(1), line))
    return title, "\n".join(out).strip()
