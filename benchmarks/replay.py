"""Replay the model's replies in a benchmark re-run: `bench_corpora.py --reply-cache DIR`.

A change after generation (how the reply is checked, which lines are quoted, when to decline)
does not change the prompt, so a re-run can reuse the reply the model gave to the same prompt
instead of generating it again (a corpus then takes about a minute, not ten). Prompts never
seen before still go to the model and are stored. Replies are greedy (temperature 0), so a
stored reply is the one the model would give. First-token times of a replayed run mean nothing.
The answerability judge's P(yes) is stored the same way (by model and prompt), so a re-run with the
judge on costs no 1.5B time either; its threshold still applies as in the product.

Benchmarks only: the product never reads this module.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterator, Sequence

ENV = "MAINTASSIST_BENCH_REPLY_CACHE"


class ReplayGenerator:
    """Wraps a generator; replies stored under ``folder`` by a hash of model, prompt and limits."""

    def __init__(self, inner, folder: Path) -> None:
        self.inner = inner
        self.folder = folder
        self.model_id = inner.model_id
        self.adapter_id = inner.adapter_id

    def stream(self, messages: Sequence, *, max_tokens: int | None = None, grammar: str | None = None) -> Iterator[str]:
        turns = [(m.role, m.content) for m in messages]
        key = json.dumps([self.model_id, self.adapter_id, turns, max_tokens, grammar], ensure_ascii=False)
        path = self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}.txt"
        prompt = path.with_suffix(".json")
        if not prompt.exists():  # the prompt beside its reply, for offline studies of both
            self.folder.mkdir(parents=True, exist_ok=True)
            prompt.write_text(json.dumps(turns, ensure_ascii=False), encoding="utf-8")
        if path.exists():
            yield path.read_text(encoding="utf-8")
            return
        pieces = []
        for piece in self.inner.stream(messages, max_tokens=max_tokens, grammar=grammar):
            pieces.append(piece)
            yield piece
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(pieces), encoding="utf-8")
        tmp.replace(path)  # a killed run leaves no half reply behind

    def __getattr__(self, name: str):  # close(), warm-up and the like go to the real generator
        return getattr(self.inner, name)


class ReplayYesNo:
    """Wraps the judge's scorer; each P(yes) stored under ``folder/judge`` by a hash of model and prompt."""

    def __init__(self, inner, folder: Path, model: str) -> None:
        self.inner = inner
        self.folder = folder / "judge"
        self.model = model

    def _path(self, messages: Sequence, suffix: str) -> Path:
        key = json.dumps([self.model, [(m.role, m.content) for m in messages]], ensure_ascii=False)
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}"

    def p_yes(self, messages: Sequence) -> float:
        path = self._path(messages, ".txt")
        if path.exists():
            return float(path.read_text())
        value = self.inner.p_yes(messages)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(repr(value))
        tmp.replace(path)
        return value


class ReplayStateReader(ReplayYesNo):
    """A ``ReplayYesNo`` whose scorer also gives its hidden state (``LlamaCppYesNo.read``, for the judge's probe):
    each (P(yes), state) stored under ``folder/judge`` as ``<key>.npz`` (a layer's: ``<key>-l<layer>.npz``) with the
    prompt beside them, which ``benchmarks/fit_judge_probe.py`` reads."""

    def read(self, messages: Sequence, layer: int | None = None) -> tuple[float, object]:
        import numpy as np

        path = self._path(messages, ".npz" if layer is None else f"-l{layer}.npz")
        if path.exists():
            with np.load(path) as stored:
                return float(stored["p"]), stored["state"].copy()
        p, state = self.inner.read(messages, layer=layer)
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        turns = [(m.role, m.content) for m in messages]
        np.savez(tmp, p=p, state=state, messages=json.dumps(turns, ensure_ascii=False))
        tmp.replace(path)
        return p, state


def install() -> None:
    """Wrap every generator and judge scorer the wiring builds when ``$MAINTASSIST_BENCH_REPLY_CACHE``
    names a folder."""
    folder = os.environ.get(ENV)
    if not folder:
        return
    import assistant.llm.factory as factory

    build, build_judge = factory.build_generator, factory.build_yes_no

    def build_replaying(*args, **kwargs):
        return ReplayGenerator(build(*args, **kwargs), Path(folder))

    def build_judge_replaying(mode, **kwargs):
        # the model's file name, not its path: two checkouts assemble the same GGUF in different places
        name = Path(kwargs.get("model") or kwargs.get("server_model") or mode).name
        inner = build_judge(mode, **kwargs)
        wrapper = ReplayStateReader if hasattr(inner, "read") else ReplayYesNo
        return wrapper(inner, Path(folder), f"{mode}:{name}")

    factory.build_generator = build_replaying
    factory.build_yes_no = build_judge_replaying
