"""Fine-tuning settings as argument dataclasses, loadable from a YAML/JSON file plus CLI overrides.

A config file holds up to three sections; unknown keys are an error naming the file and key::

    lora: {r: 8, alpha: 16, target_modules: [q_proj, v_proj]}
    train: {lr: 2.0e-4, max_steps: 40, device: auto}
    data: {seed: 0, decline_fraction: 0.2}

>>> lora, train, data = load_args(None, {"train": {"max_steps": 5}})
>>> train.max_steps
5
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from finetune.dataset import DatasetConfig


@dataclass
class LoraArgs:
    """LoRA on the attention projections: r=8 on q/v trains in minutes on CPU and was enough to
    change the bundled 0.5B model's answer style (MODELS.md)."""

    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])

    def __post_init__(self) -> None:
        if self.r < 1 or self.alpha < 1 or not 0 <= self.dropout < 1 or not self.target_modules:
            raise ValueError("lora needs r >= 1, alpha >= 1, 0 <= dropout < 1 and at least one target module")


@dataclass
class TrainArgs:
    """The optimisation loop. Defaults fit the 20-minute CPU budget for qwen2.5-0.5b: one ~800-token
    example per step took 21-29 s (1 thread) / 38-62 s (2 threads) on the shared 2-core machine, so
    40 steps plus 4 validation passes of 8 examples is about 20 min. Raise them on a GPU."""

    base_model: str = "qwen2.5-0.5b"
    lr: float = 2e-4
    epochs: int = 1
    max_steps: int = 40  # optimizer steps; 0 = run all epochs
    batch_size: int = 1
    grad_accum: int = 1
    max_length: int = 1024  # tokens; longer examples are dropped (truncation would cut the answer)
    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda
    eval_every: int = 10  # optimizer steps between validation passes
    eval_examples: int = 8  # validation examples per pass (the val split can be large)
    patience: int = 3  # validation passes without improvement before stopping
    warmup_steps: int = 5
    threads: int | None = None  # torch CPU threads; None = torch's default
    balance_kinds: bool = True  # kinds take turns in each epoch (see train.epoch_order)

    def __post_init__(self) -> None:
        if self.device not in {"auto", "cpu", "cuda"}:
            raise ValueError(f"device must be auto, cpu or cuda, got {self.device!r}")
        if self.lr <= 0 or self.batch_size < 1 or self.grad_accum < 1 or self.max_length < 32:
            raise ValueError("need lr > 0, batch_size >= 1, grad_accum >= 1, max_length >= 32")
        if self.max_steps < 0 or self.epochs < 1 or self.eval_every < 1 or self.patience < 1:
            raise ValueError("need max_steps >= 0, epochs >= 1, eval_every >= 1, patience >= 1")


_SECTIONS = {"lora": LoraArgs, "train": TrainArgs, "data": DatasetConfig}


def load_args(path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None
              ) -> tuple[LoraArgs, TrainArgs, DatasetConfig]:
    """Defaults <- config file (YAML or JSON) <- ``overrides`` (CLI options that were given)."""
    values: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    if path is not None:
        for name, section in _read(Path(path)).items():
            values[name].update(section)
    for name, section in (overrides or {}).items():
        values[name].update({k: v for k, v in section.items() if v is not None})
    built = []
    for name, cls in _SECTIONS.items():
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values[name]) - known)
        if unknown:
            where = f"{path}: " if path else ""
            raise ValueError(f"{where}unknown {name} setting(s) {unknown}; known: {sorted(known)}")
        section = dict(values[name])
        if name == "data" and "doc_types" in section:
            section["doc_types"] = tuple(section["doc_types"])
        built.append(cls(**section))
    return built[0], built[1], built[2]


def _read(path: Path) -> dict[str, dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(f"fine-tuning config not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or any(k not in _SECTIONS or not isinstance(v, dict) for k, v in data.items()):
        raise ValueError(f"{path}: expected a mapping with sections {sorted(_SECTIONS)}, each a mapping")
    return data
