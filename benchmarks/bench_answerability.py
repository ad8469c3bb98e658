"""Is the model's own P(yes) an answerability signal? (issue 13: abstention without word lists)

For every answer prompt that `bench_corpora.py --reply-cache DIR` stored (system + documents +
question), the model reads the same prompt with one line added, "Do these documents state exactly
what the question asks? Answer yes or no.", and we take P(yes) / (P(yes) + P(no)) from its next-token
logits. Per corpus: the AUC of that score between answerable and unanswerable questions, and a
leave-one-corpus-out decline threshold (chosen on the other corpora as the one declining most
unanswerable questions while declining at most 10 % of answerable ones, applied to the held-out one).

Only prompts that reached the model are scored: from a run of main, the questions the evidence gate
let through. The figures in benchmarks/README.md came from prompts of a scratch run whose gate kept
only the absent-code check (a local switch, not in main), so nearly every question was scored.

    python benchmarks/bench_answerability.py --replies /tmp/q13-replies --reports /tmp/q13x-work \\
        --model qwen2.5-1.5b --out benchmarks/results/answerability.json

llama.cpp in this process: its server returns log-probabilities only for a model loaded with
`logits_all` (every position's logits kept), so the last position's logits are read directly.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from assistant.models import llm_gguf_path  # noqa: E402

ASK = "\n\nDo these documents state exactly what the question asks? Answer yes or no."


class YesProbability:
    """P(yes) of a llama.cpp model after a chat prompt; the longest common token prefix with the previous
    prompt stays in the KV cache (the prompts share their system message)."""

    def __init__(self, gguf: Path, threads: int) -> None:
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(gguf), n_ctx=4096, n_threads=threads, n_batch=512, verbose=False, seed=0)
        self.yes, self.no = self._ids("yes Yes YES"), self._ids("no No NO")
        self.previous: list[int] = []

    def _ids(self, words: str) -> list[int]:
        out = set()
        for w in words.split():
            for form in (w, " " + w):
                toks = self.llm.tokenize(form.encode(), add_bos=False, special=False)
                if len(toks) == 1:
                    out.add(toks[0])
        return sorted(out)

    def __call__(self, messages: list[tuple[str, str]]) -> float:
        # ChatML, the template of the bundled Qwen2.5 models
        text = "".join(f"<|im_start|>{r}\n{c}<|im_end|>\n" for r, c in messages) + "<|im_start|>assistant\n"
        toks = self.llm.tokenize(text.encode(), add_bos=False, special=True)
        n = 0
        while n < min(len(self.previous), len(toks) - 1) and self.previous[n] == toks[n]:
            n += 1
        self.llm.n_tokens = n
        self.llm.eval(toks[n:])
        self.previous = toks
        logits = np.ctypeslib.as_array(self.llm._ctx.get_logits(), shape=(self.llm.n_vocab(),)).astype(np.float64)
        p = np.exp(logits - logits.max())
        y, no = p[self.yes].sum(), p[self.no].sum()
        return float(y / (y + no))


def auc(pos: list[float], neg: list[float]) -> float | None:
    if not pos or not neg:
        return None
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def declined(rows: list[tuple[bool, float]], t: float) -> tuple[int, int, int, int]:
    unans = [p for ok, p in rows if not ok]
    ans = [p for ok, p in rows if ok]
    return sum(p < t for p in unans), len(unans), sum(p < t for p in ans), len(ans)


def leave_one_out(data: dict[str, list[tuple[bool, float]]]) -> dict[str, dict]:
    out = {}
    for held in data:
        train = [r for c, rows in data.items() if c != held for r in rows]
        best: tuple[float, int] | None = None
        for t in sorted({p for _, p in train}):
            ud, _, ad, an = declined(train, t)
            if ad <= 0.10 * an and (best is None or ud > best[1]):
                best = (t, ud)
        t = best[0] if best else 0.0
        ud, un, ad, an = declined(data[held], t)
        out[held] = {"threshold": round(t, 3), "unanswerable_declined": [ud, un], "answerable_declined": [ad, an]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replies", type=Path, required=True, help="bench_corpora --reply-cache folder")
    ap.add_argument("--reports", type=Path, required=True, help="bench_corpora --work folder (*.report.json)")
    ap.add_argument("--model", default="qwen2.5-1.5b", help="bundled model name or .gguf path")
    ap.add_argument("--cache-dir", type=Path, default=Path(".maintassist/models"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/answerability.json"))
    args = ap.parse_args()
    labels: dict[str, tuple[str, bool]] = {}
    for report in sorted(args.reports.glob("*.report.json")):
        for q in json.loads(report.read_text()).get("per_question", []):
            labels.setdefault(q["question"], (report.name.split(".report")[0], q["answerable"]))
    score = YesProbability(llm_gguf_path(args.model, args.cache_dir), args.threads)
    data: dict[str, list[tuple[bool, float]]] = {}
    seconds, seen = [], set()
    for path in sorted(args.replies.glob("*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))
        if len(messages) != 2 or messages[0][0] != "system" or "Question: " not in messages[1][1]:
            continue  # not an answer prompt (a work-order plan, a follow-up rewrite)
        question = messages[1][1].rsplit("Question: ", 1)[1].strip()
        if question not in labels or question in seen:
            continue
        seen.add(question)
        t0 = time.perf_counter()
        p = score([tuple(messages[0]), ("user", messages[1][1] + ASK)])
        seconds.append(time.perf_counter() - t0)
        corpus, answerable = labels[question]
        data.setdefault(corpus, []).append((answerable, p))
    rows = {c: {"answerable": sum(ok for ok, _ in r), "unanswerable": sum(not ok for ok, _ in r),
                "auc": auc([p for ok, p in r if ok], [p for ok, p in r if not ok])} for c, r in data.items()}
    loo = leave_one_out(data)
    print(f"model {args.model}, {len(seconds)} prompts, median {statistics.median(seconds):.2f} s a check, "
          f"load {os.getloadavg()[0]:.1f}")
    print("corpus | answerable | unanswerable | AUC | LOO threshold | unans declined | ans declined")
    for c in sorted(rows):
        r, l = rows[c], loo[c]
        print(f"{c} | {r['answerable']} | {r['unanswerable']} | {r['auc']:.3f} | {l['threshold']} | "
              f"{l['unanswerable_declined'][0]}/{l['unanswerable_declined'][1]} | "
              f"{l['answerable_declined'][0]}/{l['answerable_declined'][1]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model, "median_s": statistics.median(seconds),
                                    "corpora": rows, "leave_one_out": loo}, indent=1))


if __name__ == "__main__":
    main()
