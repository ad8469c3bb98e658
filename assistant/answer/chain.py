"""The answer chain: question -> route -> cited answer (or an honest decline).

Routes, tried in order:
- ``history``: counting / latest / ranking questions over work orders go to a structured
  query (similarity search cannot count), ``assistant/answer/routes.py``;
- ``sensor``: highest / lowest / mean / limit-crossing questions about one asset's signal are
  read from the sensor summaries' figures (``assistant/sensors/``);
- ``rag``: hybrid retrieval, an evidence gate, generation with numbered sources, then citation
  and number checks (``assistant/answer/rag.py``); when the gate or the model finds no answer
  it becomes ``abstain``: say what was searched and show the nearest sources.
"""

from __future__ import annotations

import time
from typing import Callable, Mapping, Sequence

from assistant.answer.generate import TokenCallback
from assistant.answer.grounding.judge import AnswerabilityJudge
from assistant.answer.protocols import Route, RouteResult
from assistant.answer.rag import RagAnswerer, SourcesCallback
from assistant.answer.scope import QuestionScope, points_back
from assistant.answer.spelling import RouteSpelling
from assistant.types import Answer, ChatMessage, Flag, Generator
from index.types import ScoredChunk

__all__ = ["AnswerChain", "SourcesCallback", "TokenCallback"]

Turn = ChatMessage | dict[str, str]  # a conversation turn; the chat session stores plain dicts


class AnswerChain:
    """Answer maintenance questions from the indexed documents with checked citations.
    Built by ``assistant.wiring.Container.chain``; the same code path serves CLI, chat and evaluation.

    >>> chain.answer("What torque for the water inlet nuts?").text              # doctest: +SKIP
    'Tighten the two nuts to 8.8 N·m (5S-FE) [1].'
    """

    def __init__(self, scope: QuestionScope, routes: Sequence[Route], rag: RagAnswerer, *,
                 prompt_version: str, corpus_terms: Callable[[], Mapping[str, float]] | None = None) -> None:
        self.scope = scope
        self.routes = list(routes)
        self.rag = rag
        self.prompt_version = prompt_version
        # the routes read the question with shorthand written out and typos mended; ``corpus_terms`` (the index's
        # search terms) keeps the documents' own words as written; without them, shorthand only
        self.spelling = RouteSpelling(corpus_terms)

    @property
    def generator(self) -> Generator:
        """The LLM (the chat app loads it at start-up)."""
        return self.rag.writer.generator

    @property
    def judge(self) -> AnswerabilityJudge | None:
        """The answerability judge, when ``answer.judge`` is on (the chat app loads its model at start-up)."""
        return self.rag.judge

    def retrieve(self, question: str, asset: str | None = None, conversation: Sequence[Turn] = (),
                 k: int | None = None) -> list[ScoredChunk]:
        """The chunks ``answer`` would use (``k`` overrides the number, for recall@10 in evaluation)."""
        turns = as_messages(conversation)
        query = self.scope.condense(question, turns)
        return self.rag.retrieve(query, self.scope.assets(question, asset, turns), k, alone=question)

    def answer(self, question: str, *, asset: str | None = None, conversation: Sequence[Turn] = (),
               on_sources: SourcesCallback | None = None, on_token: TokenCallback | None = None) -> Answer:
        t0 = time.perf_counter()
        turns = as_messages(conversation)
        query = self.scope.condense(question, turns)
        assets = self.scope.assets(question, asset, turns)
        generator = self.generator
        answer = Answer(question=question, text="", asset=assets[0] if len(assets) == 1 else asset,
                        standalone_query=query, model_id=generator.model_id, adapter_id=generator.adapter_id,
                        prompt_version=self.prompt_version)
        # the routes read English phrases ("hw many wos", "how mnay" spelled out): the condensed query, or first the
        # question as asked when it is a question of its own (``_asked_anew``)
        asked = (question, query) if query != question and self._asked_anew(question, turns, assets) else (query,)
        for text in dict.fromkeys(self.spelling.spell(q) for q in asked):
            for route in self.routes:
                found = route.answer(text, assets)
                if found is not None:
                    return _direct(answer, route.name, found, on_sources, on_token, t0)
        return self.rag.answer(answer, turns, assets, on_sources, on_token, t0)

    def _asked_anew(self, question: str, turns: list[ChatMessage], assets: list[str]) -> bool:
        """A short question after one no route answers, with no word pointing back: "how many wos on chiller 9"
        after "what refrigerant does chiller 3 use" is counted as asked, not mixed with it. After a route's own
        question, a short one is its follow-up ("and how many of those were end of life?", "and in 2020?")."""
        if points_back(question):
            return False
        earlier = next((m.content for m in reversed(turns) if m.role == "user"), "")
        spelled = self.spelling.spell(earlier)
        return not any(route.answer(spelled, assets) is not None for route in self.routes)


def _direct(answer: Answer, route: str, found: RouteResult, on_sources: SourcesCallback | None,
            on_token: TokenCallback | None, t0: float) -> Answer:
    """A structured route's answer, streamed whole (its figures were computed, not generated); a decline when
    the records hold the job but not what was asked about it."""
    answer.text, answer.citations, answer.route = found.text, found.citations, route
    if found.declined:
        answer.abstained, answer.route, answer.declined_by = True, "abstain", "before the model"
        answer.flags.append(Flag("abstained", found.declined))
    answer.timings["sources_s"] = answer.timings["first_token_s"] = time.perf_counter() - t0
    if on_sources is not None:
        on_sources(answer.citations)
    if on_token:
        on_token(answer.text)
    answer.timings["total_s"] = time.perf_counter() - t0
    return answer


def as_messages(conversation: Sequence[Turn]) -> list[ChatMessage]:
    return [m if isinstance(m, ChatMessage) else ChatMessage(m["role"], m["content"]) for m in conversation or ()]
