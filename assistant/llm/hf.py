"""transformers backend: a local HF folder or a GGUF (dequantised to fp32), optional peft LoRA adapter.

Used for fine-tuning parity (the adapter is applied exactly as trained) and on GPU hosts. On CPU it is
several times slower than llama.cpp because the GGUF weights are expanded to fp32.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.llm.base import as_dicts
from assistant.types import ChatMessage


class TransformersGenerator:
    """Streams chat replies from ``AutoModelForCausalLM`` with the tokenizer's chat template.

    ``model_ref`` is a folder; with ``gguf_file`` the GGUF inside it is loaded (needs the ``gguf`` package).
    Files are read locally only; nothing is downloaded.

    >>> gen = TransformersGenerator(Path("models"), gguf_file="smollm2.gguf")  # doctest: +SKIP
    """

    def __init__(self, model_ref: Path, *, gguf_file: str | None = None, adapter_dir: Path | None = None,
                 device: str, temperature: float, max_tokens: int, seed: int,
                 threads: int | None = None, model_id: str | None = None, adapter_id: str | None = None) -> None:
        self.model_ref = Path(model_ref)
        if not self.model_ref.is_dir():
            raise FileNotFoundError(f"model folder not found: {self.model_ref}")
        if gguf_file and not (self.model_ref / gguf_file).is_file():
            raise FileNotFoundError(f"GGUF file not found: {self.model_ref / gguf_file}")
        self.adapter_dir = Path(adapter_dir) if adapter_dir else None
        if self.adapter_dir and not (self.adapter_dir / "adapter_config.json").is_file():
            raise FileNotFoundError(f"peft adapter folder lacks adapter_config.json: {self.adapter_dir}")
        if max_tokens < 1 or temperature < 0:
            raise ValueError("need max_tokens >= 1 and temperature >= 0")
        self.gguf_file, self.device_setting = gguf_file, device
        self.temperature, self.max_tokens, self.seed, self.threads = temperature, max_tokens, seed, threads
        self.model_id = model_id or (Path(gguf_file).stem if gguf_file else self.model_ref.name)
        self.adapter_id = adapter_id or (self.adapter_dir.name if self.adapter_dir else None)
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, str] | None = None

    def _load(self) -> tuple[Any, Any, str]:
        if self._loaded is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            if self.threads:
                torch.set_num_threads(self.threads)
            device = self.device_setting
            if device == "auto":
                device = "cuda" if torch.cuda.is_available() else "cpu"
            kw: dict[str, Any] = {"local_files_only": True}
            if self.gguf_file:
                kw["gguf_file"] = self.gguf_file
            tok = AutoTokenizer.from_pretrained(str(self.model_ref), **kw)
            model = AutoModelForCausalLM.from_pretrained(str(self.model_ref), dtype=torch.float32, **kw)
            if self.adapter_dir:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, str(self.adapter_dir))
            model.to(device).eval()
            self._loaded = (tok, model, device)
        return self._loaded

    def load(self) -> None:
        with self._lock:
            self._load()

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
               grammar: str | None = None) -> Iterator[str]:
        if grammar is not None:
            raise NotImplementedError("grammar-constrained output needs llm.mode=llamacpp or a server that "
                                      "supports it (llm.mode=openai)")
        import torch
        from transformers import TextIteratorStreamer

        with self._lock:
            tok, model, device = self._load()
            ids = tok.apply_chat_template(as_dicts(messages), add_generation_prompt=True, return_tensors="pt",
                                          return_dict=True)
            ids = {k: v.to(device) for k, v in ids.items()}
            streamer = TextIteratorStreamer(tok, skip_prompt=True, skip_special_tokens=True)
            sampling = ({"do_sample": True, "temperature": self.temperature} if self.temperature > 0
                        else {"do_sample": False, "temperature": None, "top_p": None, "top_k": None})
            torch.manual_seed(self.seed)
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    with torch.inference_mode():
                        model.generate(**ids, max_new_tokens=max_tokens or self.max_tokens, streamer=streamer,
                                       pad_token_id=tok.pad_token_id or tok.eos_token_id, **sampling)
                except BaseException as e:  # re-raised in the caller's thread below
                    errors.append(e)
                    streamer.end()

            worker = threading.Thread(target=run, name="hf-generate", daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    if piece:
                        yield piece
            finally:
                worker.join()
            if errors:
                raise errors[0]

    def count_tokens(self, text: str) -> int:
        with self._lock:
            tok = self._load()[0]
        return len(tok(text, add_special_tokens=False)["input_ids"])
