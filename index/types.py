"""Interfaces of the index layer: small Protocols with one required method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np

from ingest.types import Chunk


@dataclass
class Filters:
    """Metadata filters. They fail closed: a filter that matches nothing returns nothing.

    ``asset`` matches a chunk's asset id exactly (case-insensitive); ``doc_types``
    keeps only those types; dates are ISO strings compared on the chunk's ``date``
    (chunks without a date are dropped when a date bound is set).
    """

    asset: str | None = None
    doc_types: tuple[str, ...] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def matches(self, chunk: Chunk) -> bool:
        if self.asset is not None and (chunk.asset or "").lower() != self.asset.lower():
            return False
        if self.doc_types is not None and chunk.doc_type not in self.doc_types:
            return False
        if self.date_from is not None and (chunk.date is None or chunk.date < self.date_from):
            return False
        if self.date_to is not None and (chunk.date is None or chunk.date > self.date_to):
            return False
        return True

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.asset, self.doc_types, self.date_from, self.date_to))


@dataclass
class ScoredChunk:
    """A retrieved chunk with the scores that put it there."""

    chunk: Chunk
    score: float  # fused score (RRF) or the single retriever's score
    dense_score: float | None = None  # cosine similarity, when the dense retriever saw it
    bm25_score: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)  # retriever name -> 1-based rank


class IndexMismatchError(RuntimeError):
    """The index on disk was built with another embedder (model, backend or dimension)."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    dim: int

    def embed_batch(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray: ...


class Retriever(Protocol):
    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]: ...
