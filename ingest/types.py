"""Our own data types for documents and chunks.

Every stage passes these around; LangChain ``Document`` objects are made from
them in exactly one place (``index/langchain_adapter.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

DocType = Literal["manual", "work_order", "sensor", "record"]
"""manual: prose manuals; work_order: fault logs / work orders (one per record);
sensor: generated per-asset sensor summaries; record: any other table row
(FMEA rows, failure-code catalogues, alert rules ...)."""


def content_hash(text: str) -> str:
    """Short, stable sha256 of a text (hex, 16 chars) used for dedupe and ids."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class SourceDocument:
    """One citable unit as loaded from a file, before chunking.

    A PDF page, a Markdown/HTML section tree, one work order, one sensor summary.
    ``source`` is the absolute POSIX path of the file it came from.
    """

    text: str
    source: str
    doc_type: DocType
    title: str | None = None
    page: int | None = None
    section: str | None = None  # "Thermostat > Inspection of thermostat"
    record_id: str | None = None  # work-order id or row id: the citable record
    asset: str | None = None  # canonical asset id, when known
    date: str | None = None  # ISO 8601 date (YYYY-MM-DD) when known
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Chunk:
    """A retrievable piece of a SourceDocument, with all its source metadata.

    ``chunk_id`` is deterministic (source + position + text hash) so re-ingesting
    an unchanged file reproduces the same ids.
    """

    chunk_id: str
    text: str
    source: str
    doc_type: DocType
    title: str | None = None
    page: int | None = None
    section: str | None = None
    record_id: str | None = None
    asset: str | None = None
    date: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        return cls(**data)

    def citation_label(self) -> str:
        """Human label for a citation: file name plus page / section / record."""
        name = self.source.rsplit("/", 1)[-1]
        parts = [name]
        if self.record_id:
            parts.append(self.record_id)
        if self.page is not None:
            parts.append(f"p. {self.page}")
        if self.section and not self.record_id:
            parts.append(self.section)
        return " · ".join(parts)


def make_chunk_id(source: str, ordinal: int, text: str) -> str:
    return content_hash(f"{source}\x00{ordinal}\x00{text}")


@dataclass
class WorkOrderRecord:
    """A work order / fault-log row kept as structured data for counting and ranking questions.

    ``record_id`` is the citable id (``WO259747``); ``asset`` the canonical asset id and
    ``asset_name`` its human name ("Chiller 13"). Dates are ISO ``YYYY-MM-DD``.
    """

    record_id: str
    source: str
    description: str
    asset: str | None = None
    asset_name: str | None = None
    date: str | None = None
    failure_code: str | None = None
    failure_description: str | None = None
    failure_mode: str | None = None
    component: str | None = None
    cause: str | None = None
    action: str | None = None
    parts: str | None = None
    work_type: str | None = None  # corrective / preventive / PM01 ...
    duration_hours: float | None = None
    cost: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class LoadResult:
    """What a loader returns for one file: documents, structured rows, and per-row problems."""

    documents: list[SourceDocument] = field(default_factory=list)
    work_orders: list[WorkOrderRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # "file.csv line 17: missing wo_id; row skipped"


class IngestError(Exception):
    """A file could not be ingested. The message names the file (and line, when known)."""
