"""Mechanical before/after scores on held-out examples, with the scripted FakeGenerator."""

from __future__ import annotations

from assistant.llm.fake import FakeGenerator
from finetune.evaluate import comparison_rows, evaluate_generator, held_out, score_answer
from finetune.examples import DECLINE, Example

SOURCES = [{"label": "a.md", "text": "Oil: 40 L"}, {"label": "b.md", "text": "Relief valve: 235 bar"}]
FACT = Example("Relief valve?", SOURCES, "It opens at 235 bar [2].", "fact", target=2, split="test")
NOPE = Example("Torque of bolt X?", SOURCES, DECLINE, "decline", target=None, split="test")


def test_score_answer():
    assert score_answer(FACT, "It opens at 235 bar [2].") == {
        "citation_valid": True, "target_cited": True, "fact_match": True, "false_decline": False}
    wrong = score_answer(FACT, "It opens at 253 bar [1].")
    assert wrong["citation_valid"] and not wrong["target_cited"] and not wrong["fact_match"]
    assert not score_answer(FACT, "It opens at 235 bar [7].")["citation_valid"]
    assert score_answer(NOPE, "The documents do not mention this.") == {"correct_decline": True}
    assert score_answer(NOPE, "It is 40 L [1].") == {"correct_decline": False}


PROC = Example("How to change the filter?", SOURCES, "1. Lock out [2].\n2. Drain 40 L of oil [1].", "procedure",
               target=1, split="test")


def test_procedure_validity_needs_cited_numbered_steps():
    assert score_answer(PROC, PROC.answer)["procedure_valid"]
    assert not score_answer(PROC, "1. Lock out [2].\n2. Drain the oil.")["procedure_valid"]  # a step without a source
    assert not score_answer(PROC, "Lock out and drain the oil [1].")["procedure_valid"]  # no steps
    assert not score_answer(PROC, "1. Lock out [2].\n2. Drain [3].")["procedure_valid"]  # [3] does not exist
    assert not score_answer(PROC, "1. Lock out [2].\n2. Drain [2].")["procedure_valid"]  # its own source not cited
    assert "procedure_valid" not in score_answer(FACT, FACT.answer)


def test_evaluate_generator_and_table():
    good = FakeGenerator(lambda msgs: "It opens at 235 bar [2]." if "Question: Relief" in msgs[-1].content
                         else DECLINE)
    bad = FakeGenerator("No idea, maybe 12 bar.")
    after = evaluate_generator(good, [FACT, NOPE])
    before = evaluate_generator(bad, [FACT, NOPE])
    assert (after["fact_match"], after["correct_decline"], after["n_answerable"], after["n_decline"]) == (1.0, 1.0, 1, 1)
    assert before["citation_valid"] == 0.0 and before["correct_decline"] == 0.0
    rows = {r[0]: r for r in comparison_rows(before, after)}
    assert rows["fact_match"] == ("fact_match", "0.000", "1.000", "+1.000")
    # the prompt is the answer chain's: numbered sources then the question
    assert "[2] (b.md)\nRelief valve: 235 bar" in good.calls[0]["messages"][1].content


def test_held_out_is_split_aware_and_seeded():
    train = Example("q", SOURCES, "x [1].", "fact", 1, split="train")
    chosen = held_out([train, FACT, NOPE] * 5, "test", limit=4)
    assert len(chosen) == 4 and all(ex.split == "test" for ex in chosen)
    assert chosen == held_out([train, FACT, NOPE] * 5, "test", limit=4)
