"""The composed answer: the checked reply, then quoted source lines (no model, no index)."""

from assistant.answer.compose import AnswerComposer
from assistant.answer.grounding.citations import CitationChecker
from assistant.answer.grounding.evidence import EvidenceReport
from assistant.answer.grounding.extractive import supporting_lines

SOURCES = {
    1: "Track maintenance\n"
       "Clean track surfaces so the gantry does not bind while cleaning the tracks.\n"
       "Use a brush or compressed air on the tracks.\n"
       "Do this once a month, more often in dusty sites.\n"
       "Lubricate the wheels with dry graphite.",
    2: "Belts\nCheck the belt tension yearly.",
}


def test_supporting_lines_finds_the_cited_sources_line_with_most_of_the_sentence():
    got = supporting_lines("Do it once every month [1]. Tension the belt yearly [2].", SOURCES)
    assert got == [("Do this once a month, more often in dusty sites.", 1),
                   ("Check the belt tension yearly.", 2)]


def test_supporting_lines_needs_a_marker_and_half_the_sentences_words():
    assert supporting_lines("Do it once every month.", SOURCES) == []  # no source cited
    assert supporting_lines("Spray silicone on the belt pulleys [1].", SOURCES) == []  # not in [1]
    assert supporting_lines("Check the belt tension yearly [7].", SOURCES) == []  # no such source


def _compose(support_quotes: int, reply: str) -> str:
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=support_quotes)
    text, _, _ = composer.compose("how often clean the tracks", reply, SOURCES,
                                  EvidenceReport(True, question="how often clean the tracks"), None,
                                  "how often clean the tracks")
    return text


def test_the_line_the_reply_rests_on_is_quoted_first():
    reply = "Clean them once a month [1]."
    # by the question's words alone, the quoted line is the one that repeats "clean ... tracks"
    assert "once a month, more often" not in _compose(0, reply).split("From your documents:")[1]
    quoted = _compose(1, reply).split("From your documents:")[1].strip().splitlines()
    assert quoted[0] == "- Do this once a month, more often in dusty sites [1]."
    assert any("Clean track surfaces" in q for q in quoted[1:])  # the question's best line still follows


def test_bracketed_numbers_in_quoted_document_text_are_not_citations():
    sources = {1: "udev\nAdd the rule ATTR{idProduct}==\"0d[0-9][0-9]\" for the board [2].", 2: "Other\nUnrelated."}
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=1)
    text, _, cited = composer.compose("udev rule for the board", "", sources, EvidenceReport(True), None,
                                      "udev rule for the board")
    assert cited == [1]  # the document's own "[2]" and "[0-9]" cite nothing
    assert '0d\\[0-9\\]\\[0-9\\]' in text and "board \\[2\\]" in text  # shown as written once rendered
