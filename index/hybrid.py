"""Hybrid retrieval: dense (FAISS) + keyword (BM25), fused by ``index.fusion`` (convex or RRF).

Filters fail closed and are exact: the filter is turned into a row mask first; BM25 is scored
over all rows and masked, and dense search over a filtered subset is an exact dot product with
the subset's stored vectors (never a post-filtered top-40, which may hold none of them).
"""

from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from index.bm25 import BM25Index
from index.faiss_index import FaissIndex
from index.fusion import CANDIDATES, CONVEX_ALPHA, RRF_K, Fusion, FusionMode, convex_fusion, reciprocal_rank_fusion
from index.types import Embedder, Filters, ScoredChunk
from ingest.types import Chunk

# Filtered subsets up to this many rows are searched exactly by one matrix-vector product
# (50k x 384 floats ~ 5 ms on 2 cores); larger subsets go through FAISS with oversampling.
EXACT_SUBSET_LIMIT = 50_000
# IVF-PQ ranks by compressed codes; fetching 10x the wanted rows and re-scoring them exactly from
# the stored vectors lifts recall@10 from ~0.6 to >0.9 at <1 ms extra (benchmarks/README.md).
IVFPQ_OVERSAMPLE = 10


class HybridRetriever:
    """``retrieve(query, k, filters)`` over one immutable snapshot of the index.

    >>> retriever = store.retriever(rrf_k=60, candidates=40)          # doctest: +SKIP
    >>> hits = retriever.retrieve("E-204 on press 4", k=6, Filters(asset="PRESS-04"))  # doctest: +SKIP
    >>> hits[0].chunk.citation_label(), hits[0].dense_score, hits[0].ranks  # doctest: +SKIP
    """

    def __init__(
        self,
        chunks: Sequence[Chunk],
        embedder: Embedder,
        faiss_index: FaissIndex,
        bm25: BM25Index,
        rrf_k: int = RRF_K,
        candidates: int = CANDIDATES,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
        *,
        vectors: np.ndarray | None = None,
        fusion: str = "convex",
        alpha: float = CONVEX_ALPHA,
    ):
        if candidates < 1:
            raise ValueError(f"candidates must be >= 1, got {candidates}")
        self.chunks = list(chunks)
        n = len(self.chunks)
        if faiss_index.ntotal != n or bm25.n_docs != n:
            raise ValueError(
                f"index parts disagree: {n} chunks, {faiss_index.ntotal} FAISS rows, {bm25.n_docs} BM25 rows"
            )
        self.embedder = embedder
        self.faiss_index = faiss_index
        self.bm25 = bm25
        self.candidates = candidates
        # Also what the answer chain merges its asset-scoped hits with (ScopedRetriever).
        self.fusion = Fusion(fusion, alpha, rrf_k,  # type: ignore[arg-type]  (a Settings string becomes the enum)
                             {"dense": dense_weight, "bm25": bm25_weight})
        if vectors is None:
            vectors = faiss_index.index.reconstruct_n(0, n) if n else np.zeros((0, faiss_index.dim), np.float32)
        self.vectors = vectors
        self._row_of = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self._masks: dict[str, np.ndarray] = {}
        self._mask_lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------
    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]:
        mask = self._mask(filters)
        if k <= 0 or not self.chunks or (mask is not None and not mask.any()):
            return []
        n_cand = max(self.candidates, k)
        qvec = self._embed(query)
        dense_hits = self._dense_rows(qvec, n_cand, mask)
        bm25_all = self.bm25.scores(query)
        bm25_hits = self.bm25.top_from_scores(bm25_all, n_cand, mask)
        if self.fusion.mode is FusionMode.CONVEX:
            union = list(dict.fromkeys([r for r, _ in dense_hits] + [r for r, _ in bm25_hits]))
            cos_all = self._cosines(qvec, union)
            fused = convex_fusion(list(zip(union, map(float, cos_all))),
                                  [(r, float(bm25_all[r])) for r in union], self.fusion.alpha)[:k]
        else:
            fused = reciprocal_rank_fusion(
                {"dense": [str(r) for r, _ in dense_hits], "bm25": [str(r) for r, _ in bm25_hits]},
                k=self.fusion.rrf_k,
                weights=self.fusion.weights,
            )[:k]
        dense_rank = {r: i for i, (r, _) in enumerate(dense_hits, start=1)}
        bm25_rank = {r: i for i, (r, _) in enumerate(bm25_hits, start=1)}
        rows = [int(key) for key, _ in fused]
        cosines = self._cosines(qvec, rows)
        out = []
        for (row, (_, score)), cosine in zip(zip(rows, fused), cosines):
            ranks = {}
            if row in dense_rank:
                ranks["dense"] = dense_rank[row]
            if row in bm25_rank:
                ranks["bm25"] = bm25_rank[row]
            bm25_score = float(bm25_all[row])
            out.append(
                ScoredChunk(
                    chunk=self.chunks[row],
                    score=float(score),
                    dense_score=float(cosine),
                    bm25_score=bm25_score if bm25_score > 0 else None,
                    ranks=ranks,
                )
            )
        return out

    def common_terms(self, share: float) -> frozenset[str]:
        """Search terms found in at least ``share`` of the chunks (``BM25Index.common_terms``)."""
        return self.bm25.common_terms(share)

    def term_shares(self) -> dict[str, float]:
        """Each search term's share of the chunks that hold it (``BM25Index.term_shares``)."""
        return self.bm25.term_shares()

    def dense(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]:
        mask = self._mask(filters)
        if k <= 0 or not self.chunks or (mask is not None and not mask.any()):
            return []
        hits = self._dense_rows(self._embed(query), k, mask)
        return [
            ScoredChunk(chunk=self.chunks[r], score=s, dense_score=s, ranks={"dense": i})
            for i, (r, s) in enumerate(hits, start=1)
        ]

    def keyword(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]:
        mask = self._mask(filters)
        if k <= 0 or not self.chunks or (mask is not None and not mask.any()):
            return []
        hits = self.bm25.top(query, k, mask)
        return [
            ScoredChunk(chunk=self.chunks[r], score=s, bm25_score=s, ranks={"bm25": i})
            for i, (r, s) in enumerate(hits, start=1)
        ]

    def dense_scores(self, query: str, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Cosine of the query against the given chunks (unknown ids are left out)."""
        known = [(cid, self._row_of[cid]) for cid in chunk_ids if cid in self._row_of]
        if not known:
            return {}
        cosines = self._cosines(self._embed(query), [row for _, row in known])
        return {cid: float(c) for (cid, _), c in zip(known, cosines)}

    # -- internals ----------------------------------------------------------------------------
    def _embed(self, query: str) -> np.ndarray:
        return np.asarray(self.embedder.embed_batch([query], query=True), dtype=np.float32)[0]

    def _cosines(self, qvec: np.ndarray, rows: Sequence[int]) -> np.ndarray:
        if not rows:
            return np.zeros(0, np.float32)
        return np.asarray(self.vectors[np.asarray(rows)], dtype=np.float32) @ qvec

    def _mask(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean row mask for active filters (cached per filter value); None when no filter."""
        if filters is None or not filters.active:
            return None
        key = repr(filters)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.fromiter((filters.matches(c) for c in self.chunks), dtype=bool, count=len(self.chunks))
            with self._mask_lock:
                if len(self._masks) > 256:  # bounded: filters come from user questions
                    self._masks.clear()
                self._masks[key] = mask
        return mask

    def _dense_rows(self, qvec: np.ndarray, k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Top-k (row, cosine), exact cosines, best first, restricted to the mask."""
        if mask is not None:
            allowed = np.flatnonzero(mask)
            if allowed.size <= EXACT_SUBSET_LIMIT:
                return _top_exact(np.asarray(self.vectors[allowed], dtype=np.float32) @ qvec, allowed, k)
        n = len(self.chunks)
        want = k * (IVFPQ_OVERSAMPLE if self.faiss_index.kind == "ivfpq" else 1)
        if mask is not None:
            want = min(n, want * max(2, 2 * n // max(1, int(mask.sum()))))
        while True:
            _, rows = self.faiss_index.search(qvec[None, :], want)
            rows = rows[0][rows[0] >= 0]
            if mask is not None:
                rows = rows[mask[rows]]
            if len(rows) >= k or want >= n:
                break
            want = min(n, want * 4)  # too few filtered hits among the approximate candidates
        # Re-score exactly from stored vectors: approximate (PQ) scores are not true cosines.
        return _top_exact(self._cosines(qvec, rows.tolist()), rows, k)


def _top_exact(scores: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
    if scores.size == 0:
        return []
    if scores.size > k:
        pick = np.argpartition(-scores, k - 1)[:k]
    else:
        pick = np.arange(scores.size)
    order = sorted(pick.tolist(), key=lambda i: (-float(scores[i]), int(rows[i])))
    return [(int(rows[i]), float(scores[i])) for i in order]
