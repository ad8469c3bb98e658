"""Before/after of fine-tuned adapters on their own held-out test split (base vs base + adapter).

Each adapter folder written by ``maintassist finetune --out DIR`` holds its ``dataset.jsonl`` (split by
source document, so the test examples share no document with training) and ``adapter.gguf``. Both
models answer every test example with the answer chain's prompt, greedy, through the default
llama.cpp backend; ``finetune.evaluate`` scores the raw answers mechanically. Two adapters trained
with different seeds give the run-to-run noise.

    .venv/bin/python benchmarks/finetune_before_after.py /tmp/ft/s0 /tmp/ft/s1
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adapters", nargs="+", type=Path, help="adapter folders from `maintassist finetune`")
    parser.add_argument("--limit", type=int, default=None, help="at most N test examples per adapter")
    parser.add_argument("--kinds", default="", help="only these example kinds, comma-separated (e.g. procedure)")
    parser.add_argument("--adapter-only", action="store_true",
                        help="skip the base model (its greedy scores on the same split do not change)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model-cache", type=Path, default=ROOT / ".maintassist" / "models",
                        help="where a split bundled GGUF is assembled (a data dir's models/ folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "finetune_before_after.json")
    args = parser.parse_args()

    from assistant.llm.llamacpp import LlamaCppGenerator
    from assistant.models import llm_gguf_path
    from finetune.dataset import read_dataset
    from finetune.evaluate import METRICS, evaluate_generator, held_out

    results = []
    for folder in args.adapters:
        meta = json.loads((folder / "metadata.json").read_text())
        gguf = llm_gguf_path(meta["base_model"], args.model_cache)
        chosen = held_out(read_dataset(folder / "dataset.jsonl"), "test", args.limit)
        if args.kinds:
            chosen = [ex for ex in chosen if ex.kind in args.kinds.split(",")]
        row = {"folder": str(folder), "seed": meta["train"]["seed"], "n": len(chosen)}
        models = [("adapter", folder / "adapter.gguf")]
        if not args.adapter_only:
            models.insert(0, ("base", None))
        for name, lora in models:
            llm = LlamaCppGenerator(gguf, threads=args.threads, lora_path=lora, n_ctx=4096, temperature=0.0, seed=0,
                                    max_tokens=320, flash_attn=False)
            scores = evaluate_generator(llm, chosen,
                                        keep_answers=True)
            row[name] = scores
            print(f"{folder.name} {name}: " + ", ".join(f"{m} {scores[m]}" for m in METRICS), flush=True)
        results.append(row)

    print(f"\n| adapter (seed) | n (answerable / decline / procedure) | model | " + " | ".join(METRICS) + " |")
    print("|---|---|---|" + "---:|" * len(METRICS))
    for row in results:
        b = row["adapter"]
        counts = f"{b['n_answerable']} / {b['n_decline']} / {b['n_procedure']}"
        for name in [m for m in ("base", "adapter") if m in row]:
            cells = ["-" if row[name][m] is None else f"{row[name][m]:.3f}" for m in METRICS]
            print(f"| {Path(row['folder']).name} ({row['seed']}) | {counts} | {name} | " + " | ".join(cells) + " |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
