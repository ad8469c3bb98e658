"""llama-cpp-python backend: a GGUF model (with its own chat template) on CPU, optional GGUF LoRA."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.llm.base import as_dicts, parse_grammar
from assistant.types import ChatMessage


def file_id(path: Path, sha256: str | None = None) -> str:
    """``<file stem>@<first 8 hex of sha256>``: names exactly which weights produced an answer."""
    from assistant.models import sha256_file

    return f"{path.stem}@{(sha256 or sha256_file(path))[:8]}"


class LlamaCppGenerator:
    """Streams chat completions from a local GGUF through llama.cpp.

    The model loads on first use. One llama.cpp context is not re-entrant, so a lock serialises
    generations: a second caller waits until the first stream is exhausted or closed.

    >>> gen = LlamaCppGenerator(Path("model.gguf"), n_ctx=4096, threads=2)  # doctest: +SKIP
    >>> "".join(gen.stream([ChatMessage("user", "Hi")]))  # doctest: +SKIP
    """

    def __init__(self, model_path: Path, *, n_ctx: int, threads: int, temperature: float, seed: int, max_tokens: int,
                 flash_attn: bool, lora_path: Path | None = None,
                 model_id: str | None = None, adapter_id: str | None = None) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"GGUF model not found: {self.model_path}")
        self.lora_path = Path(lora_path) if lora_path else None
        if self.lora_path is not None and not self.lora_path.is_file():
            raise FileNotFoundError(f"LoRA adapter (GGUF) not found: {self.lora_path}")
        if n_ctx < 256 or threads < 1 or max_tokens < 1 or temperature < 0:
            raise ValueError("need n_ctx >= 256, threads >= 1, max_tokens >= 1, temperature >= 0")
        self.n_ctx, self.threads, self.temperature = n_ctx, threads, temperature
        self.seed, self.max_tokens, self.flash_attn = seed, max_tokens, flash_attn
        self.model_id = model_id or file_id(self.model_path)
        self.adapter_id = adapter_id or (file_id(self.lora_path) if self.lora_path else None)
        self._lock = threading.Lock()
        self._model: Any = None

    def _llm(self) -> Any:
        if self._model is None:
            from llama_cpp import Llama

            self._model = Llama(
                model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.threads,
                n_threads_batch=self.threads, seed=self.seed, verbose=False, flash_attn=self.flash_attn,
                lora_path=str(self.lora_path) if self.lora_path else None,
            )
        return self._model

    def load(self) -> None:
        """Load now (for warm-up at start-up) instead of on the first question."""
        with self._lock:
            self._llm()

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
               grammar: str | None = None) -> Iterator[str]:
        payload = as_dicts(messages)
        with self._lock:
            llm = self._llm()
            chunks = llm.create_chat_completion(
                messages=payload, stream=True, max_tokens=max_tokens or self.max_tokens,
                temperature=self.temperature, seed=self.seed, grammar=_grammar(grammar),
            )
            for chunk in chunks:
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return len(self._llm().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def count_prompt_tokens(self, messages: Sequence[ChatMessage]) -> int:
        """Tokens of the prompt after the chat template is applied (what the context window must hold)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        with self._lock:
            llm = self._llm()
            meta = llm.metadata
            fmt = Jinja2ChatFormatter(template=meta["tokenizer.chat_template"], eos_token="", bos_token="",
                                      add_generation_prompt=True)
            prompt = fmt(messages=as_dicts(messages)).prompt
            return len(llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))


def _grammar(grammar: str | None) -> Any:
    """A GBNF string or a JSON schema (dict or JSON text) as a llama.cpp grammar object."""
    kind = parse_grammar(grammar)
    if kind is None:
        return None
    import json

    from llama_cpp import LlamaGrammar

    if kind[0] == "json_schema":
        return LlamaGrammar.from_json_schema(json.dumps(kind[1]), verbose=False)
    return LlamaGrammar.from_string(kind[1], verbose=False)
