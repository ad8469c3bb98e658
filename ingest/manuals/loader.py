"""Manual loaders: PDF, Markdown (and MDX), HTML, AsciiDoc, reStructuredText and plain text →
SourceDocuments with doc_type "manual".

Usage::

    result = ManualLoader(max_file_mb=200).load(Path("manuals/press.md"))
    for doc in result.documents:
        chunks = Chunker(320, 40).split(doc)

Markdown, HTML and text files become one document each whose text keeps the heading
hierarchy as ``#``-lines (see ``ingest.normalize``); the chunker turns those into section
paths. PDFs become one document per page.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.normalize import decode_text, plain_text_to_blocks
from ingest.types import IngestError, LoadResult, SourceDocument

# extension -> how its text is read
TEXT_FORMATS = {".md": "markdown", ".markdown": "markdown", ".mdx": "markdown", ".html": "html", ".htm": "html",
                ".adoc": "asciidoc", ".asciidoc": "asciidoc", ".rst": "rst", ".txt": "text"}
MANUAL_EXTENSIONS = (".pdf", *TEXT_FORMATS)
# MDX is Markdown with JavaScript module lines; they are code, not manual text
_MDX_MODULE_LINE = re.compile(r"^(import\s.+\sfrom\s+['\"].+['\"];?|export\s+(const|default|function)\b.*)$", re.M)


class ManualLoader:
    """Loads one manual file; refuses files over ``max_file_mb`` and inputs it cannot read."""

    def __init__(self, max_file_mb: float) -> None:
        if max_file_mb <= 0:
            raise ValueError(f"max_file_mb must be positive, got {max_file_mb}")
        self.max_file_mb = max_file_mb

    def load(self, path: Path) -> LoadResult:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in MANUAL_EXTENSIONS:
            raise IngestError(
                f"{path}: unknown manual extension {suffix or '(none)'!r}; expected one of {', '.join(MANUAL_EXTENSIONS)}"
            )
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise IngestError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
        if size > self.max_file_mb * 1e6:
            raise IngestError(
                f"{path}: file is {size / 1e6:.1f} MB, over the {self.max_file_mb:g} MB limit (max_file_mb)"
            )
        if size == 0:
            raise IngestError(f"{path}: file is empty")
        if suffix == ".pdf":
            from ingest.manuals.pdf import load_pdf

            return load_pdf(path)
        return self._load_text_like(path, suffix)

    def _load_text_like(self, path: Path, suffix: str) -> LoadResult:
        result = LoadResult()
        data = path.read_bytes()
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise IngestError(f"{path}: looks like a binary file, not {suffix} text")
        text, warnings = decode_text(data, path.name)
        result.warnings.extend(warnings)
        if not text.strip():
            raise IngestError(f"{path}: file is empty")
        fmt = TEXT_FORMATS[suffix]
        if fmt == "markdown":
            from ingest.manuals.markdown import markdown_to_text

            title, body = markdown_to_text(_MDX_MODULE_LINE.sub("", text) if suffix == ".mdx" else text)
        elif fmt == "html":
            from ingest.manuals.html import html_to_text

            title, body = html_to_text(text)
        elif fmt == "asciidoc":
            from ingest.manuals.asciidoc import asciidoc_to_text

            title, body = asciidoc_to_text(text)
        elif fmt == "rst":
            title, body = _rst(text, path, result)
        else:
            title, body = plain_text_to_blocks(text)
        if not body.strip():
            raise IngestError(f"{path}: no text left after removing markup")
        result.documents.append(
            SourceDocument(
                text=body,
                source=path.resolve().as_posix(),
                doc_type="manual",
                title=title or path.stem,
                metadata={"format": suffix.lstrip(".")},
            )
        )
        return result


def _rst(text: str, path: Path, result: LoadResult) -> tuple[str | None, str]:
    from ingest.manuals.rst import rst_to_text

    try:
        return rst_to_text(text)
    except Exception as exc:  # docutils on markup it cannot take: the words still count
        result.warnings.append(f"{path}: read as plain text, reStructuredText parser failed ({type(exc).__name__})")
        return plain_text_to_blocks(text)


def load_manual(path: Path, max_file_mb: float = 200.0) -> LoadResult:
    """Convenience dispatcher: ``ManualLoader(max_file_mb).load(path)``."""
    return ManualLoader(max_file_mb).load(path)
