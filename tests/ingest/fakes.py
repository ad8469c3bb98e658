"""In-memory stand-ins for the index store, the chunker and the work-order sink (pipeline unit tests)."""

from __future__ import annotations

from ingest.types import Chunk, SourceDocument, WorkOrderRecord, make_chunk_id


class FakeChunker:
    """One chunk per document, carrying all its metadata."""

    def split(self, doc: SourceDocument, ordinal_start: int = 0) -> list[Chunk]:
        return [Chunk(chunk_id=make_chunk_id(doc.source, ordinal_start, doc.text), text=doc.text,
                      source=doc.source, doc_type=doc.doc_type, title=doc.title, page=doc.page,
                      section=doc.section, record_id=doc.record_id, asset=doc.asset, date=doc.date,
                      metadata=dict(doc.metadata))]


class FakeIndexStore:
    """The IndexStore interface the pipeline uses, in memory. ``fail`` makes apply raise (crash test)."""

    def __init__(self) -> None:
        self.sources: dict[str, tuple[str, list[Chunk]]] = {}
        self.apply_calls = 0
        self.fail = False

    def source_hashes(self) -> dict[str, str]:
        return {s: h for s, (h, _) in self.sources.items()}

    def apply(self, upserts: dict[str, tuple[str, list[Chunk]]], deletes: list[str]) -> None:
        self.apply_calls += 1
        if self.fail:
            raise RuntimeError("disk full")
        new = dict(self.sources)
        for source in deletes:
            new.pop(source, None)
        new.update(upserts)
        self.sources = new  # swap at the end, like the real store

    def chunks(self) -> list[Chunk]:
        return [c for _, chunks in self.sources.values() for c in chunks]


class FakeWorkOrderSink:
    def __init__(self) -> None:
        self.by_source: dict[str, list[WorkOrderRecord]] = {}

    def replace_source(self, source: str, records: list[WorkOrderRecord]) -> None:
        self.by_source[source] = list(records)

    def delete_source(self, source: str) -> None:
        self.by_source.pop(source, None)
