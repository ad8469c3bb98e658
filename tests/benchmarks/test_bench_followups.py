"""benchmarks/bench_followups.py: standalone questions asked after the previous one, with its real answer."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))  # it imports bench_corpora as a sibling module
_spec = importlib.util.spec_from_file_location("bench_followups", ROOT / "benchmarks" / "bench_followups.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_each_question_follows_the_previous_one_and_its_answer():
    items = [{"id": "q1", "question": "oil grade?"}, {"id": "q2", "question": "belt tension?"},
             {"id": "q3", "question": "and the torque?", "history": [{"role": "user", "content": "pump?"}]},
             {"id": "q4", "question": "filter size?"}]
    chained = bench.after_previous(items, {"q1": "ISO VG 46 [1].", "q2": "40 N [2]."})
    assert "history" not in chained[0]
    assert chained[1]["history"] == [{"role": "user", "content": "oil grade?"},
                                     {"role": "assistant", "content": "ISO VG 46 [1]."}]
    assert chained[2]["history"] == [{"role": "user", "content": "pump?"}]  # a follow-up keeps its own
    # the question right before, a follow-up too, with "ok." where no answer is stored
    assert chained[3]["history"] == [{"role": "user", "content": "and the torque?"},
                                     {"role": "assistant", "content": "ok."}]
    assert bench.after_previous(items)[1]["history"][1]["content"] == "ok."  # no stored answers


def test_hits_at_one_and_five(tmp_path):
    report = {"per_question": [
        {"answerable": True, "kind": "fact", "hit@1": False, "hit@5": True},
        {"answerable": True, "kind": "fact", "hit@1": True, "hit@5": True},
        {"answerable": False, "kind": "unanswerable", "hit@1": False, "hit@5": False},
        {"answerable": True, "kind": "followup", "hit@1": False, "hit@5": False}]}
    assert bench.hits(report, False) == [2, 2] and bench.hits(report, False, 1) == [1, 2]
    assert bench.hits(report, True) == [0, 1]
    assert bench.hits(None, True) == [0, 0]  # a set without follow-ups has no report of them
    (tmp_path / "odrive.report.json").write_text(json.dumps({"per_question": [{"id": "a", "answer": "24 V [1]."}]}))
    assert bench.stored_answers(tmp_path, "odrive") == {"a": "24 V [1]."}
    assert bench.stored_answers(tmp_path, "px4") == {} and bench.stored_answers(None, "odrive") == {}


def test_two_previous_questions_and_an_acknowledged_follow_up():
    items = [{"id": "q1", "question": "oil grade?"}, {"id": "q2", "question": "belt tension?"},
             {"id": "q3", "question": "filter size?"},
             {"id": "q4", "question": "and the torque?", "history": [{"role": "user", "content": "pump?"}]}]
    two = bench.after_previous(items, {"q1": "ISO VG 46 [1]."}, turns=2)
    assert [m["content"] for m in two[2]["history"]] == ["oil grade?", "ISO VG 46 [1].", "belt tension?", "ok."]
    assert [m["content"] for m in two[1]["history"]] == ["oil grade?", "ISO VG 46 [1]."]  # only one before it
    assert two[3]["history"] == [{"role": "user", "content": "pump?"}]
    # only the follow-ups, each with one more turn that acknowledges the answer
    assert bench.acknowledged(items) == [dict(items[3], history=[
        {"role": "user", "content": "pump?"}, {"role": "user", "content": "ok"}, {"role": "assistant", "content": "ok."}])]
