"""Build the generator chosen by ``llm.mode`` (and the judge's scorer, ``answer.judge``); each heavy
backend is imported only inside its branch."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from assistant.types import Generator

_INSTALL = {
    "llama_cpp": "llama-cpp-python==0.3.36 (pip install llama-cpp-python==0.3.36; compiles in ~4 min)",
    "transformers": "transformers, torch and gguf (pip install 'transformers>=4.45' torch gguf)",
    "peft": "peft (pip install 'peft>=0.12')",
    "openai": "the openai client (pip install 'openai>=1.30')",
    "uvicorn": "llama-cpp-python's server extras (pip install 'llama-cpp-python[server]==0.3.36')",
}


class BackendNotInstalled(RuntimeError):
    """The package a backend needs is missing; the message says what to install."""


def _require(module: str, mode: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise BackendNotInstalled(f"llm.mode={mode} needs {_INSTALL[module]}")


def build_generator(mode: str, *, model: str, cache_dir: Path, n_ctx: int, threads: int, max_tokens: int,
                    temperature: float, seed: int, lora_adapter: Path | None, base_url: str, api_key: str,
                    server_model: str, device: str, flash_attn: bool, isolate: bool, start_timeout_s: float,
                    log_dir: Path | None = None) -> Generator:
    """One generator for ``mode`` in ``llamacpp | transformers | openai | fake`` from plain settings values
    (``assistant.wiring`` passes every one from ``LLMSettings``; none has a second default here).

    ``model`` is a bundled name (``qwen2.5-0.5b``, ``smollm2-135m``), a .gguf path, or (transformers only)
    a local HF model folder. Bundled models are verified and assembled into ``cache_dir`` once.
    With ``isolate`` (the default), llama.cpp runs in a supervised child process that logs to ``log_dir``.
    """
    from assistant.models import file_sha256

    cache_dir = Path(cache_dir)
    if mode == "llamacpp":
        _require("llama_cpp", mode)
        from assistant.llm.llamacpp import LlamaCppGenerator, file_id

        path = _gguf(model, cache_dir)
        lora = Path(lora_adapter) if lora_adapter else None
        if lora is not None and lora.is_dir():
            raise ValueError(f"llm.lora_adapter={lora} is a folder (a peft adapter): llama.cpp needs the adapter "
                             "converted to a GGUF LoRA file, or use llm.mode=transformers")
        ids = {"model_id": file_id(path, file_sha256(path, cache_dir)),
               "adapter_id": file_id(lora, file_sha256(lora, cache_dir)) if lora and lora.is_file() else None}
        if isolate:
            _require("uvicorn", mode)
            from assistant.llm.llama_server import LlamaServer, LlamaServerGenerator

            server = LlamaServer(path, n_ctx=n_ctx, threads=threads, seed=seed, flash_attn=flash_attn, lora_path=lora,
                                 log_path=Path(log_dir) / "llm-server.log" if log_dir else None,
                                 start_timeout_s=start_timeout_s)
            return LlamaServerGenerator(server, temperature=temperature, max_tokens=max_tokens, seed=seed, **ids)
        return LlamaCppGenerator(path, n_ctx=n_ctx, threads=threads, temperature=temperature, seed=seed,
                                 max_tokens=max_tokens, lora_path=lora, flash_attn=flash_attn, **ids)
    if mode == "transformers":
        _require("transformers", mode)
        if lora_adapter:
            _require("peft", mode)
        from assistant.llm.hf import TransformersGenerator

        if Path(model).expanduser().is_dir():
            ref, gguf_file, model_id = Path(model).expanduser(), None, Path(model).name
        else:
            from assistant.llm.llamacpp import file_id

            path = _gguf(model, cache_dir)
            ref, gguf_file, model_id = path.parent, path.name, file_id(path, file_sha256(path, cache_dir))
        return TransformersGenerator(ref, gguf_file=gguf_file, adapter_dir=lora_adapter, device=device,
                                     temperature=temperature, max_tokens=max_tokens, seed=seed, threads=threads,
                                     model_id=model_id)
    if mode == "openai":
        _require("openai", mode)
        from assistant.llm.openai_compat import OpenAICompatGenerator

        return OpenAICompatGenerator(base_url, server_model, api_key, temperature=temperature,
                                     max_tokens=max_tokens, seed=seed)
    if mode == "fake":
        from assistant.llm.fake import FakeGenerator

        return FakeGenerator()
    raise ValueError(f"unknown llm.mode {mode!r}: use llamacpp, transformers, openai or fake")


def build_yes_no(mode: str, *, model: str, cache_dir: Path, n_ctx: int, threads: int, seed: int, base_url: str,
                 api_key: str, server_model: str):
    """The P(yes) scorer of the answerability judge (``answer.judge``): ``model`` in this process
    (llamacpp), or ``server_model`` on an OpenAI-compatible server (openai)."""
    if mode == "openai":
        _require("openai", "openai")
        from assistant.llm.yes_no import OpenAIYesNo

        return OpenAIYesNo(base_url, server_model, api_key)
    if mode == "llamacpp":
        _require("llama_cpp", "llamacpp")
        from assistant.llm.yes_no import LlamaCppYesNo

        return LlamaCppYesNo(_gguf(model, cache_dir), n_ctx=n_ctx, threads=threads, seed=seed)
    raise ValueError(f"unknown answer.judge {mode!r}: use off, llamacpp or openai")


def _gguf(model: str, cache_dir: Path) -> Path:
    from assistant.models import llm_gguf_path

    return llm_gguf_path(str(Path(model).expanduser()) if model.endswith(".gguf") else model, cache_dir)
