"""What the ingest pipeline needs from the index and the history database, as Protocols.

Declared here, at the lower layer, so ingest never imports ``index``: ``index.store.IndexStore``
and ``index.store_io.PendingEmbeddings`` satisfy them.
"""

from __future__ import annotations

from typing import Callable, Iterable, Protocol, Sequence

from ingest.types import Chunk, WorkOrderRecord


class EmbeddingsAhead(Protocol):
    """Chunk texts embedded while later files are still being read (``PendingEmbeddings``)."""

    seconds: float  # time spent embedding so far

    def add(self, texts: Iterable[str]) -> None: ...

    def flush(self) -> None: ...


class IndexWriter(Protocol):
    """The index store as the pipeline uses it (``index.store.IndexStore``)."""

    def refresh(self) -> bool: ...

    def reembed_if_stale(self) -> int: ...

    def source_hashes(self) -> dict[str, str]: ...

    def source_stamps(self) -> dict[str, tuple[int, int]]: ...

    def pending_embeddings(self, on_embedded: Callable[[int], None] | None = None) -> EmbeddingsAhead: ...

    def apply(self, upserts: dict[str, tuple[str, list[Chunk]]], deletes: Sequence[str] = (), *,
              pending: EmbeddingsAhead | None = None, stamps: dict[str, tuple[int, int]] | None = None) -> None: ...


class WorkOrderSink(Protocol):
    """Where structured work-order rows go (the history database)."""

    def replace_source(self, source: str, records: list[WorkOrderRecord]) -> None: ...

    def delete_source(self, source: str) -> None: ...


class OpenOnFirstWrite:
    """A ``WorkOrderSink`` opened when the pipeline first writes to it: re-ingesting unchanged files never
    does, and opening the work-order database (SQLAlchemy import, migrations) costs more than the rest of
    such a run."""

    def __init__(self, open_sink: Callable[[], WorkOrderSink]) -> None:
        self._open = open_sink

    def replace_source(self, source: str, records: list[WorkOrderRecord]) -> None:
        self._open().replace_source(source, records)

    def delete_source(self, source: str) -> None:
        self._open().delete_source(source)
