"""PDF manuals: one SourceDocument per page (1-based page numbers), text by pypdf."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.normalize import looks_like_heading, numbered_heading_depth, squash, starts_list_item
from ingest.types import IngestError, LoadResult, SourceDocument

# A page's own heading sits in its first few lines (after a running header); text before a
# numbered heading further down continues the previous page's section.
_HEADING_SCAN_LINES = 4
# Running headers and footers ("RC-MAN-VMC850 rev. E - page 3") repeat in the first or last lines
# of most pages: they are layout, not the page's text, and one taken as a heading would name every
# page's section. A line (digits ignored) among the first or last _EDGE_LINES lines of at least
# half the pages, and of three or more, is kept only on the first page that has it.
_EDGE_LINES = 3
_RUNNING_MIN_PAGES = 3
# A PDF keeps the page's visual lines, so a paragraph wrapped at the right margin arrived as fragments
# ("every season but that would indicate a charging issue"), and a fragment is what got quoted under an
# answer. Markdown and HTML join soft-wrapped lines already. Here a line continues on the next one when
# it ends without closing punctuation and the next line's first word would not have fitted after it
# within _WRAP_FILL of the document's usual full width (its 90th-percentile line length): the page
# wrapped it, the writer did not end it. A table row or a short line the writer ended leaves room for
# the next word. Neither line may be a heading or a contents line, nor the next one start a list item.
# Layout, so any language reads alike; fewer than _WRAP_MIN_LINES lines give no usable width: left as is.
_WRAP_FILL = 0.85
_WRAP_MIN_LINES = 12
_CLOSING = ".!?:;"
_LEADER_DOTS = re.compile(r"(?:\.\s?){5,}")  # "2.2 Naming . . . . . 2": a contents line, ended by its page number


def _edge_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _edges(lines: list[str]) -> list[int]:
    """Positions of the first and last ``_EDGE_LINES`` non-empty lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def drop_running_lines(pages: list[str]) -> list[str]:
    """``pages`` (extracted text, one per page) without the running headers and footers after their first page."""
    split = [text.split("\n") for text in pages]
    counts = Counter(key for lines in split for key in {_edge_key(lines[i]) for i in _edges(lines)})
    running = {k for k, n in counts.items() if n >= max(_RUNNING_MIN_PAGES, len(pages) / 2)}
    seen: set[str] = set()
    out = []
    for lines in split:
        drop = set()
        for i in _edges(lines):
            key = _edge_key(lines[i])
            if key in running:
                if key in seen:
                    drop.add(i)
                seen.add(key)
        out.append("\n".join(line for i, line in enumerate(lines) if i not in drop).strip())
    return out


def wrap_width(pages: list[str]) -> int | None:
    """The document's usual full line length in characters (90th percentile), or None with too few lines."""
    lengths = sorted(len(line) for text in pages for line in text.split("\n") if line.strip())
    return lengths[int(0.9 * (len(lengths) - 1))] if len(lengths) >= _WRAP_MIN_LINES else None


def _continues(line: str, following: str, width: int) -> bool:
    if not line or not following or line.startswith("#") or following.startswith("#"):
        return False
    if _LEADER_DOTS.search(line) or _LEADER_DOTS.search(following):
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


def _page_text(raw: str) -> str:
    lines = [squash(line) for line in raw.replace("\r", "\n").split("\n")]
    # numbered headings inside a page start sections of their own ("#" lines, as in Markdown),
    # so a page holding the end of 1.5 and all of "2 Specifications" is not filed under 1.5
    lines = [f"{'#' * (depth + 1)} {line}" if (depth := numbered_heading_depth(line)) else line for line in lines]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def _headings(text: str) -> list[tuple[int, str]]:
    lines = [line.lstrip("#").strip() for line in text.split("\n")]
    return [(i, line) for i, line in enumerate(lines) if looks_like_heading(line)]


def _open(path: Path, result: LoadResult):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    name = path.name
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" only with an owner password (copy/print restrictions) and
            # open with an empty user password; those are readable, the rest are refused.
            if not reader.decrypt(""):
                raise IngestError(f"{path}: PDF is encrypted (password required); save an unencrypted copy")
            result.warnings.append(f"{name}: PDF has owner-password restrictions; read with an empty password")
        return reader, len(reader.pages)
    except IngestError:
        raise
    except DependencyError as exc:
        raise IngestError(f"{path}: PDF is encrypted and cannot be decrypted here ({exc})") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(f"{path}: corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc


def load_pdf(path: Path) -> LoadResult:
    """Load a PDF; pages without text produce a warning (no OCR is run)."""
    result = LoadResult()
    reader, count = _open(path, result)
    source = path.resolve().as_posix()
    title = path.stem
    try:
        meta_title = (reader.metadata or {}).get("/Title")
        if meta_title and str(meta_title).strip():
            title = squash(str(meta_title))
    except Exception:  # noqa: BLE001 - broken metadata must not stop reading the pages
        pass
    texts: list[tuple[int, str]] = []
    for number in range(1, count + 1):
        try:
            text = _page_text(reader.pages[number - 1].extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged pages
            result.warnings.append(f"{path.name} page {number}: text could not be extracted ({exc})")
            continue
        if not text:
            result.warnings.append(f"{path.name}: page {number} has no text (scanned? OCR not enabled)")
            continue
        texts.append((number, text))
    current: str | None = None  # last heading seen, carried over page breaks
    pages = drop_running_lines([t for _, t in texts])  # before joining: headers and footers are edge lines
    width = wrap_width(pages)
    for (number, _), text in zip(texts, (join_wrapped(page, width) for page in pages)):
        if not text:  # nothing but a running header and footer
            continue
        heads = _headings(text)
        section = current
        numbered_first = heads and text.split("\n")[heads[0][0]].startswith("#")
        if heads and (current is None or (heads[0][0] < _HEADING_SCAN_LINES and not numbered_first)
                      or heads[0][0] == 0):
            section = heads[0][1].strip()
        if heads:
            current = heads[-1][1].strip()
        result.documents.append(
            SourceDocument(text=text, source=source, doc_type="manual", title=title, page=number, section=section)
        )
    if count and not result.documents:
        raise IngestError(f"{path}: no page has extractable text (scanned PDF? OCR not enabled)")
    if count == 0:
        raise IngestError(f"{path}: PDF has no pages")
    return result
