"""Any OpenAI-compatible chat server (llama.cpp server, vLLM, Ollama): the path when one machine is not enough.

Structured output differs between servers, so ``grammar_style`` says how a ``grammar`` is sent:

- ``llamacpp`` (default; llama-cpp-python's and llama.cpp's servers): a JSON schema goes as
  ``response_format={"type": "json_object", "schema": ...}``, a GBNF string as the extra body field ``grammar``.
- ``openai`` (OpenAI, vLLM, Ollama, recent llama.cpp): a JSON schema goes as
  ``response_format={"type": "json_schema", "json_schema": {"name": "output", "schema": ...}}``;
  GBNF is not accepted there and raises ``ValueError``.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal, Sequence

from assistant.llm.base import as_dicts, parse_grammar
from assistant.types import ChatMessage


class OpenAICompatGenerator:
    """Streams chat completions from ``base_url`` (for example ``http://127.0.0.1:8080/v1``).

    >>> gen = OpenAICompatGenerator("http://127.0.0.1:8080/v1", "qwen")  # doctest: +SKIP
    >>> "".join(gen.stream([ChatMessage("user", "Hi")]))  # doctest: +SKIP
    """

    def __init__(self, base_url: str, model: str, api_key: str, *, temperature: float, max_tokens: int,
                 seed: int | None, timeout: float = 120.0,
                 grammar_style: Literal["llamacpp", "openai"] = "llamacpp") -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        if grammar_style not in ("llamacpp", "openai"):
            raise ValueError(f"grammar_style must be 'llamacpp' or 'openai', got {grammar_style!r}")
        self.base_url, self.model, self.api_key = base_url.rstrip("/"), model, api_key
        self.temperature, self.max_tokens, self.timeout, self.seed = temperature, max_tokens, timeout, seed
        self.grammar_style = grammar_style
        self.model_id = f"{model}@{self.base_url}"
        self.adapter_id: str | None = None  # the server decides; it does not report adapters
        self._client: Any = None

    def _openai(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key, timeout=self.timeout,
                                  max_retries=1)
        return self._client

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
               grammar: str | None = None) -> Iterator[str]:
        kw: dict[str, Any] = {}
        if self.seed is not None:
            kw["seed"] = self.seed
        kw.update(self._structured(grammar))
        chunks = self._openai().chat.completions.create(
            model=self.model, messages=as_dicts(messages), stream=True,
            max_tokens=max_tokens or self.max_tokens, temperature=self.temperature, **kw,
        )
        try:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content
        finally:
            chunks.close()  # frees the HTTP connection when the caller stops early

    def _structured(self, grammar: str | None) -> dict[str, Any]:
        kind = parse_grammar(grammar)
        if kind is None:
            return {}
        if kind[0] == "gbnf":
            if self.grammar_style != "llamacpp":
                raise ValueError("GBNF grammars need a llama.cpp server (grammar_style='llamacpp'); "
                                 "pass a JSON schema instead")
            return {"extra_body": {"grammar": kind[1]}}
        if self.grammar_style == "llamacpp":
            return {"response_format": {"type": "json_object", "schema": kind[1]}}
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "output", "schema": kind[1]}}}
