"""benchmarks/bench_corpora.py: the summary row a locked corpus keeps (aggregates only)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_corpora", ROOT / "benchmarks" / "bench_corpora.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_corpora"] = bench  # dataclasses look their module up while the class is built
_spec.loader.exec_module(bench)


def test_declines_counted_by_the_stage_that_declined():
    per_q = [{"answerable": True, "abstained": True, "declined_by": "judge"},
             {"answerable": True, "abstained": True, "declined_by": "asked kind of value"},
             {"answerable": True, "abstained": False, "declined_by": None},
             {"answerable": False, "abstained": True, "declined_by": "before the model"},
             {"answerable": False, "abstained": True, "declined_by": "number asked, none given"},
             {"answerable": False, "abstained": True},  # an answerer that names no stage is counted apart
             {"answerable": False, "abstained": False, "declined_by": None}]
    row = bench.summary_row("x", {"questions": 7}, per_q)
    assert row["declined_by"] == {"answerable": {"judge": 1, "asked kind of value": 1},
                                  "unanswerable": {"before the model": 1, "number asked, none given": 1, "unknown": 1}}
    assert row["answerable_declined"] == [2, 3] and row["unanswerable_declined"] == [3, 4]
