"""benchmarks/fit_judge_probe.py and the replay's stored states: what the probe is fitted from, and how its
threshold is chosen (synthetic states, no model)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

from assistant.answer.grounding.probe import LinearProbe
from assistant.types import ChatMessage

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


fit = _load("fit_judge_probe")
replay = _load("replay")


def prompt(question: str, docs: str = "[1] (a.md)\nOil: 2 l") -> list[ChatMessage]:
    return [ChatMessage("system", "S"), ChatMessage("user", f"Documents:\n{docs}\n\nQuestion: {question}\n\nStated?")]


class FakeReader:
    """A fake judge scorer: P(yes) and a state that depend on the prompt's length; counts its reads."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, messages, layer=None):
        self.reads += 1
        n = len(messages[-1].content) + (layer or 0)
        return 0.25, np.array([n, 1.0, -1.0], dtype=np.float32)

    def p_yes(self, messages):
        return 0.5


def test_a_stored_state_is_read_back_without_the_model(tmp_path):
    inner = FakeReader()
    reader = replay.ReplayStateReader(inner, tmp_path, "llamacpp:judge.gguf")
    first = reader.read(prompt("oil capacity?"))
    again = reader.read(prompt("oil capacity?"))
    assert inner.reads == 1 and again[0] == first[0] == 0.25 and np.array_equal(again[1], first[1])
    reader.read(prompt("oil type?"))
    assert inner.reads == 2  # another prompt is another state


def test_the_states_are_found_by_the_question_with_documents_first(tmp_path):
    reader = replay.ReplayStateReader(FakeReader(), tmp_path, "m")
    with_docs = reader.read(prompt("oil capacity?", docs="[1] (a.md)\nOil: 2 l, ISO VG 46, change every 500 h"))[1]
    reader.read(prompt("oil capacity?", docs="(none)"))
    found = fit.states(tmp_path)
    assert list(found) == ["oil capacity?"] and np.array_equal(found["oil capacity?"][0][0], with_docs)


def test_a_layer_s_states_are_stored_and_found_apart_from_the_final_ones(tmp_path):
    inner = FakeReader()
    reader = replay.ReplayStateReader(inner, tmp_path, "m")
    final = reader.read(prompt("oil capacity?"))[1]
    layer = reader.read(prompt("oil capacity?"), layer=20)[1]
    assert inner.reads == 2 and not np.array_equal(final, layer)  # the fake shifts a layer's state by its number
    assert np.array_equal(reader.read(prompt("oil capacity?"), layer=20)[1], layer) and inner.reads == 2
    assert np.array_equal(fit.states(tmp_path)["oil capacity?"][0][0], final)
    assert np.array_equal(fit.states(tmp_path, 20)["oil capacity?"][0][0], layer)
    assert fit.states(tmp_path, 14) == {}


def test_rows_take_labels_from_the_report_and_skip_unjudged_and_locked(tmp_path):
    state = {"oil capacity?": [(np.ones(3), 0.7)]}
    report = tmp_path / "a.report.json"
    report.write_text(json.dumps({"per_question": [
        {"question": "oil capacity?", "p_yes": 0.6, "answerable": True, "abstained": False,
         "evidence": {"p_prior": 0.3}},
        {"question": "warranty?", "p_yes": None, "answerable": False, "abstained": True},  # declined before
        {"question": "torque?", "p_yes": 0.2, "answerable": False, "abstained": True,
         "decline_reason": "the question asks for a number (P 0.9) and the answer states none"}]}))
    rows, missing = fit.rows(report, state)
    assert missing == 1 and len(rows) == 1 and rows[0][1:] == (0.7, 0.3, True, False, False)
    # the stage the chain names, where the report has it; the reason's wording where it predates that
    state["torque?"] = [(np.ones(3), 0.2)]
    for stage, other in (("number asked, none given", True), ("judge", False)):
        report.write_text(json.dumps({"per_question": [{"question": "torque?", "p_yes": 0.2, "answerable": False,
                                                        "abstained": True, "declined_by": stage,
                                                        "decline_reason": "the judge's probe reading 0.2"}]}))
        assert fit.rows(report, state)[0][0][5] is other, stage
    locked = tmp_path / "b.report.json"
    locked.write_text(json.dumps({"questions": 40}))  # aggregates only
    assert fit.rows(locked, state) == ([], 0)


def test_the_threshold_declines_most_unanswerable_within_the_answerable_budget():
    y = np.array([True] * 10 + [False] * 4)
    p = np.array([0.9] * 8 + [0.2, 0.4] + [0.1, 0.3, 0.5, 0.95])
    none = np.zeros(14, dtype=bool)
    assert fit.threshold(y, p, none, 0.1) == 0.4  # one answerable (0.2) may go: two unanswerable below 0.4
    assert fit.threshold(y, p, none, 0.2) == 0.9  # two may go: three unanswerable below 0.9
    other = np.array([False] * 9 + [True] + [False] * 4)  # a check after the judge declines the 0.4 one anyway
    assert fit.threshold(y, p, other, 0.1) == 0.2  # that spends the budget: only 0.1 is below 0.2


def test_the_fitted_probe_separates_what_it_was_fitted_on(tmp_path):
    rng = np.random.default_rng(0)
    y = np.array([True] * 30 + [False] * 30)
    h = rng.normal(size=(60, 8)) + np.where(y[:, None], 1.0, -1.0) * np.eye(8)[0] * 3
    h /= np.linalg.norm(h, axis=1, keepdims=True)
    weighed = rng.normal(size=60)
    w, w_yes, bias = fit.fit(h, weighed, y, c=1.0)
    probe = LinearProbe("m", "q", tuple(w), w_yes=w_yes, w_prior=w_yes, bias=bias, threshold=0.5)
    read = np.array([probe.p(s, p_yes=0.5, p_prior=0.5) for s in h])
    assert fit.auc(y, read) > 0.95
