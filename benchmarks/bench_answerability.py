"""Is a model's own P(yes) an answerability signal? (issue 13: abstention without word lists)

Per corpus: the AUC of the answerability judge's P(yes) (``assistant.answer.grounding.judge``)
between answerable and unanswerable questions, and a leave-one-corpus-out decline threshold
(chosen on the other corpora as the one declining most unanswerable questions while declining at
most 10 % of answerable ones, applied to the held-out one). Two sources of scores:

- ``--reports DIR`` alone: the ``p_yes`` that ``maintassist eval`` recorded per question, from a
  ``bench_corpora.py`` run with the judge on and ``answer.judge_threshold=0`` (nothing declined by
  the judge, every score kept);
- ``--replies DIR --model M``: the judge scores every answer prompt a ``bench_corpora.py
  --reply-cache DIR`` run stored (labels from the reports), to compare models without a full run.

    MAINTASSIST_ANSWER__JUDGE=llamacpp MAINTASSIST_ANSWER__JUDGE_THRESHOLD=0 \\
        MAINTASSIST_ANSWER__WORD_CHECKS=false python benchmarks/bench_corpora.py --work /tmp/t0 ...
    python benchmarks/bench_answerability.py --reports /tmp/t0 --out benchmarks/results/answerability.json
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

from assistant.answer.grounding.judge import AnswerabilityJudge  # noqa: E402
from assistant.llm.yes_no import LlamaCppYesNo  # noqa: E402
from assistant.models import llm_gguf_path  # noqa: E402
from assistant.prompts import JUDGE_QUESTION  # noqa: E402
from assistant.types import ChatMessage  # noqa: E402

Rows = dict[str, list[tuple[bool, float]]]


def auc(pos: list[float], neg: list[float]) -> float | None:
    if not pos or not neg:
        return None
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def declined(rows: list[tuple[bool, float]], t: float) -> tuple[int, int, int, int]:
    unans = [p for ok, p in rows if not ok]
    ans = [p for ok, p in rows if ok]
    return sum(p < t for p in unans), len(unans), sum(p < t for p in ans), len(ans)


def leave_one_out(data: Rows) -> dict[str, dict]:
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


def reports(folder: Path) -> dict[str, list[dict]]:
    return {p.name.split(".report")[0]: json.loads(p.read_text()).get("per_question", [])
            for p in sorted(folder.glob("*.report.json"))}


def from_reports(folder: Path) -> tuple[Rows, list[dict]]:
    data: Rows = {}
    scored = []
    for corpus, questions in reports(folder).items():
        for q in questions:
            if q.get("p_yes") is not None:
                data.setdefault(corpus, []).append((q["answerable"], q["p_yes"]))
                scored.append({"corpus": corpus, "question": q["question"], "answerable": q["answerable"],
                               "p_yes": q["p_yes"]})
    return data, scored


def from_replies(replies: Path, folder: Path, judge: AnswerabilityJudge,
                 limit: int = 0) -> tuple[Rows, list[dict], list[float]]:
    labels = {q["question"]: (c, q["answerable"]) for c, qs in reports(folder).items() for q in qs}
    data: Rows = {}
    seconds, seen, scored = [], set(), []
    for path in sorted(replies.glob("*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))
        if len(messages) != 2 or messages[0][0] != "system" or "Question: " not in messages[1][1]:
            continue  # not an answer prompt (a work-order plan, a follow-up rewrite)
        question = messages[1][1].rsplit("Question: ", 1)[1].strip()
        if question not in labels or question in seen or (limit and len(seen) >= limit):
            continue
        seen.add(question)
        t0 = time.perf_counter()
        p = judge.judge([ChatMessage(role, content) for role, content in messages]).p_yes
        seconds.append(time.perf_counter() - t0)
        corpus, answerable = labels[question]
        data.setdefault(corpus, []).append((answerable, p))
        scored.append({"corpus": corpus, "question": question, "answerable": answerable, "p_yes": p})
    return data, scored, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=Path, required=True, help="bench_corpora --work folder (*.report.json)")
    ap.add_argument("--replies", type=Path, default=None, help="bench_corpora --reply-cache folder to score")
    ap.add_argument("--model", default="qwen2.5-1.5b", help="with --replies: bundled model name or .gguf path")
    ap.add_argument("--cache-dir", type=Path, default=Path(".maintassist/models"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--judge-question", default=JUDGE_QUESTION,
                    help="with --replies: the question added to the prompt (to compare wordings)")
    ap.add_argument("--limit", type=int, default=0, help="with --replies: score the first N prompts only (timing)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/answerability.json"))
    args = ap.parse_args()
    seconds: list[float] = []
    if args.replies is None:
        data, scored = from_reports(args.reports)
    else:
        scorer = LlamaCppYesNo(llm_gguf_path(args.model, args.cache_dir), n_ctx=4096, threads=args.threads)
        data, scored, seconds = from_replies(args.replies, args.reports, AnswerabilityJudge(scorer, threshold=0.0,
                                                                                question=args.judge_question),
                                              args.limit)
    if not data:
        sys.exit(f"{args.reports}: no judged question (run bench_corpora with MAINTASSIST_ANSWER__JUDGE set)")
    rows = {c: {"answerable": sum(ok for ok, _ in r), "unanswerable": sum(not ok for ok, _ in r),
                "auc": auc([p for ok, p in r if ok], [p for ok, p in r if not ok])} for c, r in data.items()}
    loo = leave_one_out(data)
    timing = f", median {statistics.median(seconds):.2f} s a check" if seconds else ""
    print(f"{sum(len(r) for r in data.values())} scored{timing}, load {os.getloadavg()[0]:.1f}")
    print("corpus | answerable | unanswerable | AUC | LOO threshold | unans declined | ans declined")
    for c in sorted(rows):
        r, l = rows[c], loo[c]
        print(f"{c} | {r['answerable']} | {r['unanswerable']} | {r['auc'] if r['auc'] is None else round(r['auc'], 3)} | "
              f"{l['threshold']} | {l['unanswerable_declined'][0]}/{l['unanswerable_declined'][1]} | "
              f"{l['answerable_declined'][0]}/{l['answerable_declined'][1]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"model": args.model if args.replies else "(reports)",
                                    "judge_question": args.judge_question if args.replies else None,
                                    "median_s": statistics.median(seconds) if seconds else None,
                                    "corpora": rows, "leave_one_out": loo, "questions": scored}, indent=1))


if __name__ == "__main__":
    main()
