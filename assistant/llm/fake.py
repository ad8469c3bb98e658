"""A scripted, deterministic generator for unit tests of the logic around the LLM."""

from __future__ import annotations

import re
from typing import Callable, Iterator, Sequence

from assistant.types import ChatMessage

Script = Callable[[Sequence[ChatMessage]], str]
DEFAULT_REPLY = "This is a scripted answer from the fake generator [1]."


class FakeGenerator:
    """Answers with a fixed text or ``script(messages)``, streamed word by word.

    Every call is recorded in ``calls`` (messages, max_tokens, grammar) so tests can assert on the prompt.

    >>> gen = FakeGenerator(lambda msgs: msgs[-1].content.upper())
    >>> list(gen.stream([ChatMessage("user", "check the strainer")]))
    ['CHECK ', 'THE ', 'STRAINER']
    """

    def __init__(self, script: Script | str = DEFAULT_REPLY, *, model_id: str = "fake",
                 adapter_id: str | None = None) -> None:
        self._script: Script = (lambda _msgs: script) if isinstance(script, str) else script
        self.model_id = model_id
        self.adapter_id = adapter_id
        self.calls: list[dict] = []

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
               grammar: str | None = None) -> Iterator[str]:
        self.calls.append({"messages": list(messages), "max_tokens": max_tokens, "grammar": grammar})
        pieces = re.findall(r"\s*\S+\s*", self._script(messages)) or []
        # A word stands in for a token, so max_tokens truncates the same way a real backend would.
        yield from pieces[:max_tokens] if max_tokens is not None else pieces

    def count_tokens(self, text: str) -> int:
        return len(text.split())
