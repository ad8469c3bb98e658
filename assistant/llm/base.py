"""The generator interface and small helpers every backend shares.

>>> from assistant.llm.fake import FakeGenerator
>>> generate(FakeGenerator("Torque to 45 Nm [1]."), [ChatMessage("user", "torque?")])
'Torque to 45 Nm [1].'
"""

from __future__ import annotations

import json
from typing import Any, Sequence

from assistant.types import ChatMessage, Generator

__all__ = ["ChatMessage", "Generator", "generate", "as_dicts", "parse_grammar"]


def generate(gen: Generator, messages: Sequence[ChatMessage], **kw: Any) -> str:
    """Run ``gen.stream`` to the end and return the whole text."""
    return "".join(gen.stream(messages, **kw))


def as_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """OpenAI-style message dicts, the format llama.cpp, HF chat templates and servers all take."""
    out = []
    for i, m in enumerate(messages):
        if m.role not in ("system", "user", "assistant"):
            raise ValueError(f"message {i}: role must be system, user or assistant, not {m.role!r}")
        out.append({"role": m.role, "content": m.content})
    return out


def parse_grammar(grammar: str | dict | None) -> tuple[str, Any] | None:
    """Classify a structured-output constraint: ``("json_schema", dict)`` or ``("gbnf", str)``.

    A JSON object (as dict or text starting with ``{``) is a JSON schema; anything else is GBNF.
    """
    if grammar is None:
        return None
    if isinstance(grammar, dict):
        return "json_schema", grammar
    text = grammar.strip()
    if text.startswith("{"):
        try:
            return "json_schema", json.loads(text)
        except ValueError as e:
            raise ValueError(f"grammar looks like a JSON schema but does not parse: {e}") from e
    return "gbnf", grammar
