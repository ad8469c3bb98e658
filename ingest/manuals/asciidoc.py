"""AsciiDoc -> the normalised text of ``ingest.normalize``.

Section titles (``== Spindle``, or a line underlined with ``----`` of about its length) become
``#``-lines; block delimiters (``----`` around a listing), block attributes (``[source,ini]``),
attribute entries (``:toc:``), block macros (``image::x.png[]``) and comments are dropped, the text
inside the blocks is kept. A cross reference ``<<id,text>>`` and a link ``link:url[text]`` become
their text; other inline markup stays as written: it is readable as it is. The lines of one paragraph
or list item are one line, as AsciiDoc renders them (a line ending in `` +`` is a hard break), so a
sentence the writer wrapped is not quoted in pieces.
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
# what starts a block of its own instead of continuing a paragraph: a list item (* - . 1. a.), a table
# row, a block title (.Title), a description term (term::), an admonition (an indented line right under
# a paragraph continues it; after a blank line it is a literal, which is never continued)
_OWN_BLOCK = re.compile(r"^(\s*[*\-]+\s|\.+\s|\d+\.\s|[a-zA-Z]\.\s|\||\.\S|\S.*::(\s|$)|"
                        r"(NOTE|TIP|IMPORTANT|WARNING|CAUTION):\s)")


def asciidoc_to_text(text: str) -> tuple[str | None, str]:
    """(title, text with ``#`` headings); the title is the document title, if any."""
    out: list[str] = []
    title: str | None = None
    block: str | None = None  # the delimiter of the listing or example block we are in
    joinable = False  # the last line written is prose the next line may continue
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        continues, joinable = joinable and bool(line) and not _OWN_BLOCK.match(line), False
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
        line = _LINK.sub(lambda m: m.group(2) or m.group(1), _XREF.sub(lambda m: m.group(2) or m.group(1), line))
        hard_break = line.endswith(" +")
        line = line[:-2].rstrip() if hard_break else line
        if continues:
            out[-1] += " " + line.strip()
        else:
            out.append(line)
        joinable = not hard_break and (continues or bool(line) and not line.startswith((" ", "\t", "|")))
    return title, "\n".join(out).strip()
