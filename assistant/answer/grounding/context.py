"""What the model reads: the source lines closest in meaning to the question, within a budget.

Word overlap with the question cut half of the needed facts before the model saw them (the value
sits on the line after the matching label, or is worded differently, or in another language).
Each line is scored by the embedder against the question instead. The bundled embedder reads
English; on a German manual its ranking is weak. So the lines may be read by a second, multilingual
embedder when the first one's vocabulary splits their words into many pieces (a language it was not
trained on: English manuals ~1.1 pieces a word, German ~2.1), or fused (``meaning_and_terms``) with a
ranking by the question's words each line holds, weighted by their rarity in the corpus. Nothing
here knows a language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol, Sequence

import numpy as np

from assistant.textutil import content_terms, split_sentences
from index.fusion import RRF_K
from index.types import Embedder


_WORD = re.compile(r"[^\W\d_]{2,}")  # letters only: numbers and part codes split into pieces in any language


class PieceCounter(Protocol):
    """The embedder's tokenizer: how many word pieces ``text`` becomes (``ingest.tokens.MiniLMTokenCounter``)."""

    def count(self, text: str) -> int: ...


class ReaderChoice:
    """Which embedder reads a question's lines: the index's own, unless its tokenizer cuts their words into
    more than ``max_pieces`` pieces a word on average (text in a language it barely knows), then ``other``.

    >>> class Chars:  # a fake tokenizer: one piece per letter
    ...     def count(self, text): return sum(c.isalpha() for c in text)
    >>> choice = ReaderChoice("own", "other", Chars(), max_pieces=2.5)
    >>> choice.pick(["to be"]), choice.pick(["Wasserstandssensor 20mm"])
    ('own', 'other')
    """

    def __init__(self, own: Embedder, other: Embedder, counter: PieceCounter, max_pieces: float) -> None:
        self.own, self.other, self.counter, self.max_pieces = own, other, counter, max_pieces

    def pieces_per_word(self, texts: Sequence[str]) -> float:
        words = [w for t in texts for w in _WORD.findall(t)]
        # a word piece never spans a space, so the joined words count as the sum of the words
        return self.counter.count(" ".join(words)) / len(words) if words else 0.0

    def pick(self, texts: Sequence[str]) -> Embedder:
        return self.other if self.pieces_per_word(texts) > self.max_pieces else self.own


@dataclass(frozen=True)
class Unit:
    """One line of a source below its heading (or one sentence / field of a long line)."""

    source: int  # index (or citation number) of the source
    line: int
    text: str
    part: int = 0  # the sentence's place within its line


def units(text: str, long_line: int, source: int = 0) -> list[Unit]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    out: list[Unit] = []
    for i, line in enumerate(lines[1:], start=1):
        parts = split_sentences(line) if len(line) > long_line else [line]
        out.extend(Unit(source, i, p.strip(), j) for j, p in enumerate(q for q in parts if q.strip()))
    return out


class ContextSelector:
    """Ranks source lines by cosine with the question (fused with a ranking by the question's rarer
    words when ``term_shares`` is given) and keeps a prompt's worth of the best."""

    def __init__(self, embedder: Embedder | ReaderChoice, long_line: int,
                 term_shares: Callable[[], Mapping[str, float]] | None = None, rrf_k: int = RRF_K) -> None:
        self.embedder = embedder  # one embedder, or a choice between two by the lines' language
        self.long_line = long_line
        # each corpus term's share of the chunks holding it (empty for a small corpus: every word weighs 1)
        self.term_shares = term_shares
        self.rrf_k = rrf_k

    def rank(self, query: str, sources: dict[int, str]) -> list[tuple[float, Unit]]:
        """Every unit of ``sources`` with its score, best first (ties: source, line order): the cosine to
        ``query``, or with ``term_shares`` the reciprocal-rank fusion of the cosine and the term ranking."""
        cands = [u for n, text in sources.items() for u in units(text.strip(), self.long_line, n)]
        if not cands:
            return []
        texts = [u.text for u in cands]
        embedder = self.embedder.pick(texts) if isinstance(self.embedder, ReaderChoice) else self.embedder
        vectors = np.asarray(embedder.embed_batch(texts), dtype=np.float32)
        q = np.asarray(embedder.embed_batch([query], query=True), dtype=np.float32)[0]
        scores = vectors @ q
        if self.term_shares is not None:
            terms = self.term_scores(query, texts)
            # a line holding none of the question's words gets nothing from the term ranking
            by_terms = np.where(terms > 0, _reciprocal_ranks(terms, self.rrf_k), 0.0)
            scores = _reciprocal_ranks(scores, self.rrf_k) + by_terms
        order = np.argsort(-scores, kind="stable")
        return [(float(scores[j]), cands[j]) for j in order]

    def foreign_ranking(self, query: str, sources: dict[int, str]) -> list[tuple[str, int]]:
        """(line, source) best first when the lines are in a language the index embedder does not read (the
        multilingual reader ranked them), else nothing. The quoted lines are picked by the question's words, which
        a German compound or inflection defeats ("reicht" / "Reichweite"); there, this ranking picks them."""
        if not isinstance(self.embedder, ReaderChoice):
            return []
        texts = [u.text for n, text in sources.items() for u in units(text.strip(), self.long_line, n)]
        if self.embedder.pick(texts) is self.embedder.own:
            return []
        return [(u.text, u.source) for _, u in self.rank(query, sources)]

    def quote_ranking(self, query: str, sources: dict[int, str],
                      term_shares: Callable[[], Mapping[str, float]] | None) -> list[tuple[str, int]]:
        """(line, source) best first, for the lines quoted under the answer: ``foreign_ranking`` where the other
        reader reads them, else the cosine with the question fused with the ranking by its rarer words
        (``term_shares``, as ``meaning_and_terms`` ranks the prompt's lines); without ``term_shares``, only the
        foreign ranking. Ranked by words alone, a line holding the question's words but not its answer ("WiFi
        status" for "how long does the hotspot stay on") outranked the one that answers it."""
        foreign = self.foreign_ranking(query, sources)
        if foreign or term_shares is None:
            return foreign
        fused = ContextSelector(self.embedder, self.long_line, term_shares, self.rrf_k)
        return [(u.text, u.source) for _, u in fused.rank(query, sources)]

    def term_scores(self, query: str, texts: list[str]) -> np.ndarray:
        """Per text, the summed inverse document frequency of the question terms it holds (1 per term
        the statistics lack).

        >>> sel = ContextSelector(None, 220, lambda: {"pump": 0.1, "die": 0.9})  # terms as stemmed
        >>> [round(float(x), 2) for x in sel.term_scores("die Pumpe", ["die Pumpe", "die", "Ventil"])]
        [2.41, 0.11, 0.0]
        """
        shares = self.term_shares() if self.term_shares else {}
        asked = set(content_terms(query))
        idf = {t: math.log(1 / shares[t]) if shares.get(t) else 1.0 for t in asked}
        return np.asarray([sum(idf[t] for t in asked.intersection(content_terms(x))) for x in texts], dtype=np.float32)

    def select(self, query: str, sources: Sequence[str], budget_chars: int) -> list[str]:
        """Each source's heading plus the units nearest the question, chosen across all sources
        within ``budget_chars`` (headings included) and kept in document order (a step list reads as in the manual)."""
        texts = [s.strip() for s in sources]
        heads = [t.splitlines()[0] if t else "" for t in texts]
        used = sum(len(h) + 1 for h in heads if h)
        chosen: dict[int, list[Unit]] = {}
        for _, u in self.rank(query, dict(enumerate(texts))):
            if used + len(u.text) + 1 > budget_chars:
                continue
            chosen.setdefault(u.source, []).append(u)
            used += len(u.text) + 1
        out = []
        for i, head in enumerate(heads):
            body = [u.text for u in sorted(chosen.get(i, []), key=lambda u: (u.line, u.part))]
            out.append("\n".join([head, *body]) if head else "\n".join(body))
        return out


def _reciprocal_ranks(scores: np.ndarray, k: int) -> np.ndarray:
    """1 / (k + rank) of each score in descending order (rank 1-based, ties in input order), as in
    ``index.fusion.reciprocal_rank_fusion``."""
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
    return 1.0 / (k + ranks)
