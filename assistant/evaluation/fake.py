"""Scripted stand-ins for the answer chain and retriever, for unit tests of the harness.

They follow the real interfaces (``AnswerChain.answer`` / ``.retrieve``,
``HybridRetriever.dense`` / ``.keyword`` / ``.retrieve``) and return fixed values::

    chain = FakeAnswerChain(answers={"Q?": Answer(question="Q?", text="A [1].")},
                            retrievals={"Q?": [scored_chunk]})
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

from assistant.types import Answer, ChatMessage
from index.types import ScoredChunk


class FakeAnswerChain:
    """Answers and retrievals looked up by question; unknown questions abstain / retrieve nothing.

    ``calls`` records (question, asset, conversation) so tests can check what the runner passed.
    A question mapped to an exception instance raises it, to test error handling.
    """

    def __init__(self, answers: Mapping[str, Answer | Exception] | None = None,
                 retrievals: Mapping[str, Sequence[ScoredChunk]] | None = None,
                 tokens_per_answer: int = 3):
        self.answers = dict(answers or {})
        self.retrievals = dict(retrievals or {})
        self.tokens_per_answer = tokens_per_answer
        self.calls: list[tuple[str, str | None, list[ChatMessage]]] = []

    def retrieve(self, question: str, asset: str | None = None,
                 conversation: Sequence[ChatMessage] = ()) -> list[ScoredChunk]:
        return list(self.retrievals.get(question, []))

    def answer(self, question: str, *, asset: str | None = None, conversation: Sequence[ChatMessage] = (),
               on_sources: Callable[..., Any] | None = None,
               on_token: Callable[[str], Any] | None = None) -> Answer:
        self.calls.append((question, asset, list(conversation)))
        scripted = self.answers.get(question)
        if isinstance(scripted, Exception):
            raise scripted
        answer = scripted or Answer(question=question, text="I could not find this in the documents.",
                                    abstained=True, route="abstain")
        if on_sources:
            on_sources(answer.citations)
        if on_token:
            for _ in range(self.tokens_per_answer):
                on_token("x")
        return replace(answer)


class FakeRetriever:
    """Fixed rankings per method (``dense``, ``keyword``, ``retrieve``) and question."""

    def __init__(self, rankings: Mapping[str, Mapping[str, Sequence[ScoredChunk]]]):
        self.rankings = rankings

    def _get(self, method: str, query: str, k: int) -> list[ScoredChunk]:
        return list(self.rankings.get(method, {}).get(query, []))[:k]

    def dense(self, query: str, k: int, filters: Any = None) -> list[ScoredChunk]:
        return self._get("dense", query, k)

    def keyword(self, query: str, k: int, filters: Any = None) -> list[ScoredChunk]:
        return self._get("keyword", query, k)

    def retrieve(self, query: str, k: int, filters: Any = None) -> list[ScoredChunk]:
        return self._get("retrieve", query, k)
