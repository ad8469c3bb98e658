"""Answer quality on every corpus we have, one row each, the locked holdout last.

Each corpus is ingested into its own data dir (incremental: a re-run skips unchanged files), then
``maintassist eval`` runs its QA file through the chat's answer chain. The table gives, per corpus:
recall@5, citation precision, fact recall, unanswerable questions declined, answerable ones declined,
where facts are lost (in the retrieved chunks / in the model's prompt), and first-token p50.

The locked holdouts (named in benchmarks/corpora/README.md) are reported by their aggregates only: their
per-question records are dropped before anything is written, so nobody tunes on their questions.

    .venv/bin/python benchmarks/bench_corpora.py                      # all corpora, default model
    .venv/bin/python benchmarks/bench_corpora.py --only odrive,sample --limit 10
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT / "benchmarks" / "corpora"
# never developed on, reported last; the second and third were written blind by helpers, first run at adb65ef
# (the answer chain of 4638e13) and 9f6655d
LOCKED = frozenset({"linuxcnc-fr-es", "smoothieware-board", "respiraworks-ventilator"})


@dataclass
class Corpus:
    name: str
    qa: Path
    inputs: list[Path]
    ingest_args: list[str] = field(default_factory=list)
    locked: bool = False


def external_dir() -> Path | None:
    env = os.environ.get("MAINTASSIST_EXTERNAL_DATA")
    if env:
        return Path(env)
    for parent in ROOT.parents:
        if (parent / "shared" / "data" / "external").is_dir():
            return parent / "shared" / "data" / "external"
    return None


def corpora() -> list[Corpus]:
    sample = ROOT / "data" / "sample"
    out = [Corpus("sample", sample / "qa.jsonl", [sample / "manuals", sample / "work_orders.csv", sample / "sensors"],
                  ["--assets", str(sample / "assets.csv"), "--limits", str(sample / "sensors" / "limits.yaml")])]
    ext = external_dir()
    if ext is not None:
        out.append(Corpus("external-dev", ROOT / "benchmarks" / "qa_external_dev.jsonl", [ext]))
        out.append(Corpus("external-holdout", ROOT / "benchmarks" / "qa_external_holdout.jsonl", [ext]))
        # counts, dates and extremes over the external record tables (FMEA, alarm and anomaly lists)
        out.append(Corpus("external-records", ROOT / "benchmarks" / "qa_external_records.jsonl", [ext]))
    for folder in sorted(p for p in CORPORA.iterdir() if (p / "qa.jsonl").is_file()):
        out.append(Corpus(folder.name, folder / "qa.jsonl", [folder / "docs"], locked=folder.name in LOCKED))
    return sorted(out, key=lambda c: c.locked)  # the locked ones last


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # benchmarks/replay.py reuses stored replies when --reply-cache is given (else it does nothing)
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import replay; replay.install(); " \
           "from assistant.cli.main import app; app()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env,
                          capture_output=True, text=True)


def ingest(c: Corpus, work: Path, env: dict[str, str]) -> Path:
    """Ingest ``c`` into its data dir under ``work`` (incremental) and return that dir."""
    data = work / ("external" if c.name.startswith("external") else c.name)  # one index for both external sets
    done = cli("ingest", *map(str, c.inputs), *c.ingest_args, "--data-dir", str(data), env=env)
    if done.returncode != 0:
        raise SystemExit(f"{c.name}: ingest failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return data


def run_corpus(c: Corpus, work: Path, env: dict[str, str], extra: list[str]) -> dict:
    t = time.perf_counter()
    data = ingest(c, work, env)
    ingest_s = time.perf_counter() - t
    out = work / f"{c.name}.report.json"
    run = cli("eval", "--qa", str(c.qa), "--data-dir", str(data), "--out", str(out), *extra, env=env)
    if run.returncode != 0:
        raise SystemExit(f"{c.name}: eval failed:\n{run.stdout[-2000:]}{run.stderr[-2000:]}")
    report = json.loads(out.read_text())
    per_q = report.get("per_question", [])
    row = summary_row(c.name, report, per_q)
    row["ingest_s"] = round(ingest_s, 1)
    if c.locked:
        # Aggregates only: the questions and answers of a locked corpus are never written or shown.
        report.pop("per_question", None)
        for kind in report.get("per_kind", {}).values():
            kind.pop("per_question", None)
        out.write_text(json.dumps({k: v for k, v in report.items() if k != "per_kind"}, indent=1))
    return row


def summary_row(name: str, report: dict, per_q: list[dict]) -> dict:
    g, r = report.get("grounding") or {}, report.get("retrieval") or {}
    unans = [q for q in per_q if not q["answerable"]]
    ans = [q for q in per_q if q["answerable"]]
    return {
        "corpus": name, "questions": report["questions"], "recall@5": r.get("recall@5"),
        "citation_precision": g.get("citation_precision"), "fact_recall": g.get("fact_recall"),
        "unanswerable_declined": [sum(1 for q in unans if q.get("abstained")), len(unans)],
        "answerable_declined": [sum(1 for q in ans if q.get("abstained")), len(ans)],
        "facts_in_retrieved": g.get("facts_in_retrieved"), "facts_in_prompt": g.get("facts_in_prompt"),
        "facts_in_reply": g.get("facts_in_reply"), "answers_with_absent_numbers": g.get("answers_with_absent_numbers"),
        "first_token_p50_s": (report.get("latency_s") or {}).get("first_token_p50"),
        # where the declines come from: an aggregate, so a locked corpus shows it too without a question
        # (the chain names the stage, ``Answer.declined_by``; "unknown" where an answerer named none)
        "declined_by": {label: dict(Counter(q.get("declined_by") or "unknown" for q in qs if q.get("abstained")))
                        for label, qs in (("answerable", ans), ("unanswerable", unans))},
        "errors": report.get("errors"),
        "per_kind_fact_recall": {k: (v.get("grounding") or {}).get("fact_recall")
                                 for k, v in report.get("per_kind", {}).items()},
    }


def fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return f"{v[0]}/{v[1]}"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="comma-separated corpus names (default: all)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/maintassist-corpora"), help="data dirs and reports")
    ap.add_argument("--limit", type=int, default=0, help="first N questions of each corpus")
    ap.add_argument("--llm-model", default="", help="MAINTASSIST_LLM__MODEL for this run (default: the setting)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "corpora.json")
    ap.add_argument("--reply-cache", type=Path, default=None,
                    help="reuse the model's stored replies to identical prompts (benchmarks/replay.py); "
                         "first-token times then mean nothing")
    args = ap.parse_args()
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    if args.reply_cache:
        env["MAINTASSIST_BENCH_REPLY_CACHE"] = str(args.reply_cache.resolve())
    if args.llm_model:
        env["MAINTASSIST_LLM__MODEL"] = args.llm_model
    wanted = {n for n in args.only.split(",") if n}
    extra = ["--limit", str(args.limit)] if args.limit else []
    rows = []
    for c in corpora():
        if wanted and c.name not in wanted:
            continue
        print(f"{c.name} ...", file=sys.stderr, flush=True)
        rows.append(run_corpus(c, args.work, env, extra))
        print("  " + json.dumps({k: v for k, v in rows[-1].items() if k != "per_kind_fact_recall"}),
              file=sys.stderr, flush=True)
    meta = {"load_average_1m": os.getloadavg()[0], "cpu_count": os.cpu_count(), "limit": args.limit,
            "llm_model": args.llm_model or "(setting)", "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    cols = ["corpus", "questions", "recall@5", "citation_precision", "fact_recall", "unanswerable_declined",
            "answerable_declined", "facts_in_retrieved", "facts_in_prompt", "facts_in_reply",
            "answers_with_absent_numbers", "first_token_p50_s"]
    heads = ["corpus", "n", "R@5", "cite prec", "fact rec", "unans decl", "ans decl", "in retr", "in prompt",
             "in reply", "new nums", "TTFT p50"]
    print(" | ".join(heads))
    for row in rows:
        print(" | ".join(fmt(row[c]) for c in cols) + (" (locked)" if row["corpus"] in LOCKED else ""))
    print(f"load average at the end: {meta['load_average_1m']:.1f}")


if __name__ == "__main__":
    main()
