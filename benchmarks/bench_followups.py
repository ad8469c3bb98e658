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
- the follow-ups again with a reply in between ("ok" / "ok."): the technician acknowledged the answer before
  asking on; the follow-up still means the subject of the question before the acknowledgement;
- the standalone questions after the two previous questions in the file: a chain of short questions must not pull
  in the subjects of several earlier ones.
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


def after_previous(items: list[dict], answers: dict[str, str] | None = None, turns: int = 1) -> list[dict]:
    """Every question without a history gets the ``turns`` previous questions in the file as one, each answered by
    ``answers`` (by id) or "ok.".

    >>> [len(d.get("history", [])) for d in after_previous([{"question": "a"}, {"question": "b"}])]
    [0, 2]
    >>> after_previous([{"id": "1", "question": "a"}, {"question": "b"}], {"1": "A [1]."})[1]["history"][1]["content"]
    'A [1].'
    >>> [m["content"] for m in after_previous([{"question": q} for q in "abc"], turns=2)[2]["history"][::2]]
    ['a', 'b']
    """
    out: list[dict] = []
    for item in items:
        earlier = out[-turns:]
        if not item.get("history") and earlier:
            history = [turn for p in earlier for turn in (
                {"role": "user", "content": p["question"]},
                {"role": "assistant", "content": (answers or {}).get(p.get("id"), "ok.")})]
            item = dict(item, history=history)
        out.append(item)
    return out


def acknowledged(items: list[dict], reply: str = "ok") -> list[dict]:
    """The follow-ups, each asked after one more turn in which the technician only acknowledged the answer.

    >>> acknowledged([{"question": "a"}, {"question": "b", "history": [{"role": "user", "content": "x"}]}])
    [{'question': 'b', 'history': [{'role': 'user', 'content': 'x'}, {'role': 'user', 'content': 'ok'}, \
{'role': 'assistant', 'content': 'ok.'}]}]
    """
    return [dict(item, history=[*item["history"], {"role": "user", "content": reply},
                                {"role": "assistant", "content": "ok."}]) for item in items if item.get("history")]


def hits(report: dict | None, followup: bool, depth: int = 5) -> list[int]:
    """[questions found in the top ``depth``, answerable questions] of one kind (none without a report)."""
    qs = [q for q in (report or {}).get("per_question", []) if q["answerable"] and (q["kind"] == "followup") == followup]
    return [sum(bool(q[f"hit@{depth}"]) for q in qs), len(qs)]


def stored_answers(folder: Path | None, corpus: str) -> dict[str, str]:
    """The product's answers (by question id) in a ``bench_corpora.py`` report, if one is there."""
    path = folder / f"{corpus}.report.json" if folder else None
    if path is None or not path.is_file():
        return {}
    return {q["id"]: q.get("answer") or "" for q in json.loads(path.read_text())["per_question"]}


# (column, QA variant, follow-ups or standalone questions)
COLUMNS = (("followups", "alone", True), ("followups_acknowledged", "acknowledged", True),
           ("standalone_alone", "alone", False), ("standalone_after_previous", "after", False),
           ("standalone_after_two", "after2", False))


def run(c: Corpus, work: Path, env: dict[str, str], answers: Path | None = None) -> dict:
    data = ingest(c, work, env)
    items = [json.loads(line) for line in c.qa.read_text(encoding="utf-8").splitlines() if line.strip()]
    answered = stored_answers(answers, c.name)
    variants = {"alone": c.qa}
    for name, made in (("after", after_previous(items, answered)), ("after2", after_previous(items, answered, 2)),
                       ("acknowledged", acknowledged(items))):
        if not made:  # a set without follow-ups
            continue
        variants[name] = work / f"{c.name}.{name}.jsonl"
        variants[name].write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in made), encoding="utf-8")
    reports = {}
    for name, qa in variants.items():
        out = work / f"{c.name}.followups-{name}.json"
        done = cli("eval", "--retrieval-only", "--qa", str(qa), "--data-dir", str(data), "--out", str(out), env=env)
        if done.returncode != 0:
            raise SystemExit(f"{c.name}: eval failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        reports[name] = json.loads(out.read_text())
    return {"corpus": c.name, **{f"{name}{suffix}": hits(reports.get(report), followup, depth)
                                 for depth, suffix in ((5, ""), (1, "_r1"))
                                 for name, report, followup in COLUMNS}}



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
    keys = [f"{k}{s}" for k, _, _ in COLUMNS for s in ("_r1", "")]
    rows.append({"corpus": "all", **{k: [sum(r[k][0] for r in rows), sum(r[k][1] for r in rows)] for k in keys}})
    print("corpus | follow-ups R@1, R@5 | follow-ups after an 'ok' | standalone asked alone | standalone after the "
          "previous question | standalone after the two previous questions")
    for r in rows:
        print(" | ".join([r["corpus"], *(f"{r[a][0]}, {r[b][0]} of {r[b][1]}" for a, b in zip(keys[::2], keys[1::2]))]))
    meta = {"load_average_1m": os.getloadavg()[0], "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
