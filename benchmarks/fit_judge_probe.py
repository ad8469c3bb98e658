"""Fit the judge's probe (``assistant/answer/grounding/probe.py``) and measure it leaving one corpus out.

Input: ``bench_corpora.py`` runs with ``--reply-cache DIR``, the judge and a probe on (``answer.judge_probe``, the
bundled one or any other: the judge then reads the hidden state, and the replay stores it whatever the probe
decides). Their reports give each judged question's label (answerable or not), its P(yes) with the documents removed
and the run's decision; the reply cache's ``judge/*.npz`` (``benchmarks/replay.py``, ``ReplayStateReader``) gives the
judge prompt's hidden state and P(yes), found by the question the prompt ends with.

For each development corpus a logistic regression is fitted on the others and scores the held-out one; the
threshold is the one that declines the most unanswerable questions while declining at most ``--max-false`` of
the answerable ones, over those held-out scores of every corpus. The probe written to ``--out`` is then fitted on
all development corpora. A locked corpus's report holds aggregates only (``bench_corpora.py``), so it is never
fitted on: measure it end to end with the written probe, last.

    python benchmarks/fit_judge_probe.py --reports /tmp/w --cache /tmp/cache --layer 20 --max-false 0.07 \\
        --out assistant/answer/grounding/judge_probe.json    # how the bundled probe was written

The runs must have stored the state the fit reads: a probe of ``--layer`` 20 in the runs (the bundled one) stores
layer 20's output, a probe without a layer the final state.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.answer.grounding.probe import LinearProbe, logit  # noqa: E402
from assistant.prompts import JUDGE_QUESTION  # noqa: E402


def asked(messages: list) -> str:
    """The question a judge prompt ends with ("Question: ..." before the judge's own question)."""
    return messages[-1][1].rsplit("\nQuestion: ", 1)[-1].split("\n\n")[0].strip()


def states(cache: Path, layer: int | None = None) -> dict[str, list[tuple[np.ndarray, float]]]:
    """Stored (state, P(yes)) by question, the prompt with the most text first (with its documents): the final
    state (``<key>.npz``) or layer ``layer``'s output (``<key>-l<layer>.npz``)."""
    found: dict[str, list[tuple[int, np.ndarray, float]]] = {}
    paths = (cache / "judge").glob("*.npz" if layer is None else f"*-l{layer}.npz")
    for path in sorted(p for p in paths if layer is not None or "-l" not in p.stem):
        with np.load(path) as z:
            messages = json.loads(str(z["messages"]))
            found.setdefault(asked(messages), []).append((len(messages[-1][1]), z["state"].copy(), float(z["p"])))
    return {q: [(s, p) for _, s, p in sorted(hits, key=lambda h: -h[0])] for q, hits in found.items()}


def rows(report: Path, found: dict) -> tuple[list, int]:
    """(state, p_yes, p_prior, answerable, product declined, declined after the judge by another check) of each
    judged question; and how many had no state."""
    out, missing = [], 0
    for q in json.loads(report.read_text(encoding="utf-8")).get("per_question", []):  # none: a locked corpus
        if q.get("p_yes") is None:
            continue  # not judged: declined before the judge, or a route without it
        hits = found.get(q["question"].strip())
        if not hits:
            missing += 1
            continue
        state, p = hits[0]
        prior = (q.get("evidence") or {}).get("p_prior")
        # declined by another stage after the judge (reports written before ``declined_by`` name it by the reason)
        judged = q.get("declined_by") == "judge" if "declined_by" in q \
            else (q.get("decline_reason") or "").startswith("the judge's")
        other = q["abstained"] and not judged
        out.append((state, p, prior, bool(q["answerable"]), bool(q["abstained"]), other))
    return out, missing


def features(data: list) -> tuple[np.ndarray, np.ndarray]:
    """The unit hidden states, and the judge's P(yes) weighed with its P(yes) without documents (log-odds)."""
    h = np.array([r[0] for r in data], dtype=np.float64)
    h /= np.linalg.norm(h, axis=1, keepdims=True)
    return h, np.array([logit(r[1]) + logit(r[2] if r[2] is not None else 0.5) for r in data])


def fit(h: np.ndarray, weighed: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float, float]:
    """Weights over the unit state, the weight of the weighed log-odds, and the bias.

    A logistic regression over the standardised state, its decision value and the weighed log-odds each divided
    by its spread over the training questions, then added: the state's read-out and the judge's word count
    alike. Fitting P(yes) as two more columns among the state's 1536 shrank them with the rest and did no better
    leaving one corpus out (benchmarks/README.md)."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = h.mean(0), h.std(0) + 1e-6
    lr = LogisticRegression(C=c, max_iter=5000).fit((h - mu) / sd, y)
    w = lr.coef_[0] / sd
    b = float(lr.intercept_[0] - (w * mu).sum())
    spread = float((h @ w + b).std()) or 1.0
    return w / spread, 1.0 / (float(weighed.std()) or 1.0), b / spread


def auc(y: np.ndarray, s: np.ndarray) -> float | None:
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return None
    return float(((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum())
                 / (len(pos) * len(neg)))


def threshold(y: np.ndarray, p: np.ndarray, other: np.ndarray, max_false: float) -> float:
    """The threshold declining the most unanswerable questions while at most ``max_false`` of the answerable ones
    are declined, by it or by the checks after the judge (``other``)."""
    best = (0.0, -1)
    for t in sorted(set(p.tolist())):
        gone = (p < t) | other
        if (gone & y).sum() <= max_false * y.sum() and (gone & ~y).sum() > best[1]:
            best = (t, int((gone & ~y).sum()))
    return best[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=Path, nargs="+", required=True, help="bench_corpora --work folders")
    ap.add_argument("--cache", type=Path, required=True, help="the --reply-cache folder of those runs")
    ap.add_argument("--layer", type=int, default=None, help="fit on this layer's output (the runs' probe read it); "
                    "default: the final state")
    ap.add_argument("--c", type=float, nargs="+", default=[0.001, 0.003, 0.01], help="regularisations tried")
    ap.add_argument("--max-false", type=float, default=None, help="share of the judged answerable questions "
                    "that may be declined (default: the share the product declines now)")
    ap.add_argument("--out", type=Path, default=None, help="write the probe fitted on every development corpus")
    ap.add_argument("--json", type=Path, default=None, help="write the table as JSON")
    args = ap.parse_args()

    found = states(args.cache, args.layer)
    corpora: dict[str, list] = {}
    for folder in args.reports:
        for report in sorted(folder.glob("*.report.json")):
            data, missing = rows(report, found)
            name = report.name.removesuffix(".report.json")
            if missing:
                print(f"{name}: {missing} judged questions without a stored state (run with the probe's replay)")
            if data:
                corpora[name] = data
    dev = list(corpora)
    x = {c: features(corpora[c]) for c in corpora}
    score = lambda f, w: f[0] @ w[0] + w[1] * f[1] + w[2]  # noqa: E731
    stack = lambda names: tuple(np.concatenate([x[k][i] for k in names]) for i in (0, 1))  # noqa: E731
    y = {c: np.array([r[3] for r in corpora[c]]) for c in corpora}
    base = {c: np.array([not r[4] for r in corpora[c]]) for c in corpora}  # the product's own verdict

    best_c, held = None, {}
    for c in args.c:
        scores = {}
        for out in dev:
            train = [k for k in dev if k != out]
            w = fit(*stack(train), np.concatenate([y[k] for k in train]), c)
            scores[out] = 1 / (1 + np.exp(-score(x[out], w)))
        pooled = auc(np.concatenate([y[k] for k in dev]), np.concatenate([scores[k] for k in dev]))
        print(f"C={c}: pooled held-out AUC {pooled:.3f} (the judge's weighed P(yes): "
              f"{auc(np.concatenate([y[k] for k in dev]), stack(dev)[1]):.3f})")
        if best_c is None or pooled > best_c[1]:
            best_c, held = (c, pooled), scores
    c = best_c[0]
    other = {k: np.array([r[5] for r in corpora[k]]) for k in corpora}
    if args.max_false is None:  # as many answerable questions declined as the product declines now
        args.max_false = sum(int((~base[k] & y[k]).sum()) for k in dev) / sum(int(y[k].sum()) for k in dev)
    t = threshold(np.concatenate([y[k] for k in dev]), np.concatenate([held[k] for k in dev]),
                  np.concatenate([other[k] for k in dev]), args.max_false)
    w = fit(*stack(dev), np.concatenate([y[k] for k in dev]), c)
    table = []
    print(f"\nC={c}, threshold {t:.3f} (answerable declined at most {args.max_false:.3f}); judged questions only: "
          "unanswerable declined / answerable declined")
    print("| corpus | n (ans / unans) | AUC P(yes) weighed | AUC probe | the run | probe |")
    for name in dev:
        s = held[name]
        yy, weighed = y[name], x[name][1]
        gone = (s < t) | other[name]  # the checks after the judge still decline
        row = dict(corpus=name, answerable=int(yy.sum()), unanswerable=int((~yy).sum()),
                   auc_p_yes=auc(yy, weighed), auc_probe=auc(yy, s),
                   now=[int((~base[name] & ~yy).sum()), int((~base[name] & yy).sum())],
                   probe=[int((gone & ~yy).sum()), int((gone & yy).sum())])
        table.append(row)
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        print(f"| {name} | {row['answerable']} / {row['unanswerable']} | "
              f"{fmt(row['auc_p_yes'])} | {fmt(row['auc_probe'])} | {row['now'][0]} / {row['now'][1]} | "
              f"{row['probe'][0]} / {row['probe'][1]} |")
    total = {k: [sum(r[k][i] for r in table) for i in (0, 1)] for k in ("now", "probe")}
    print(f"| all | {sum(r['answerable'] for r in table)} / {sum(r['unanswerable'] for r in table)} | | | "
          f"{total['now'][0]} / {total['now'][1]} | {total['probe'][0]} / {total['probe'][1]} |")
    if args.json:
        args.json.write_text(json.dumps(dict(c=c, threshold=t, rows=table), indent=1) + "\n", encoding="utf-8")
    if args.out:
        LinearProbe("qwen2.5-1.5b", JUDGE_QUESTION, tuple(float(v) for v in w[0]), w_yes=w[1], w_prior=w[1],
                    bias=w[2], threshold=round(t, 4), layer=args.layer,
                    note=f"fit_judge_probe.py {time.strftime('%Y-%m-%d')}: C={c}, on {', '.join(dev)}").save(args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
