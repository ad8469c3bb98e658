"""Does a fine-tuned adapter give the same greedy answer through llama.cpp and through transformers?

Loads the base GGUF with the converted ``adapter.gguf`` in llama.cpp, and the same GGUF
(dequantised to fp32) with the peft adapter folder in transformers, then answers ``--n``
held-out test examples of the adapter's ``dataset.jsonl`` with each. Prints, per prompt,
whether the answers are identical and how many leading words agree; writes JSON.

    .venv/bin/python benchmarks/adapter_parity.py --adapter /tmp/ft/s0 --n 4 --max-tokens 40
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adapter", type=Path, required=True, help="folder written by maintassist finetune")
    ap.add_argument("--gguf", type=Path, default=None, help="base GGUF (default: metadata base_file in the model cache)")
    ap.add_argument("--n", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/adapter_parity.json")
    args = ap.parse_args()

    from assistant.llm.hf import TransformersGenerator
    from assistant.llm.llamacpp import LlamaCppGenerator
    from assistant.types import ChatMessage
    from finetune.dataset import read_dataset
    from finetune.evaluate import held_out
    from finetune.train import messages_for

    meta = json.loads((args.adapter / "metadata.json").read_text())
    gguf = args.gguf or Path(meta.get("base_path") or ROOT / ".maintassist/models" / meta["base_file"])
    examples = held_out(read_dataset(args.adapter / "dataset.jsonl"), "test", args.n)
    llama = LlamaCppGenerator(gguf, threads=2, max_tokens=args.max_tokens, lora_path=args.adapter / "adapter.gguf",
                              n_ctx=4096, temperature=0.0, seed=0, flash_attn=False)
    hf = TransformersGenerator(gguf.parent, gguf_file=gguf.name, adapter_dir=args.adapter, device="cpu",
                               max_tokens=args.max_tokens, temperature=0.0, seed=0)
    rows = []
    for ex in examples:
        msgs = [ChatMessage(m["role"], m["content"]) for m in messages_for(ex)]
        a, b = "".join(llama.stream(msgs)).strip(), "".join(hf.stream(msgs)).strip()
        wa, wb = a.split(), b.split()
        same = next((i for i, (x, y) in enumerate(zip(wa, wb)) if x != y), min(len(wa), len(wb)))
        rows.append({"question": ex.question, "llamacpp": a, "transformers": b, "identical": a == b,
                     "leading_words_equal": same, "words": max(len(wa), len(wb))})
        print(f"{'same' if a == b else 'DIFF'}  {same}/{max(len(wa), len(wb))} words  {ex.question[:70]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"adapter": str(args.adapter), "gguf": str(gguf), "rows": rows}, indent=2))
    print(f"{sum(r['identical'] for r in rows)}/{len(rows)} identical; written {args.out}")


if __name__ == "__main__":
    main()
