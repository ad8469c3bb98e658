"""Judge thresholds replayed on stored answers: one threshold, or one for value questions and one for the rest.

The judge runs after the reply (``assistant/answer/rag.py``), so a ``bench_corpora.py`` run with both judge
thresholds at 0 keeps every reply with its P(yes) and P(value); this script then applies a decision rule to
those records and recomputes each corpus's citation precision, fact recall and declines, exactly as
``maintassist eval`` would have under that rule (an answer the judge declines cites nothing, states no fact).
The open threshold and the P(value) share are chosen leave-one-corpus-out: on the other corpora, the pair
that makes the fewest wrong decisions (unanswerable answered + answerable declined), ties to the higher
open threshold (closer to one threshold). One threshold for all is chosen the same way, to compare.

    MAINTASSIST_ANSWER__JUDGE_THRESHOLD=0 MAINTASSIST_ANSWER__JUDGE_OPEN_THRESHOLD=0 \\
        python benchmarks/bench_corpora.py --work /tmp/t0 --only ...
    python benchmarks/bench_thresholds.py --reports /tmp/t0 --threshold 0.26

The stored P(yes) is the judge's verdict score: with ``answer.judge_prior_weight`` (1.0 by default) its answer
without the documents is already weighed in, and the default threshold is 0.26 (0.59 for the judge alone).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

Rule = Callable[[dict], bool]  # a per-question record -> does the judge decline it?
OPEN_GRID = [round(0.20 + 0.01 * i, 2) for i in range(40)]
SHARE_GRID = [0.6, 0.7, 0.8]
THRESHOLD_GRID = [round(0.40 + 0.01 * i, 2) for i in range(41)]


def one(t: float) -> Rule:
    return lambda q: q["p_yes"] is not None and q["p_yes"] < t


def two(t: float, t_open: float, share: float) -> Rule:
    def rule(q: dict) -> bool:
        if q["p_yes"] is None:
            return False
        low = q.get("p_value") is not None and q["p_value"] < share
        return q["p_yes"] < (t_open if low else t)
    return rule


def score(questions: list[dict], rule: Rule) -> dict:
    """The report's answer metrics under ``rule`` (records from a run where the judge declined nothing)."""
    markers = precise = 0
    recalls: list[float] = []
    ud = un = ad = an = 0
    for q in questions:
        declined = bool(q["abstained"]) or (q["answer"] is not None and rule(q))
        if q["answerable"]:
            an += 1
            ad += declined
            if not declined:
                markers += len(q["cited"])
                precise += len(q["precise_citations"])
            facts = len(q["facts_found"]) + len(q["facts_missing"] or [])
            if facts:
                recalls.append(0.0 if declined else len(q["facts_found"]) / facts)
        else:
            un += 1
            ud += declined
    return {"citation_precision": round(precise / markers, 3) if markers else None,
            "fact_recall": round(sum(recalls) / len(recalls), 3) if recalls else None,
            "unanswerable_declined": [ud, un], "answerable_declined": [ad, an]}


def wrong(questions: list[dict], rule: Rule) -> int:
    s = score(questions, rule)
    return (s["unanswerable_declined"][1] - s["unanswerable_declined"][0]) + s["answerable_declined"][0]


def choose(train: list[dict], t: float) -> tuple[float, float]:
    """The (open threshold, share) with the fewest wrong decisions on ``train``; ties to the higher threshold."""
    best = min(((wrong(train, two(t, o, s)), -o, s) for o in OPEN_GRID for s in SHARE_GRID))
    return -best[1], best[2]


def choose_one(train: list[dict]) -> float:
    """The single threshold with the fewest wrong decisions on ``train``; ties to the lower one."""
    return min((wrong(train, one(t)), t) for t in THRESHOLD_GRID)[1]


def load(folder: Path) -> dict[str, list[dict]]:
    out = {}
    for path in sorted(folder.glob("*.report.json")):
        questions = json.loads(path.read_text()).get("per_question")
        if questions:  # the locked corpus keeps no per-question records
            out[path.name.split(".report")[0]] = questions
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=Path, required=True, help="bench_corpora --work folder, judge thresholds 0")
    ap.add_argument("--threshold", type=float, default=0.26, help="the value questions' threshold (the product's)")
    ap.add_argument("--open", type=float, default=None, help="also report this fixed open threshold")
    ap.add_argument("--share", type=float, default=0.7, help="P(value) below which --open applies")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/thresholds.json"))
    args = ap.parse_args()
    data = load(args.reports)
    if not any(q.get("p_value") is not None for qs in data.values() for q in qs):
        raise SystemExit(f"{args.reports}: no P(value) recorded (set MAINTASSIST_ANSWER__JUDGE_OPEN_THRESHOLD=0)")
    rows = []
    for corpus, questions in data.items():
        train = [q for c, qs in data.items() if c != corpus for q in qs]
        t_open, share = choose(train, args.threshold)
        t_one = choose_one(train)
        variants = {"none": lambda q: False, f"one {args.threshold}": one(args.threshold),
                    f"LOO one {t_one}": one(t_one),
                    f"LOO open {t_open} share {share}": two(args.threshold, t_open, share)}
        if args.open is not None:
            variants[f"open {args.open} share {args.share}"] = two(args.threshold, args.open, args.share)
        rows += [{"corpus": corpus, "rule": name, **score(questions, rule)} for name, rule in variants.items()]
    print("corpus | rule | cite prec | fact rec | unans declined | ans declined")
    for r in rows:
        print(f"{r['corpus']} | {r['rule']} | {r['citation_precision']} | {r['fact_recall']} | "
              f"{r['unanswerable_declined'][0]}/{r['unanswerable_declined'][1]} | "
              f"{r['answerable_declined'][0]}/{r['answerable_declined'][1]}")
    for name in dict.fromkeys(" ".join(r["rule"].split()[:2]) if r["rule"].startswith("LOO") else r["rule"]
                              for r in rows):
        mine = [r for r in rows if r["rule"].startswith(name)]
        ud, un, ad, an = (sum(r[k][i] for r in mine) for k in ("unanswerable_declined", "answerable_declined")
                          for i in (0, 1))
        print(f"all ({len(mine)} corpora) | {name} | | | {ud}/{un} | {ad}/{an}")
    everything = [q for qs in data.values() for q in qs]
    print("chosen on all corpora together: open %.2f, share %.1f" % choose(everything, args.threshold))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"threshold": args.threshold, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
