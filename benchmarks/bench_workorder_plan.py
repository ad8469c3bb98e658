"""Plan accuracy and time per plan of the bundled LLMs on work-order analytics questions (issue 13).

Each question in ``workorder_plan_questions.jsonl`` names its data set and the figure (or record, or
top group) a right plan gives. The model plans under the JSON-schema grammar, the plan is checked and
executed on the ingested table, and the answer's figure is compared. Ingest the data first (the
embedder does not matter here):

    MAINTASSIST_EMBEDDING__MODE=fake maintassist ingest --data-dir /tmp/woplan/exc \\
        shared/data/external/excavator-mwo/case_study_pdl.csv
    MAINTASSIST_EMBEDDING__MODE=fake maintassist ingest --data-dir /tmp/woplan/sample data/sample/work_orders.csv
    python benchmarks/bench_workorder_plan.py --data excavator=/tmp/woplan/exc --data sample=/tmp/woplan/sample \\
        --model qwen2.5-0.5b --model qwen2.5-1.5b --out benchmarks/results/workorder_plan.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.llm.factory import build_generator  # noqa: E402
from assistant.wiring import generator_values  # noqa: E402
from assistant.history.plan import Catalog, PlanError, check_plan  # noqa: E402
from assistant.history.plan_exec import PlanExecutor  # noqa: E402
from assistant.history.plan_prompt import WorkOrderPlanner  # noqa: E402
from ingest.assets import AssetRegistry  # noqa: E402

QUESTIONS = Path(__file__).with_name("workorder_plan_questions.jsonl")
TODAY = date(2026, 12, 5)  # the questions name absolute years; a fixed today keeps "last year" reproducible


def matches(result, expect: dict, grouped: bool) -> bool:
    """The answer gives the expected figure (0.01 % tolerance), top group, or — with no figure — record,
    in the expected shape: a ranking of groups only where one is expected (a right count worded as
    "By asset, press 4 has the most: 5" is not the count asked for)."""
    if expect.get("declined"):
        return result is None
    if result is None or not result.answered or grouped != ("group" in expect):
        return False
    if "group" in expect and (not result.ranking or result.ranking[0][0] != expect["group"]):
        return False
    if "figure" in expect:
        return result.figure is not None and abs(float(result.figure) - expect["figure"]) <= 1e-4 * max(1, abs(expect["figure"]))
    return bool(result.rows) and result.rows[0].record_id == expect["record"]


def run_model(model: str, cache_dir: Path, tables: dict, questions: list[dict], threads: int) -> list[dict]:
    values = generator_values(Settings()) | dict(model=model, cache_dir=cache_dir, isolate=False, threads=threads,
                                                 temperature=0.0, n_ctx=4096)
    generator = build_generator("llamacpp", **values)
    rows = []
    for q in questions:
        session_factory, catalog, registry = tables[q["data"]]
        planner = WorkOrderPlanner(generator, catalog, today=TODAY)
        t0 = time.perf_counter()
        plan, result, error = None, None, None
        try:
            plan = planner.plan(q["question"])
            plan_s = time.perf_counter() - t0
            result = PlanExecutor(session_factory, max_cited=Settings().answer.work_order_rows_cited).run(check_plan(plan, catalog, registry), q["question"], catalog)
        except PlanError as exc:
            plan_s = plan_s if plan is not None else time.perf_counter() - t0
            error = str(exc)
        grouped = plan is not None and plan.group_by != "none"
        ok = any(matches(result, e, grouped) for e in [q["expect"], *q.get("also_accept", [])])
        rows.append({"model": model, "data": q["data"], "question": q["question"], "ok": ok,
                     "plan_s": round(plan_s, 2), "plan": plan.model_dump(exclude_defaults=True) if plan else None,
                     "error": error, "figure": getattr(result, "figure", None),
                     "answer": result.text[:300] if result is not None else None})
        print(f"{model:14} {'ok ' if ok else 'BAD'} {plan_s:6.1f}s  {q['question'][:60]:60} "
              f"{json.dumps(rows[-1]['plan']) if plan else ''}{'  ! ' + error if error else ''}", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", action="append", required=True, help="NAME=DATA_DIR (an ingested maintassist data dir)")
    ap.add_argument("--model", action="append", default=None, help="bundled model name (repeatable)")
    ap.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "maintassist-test-models")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="first N questions only (0 = all)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    tables = {}
    for item in args.data:
        name, folder = item.split("=", 1)
        factory = sessionmaker(create_engine(f"sqlite:///{Path(folder) / 'maintassist.db'}"))
        registry = AssetRegistry.from_dict(json.loads((Path(folder) / "assets.json").read_text(encoding="utf-8")))
        tables[name] = (factory, Catalog.read(factory), registry)
    questions = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [q for q in questions if q["data"] in tables][: args.limit or None]
    rows = []
    for model in args.model or ["qwen2.5-0.5b"]:
        rows += run_model(model, args.cache_dir, tables, questions, args.threads)
    summary = {}
    print(f"\n{'model':14} {'right':>7} {'median s':>9} {'mean s':>7}")
    for model in args.model or ["qwen2.5-0.5b"]:
        mine = [r for r in rows if r["model"] == model]
        times = [r["plan_s"] for r in mine]
        summary[model] = {"right": sum(r["ok"] for r in mine), "of": len(mine),
                          "median_plan_s": round(statistics.median(times), 2), "mean_plan_s": round(statistics.mean(times), 2)}
        s = summary[model]
        print(f"{model:14} {s['right']:>3}/{s['of']:<3} {s['median_plan_s']:>9} {s['mean_plan_s']:>7}")
    load = os.getloadavg()[0]
    print(f"load average (1 min) at the end: {load:.1f} on {os.cpu_count()} CPUs")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"today": TODAY.isoformat(), "load_1min_end": load, "summary": summary,
                                        "rows": rows}, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
