"""Generation: the numbered sources cut to the prompt budget, the conversation so far, and the
model's streamed reply through a LangChain LCEL pipeline (prompt | chat model | string parser)."""

from __future__ import annotations

import re
import time
from typing import Callable

from assistant.answer.grounding.context import ContextSelector
from assistant.prompts import SYSTEM_PROMPT, USER_TEMPLATE, compress, format_conversation, format_sources
from assistant.types import Answer, ChatMessage, Citation, Generator

TokenCallback = Callable[[str], None]

# Share of the per-source character budget by rank: the budget leans towards the best-ranked
# sources (same total, hence the same time to the first token).
_RANK_WEIGHTS = [1.6, 1.3, 1.0, 0.8, 0.7, 0.6]


class SourcedGenerator:
    """Writes the model's answer from numbered sources.

    >>> writer = SourcedGenerator(generator, max_tokens=320, source_chars=250, prompt_turns=2)  # doctest: +SKIP
    """

    def __init__(self, generator: Generator, *, max_tokens: int, source_chars: int, prompt_turns: int,
                 selector: ContextSelector | None = None) -> None:
        self.generator = generator
        self.selector = selector
        self.max_tokens = max_tokens
        self.source_chars = source_chars
        self.prompt_turns = prompt_turns
        self._lcel = None
        self._template = None

    def budget(self, query: str, citations: list[Citation], sources: dict[int, str],
               source_chars: int | None = None) -> list[str]:
        """What the model reads of each source, ``source_chars`` per source on average (another size for
        the answerability judge's reading).

        With a ``selector``: the lines nearest ``query`` in meaning, chosen across all sources
        (the answer's line may be in the third source). Without: each source cut to its share
        by word overlap with ``query`` (``answer.context_selection=word_overlap``).
        """
        chars = source_chars or self.source_chars
        # a record the question names by its id ("restart_11194 - what was wrong") is read whole, up to two sources'
        # share (a row is ~300 characters): a table's rows read alike, so another row's lines outranked the named
        # row's and the model and the judge read its label only (benchmarks/README.md, "A record named by its id");
        # the other sources read what they would without it. Within half the budget, a named row read alone was
        # cut to 125 characters, before its problem text.
        named = [c.n for c in citations if names_record(query, c.record_id)]
        whole = {n: sources[n].strip()[:2 * chars] for n in named}
        rest = [c for c in citations if c.n not in whole]
        chosen = iter(self._select(query, rest, sources, chars * len(rest)))
        return [whole[c.n] if c.n in whole else next(chosen) for c in citations]

    def _select(self, query: str, citations: list[Citation], sources: dict[int, str], total: int) -> list[str]:
        if not citations:
            return []
        if self.selector is not None:
            return self.selector.select(query, [sources[c.n] for c in citations], total)
        chars = total / len(citations)
        weights = _RANK_WEIGHTS[:len(citations)] + [0.6] * max(0, len(citations) - len(_RANK_WEIGHTS))
        scale = len(weights) / sum(weights)
        return [compress(sources[c.n], query, int(chars * w * scale)) for c, w in zip(citations, weights)]

    def write(self, question: str, conversation: list[ChatMessage], citations: list[Citation], texts: list[str],
              answer: Answer, on_token: TokenCallback | None, t0: float) -> str:
        """Stream the reply (``on_token`` per piece); records the first-token time and token count."""
        pieces: list[str] = []
        for piece in self._pipeline().stream(self._inputs(question, conversation, citations, texts)):
            if not pieces:
                answer.timings["first_token_s"] = time.perf_counter() - t0
            pieces.append(piece)
            if on_token:
                on_token(piece)
        answer.output_tokens = len(pieces)
        return "".join(pieces).strip()

    def prompt(self, question: str, conversation: list[ChatMessage], citations: list[Citation],
               texts: list[str]) -> list[ChatMessage]:
        """The messages ``write`` sends the model (the answerability judge reads the same)."""
        from assistant.llm.langchain_chat import to_chat_messages

        return to_chat_messages(self._prompt_template().format_messages(
            **self._inputs(question, conversation, citations, texts)))

    def _inputs(self, question: str, conversation: list[ChatMessage], citations: list[Citation],
                texts: list[str]) -> dict[str, str]:
        turns = [(m.role, m.content) for m in conversation[-2 * self.prompt_turns:]] if self.prompt_turns else []
        return {"sources": format_sources([c.label for c in citations], texts),
                "conversation": format_conversation(turns), "question": question}

    def _prompt_template(self):
        """The system + user message template, built once (LangChain)."""
        if self._template is None:
            from langchain_core.prompts import ChatPromptTemplate

            self._template = ChatPromptTemplate.from_messages([("system", SYSTEM_PROMPT), ("human", USER_TEMPLATE)])
        return self._template

    def _pipeline(self):
        """prompt | chat model | string parser, built once (LangChain LCEL)."""
        if self._lcel is None:
            from langchain_core.output_parsers import StrOutputParser

            from assistant.llm.langchain_chat import GeneratorChatModel

            model = GeneratorChatModel(generator=self.generator, max_tokens=self.max_tokens)
            self._lcel = self._prompt_template() | model | StrOutputParser()
        return self._lcel


def names_record(question: str, record_id: str | None) -> bool:
    """Does ``question`` name ``record_id`` as a whole token (any case)? Only an id mixing letters and digits counts:
    a plain number or word is also a step, a year or a name.

    >>> names_record("restart_11194 - what was wrong w/ it", "restart_11194"), names_record("wo-1061 cause?", "WO-1061")
    (True, True)
    >>> names_record("what was wrong with restart_111945", "restart_11194"), names_record("step 12", "12")
    (False, False)
    """
    if not record_id or not (re.search(r"\d", record_id) and re.search(r"[^\W\d_]", record_id)):
        return False
    return re.search(rf"(?<![\w-]){re.escape(record_id.lower())}(?![\w-])", question.lower()) is not None
