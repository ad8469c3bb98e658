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
    per_q = [{"answerable": True, "abstained": True, "decline_reason": "the judge's probe reading 0.21 is below 0.30"},
             {"answerable": True, "abstained": True, "decline_reason": "no source states the torque asked for"},
             {"answerable": True, "abstained": False, "decline_reason": None},
             {"answerable": False, "abstained": True, "decline_reason": "best source similarity 0.16 is below 0.30"},
             {"answerable": False, "abstained": True,
              "decline_reason": "the question asks for a number (P 0.75) and the answer states none"},
             {"answerable": False, "abstained": False, "decline_reason": None}]
    row = bench.summary_row("x", {"questions": 6}, per_q)
    assert row["declined_by"] == {"answerable": {"judge": 1, "asked kind of value": 1},
                                  "unanswerable": {"before the model": 1, "number asked, none given": 1}}
    assert row["answerable_declined"] == [2, 3] and row["unanswerable_declined"] == [2, 3]


def test_each_stage_is_a_reason_the_chain_writes():
    # the stages are read from the chain's wording: reworded there, a stage would silently count as "before the model"
    chain = (ROOT / "assistant" / "answer" / "rag.py").read_text(encoding="utf-8")
    assert all(f'"{prefix}' in chain for prefix, _ in bench.STAGES)  # f"the judge's {read} ..." and the like
