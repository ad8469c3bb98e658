"""In-memory stand-ins for the index store, the chunker and the work-order sink (pipeline unit tests)."""

from __future__ import annotations

from index.embedder import FakeHashEmbedder
from index.store_io import PendingEmbeddings
from ingest.types import Chunk, SourceDocument, WorkOrderRecord, make_chunk_id


class FakeChunker:
    """One chunk per document, carrying all its metadata."""

    def split(self, doc: SourceDocument, ordinal_start: int = 0) -> list[Chunk]:
        return [Chunk(chunk_id=make_chunk_id(doc.source, ordinal_start, doc.text), text=doc.text,
                      source=doc.source, doc_type=doc.doc_type, title=doc.title, page=doc.page,
                      section=doc.section, record_id=doc.record_id, asset=doc.asset, date=doc.date,
                      metadata=dict(doc.metadata))]


class FakeIndexStore:
    """The IndexStore interface the pipeline uses, in memory. ``fail`` makes apply raise (crash test).

    Embeds with the hash fake through the real ``PendingEmbeddings``; ``embedded`` lists the texts
    in the order they reached the embedder.
    """

    def __init__(self) -> None:
        self.sources: dict[str, tuple[str, list[Chunk]]] = {}
        self.stamps: dict[str, tuple[int, int]] = {}
        self.apply_calls = 0
        self.fail = False
        self.embedded: list[str] = []
        self.embedded_before_apply: list[int] = []
        self.group = 256  # texts per embedding call (PendingEmbeddings' group)

    def source_hashes(self) -> dict[str, str]:
        return {s: h for s, (h, _) in self.sources.items()}

    def source_stamps(self) -> dict[str, tuple[int, int]]:
        return dict(self.stamps)

    def reembed_if_stale(self) -> int:
        return 0  # one embedder for the fake's whole life

    def pending_embeddings(self, on_embedded=None) -> PendingEmbeddings:
        store = self

        class Recording(FakeHashEmbedder):
            def embed_batch(self, texts, *, query=False):
                store.embedded.extend(texts)
                return super().embed_batch(texts, query=query)

        known = {c.content_hash for c in self.chunks()}
        return PendingEmbeddings(Recording(), known=known, group=self.group, on_embedded=on_embedded)

    def apply(self, upserts: dict[str, tuple[str, list[Chunk]]], deletes: list[str], *, pending=None,
              stamps=None) -> None:
        self.apply_calls += 1
        self.embedded_before_apply.append(len(self.embedded))
        if self.fail:
            raise RuntimeError("disk full")
        if pending is not None:
            pending.add(c.text for _, chunks in upserts.values() for c in chunks)
            pending.flush()
        new = dict(self.sources)
        for source in deletes:
            new.pop(source, None)
        new.update(upserts)
        self.sources = new  # swap at the end, like the real store
        self.stamps = {s: v for s, v in {**self.stamps, **(stamps or {})}.items() if s in new}

    def chunks(self) -> list[Chunk]:
        return [c for _, chunks in self.sources.values() for c in chunks]


class FakeWorkOrderSink:
    def __init__(self) -> None:
        self.by_source: dict[str, list[WorkOrderRecord]] = {}

    def replace_source(self, source: str, records: list[WorkOrderRecord]) -> None:
        self.by_source[source] = list(records)

    def delete_source(self, source: str) -> None:
        self.by_source.pop(source, None)
