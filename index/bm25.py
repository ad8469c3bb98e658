"""Keyword retrieval: BM25 (the maintained ``bm25s`` library) over ``ingest.text.search_terms``.

Codes stay whole *and* give their parts, so ``P/N 4471-22`` is found by ``4471-22``, ``4471``
and ``447122`` (see ``ingest/text/tokenize.py``).

Filtering happens after scoring over *all* rows (``top(..., mask=...)``), so a filter never
depends on a candidate cut-off: it is exact and fails closed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from ingest.text import SEARCH_TERMS_VERSION
from ingest.text import search_terms as tokenize

__all__ = ["BM25Index", "tokenize"]


class BM25Index:
    """BM25 over chunk texts, rows in the store's chunk order.

    >>> bm = BM25Index.build(["Alarm E-204: low oil", "Torque 45 Nm"])
    >>> bm.top("e-204", k=5)  # doctest: +ELLIPSIS
    [(0, ...)]
    """

    def __init__(self, retriever, n_docs: int, terms_version: int = SEARCH_TERMS_VERSION):
        self._retriever = retriever  # None for an empty corpus
        self.n_docs = n_docs
        # Which ``search_terms`` built it: an index saved by an older tokeniser must be rebuilt,
        # or a query's terms would miss the stored ones ("fail" against "failure").
        self.terms_version = terms_version
        self._common: tuple[float, frozenset[str]] | None = None  # (share, terms), computed once
        self._shares: dict[str, float] | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> "BM25Index":
        if len(texts) == 0:
            return cls(None, 0)
        import bm25s

        retriever = bm25s.BM25()
        retriever.index([tokenize(t) for t in texts], show_progress=False)
        return cls(retriever, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for the query (zeros where no query term occurs)."""
        tokens = tokenize(query)
        if self._retriever is None or not tokens:
            return np.zeros(self.n_docs, dtype=np.float32)
        known = [t for t in tokens if t in self._retriever.vocab_dict]
        if not known:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    # Below this many rows a corpus's own subject words reach any share: in one short manual "valve"
    # and "pressure" are in most chunks, and ignoring them picked the wrong line to quote.
    MIN_ROWS_FOR_COMMON = 50

    def common_terms(self, share: float) -> frozenset[str]:
        """Terms found in at least ``share`` of the rows: the function words of whatever language the
        corpus is written in ("de", "la", "el"), which no word list of ours has to know; none for a
        corpus of fewer than ``MIN_ROWS_FOR_COMMON`` rows.

        >>> rows = ["la vis de la pompe", "le filtre de la pompe", "alarme E-204"] * 17
        >>> sorted(BM25Index.build(rows).common_terms(0.6))
        ['de', 'la', 'pomp']
        """
        if self._common is None or self._common[0] != share:
            self._common = (share, frozenset(t for t, s in self.term_shares().items() if s >= share))
        return self._common[1]

    def term_shares(self) -> dict[str, float]:
        """Each term's share of the rows that hold it; empty below ``MIN_ROWS_FOR_COMMON`` rows.

        >>> shares = BM25Index.build(["la vis de la pompe", "le filtre de la pompe", "alarme E-204"] * 17).term_shares()
        >>> round(shares["pomp"], 3), round(shares["filtr"], 3)
        (0.667, 0.333)
        """
        if self._retriever is None or self.n_docs < self.MIN_ROWS_FOR_COMMON:
            return {}
        if self._shares is None:
            indptr = np.asarray(self._retriever.scores["indptr"])
            rows_with = np.diff(indptr)  # the score matrix has one column per term: its rows are the term's
            self._shares = {t: float(rows_with[i]) / self.n_docs for t, i in self._retriever.vocab_dict.items()
                            if t and i < len(rows_with)}
        return self._shares

    def top(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best ``k`` rows with a positive score, restricted to ``mask`` (bool per row) when given."""
        if k <= 0 or self.n_docs == 0:
            return []
        return self.top_from_scores(self.scores(query), k, mask)

    def top_from_scores(self, scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[int, float]]:
        """``top`` for scores already computed with ``scores`` (the hybrid retriever reuses them)."""
        if k <= 0 or self.n_docs == 0:
            return []
        if mask is not None:
            if mask.shape != (self.n_docs,):
                raise ValueError(f"mask has shape {mask.shape}, expected ({self.n_docs},)")
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        if hits.size == 0:
            return []
        if hits.size > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        # Stable order: higher score first, then lower row (earlier chunk) for ties.
        order = sorted(hits.tolist(), key=lambda r: (-float(scores[r]), r))
        return [(r, float(scores[r])) for r in order]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "meta.json").write_text(json.dumps({"n_docs": self.n_docs, "terms_version": self.terms_version}), encoding="utf-8")
        if self._retriever is not None:
            self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> "BM25Index":
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            raise FileNotFoundError(f"{meta_path} is missing: the BM25 index folder is incomplete")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        n_docs, version = int(meta["n_docs"]), int(meta.get("terms_version", 1))
        if n_docs == 0:
            return cls(None, 0, version)
        import bm25s

        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(retriever, n_docs, version)
