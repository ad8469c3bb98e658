"""The quotes rest on the sources the answer model read (no model, no index: fake retriever and generator)."""

import pytest

from assistant.answer.compose import AnswerComposer
from assistant.answer.grounding.citations import CitationChecker
from assistant.answer.grounding.evidence import EvidenceGate, EvidenceReport
from assistant.llm.fake import FakeGenerator
from ingest.types import Chunk
from tests.assistant.answer.parts import build_chain
from tests.assistant.answer.test_chain import FakeRetriever


MOTOR_Q = "motor gets hot at standstill and feels weak"
MOTOR = {
    1: "Troubleshooting\nSymptom: the motor runs hot at standstill, with no load.\n"
       "Cause: the encoder has slipped on the shaft; tighten the grub screw.",
    2: "Quick start\nThe motor feels weak at standstill when gravity loads act on it; hot motors are normal there.",
}


def _composer(quote_following: int, document_passages: bool = True) -> AnswerComposer:
    return AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=quote_following,
                          support_quotes=0, second_source_margin=1.0, document_passages=document_passages,
                          reply_source_margin=0.0)


def _motor(read):
    return _composer(1).compose(MOTOR_Q, "", MOTOR, EvidenceReport(True, question=MOTOR_Q), None, MOTOR_Q, read=read)


def test_the_best_matching_line_comes_from_a_source_the_model_read():
    text, _, cited = _motor(None)
    assert cited == [2] and "grub screw" not in text  # every source read: the far one's words match best
    text, _, cited = _motor({1})
    assert cited == [1] and "tighten the grub screw [1]" in text


def test_with_no_line_to_rest_on_the_lines_ranked_by_meaning_come_from_a_source_the_model_read():
    composer = _composer(0)
    question = "why does it get warm when idle"  # no line of either source holds a third of these words
    by_meaning = [("The motor feels weak at standstill when gravity loads act on it.", 2),
                  ("Cause: the encoder has slipped on the shaft; tighten the grub screw.", 1)]

    def cited(read):
        return composer.compose(question, "", MOTOR, EvidenceReport(True, question=question), None, question,
                                by_meaning=by_meaning, read=read)[2]
    assert cited(None) == [2] and cited({1}) == [1]


@pytest.mark.parametrize("share", [0.7, 0.0])
def test_in_the_chain_the_quotes_rest_on_the_sources_near_the_first(share):
    # retrieval scores 7 and 2 (the fake's word overlap): at 0.7 the model reads the pump's page only, and the
    # installation page's line, holding more of the question's words, no longer outranks it
    pump = Chunk("a1", "Pump troubleshooting\nIf the pump hums loudly, and the motor is warm:\n"
                 "no flow after a restart means the suction valve is shut; open valve BV-2.", "/m/pump.md", "manual")
    install = Chunk("b1", "Installation\nPriming: pump hums, no flow, restart it primed.", "/m/install.md", "manual")
    chain = build_chain(FakeRetriever([pump, install]), FakeGenerator("The documents do not say."),
                        gate=EvidenceGate(0.3, 0.5), k=3, prompt_score_share=share)
    text = chain.answer("pump hums and no flow after a restart, what now").text
    assert ("open valve BV-2 [1]" in text) is bool(share) and ("restart it primed [2]" in text) is not bool(share)


def test_without_document_passages_only_the_sources_read_are_near():
    # source 2 is another passage of source 1's file: with document_passages off, it is not searched for the anchor
    same_file = {1: ("motor.md", None), 2: ("motor.md", None)}

    def cited(document_passages: bool) -> list[int]:
        return _composer(0, document_passages).compose(MOTOR_Q, "", MOTOR, EvidenceReport(True, question=MOTOR_Q),
                                                       None, MOTOR_Q, documents=same_file, read={1})[2]
    assert cited(False) == [1]
    assert cited(True) == [2]  # with them, the file's better-matching passage
