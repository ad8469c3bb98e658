"""PDF manuals: one SourceDocument per page (1-based page numbers), text by pypdf."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ingest.normalize import join_wrapped, looks_like_heading, numbered_heading_depth, squash, wrap_width
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
