"""What the model reads: the source lines closest in meaning to the question, within a budget.

Word overlap with the question cut half of the needed facts before the model saw them (the value
sits on the line after the matching label, or is worded differently, or in another language).
Each line is scored by the embedder against the question instead; nothing here knows a language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from assistant.textutil import split_sentences
from index.types import Embedder


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
    """Ranks source lines by cosine with the question and keeps a prompt's worth of the best."""

    def __init__(self, embedder: Embedder, long_line: int) -> None:
        self.embedder = embedder
        self.long_line = long_line

    def rank(self, query: str, sources: dict[int, str]) -> list[tuple[float, Unit]]:
        """Every unit of ``sources`` with its cosine to ``query``, best first (ties: source, line order)."""
        cands = [u for n, text in sources.items() for u in units(text.strip(), self.long_line, n)]
        if not cands:
            return []
        vectors = np.asarray(self.embedder.embed_batch([u.text for u in cands]), dtype=np.float32)
        q = np.asarray(self.embedder.embed_batch([query], query=True), dtype=np.float32)[0]
        scores = vectors @ q
        order = np.argsort(-scores, kind="stable")
        return [(float(scores[j]), cands[j]) for j in order]

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

