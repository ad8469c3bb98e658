"""Follow-ups, and a new subject after an old one: which sources does each question keep? (issue 13)

A chat condenses a follow-up with the question before it ("and how tight should they be?"); the
same rule must leave a question with a subject of its own alone, or a technician who moves on to
another machine part gets sources for the mix. Retrieval only (no LLM), per corpus, recall@5 of:
- the follow-up questions, each with its own history from the QA file;
- the other answerable questions asked alone;
- the same questions each asked right after the previous question in the file, as if the technician
  went on to a new subject. The previous answer is "ok.", or with ``--answers`` the product's own answer
  to that question (a ``bench_corpora.py`` work folder: its ``<corpus>.report.json``). A rule that merges
  a standalone question with the one before it shows as this column falling below the one before.
Recall@1 beside recall@5: an answer cites its first source most.

The locked holdout is left out. Data dirs are shared with ``bench_corpora.py`` (``--work``).

    .venv/bin/python benchmarks/bench_followups.py --work /tmp/maintassist-corpora --only odrive,sample
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_corpora import ROOT, Corpus, cli, corpora, ingest  # noqa: E402


def after_previous(items: list[dict], answers: dict[str, str] | None = None) -> list[dict]:
    """Every question without a history gets the previous question in the file as one, answered by
    ``answers`` (by id) or "ok.".

    >>> [len(d.get("history", [])) for d in after_previous([{"question": "a"}, {"question": "b"}])]
    [0, 2]
    >>> after_previous([{"id": "1", "question": "a"}, {"question": "b"}], {"1": "A [1]."})[1]["history"][1]["content"]
    'A [1].'
    """
    out, previous = [], None
    for item in items:
        if not item.get("history") and previous is not None:
            item = dict(item, history=[{"role": "user", "content": previous["question"]},
                                       {"role": "assistant", "content": (answers or {}).get(previous.get("id"), "ok.")}])
        previous = item
        out.append(item)
    return out


def hits(report: dict, followup: bool, depth: int = 5) -> list[int]:
    """[questions found in the top ``depth``, answerable questions] of one kind."""
    qs = [q for q in report["per_question"] if q["answerable"] and (q["kind"] == "followup") == followup]
    return [sum(bool(q[f"hit@{depth}"]) for q in qs), len(qs)]


def stored_answers(folder: Path | None, corpus: str) -> dict[str, str]:
    """The product's answers (by question id) in a ``bench_corpora.py`` report, if one is there."""
    path = folder / f"{corpus}.report.json" if folder else None
    if path is None or not path.is_file():
        return {}
    return {q["id"]: q.get("answer") or "" for q in json.loads(path.read_text())["per_question"]}


def run(c: Corpus, work: Path, env: dict[str, str], answers: Path | None = None) -> dict:
    data = ingest(c, work, env)
    items = [json.loads(line) for line in c.qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    chained = work / f"{c.name}.after-previous.jsonl"
    chained.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n"
                               for d in after_previous(items, stored_answers(answers, c.name))), encoding="utf-8")
    reports = {}
    for name, qa in (("alone", c.qa), ("after", chained)):
        out = work / f"{c.name}.followups-{name}.json"
        done = cli("eval", "--retrieval-only", "--qa", str(qa), "--data-dir", str(data), "--out", str(out), env=env)
        if done.returncode != 0:
            raise SystemExit(f"{c.name}: eval failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        reports[name] = json.loads(out.read_text())
    return {"corpus": c.name, **{f"{name}{suffix}": hits(reports[report], followup, depth)
                                 for depth, suffix in ((5, ""), (1, "_r1"))
                                 for name, report, followup in (("followups", "alone", True),
                                                                ("standalone_alone", "alone", False),
                                                                ("standalone_after_previous", "after", False))}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated corpus names (default: all but the locked one)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/maintassist-corpora"), help="data dirs and reports")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "followups.json")
    ap.add_argument("--answers", type=Path, help="a bench_corpora.py --work folder: the previous question's answer "
                    "read from its <corpus>.report.json (default: 'ok.')")
    args = ap.parse_args()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    wanted = {n for n in args.only.split(",") if n}
    rows = []
    for c in corpora():
        if c.locked or (wanted and c.name not in wanted):
            continue
        print(f"{c.name} ...", file=sys.stderr, flush=True)
        rows.append(run(c, args.work, env, args.answers))
    keys = [f"{k}{s}" for k in ("followups", "standalone_alone", "standalone_after_previous") for s in ("_r1", "")]
    rows.append({"corpus": "all", **{k: [sum(r[k][0] for r in rows), sum(r[k][1] for r in rows)] for k in keys}})
    print("corpus | follow-ups R@1, R@5 | standalone asked alone R@1, R@5 | standalone after the previous question "
          "R@1, R@5")
    for r in rows:
        print(" | ".join([r["corpus"], *(f"{r[a][0]}, {r[b][0]} of {r[b][1]}" for a, b in zip(keys[::2], keys[1::2]))]))
    meta = {"load_average_1m": os.getloadavg()[0], "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
