"""Fusion: how a dense and a keyword ranking become one. All of it lives here, one mode enum.

``reciprocal_rank_fusion`` and ``convex_fusion`` are pure functions on hand-made lists; ``Fusion``
holds the chosen mode and its constants (from Settings), and is what the hybrid retriever and the
answer chain's asset scoping both call, so neither re-does a formula.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol, Sequence, runtime_checkable

from index.types import ScoredChunk


class FusionMode(str, Enum):
    """``convex``: alpha * cosine + (1 - alpha) * BM25 / max BM25; ``rrf``: reciprocal rank fusion."""

    CONVEX = "convex"
    RRF = "rrf"


# The fusion constants, defined once here; Settings (retrieval.*) takes its defaults from them.
RRF_K = 60  # Cormack et al. 2009
CONVEX_ALPHA = 0.7  # dense share, measured best on both QA sets (benchmarks/README.md)
CANDIDATES = 40  # taken from each ranking before fusion


def reciprocal_rank_fusion(
    rankings: dict[str, list[str]],
    k: int = RRF_K,
    weights: dict[str, float] | None = None,
) -> list[tuple[str, float]]:
    """Fuse several ranked id lists into one, best first.

    Each list contributes ``weight / (k + rank)`` to every id it ranks (rank is 1-based), and an
    id's fused score is the sum over lists. Only ranks matter, so a dense cosine and a BM25 score,
    which live on unrelated scales, combine without calibration.

    ``k`` damps the head of each list: with k=0, rank 1 scores 1.0 and rank 2 only 0.5, so one
    retriever's top hit counts as much as an id ranked second by both; with k=60, the value Cormack, Clarke and
    Büttcher found robust across TREC runs ("Reciprocal Rank Fusion outperforms Condorcet and
    individual rank learning methods", SIGIR 2009), rank 1 and rank 5 differ by only ~6 %,
    so agreement between retrievers dominates a single retriever's confidence.

    ``weights`` scale whole lists (missing names weigh 1.0). An id listed twice in one list
    counts at its best rank. Ties on the fused score keep the order in which ids were first
    seen, walking the lists in the given order, so the result is deterministic.

    Worked example (k=60):

    >>> fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "bm25": ["b", "d"]})
    >>> [(doc, round(score, 5)) for doc, score in fused]
    [('b', 0.03252), ('a', 0.01639), ('d', 0.01613), ('c', 0.01587)]

    b: 1/(60+2) + 1/(60+1) = 0.03252; a: 1/61; d: 1/62; c: 1/63.
    """
    if k < 0:
        raise ValueError(f"RRF k must be >= 0, got {k}")
    weights = weights or {}
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    for name, ranking in rankings.items():
        weight = float(weights.get(name, 1.0))
        seen_here: set[str] = set()
        for rank, doc_id in enumerate(ranking, start=1):
            if doc_id in seen_here:
                continue
            seen_here.add(doc_id)
            first_seen.setdefault(doc_id, len(first_seen))
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], first_seen[item[0]]))


def convex_score(cosine: float, bm25: float, top_bm25: float, alpha: float) -> float:
    """One chunk's convex score: its cosine and its BM25 score scaled by the query's best BM25 score."""
    return alpha * cosine + (1 - alpha) * bm25 / top_bm25


def convex_fusion(dense_hits: Sequence[tuple[int, float]], bm25_hits: Sequence[tuple[int, float]],
                  alpha: float) -> list[tuple[str, float]]:
    """``alpha * cosine + (1 - alpha) * bm25 / max_bm25`` over the union of both candidate lists.

    Unlike RRF, a chunk that one retriever ranks far ahead of everything else keeps that lead
    even when the other retriever missed it (RRF caps it at 1/(k+1)). On our sample QA and
    on the external dev QA (benchmarks/README.md) this lifted recall@5 from 0.87 to 0.93 and
    from 0.83 to 1.00; Bruch et al. (2023, "An analysis of fusion functions for hybrid
    retrieval") report the same pattern. Cosines already live in [-1, 1]; BM25 is scaled by
    the query's best BM25 score. A chunk missing from one list scores 0 for that part, except
    that ``HybridRetriever.retrieve`` passes exact cosines and BM25 scores for every chunk of the union.

    >>> convex_fusion([(1, 0.8), (2, 0.5)], [(2, 10.0), (3, 5.0)], alpha=0.5)
    [('2', 0.75), ('1', 0.4), ('3', 0.25)]
    """
    cos = dict(dense_hits)
    bm = dict(bm25_hits)
    top_bm = max(bm.values(), default=0.0) or 1.0
    scores = {row: convex_score(cos.get(row, 0.0), bm.get(row, 0.0), top_bm, alpha) for row in {**cos, **bm}}
    return [(str(row), round(score, 6)) for row, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


@dataclass(frozen=True)
class Fusion:
    """The fusion mode and its constants, validated once; every merge of two rankings goes through it.

    >>> Fusion(FusionMode.RRF, rrf_k=60).mode.value
    'rrf'
    """

    mode: FusionMode = FusionMode.CONVEX
    alpha: float = CONVEX_ALPHA  # dense share in convex fusion
    rrf_k: int = RRF_K  # see reciprocal_rank_fusion
    weights: dict[str, float] = field(default_factory=lambda: {"dense": 1.0, "bm25": 1.0})  # RRF list weights

    def __post_init__(self) -> None:
        if self.mode not in ("rrf", "convex") or not 0.0 <= self.alpha <= 1.0:
            raise ValueError(f"fusion must be rrf|convex and alpha within 0..1, got {self.mode!r}, {self.alpha}")
        object.__setattr__(self, "mode", FusionMode(self.mode))  # a Settings string becomes the enum
        if self.rrf_k < 0:
            raise ValueError(f"RRF k must be >= 0, got {self.rrf_k}")

    def merge_scoped(self, kept: list[ScoredChunk], scoped: list[ScoredChunk],
                     general: list[ScoredChunk]) -> list[ScoredChunk]:
        """Merge asset-filtered hits (``scoped``) into the unfiltered ones allowed for the asset (``kept``).

        Convex: a filtered search scales BM25 by the best score *within the asset*, which would
        inflate its hits; they are re-scored with the best BM25 of both searches, so untagged manual
        chunks and asset-tagged work orders stay comparable. RRF: the two rankings are fused
        (``general`` first, so ties favour it), without list weights.
        """
        if self.mode is FusionMode.CONVEX:
            top_bm25 = max((s.bm25_score or 0.0 for s in general + scoped), default=0.0) or 1.0
            merged: dict[str, ScoredChunk] = {s.chunk.chunk_id: s for s in kept}
            for s in scoped:
                if s.chunk.chunk_id not in merged:
                    score = convex_score(s.dense_score or 0.0, s.bm25_score or 0.0, top_bm25, self.alpha)
                    merged[s.chunk.chunk_id] = _rescored(s, score)
            return sorted(merged.values(), key=lambda s: -s.score)
        rankings = {"general": [s.chunk.chunk_id for s in kept], "asset": [s.chunk.chunk_id for s in scoped]}
        by_id = {s.chunk.chunk_id: s for s in scoped + kept}
        return [_rescored(by_id[cid], score) for cid, score in reciprocal_rank_fusion(rankings, k=self.rrf_k)]

    def merge_queries(self, alone: list[ScoredChunk], condensed: list[ScoredChunk]) -> list[ScoredChunk]:
        """One ranking from two queries: a follow-up as asked (``alone``) and joined to the question before it.

        Convex: each chunk scores the mean of its two scores (0 where a ranking lacks it; CombSUM, Fox and Shaw
        1994), so the result keeps the convex scale and a source both queries find leads; reciprocal ranks made
        the follow-ups' first source the expected one less often (benchmarks/README.md, "Two queries, one
        ranking"). RRF: the two rankings fused by rank. Ties keep ``alone`` first. The cosine is unset: it was
        taken with one of two queries.

        >>> from ingest.types import Chunk
        >>> def hit(name, score): return ScoredChunk(Chunk(name, "text", "m.md", "manual"), score)
        >>> merged = Fusion().merge_queries([hit("a", 0.6), hit("b", 0.5)], [hit("b", 0.8), hit("c", 0.7)])
        >>> [(s.chunk.chunk_id, round(s.score, 2)) for s in merged]
        [('b', 0.65), ('c', 0.35), ('a', 0.3)]
        """
        by_id = {s.chunk.chunk_id: s for s in condensed + alone}  # alone's copy wins (its BM25 and ranks)
        if self.mode is FusionMode.CONVEX:
            scores: dict[str, float] = {}
            for hits in (alone, condensed):
                for s in hits:
                    scores[s.chunk.chunk_id] = scores.get(s.chunk.chunk_id, 0.0) + s.score / 2
            fused = sorted(scores.items(), key=lambda kv: -kv[1])  # stable: alone's order first on a tie
        else:
            fused = reciprocal_rank_fusion({"alone": [s.chunk.chunk_id for s in alone],
                                            "condensed": [s.chunk.chunk_id for s in condensed]}, k=self.rrf_k)
        return [ScoredChunk(by_id[cid].chunk, score, None, by_id[cid].bm25_score, dict(by_id[cid].ranks))
                for cid, score in fused]


@runtime_checkable
class FusingRetriever(Protocol):
    """A retriever that says how it fuses (``HybridRetriever``, ``LiveRetriever``)."""

    @property
    def fusion(self) -> Fusion: ...


def _rescored(item: ScoredChunk, score: float) -> ScoredChunk:
    return ScoredChunk(item.chunk, score, item.dense_score, item.bm25_score, dict(item.ranks))
