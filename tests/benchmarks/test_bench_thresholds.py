"""benchmarks/bench_thresholds.py: a decision rule replayed on stored answers scores as ``maintassist eval`` would."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from assistant.evaluation import build_report, grade_answer
from assistant.evaluation.qa import ExpectedSource, QAItem
from assistant.types import Answer, Citation

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_thresholds", ROOT / "benchmarks" / "bench_thresholds.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

MANUAL = "/corpus/pump_manual.pdf"
CITE = Citation(n=1, chunk_id="c1", source=MANUAL, doc_type="manual", label="pump", excerpt="", page=4)
FACT = QAItem(id="a", question="oil for the pump?", kind="fact", expected_sources=[ExpectedSource("pump_manual.pdf", 4)],
              answer_must_include=["ISO VG 46", "2 l"])
ADVICE = QAItem(id="b", question="pump whines, what do i do", kind="troubleshooting",
                expected_sources=[ExpectedSource("pump_manual.pdf", 4)], answer_must_include=["strainer"])
NONE = QAItem(id="c", question="pump warranty period?", kind="fact", answerable=False)


def judged(text: str, p_yes: float, p_value: float, abstained: bool = False) -> Answer:
    return Answer(question="q", text=text, citations=[CITE], abstained=abstained,
                  extra={"evidence": {"p_yes": p_yes, "p_value": p_value}})


def records(answers: dict[str, Answer]) -> list[dict]:
    items = {"a": FACT, "b": ADVICE, "c": NONE}
    results = [grade_answer(items[k], a) for k, a in answers.items()]
    return build_report(results, ks=(5,), mode="full")["per_question"]


STORED = {"a": judged("Use ISO VG 46 [1].", 0.9, 0.95), "b": judged("Clean the strainer [1].", 0.52, 0.3),
          "c": judged("It is two years [1].", 0.55, 0.9)}


def test_no_rule_reproduces_the_report():
    report = build_report([grade_answer(i, a) for i, a in zip((FACT, ADVICE, NONE), STORED.values())],
                          ks=(5,), mode="full")
    s = bench.score(report["per_question"], lambda q: False)
    grounding, abstention = report["grounding"], report["abstention"]
    assert s["citation_precision"] == round(grounding["citation_precision"], 3)
    assert s["fact_recall"] == round(grounding["fact_recall"], 3) == 0.75
    assert s["unanswerable_declined"] == [0, 1] and abstention["correct_decline_rate"] == 0.0
    assert s["answerable_declined"] == [0, 2] and abstention["false_decline_rate"] == 0.0


def test_a_judged_decline_scores_like_a_decline_in_the_chain():
    one = bench.score(records(STORED), bench.one(0.59))  # declines b (0.52) and c (0.55)
    declined = {**STORED, "b": Answer(question="q", text="Not in your documents.", abstained=True),
                "c": Answer(question="q", text="Not in your documents.", abstained=True)}
    assert one == bench.score(records(declined), lambda q: False)
    assert one["fact_recall"] == 0.25 and one["unanswerable_declined"] == [1, 1] and one["answerable_declined"] == [1, 2]


def test_the_open_threshold_applies_only_below_the_value_share():
    two = bench.score(records(STORED), bench.two(0.59, 0.5, 0.7))
    assert two["answerable_declined"] == [0, 2]  # b asks for advice (P(value) 0.3): 0.52 passes 0.50
    assert two["unanswerable_declined"] == [1, 1]  # c asks for a value (0.9): 0.55 stays under 0.59


def test_the_leave_one_out_choice_prefers_fewer_wrong_decisions_then_the_higher_threshold():
    qs = records(STORED)
    assert bench.wrong(qs, bench.one(0.59)) == 1 and bench.wrong(qs, bench.two(0.59, 0.5, 0.7)) == 0
    assert bench.choose(qs, 0.59) == (0.52, 0.6)  # the highest open threshold that admits b (0.52) is 0.52


def test_one_threshold_cannot_part_what_the_open_threshold_parts():
    qs = records(STORED)  # the unanswerable c (0.55) scores above the answerable advice question b (0.52)
    assert min(bench.wrong(qs, bench.one(t)) for t in bench.THRESHOLD_GRID) == 1
    assert bench.choose_one(qs) == bench.THRESHOLD_GRID[0]  # ties to the lowest
    assert bench.choose_one(qs[:2]) == bench.THRESHOLD_GRID[0] and bench.wrong(qs[:2], bench.one(0.53)) == 1
