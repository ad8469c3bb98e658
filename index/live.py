"""A retriever that follows whichever index version is live (``IndexStore.retriever`` returns one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from index.fusion import Fusion
from index.hybrid import HybridRetriever

if TYPE_CHECKING:
    from index.store import IndexStore


class LiveRetriever:
    """HybridRetriever API over whichever version of the store is live at call time.

    Long-lived holders (the wiring caches one retriever) would otherwise keep serving the
    version that was live when they were built. Re-binding costs one pass over the chunk ids.
    """

    def __init__(self, store: "IndexStore", config: dict[str, Any]):
        self._store = store
        self._config = config
        self._bound: tuple[Any, HybridRetriever] | None = None

    def _current(self) -> HybridRetriever:
        self._store.refresh()  # one stat: a version an ingest swapped in is served from the next query on
        snap, bound = self._store._snapshot, self._bound  # the store's own module-private snapshot, read-only
        if bound is None or bound[0] is not snap:
            bound = (snap, self._store.snapshot_retriever(**self._config))
            self._bound = bound  # a single assignment: concurrent readers see old or new, never half
        return bound[1]

    def retrieve(self, query: str, k: int, filters=None):
        return self._current().retrieve(query, k, filters)

    def dense(self, query: str, k: int, filters=None):
        return self._current().dense(query, k, filters)

    def keyword(self, query: str, k: int, filters=None):
        return self._current().keyword(query, k, filters)

    def dense_scores(self, query: str, chunk_ids):
        return self._current().dense_scores(query, chunk_ids)

    @property
    def fusion(self) -> Fusion:
        return self._current().fusion

    def __getattr__(self, name: str):
        if name.startswith("_"):  # never recurse through our own private attributes
            raise AttributeError(name)
        return getattr(self._current(), name)
