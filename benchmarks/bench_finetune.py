"""Seconds per LoRA optimizer step (batch 1, one real dataset example per step) for a bundled base model.

Loads the GGUF into transformers (fp32), wraps it with the default LoRA, and times forward + backward +
AdamW on the first ``--steps`` training examples of a ``dataset.jsonl`` written by ``maintassist finetune``
(``--dataset-only`` is enough). The first step is reported apart (allocator warm-up). With ``--device auto``
a GPU is used when present, so the same command gives the CPU/GPU comparison.

    .venv/bin/python benchmarks/bench_finetune.py --model qwen2.5-0.5b --dataset out/dataset.jsonl --steps 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-0.5b")
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=Path(".maintassist/models"))
    parser.add_argument("--out", type=Path, default=None)
    a = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.models import llm_gguf_path
    from finetune.config import LoraArgs
    from finetune.dataset import read_dataset
    from finetune.train import _batch, add_lora, encode, resolve_device, seed_everything

    seed_everything(0)
    if a.threads:
        torch.set_num_threads(a.threads)
    device = resolve_device(a.device)
    gguf = llm_gguf_path(a.model, a.cache)
    t0 = time.perf_counter()
    kw = {"gguf_file": gguf.name, "local_files_only": True}
    tok = AutoTokenizer.from_pretrained(str(gguf.parent), **kw)
    model = add_lora(AutoModelForCausalLM.from_pretrained(str(gguf.parent), dtype=torch.float32, **kw),
                     LoraArgs()).to(device)
    load_s = time.perf_counter() - t0
    items = [x for ex in read_dataset(a.dataset) if ex.split == "train"
             and (x := encode(tok, ex, a.max_length))][:a.steps]
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    times, tokens = [], []
    model.train()
    for item in items:
        t = time.perf_counter()
        loss = model(**_batch([item], tok.eos_token_id, device)).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
        tokens.append(len(item["input_ids"]))
    report = {"model": a.model, "device": device, "threads": torch.get_num_threads(), "load_s": round(load_s, 1),
              "steps": len(times), "first_step_s": round(times[0], 2),
              "median_step_s": round(statistics.median(times[1:] or times), 2),
              "mean_tokens": round(statistics.mean(tokens)), "step_times": [round(x, 2) for x in times]}
    print(json.dumps(report, indent=2))
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
