"""LoRA fine-tuning of the bundled GGUF model, as readable steps (see ``main``).

The loop is plain torch (AdamW, seeded, deterministic algorithms) so that the same seed and data give
the same loss curve, and so that it runs unchanged on CPU and CUDA. Loss counts only the answer
tokens: the model learns to answer in our format, not to reproduce the sources.

>>> main(TrainInputs(examples=Path("out/dataset.jsonl"), out_dir=Path("out/adapter"),
...                  model_dir=gguf.parent, gguf_file=gguf.name))  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from finetune.config import LoraArgs, TrainArgs
from finetune.dataset import read_dataset
from finetune.examples import Example


@dataclass
class TrainInputs:
    examples: Path  # dataset.jsonl written by finetune.dataset
    out_dir: Path  # adapter folder
    model_dir: Path
    gguf_file: str | None = None
    base_model_id: str = ""
    base_sha256: str = ""
    dataset_hash: str = ""


@dataclass
class TrainResult:
    steps: int
    losses: list[float]  # training loss per optimizer step
    val_curve: list[tuple[int, float]]  # (step, validation loss)
    best_val: float | None
    seconds: float
    stopped_early: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def seconds_per_step(self) -> float:
        return self.seconds / max(self.steps, 1)


def resolve_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda was asked for but torch sees no CUDA device")
    return setting


def messages_for(ex: Example) -> list[dict[str, str]]:
    """The answer chain's exact prompt (system prompt + numbered sources + question)."""
    from assistant.prompts import SYSTEM_PROMPT, USER_TEMPLATE, format_sources

    sources = format_sources([s["label"] for s in ex.sources], [s["text"] for s in ex.sources])
    return [{"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": USER_TEMPLATE.format(sources=sources, conversation="", question=ex.question)}]


def encode(tok: Any, ex: Example, max_length: int) -> dict[str, list[int]] | None:
    """Token ids with labels = -100 on the prompt; ``None`` when the example is longer than ``max_length``."""
    msgs = messages_for(ex)
    prompt = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    full = tok.apply_chat_template(msgs + [{"role": "assistant", "content": ex.answer}], tokenize=False)
    if not full.startswith(prompt):
        raise ValueError("chat template does not extend the prompt with the answer; cannot mask the prompt")
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    a_ids = tok(full[len(prompt):], add_special_tokens=False)["input_ids"]
    ids = p_ids + a_ids
    if len(ids) > max_length:
        return None
    return {"input_ids": ids, "labels": [-100] * len(p_ids) + a_ids}


def _batch(items: Sequence[dict[str, list[int]]], pad_id: int, device: str) -> dict[str, Any]:
    import torch

    width = max(len(x["input_ids"]) for x in items)
    ids = [x["input_ids"] + [pad_id] * (width - len(x["input_ids"])) for x in items]
    labels = [x["labels"] + [-100] * (width - len(x["labels"])) for x in items]
    mask = [[1] * len(x["input_ids"]) + [0] * (width - len(x["input_ids"])) for x in items]
    return {k: torch.tensor(v, device=device) for k, v in
            (("input_ids", ids), ("labels", labels), ("attention_mask", mask))}


def add_lora(model: Any, lora: LoraArgs) -> Any:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout,
                        target_modules=list(lora.target_modules), task_type="CAUSAL_LM", bias="none")
    return get_peft_model(model, config)


def epoch_order(train: Sequence[dict], gen: Any, balance_kinds: bool) -> list[int]:
    """One epoch's example order. Balanced: kinds take turns (each shuffled), so a short CPU run
    of a few dozen steps sees declines and procedures too, not mostly the plentiful work orders;
    every example still comes once per epoch."""
    import torch

    order = torch.randperm(len(train), generator=gen).tolist()
    if not balance_kinds:
        return order
    groups: dict[str, list[int]] = {}
    for i in order:
        groups.setdefault(train[i].get("kind", ""), []).append(i)
    queues = [groups[k] for k in sorted(groups)]
    out: list[int] = []
    while any(queues):
        turn = [q for q in queues if q]
        for j in torch.randperm(len(turn), generator=gen).tolist():
            out.append(turn[j].pop(0))
    return out


def train_loop(model: Any, train: Sequence[dict], val: Sequence[dict], args: TrainArgs, device: str, pad_id: int,
               on_step: Callable[[int, int, float, float | None], None] | None = None) -> TrainResult:
    """AdamW with linear warm-up/decay; validation every ``eval_every`` steps; early stopping on val loss.

    The best adapter weights (lowest validation loss) are restored at the end.
    """
    import torch
    from peft import get_peft_model_state_dict, set_peft_model_state_dict

    if not train:
        raise ValueError("no training examples fit max_length; raise train.max_length or check the dataset")
    steps_per_epoch = math.ceil(len(train) / (args.batch_size * args.grad_accum))
    total = min(args.max_steps, steps_per_epoch * args.epochs) if args.max_steps else steps_per_epoch * args.epochs
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(args.warmup_steps, 1)) * max(0.0, 1 - s / max(total, 1)))
    gen = torch.Generator().manual_seed(args.seed)  # example order, independent of other RNG use
    losses: list[float] = []
    val_curve: list[tuple[int, float]] = []
    best, best_state, bad_evals, stopped = None, None, 0, False
    started = time.perf_counter()
    step = 0
    while step < total and not stopped:
        order = epoch_order(train, gen, args.balance_kinds)
        micro = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)]
        for start in range(0, len(micro), args.grad_accum):  # the last group may be smaller
            model.train()
            step_loss = 0.0
            group = micro[start:start + args.grad_accum]
            for idx in group:
                out = model(**_batch([train[i] for i in idx], pad_id, device))
                (out.loss / len(group)).backward()
                step_loss += out.loss.item() / len(group)
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            losses.append(step_loss)
            val_loss = None
            if val and (step % args.eval_every == 0 or step == total):
                val_loss = evaluate_loss(model, val[:args.eval_examples], device, pad_id)
                val_curve.append((step, val_loss))
                if best is None or val_loss < best - 1e-4:
                    best, bad_evals = val_loss, 0
                    best_state = copy.deepcopy(get_peft_model_state_dict(model))
                else:
                    bad_evals += 1
                    stopped = bad_evals >= args.patience
            if on_step:
                on_step(step, total, step_loss, val_loss)
            if step >= total or stopped:
                break
    if best_state is not None:
        set_peft_model_state_dict(model, best_state)
    return TrainResult(steps=step, losses=losses, val_curve=val_curve, best_val=best,
                       seconds=time.perf_counter() - started, stopped_early=stopped and step < total)


def evaluate_loss(model: Any, items: Sequence[dict], device: str, pad_id: int) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        total = sum(model(**_batch([x], pad_id, device)).loss.item() for x in items)
    return total / max(len(items), 1)


def seed_everything(seed: int) -> None:
    import random

    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    # warn_only: a few CUDA kernels have no deterministic variant; CPU runs are fully deterministic.
    torch.use_deterministic_algorithms(True, warn_only=True)


def main(inputs: TrainInputs, lora: LoraArgs, args: TrainArgs,
         on_step: Callable[[int, int, float, float | None], None] | None = None) -> TrainResult:
    """Load the base model -> wrap with LoRA -> tokenize -> train -> save adapter, metadata and plot."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # 1. Reproducibility first: every random draw below depends on the seed.
    seed_everything(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)

    # 2. The base model from the bundled GGUF, dequantised to fp32 (LoRA trains in full precision).
    kw: dict[str, Any] = {"local_files_only": True, **({"gguf_file": inputs.gguf_file} if inputs.gguf_file else {})}
    tok = AutoTokenizer.from_pretrained(str(inputs.model_dir), **kw)
    model = AutoModelForCausalLM.from_pretrained(str(inputs.model_dir), dtype=torch.float32, **kw)
    model.config.use_cache = False

    # 3. Only the small LoRA matrices train; the base weights stay frozen.
    model = add_lora(model, lora).to(device)

    # 4. Tokenize in the chat format, loss on the answer only; over-long examples are dropped and counted.
    examples = read_dataset(inputs.examples)
    splits: dict[str, list[dict]] = {"train": [], "val": []}
    dropped = 0
    for ex in examples:
        if ex.split in splits:
            item = encode(tok, ex, args.max_length)
            dropped += item is None
            if item is not None:
                splits[ex.split].append({**item, "kind": ex.kind})
    pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    # 5. Train with validation and early stopping.
    result = train_loop(model, splits["train"], splits["val"], args, device, pad_id, on_step)
    result.extra.update({"device": device, "train_examples": len(splits["train"]),
                         "val_examples": len(splits["val"]), "dropped_too_long": dropped})

    # 6. Save the adapter, its metadata and the loss-curve plot side by side.
    save_adapter(model, inputs, lora, args, result)
    return result


def save_adapter(model: Any, inputs: TrainInputs, lora: LoraArgs, args: TrainArgs, result: TrainResult) -> Path:
    import peft
    import torch
    import transformers

    out = Path(inputs.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    base_config = model.base_model.model.config
    # llama.cpp's converters need `architectures`, which a GGUF-loaded config lacks.
    if not getattr(base_config, "architectures", None):
        base_config.architectures = [type(model.base_model.model).__name__]
    base_config.to_json_file(str(out / "base_config.json"))
    meta = {
        "base_model": inputs.base_model_id or args.base_model, "base_sha256": inputs.base_sha256,
        "base_file": inputs.gguf_file, "dataset_hash": inputs.dataset_hash,
        "lora": asdict(lora), "train": asdict(args),
        "metrics": {"steps": result.steps, "first_loss": result.losses[0] if result.losses else None,
                    "last_loss": result.losses[-1] if result.losses else None, "best_val_loss": result.best_val,
                    "seconds": round(result.seconds, 1), "seconds_per_step": round(result.seconds_per_step, 2),
                    "stopped_early": result.stopped_early, **result.extra},
        "loss_curve": [round(x, 5) for x in result.losses],
        "val_curve": [[s, round(v, 5)] for s, v in result.val_curve],
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    tmp = out / ".metadata.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    tmp.replace(out / "metadata.json")
    plot_losses(result, out / "loss_curve.png")
    return out


def plot_losses(result: TrainResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(range(1, len(result.losses) + 1), result.losses, label="train", linewidth=1)
    if result.val_curve:
        ax.plot(*zip(*result.val_curve), marker="o", label="validation")
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("loss (answer tokens)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
