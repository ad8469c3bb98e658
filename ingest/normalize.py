"""Shared text normalisation for the manual loaders.

All manual loaders (Markdown, HTML, plain text) emit the same light text format that
``ingest.chunking`` understands:

* headings as ``#``-lines (``## Inspection of thermostat``), level = number of ``#``;
* paragraphs separated by blank lines;
* numbered steps ``1.`` with nested content indented by four spaces per level;
* table rows as one self-contained line each: ``Problem: Low oil pressure | Remedy: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SPACES = re.compile(r"[ \t\u00a0]+")


def squash(text: str) -> str:
    """Collapse runs of spaces/tabs (not newlines) and trim."""
    return _SPACES.sub(" ", text).strip()


def decode_text(data: bytes, name: str) -> tuple[str, list[str]]:
    """Decode file bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252 with a warning.

    Returns the text and warnings. cp1252 is the usual culprit for files written on Windows
    shop-floor PCs; latin-1 is the last resort because it never fails.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), []
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, [f"{name}: not valid UTF-8 ({where}); decoded as {encoding}"]
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def expand_carry_down(rows: Sequence[Sequence[str]]) -> list[list[str]]:
    """Fill blank *leading* cells from the row above.

    Troubleshooting tables write a problem once and leave the first cell(s) blank on the rows
    that continue it (a visual row span). Only leading blanks are filled: a blank "Page" column
    at the end of a row means "no reference", not "same as above".
    """
    out: list[list[str]] = []
    previous: list[str] = []
    for row in rows:
        cells = [squash(c) for c in row]
        if any(cells):
            for i, cell in enumerate(cells):
                if cell:
                    break
                if i < len(previous):
                    cells[i] = previous[i]
            previous = cells
        out.append(cells)
    return out


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Render each table row as one line that repeats the header names.

    >>> table_lines(["Problem", "Remedy"], [["Leak", "Replace seal"], ["", "Tighten"]])
    ['Problem: Leak | Remedy: Replace seal', 'Problem: Leak | Remedy: Tighten']

    Empty cells are left out so a row never reads "Page: " with nothing after it.
    """
    names = [squash(h) for h in header]
    lines = []
    for cells in expand_carry_down(rows):
        parts = []
        for i, cell in enumerate(cells):
            if not cell:
                continue
            name = names[i] if i < len(names) and names[i] else ""
            parts.append(f"{name}: {cell}" if name else cell)
        if parts:
            lines.append(" | ".join(parts))
    return lines


# reStructuredText adorns a heading with any one punctuation character repeated under it (and
# sometimes over it): "Motor gets hot at standstill\n~~~~~~~~" (Sphinx docs shipped as .txt)
_ADORNMENT = re.compile(r"""^\s*([=\-~^"'`#*+_:.<>])\1{2,}\s*$""")
_LIST_MARKER = re.compile(r"^\s*(\d+[.)]|[a-z][.)]|\(\w+\)|[-*•])\s")


def starts_list_item(line: str) -> bool:
    """Whether ``line`` opens a step or list item ("1. ", "b) ", "(iv) ", "- ", "• ").

    >>> starts_list_item("2) Fill a dish"), starts_list_item("2nd gear pops out")
    (True, False)
    """
    return bool(_LIST_MARKER.match(line))


def looks_like_heading(line: str, max_words: int = 10) -> bool:
    """Heuristic for plain text / PDF pages: short ALL-CAPS line or numbered heading "3.2 Hydraulics".

    Steps ("1. REMOVE GUARD") and sentences (ending in . , ;) are not headings.
    """
    s = line.strip()
    if not s or len(s.split()) > max_words or s[-1] in ".,;:" or _LIST_MARKER.match(s):
        return False
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 3:
        return False
    if all(c.isupper() for c in letters):
        return True
    # "4.2 Hydraulic system" / "Section 5 Troubleshooting" / "2 Specifications"
    return bool(re.match(r"^(\d+(\.\d+)+|section \d+|chapter \d+)\s+[A-Z]", s, re.IGNORECASE)
                or numbered_heading_depth(s))


def numbered_heading_depth(line: str) -> int:
    """Depth of a numbered heading ("2 Specifications" -> 1, "5.1 Replace belt" -> 2), else 0.

    A single number needs a capitalised word of three letters or more and no further digits,
    so "10 Nm" or "3 Check the belt at 142 Hz" stay body text.
    """
    s = line.strip()
    m = re.match(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z][A-Za-z/-]{2,}(?:\s+[A-Za-z/&,()-]+){0,7})$", s)
    if not m or s[-1] in ".,;:" or (("." not in m.group(1)) and re.search(r"\d", m.group(2))):
        return 0
    if "." not in m.group(1) and (s[len(m.group(1))] == "." or len(m.group(2).split()) > 5):
        return 0  # "1. Remove the guard" is a step
    return m.group(1).count(".") + 1


# A PDF keeps the page's visual lines, and a plain-text file its writer's, so a paragraph wrapped at the
# right margin arrived as fragments ("every season but that would indicate a charging issue"), and a
# fragment is what got quoted under an answer (Markdown, HTML, AsciiDoc and reStructuredText readers join
# soft-wrapped lines already). Here a line continues on the next one when it ends without closing
# punctuation and the next line's first word would not have fitted after it within _WRAP_FILL of the
# document's usual full width (its 90th-percentile line length): the page wrapped it, the writer did not
# end it. A table row or a short line the writer ended leaves room for the next word. Neither line may be
# a heading, a contents line, columns set with spaces or indented (code, a table, a quote), nor the next
# one start a list item. Layout, so any language reads alike; fewer than _WRAP_MIN_LINES lines give no
# usable width: left as is.
_WRAP_FILL = 0.85
_WRAP_MIN_LINES = 12
_CLOSING = ".!?:;"
_LEADER_DOTS = re.compile(r"(?:\.\s?){5,}")  # "2.2 Naming . . . . . 2": a contents line, ended by its page number
_COLUMNS = re.compile(r"\S[ \t]{3,}\S")  # "INSTALL       - how to install": columns set with spaces, a table


def wrap_width(pages: list[str]) -> int | None:
    """The document's usual full line length in characters (90th percentile), or None with too few lines."""
    lengths = sorted(len(line) for text in pages for line in text.split("\n") if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= _WRAP_MIN_LINES else None


def _continues(line: str, following: str, width: int) -> bool:
    if not line or not following or line.startswith(("#", " ", "\t")) or following.startswith(("#", " ", "\t")):
        return False
    if any(_LEADER_DOTS.search(x) or _COLUMNS.search(x) for x in (line, following)):
        return False
    if line[-1] in _CLOSING or len(line) + 1 + len(following.split()[0]) <= _WRAP_FILL * width:
        return False
    return not (starts_list_item(following) or looks_like_heading(line) or looks_like_heading(following))


def join_wrapped(text: str, width: int | None) -> str:
    """``text`` with each paragraph that the page wrapped at its margin on one line.

    >>> join_wrapped("Check the belt tension and replace the belt if the\\nrubber is cracked.\\n1) Next", 50)
    'Check the belt tension and replace the belt if the rubber is cracked.\\n1) Next'
    """
    if width is None:
        return text
    out: list[str] = []
    previous = ""  # the page's line before this one, not the paragraph joined so far
    for line in text.split("\n"):
        if out and _continues(previous, line, width):
            # a hyphen at the margin stays, unspaced: "P/N 7745-" + "02", "Z-" + "axis"
            out[-1] += line if previous.endswith("-") else " " + line
        else:
            out.append(line)
        previous = line
    return "\n".join(out)


def plain_text_to_blocks(text: str) -> tuple[str | None, str]:
    """Normalise plain text: mark headings (setext underlines, ALL-CAPS lines) with ``#``.

    Returns (title, text); the title is the first level-1 heading, if any.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    title: str | None = None
    styles = {"=": 1, "-": 2}  # other adornments get the next levels in the order they first appear
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        prev_blank = not out or not out[-1].strip()
        if _ADORNMENT.match(line) and nxt.strip() and i + 2 < len(lines) and _ADORNMENT.match(lines[i + 2]):
            i += 1  # an overline: the heading is read from the line under it
            continue
        under = _ADORNMENT.match(nxt)
        # a short line, or a line standing alone (a symptom as a heading can run to 20 words)
        if line.strip() and under and not _ADORNMENT.match(line) \
                and (len(line.split()) <= 12 or prev_blank and len(line.split()) <= 25):
            level = styles.setdefault(under.group(1), min(6, max(styles.values()) + 1))
            out.append("#" * level + " " + squash(line))
            title = title or (squash(line) if level == 1 else None)
            i += 2
            continue
        if prev_blank and looks_like_heading(line):
            level = 1 if title is None and not any(o.strip() for o in out) else 2
            out.append("#" * level + " " + squash(line))
            if level == 1:
                title = squash(line)
            i += 1
            continue
        out.append(line)
        i += 1
    body = "\n".join(out).strip()
    return title, join_wrapped(body, wrap_width([body]))
