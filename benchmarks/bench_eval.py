"""Compare retrievers and LLM backends on a QA file with the evaluation harness.

Steps: ingest the corpus into a temporary data dir (unless ``--data-dir`` is given), grade
retrieval for BM25-only, dense-only and hybrid (index and chat path), then run full answers
for each requested LLM backend; print one comparison table and write the summaries to
``benchmarks/results/eval.json``.

    .venv/bin/python benchmarks/bench_eval.py                        # sample corpus, llamacpp
    .venv/bin/python benchmarks/bench_eval.py --backends llamacpp,transformers --limit 20
    .venv/bin/python benchmarks/bench_eval.py --data-dir .maintassist --retrieval-only
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

RETRIEVERS = (("bm25", "bm25"), ("dense", "dense"), ("hybrid (index)", "hybrid-raw"), ("hybrid (chain)", "hybrid"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--qa", type=Path, default=ROOT / "data/sample/qa.jsonl", help="QA JSONL file")
    p.add_argument("--corpus", type=Path, default=ROOT / "data/sample", help="folder ingested when no --data-dir")
    p.add_argument("--exclude", default="qa*.jsonl,README*,src",
                   help="comma-separated glob patterns of corpus entries not to ingest (the QA file "
                        "itself must never become evidence)")
    p.add_argument("--data-dir", type=Path, default=None, help="an already ingested data dir")
    p.add_argument("--backends", default="llamacpp", help="comma-separated llm.mode values for full runs")
    p.add_argument("--k", default="1,5,10", help="recall cut-offs")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--retrieval-only", action="store_true", help="skip the full (LLM) runs")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/eval.json")
    return p.parse_args(argv)


def corpus_paths(corpus: Path, qa: Path, exclude: str) -> list[Path]:
    """Top-level entries of the corpus folder minus the QA file and the excluded patterns.

    Ingesting the QA file would put the expected answers into the index and inflate every figure.
    """
    patterns = [p.strip() for p in exclude.split(",") if p.strip()]
    qa = qa.resolve()
    return sorted(p for p in corpus.iterdir()
                  if p.resolve() != qa and not any(fnmatch.fnmatch(p.name, pat) for pat in patterns))


def prepare_data_dir(args: argparse.Namespace) -> Path:
    from assistant.wiring import container_from

    if args.data_dir is not None:
        return args.data_dir
    data_dir = Path(tempfile.mkdtemp(prefix="maintassist-bench-eval-"))
    paths = corpus_paths(args.corpus, args.qa, args.exclude)
    started = time.perf_counter()
    report = container_from(data_dir).ingest_pipeline.run(paths)
    print(f"ingested {args.corpus} into {data_dir} in {time.perf_counter() - started:.1f} s: {report}",
          file=sys.stderr)
    return data_dir


def run_row(name: str, data_dir: Path, args: argparse.Namespace, ks: list[int], *, retrieval_mode: str,
            retrieval_only: bool, backend: str | None = None) -> dict[str, Any]:
    """One harness run in a fresh container; an unavailable backend becomes a row with ``error``."""
    from assistant.wiring import container_from
    from assistant.cli.commands.eval import run_eval

    print(f"[bench_eval] {name} ...", file=sys.stderr, flush=True)
    previous = os.environ.get("MAINTASSIST_LLM__MODE")
    if backend is not None:
        os.environ["MAINTASSIST_LLM__MODE"] = backend  # Settings read the environment when built
    try:
        container = container_from(data_dir)
        if not retrieval_only:
            container.generator  # noqa: B018 - load now so a missing backend is reported, not 64 errors
        started = time.perf_counter()
        report = run_eval(container, args.qa, retrieval_only=retrieval_only, retrieval_mode=retrieval_mode,
                          ks=ks, limit=args.limit)
        wall = time.perf_counter() - started
    except Exception as exc:  # noqa: BLE001 - a missing backend must not end the comparison
        return {"name": name, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        if backend is not None:
            if previous is None:
                os.environ.pop("MAINTASSIST_LLM__MODE", None)
            else:
                os.environ["MAINTASSIST_LLM__MODE"] = previous
    print(f"[bench_eval] {name}: {report['questions']} questions in {wall:.1f} s", file=sys.stderr, flush=True)
    summary = {key: value for key, value in report.items() if key != "per_question"}
    return {"name": name, "wall_s": round(wall, 2), "report": summary}


def print_table(rows: list[dict[str, Any]], ks: list[int]) -> None:
    from rich.console import Console
    from rich.table import Table

    from assistant.evaluation.report import fmt

    table = Table(title="maintassist eval comparison")
    cols = ["run", "mode", "n"] + [f"R@{k}" for k in ks] + ["MRR", "cite prec", "cite cov", "fact rec",
                                                             "invalid", "decline ok", "decline wrong",
                                                             "src p50 s", "total p50 s", "total p95 s", "tok/s",
                                                             "wall s"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("run", "mode") else "right")
    for row in rows:
        if "error" in row:
            table.add_row(row["name"], "—", *["—"] * (len(cols) - 3), style="dim")
            continue
        rep = row["report"]
        r, g, a, lat = rep["retrieval"], rep["grounding"], rep["abstention"], rep["latency_s"]
        table.add_row(
            row["name"], rep["mode"], fmt(rep["questions"]), *[fmt(r[f"recall@{k}"]) for k in ks], fmt(r["mrr"]),
            fmt(g["citation_precision"]), fmt(g["citation_coverage"]), fmt(g["fact_recall"]),
            fmt(g["invalid_citations"]), fmt(a["correct_decline_rate"]), fmt(a["false_decline_rate"]),
            fmt(lat["sources_p50"], 3), fmt(lat["total_p50"], 2), fmt(lat["total_p95"], 2),
            fmt(lat["output_tokens_per_s"], 1), fmt(row["wall_s"], 1),
        )
    console = Console()
    if not console.is_terminal:
        console = Console(width=220)  # piped to a log: do not squeeze 19 columns into 80
    console.print(table)
    for row in rows:
        if "error" in row:
            print(f"{row['name']}: not run: {row['error']}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from assistant.cli.commands.eval import parse_ks
    from assistant.evaluation import load_qa, write_report

    args = parse_args(argv)
    ks = parse_ks(args.k)
    load_qa(args.qa)  # fail before ingesting when the QA file is broken
    data_dir = prepare_data_dir(args)
    rows = [run_row(name, data_dir, args, ks, retrieval_mode=mode, retrieval_only=True) for name, mode in RETRIEVERS]
    if not args.retrieval_only:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            rows.append(run_row(f"full · {backend}", data_dir, args, ks, retrieval_mode="hybrid",
                                retrieval_only=False, backend=backend))
    print_table(rows, ks)
    write_report({"generated": datetime.now(timezone.utc).isoformat(timespec="seconds"), "qa_file": str(args.qa),
                  "data_dir": str(data_dir), "k": ks, "limit": args.limit, "runs": rows}, args.out)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
