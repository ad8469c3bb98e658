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
                              support_quotes=support_quotes, second_source_margin=1.0,
                              document_passages=True, reply_source_margin=0.0)
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
                              support_quotes=1, second_source_margin=1.0,
                              document_passages=True, reply_source_margin=0.0)
    text, _, cited = composer.compose("udev rule for the board", "", sources, EvidenceReport(True), None,
                                      "udev rule for the board")
    assert cited == [1]  # the document's own "[2]" and "[0-9]" cite nothing
    assert '0d\\[0-9\\]\\[0-9\\]' in text and "board \\[2\\]" in text  # shown as written once rendered


# The reply cites [1], which answers; [2] holds the question's rarest words ("catalytic converter") in a line
# about something else. By rarity [2]'s line ranks first, but it holds no more of the question's words than [1]'s.
IDLE = {1: "Engine\nDo not let the engine idle for more than 20 minutes.",
        2: "Exhaust\nThe catalytic converter needs no service."}
IDLE_Q = "how long can the engine idle with a catalytic converter"
IDLE_SHARES = {"catalytic": 0.01, "converter": 0.02, "engin": 0.5, "idle": 0.1}


def _idle(margin: float, reply: str = "Leave it idling 20 minutes at most [1].") -> tuple[str, list[int]]:
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=2, quote_following=0,
                              support_quotes=1, second_source_margin=margin, term_shares=lambda: IDLE_SHARES,
                              document_passages=True, reply_source_margin=0.0)
    text, _, cited = composer.compose(IDLE_Q, reply, IDLE, EvidenceReport(True, question=IDLE_Q), None, IDLE_Q)
    return text, cited


def test_the_second_source_joins_only_when_its_line_holds_more_of_the_questions_words():
    assert _idle(0.0)[1] == [1, 2]  # margin 0: the best-matching line's source always joins
    text, cited = _idle(1.0)
    assert cited == [1] and "catalytic" not in text and "20 minutes" in text
    # a line of [2] holding more of the question's words than any of [1] brings [2] in
    more = {**IDLE, 2: "Exhaust\nLet the engine idle with a catalytic converter for 10 minutes at most."}
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=2, quote_following=0,
                              support_quotes=1, second_source_margin=1.0, term_shares=lambda: IDLE_SHARES,
                              document_passages=True, reply_source_margin=0.0)
    _, _, cited = composer.compose(IDLE_Q, "Leave it idling 20 minutes at most [1].", more,
                                   EvidenceReport(True, question=IDLE_Q), None, IDLE_Q)
    assert cited == [1, 2]


def test_without_a_cited_reply_the_best_matching_line_decides():
    assert _idle(1.0, reply="")[1] == [2]


def test_the_setting_reaches_the_composer(tmp_path):
    from assistant.config import Settings
    from assistant.wiring import Container

    s = Settings(data_dir=tmp_path, llm={"mode": "fake"}, embedding={"mode": "fake"},
                 answer={"second_source_margin": 2.5, "document_passages": False, "reply_source_margin": 0.3})
    composer = Container(s).chain.rag.composer
    assert composer.second_source_margin == 2.5 and composer.document_passages is False
    assert composer.reply_source_margin == 0.3


# Two chunks of one manual file ([1], [3]) and another file's ([2]). The reply cites [1], the symptom; the fix is
# in [3], the next chunk of the same file, and [2] holds the question's words too.
PUMP = {1: "Troubleshooting\nPump runs but delivers no water: the intake strainer is blocked.",
        2: "Garden hose\nThe hose delivers water to the pump runs in the garden.",
        3: "Troubleshooting (continued)\nPump delivers no water after cleaning: prime the pump with 2 litres."}
PUMP_Q = "pump runs but delivers no water"
PUMP_DOCS = {1: ("pump.md", None), 2: ("hose.md", None), 3: ("pump.md", None)}


def _pump(document_passages: bool, documents=PUMP_DOCS) -> tuple[str, list[int]]:
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=3, quote_following=0,
                              support_quotes=1, second_source_margin=1.0, document_passages=document_passages,
                              reply_source_margin=0.0)
    reply = "The intake strainer is blocked [1]. Check the garden hose [2]."
    text, _, cited = composer.compose(PUMP_Q, reply, PUMP, EvidenceReport(True, question=PUMP_Q), None, PUMP_Q,
                                      documents=documents)
    return text, cited


def test_quotes_may_come_from_other_passages_of_the_answers_document():
    text, cited = _pump(True)
    assert "prime the pump with 2 litres [3]" in text and cited == [1, 3]
    assert "garden" not in text.lower()  # another file stays out, its reply sentence too
    off, cited_off = _pump(False)
    assert "prime the pump" not in off and cited_off == [1]


def test_passages_of_another_pdf_page_are_not_the_same_document():
    _, cited = _pump(True, {1: ("pump.pdf", 4), 2: ("hose.md", None), 3: ("pump.pdf", 5)})
    assert cited == [1]


# A German source: the line that answers shares no word with the question ("reicht" / "Reichweite").
SENSOR = {1: "Wasserstandssensor\nDas Kabel geht durch die Tankwand zum Controller.\n"
             "Der Sensor hat eine Reichweite von etwa 20mm.\nDie Tankwand darf nicht aus Metall sein."}
SENSOR_Q = "wie weit reicht der wasserstandssensor durch die tankwand"


def _sensor(by_meaning):
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=1, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    text, _, cited = composer.compose(SENSOR_Q, "", SENSOR, EvidenceReport(True, question=SENSOR_Q), None, SENSOR_Q,
                                      by_meaning=by_meaning)
    return text, cited


def test_lines_ranked_by_meaning_are_quoted_instead_of_those_holding_the_questions_words():
    words, _ = _sensor(None)
    assert "20mm" not in words and "Tankwand" in words  # the question's words pick the wrong line
    meaning, cited = _sensor([("Der Sensor hat eine Reichweite von etwa 20mm.", 1), ("Das Kabel geht", 1)])
    assert meaning == "From your documents:\n- Der Sensor hat eine Reichweite von etwa 20mm [1]." and cited == [1]
    # lines of a source the answer does not rest on are not quoted; the words decide again
    other, _ = _sensor([("Der Sensor hat eine Reichweite von etwa 20mm.", 4)])
    assert other == words


PLUGS = {1: "Compression pressure\nMinimum pressure:\n5S-FE: 12.5 kg/cm² (178 psi) or more.\n3S-GTE: 9.0 kg/cm²."}
PLUGS_Q = "what should the spark plug gap be on the 5S-FE"


def _plugs(reply: str, sources=PLUGS) -> str:
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=1, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    report = EvidenceReport(True, question=PLUGS_Q, value_kind="clearance", value_sources=[0])
    return composer.compose(PLUGS_Q, reply, sources, report, None, PLUGS_Q)[0]


def test_a_value_labelled_only_by_the_replys_restated_question_is_no_answer():
    # the reply puts the question's word "gap" before a pressure it copied: no gap is stated anywhere
    assert _plugs("The 5S-FE minimum pressure gap is 12.5 kg/cm² or more [1].") == ""
    gap = {1: "Spark plugs\nPlug gap: 0.8\nUse the plugs listed below."}
    # the label written by the source counts, and a number with the kind's unit counts wherever it stands
    assert "Plug gap: 0.8 [1]" in _plugs("", gap)
    assert _plugs("Set the spark plug gap to 1.1 mm [1].", {1: "Spark plugs\nGap 1.1 mm on the 5S-FE."})


def test_the_replys_numbered_list_is_shown_as_bullets():
    text = _compose(0, "1. Use a brush or compressed air on the tracks [1].\n3. Do this once a month [1].")
    lead = text.split("\n\nFrom your documents:")[0]
    assert lead == "- Use a brush or compressed air on the tracks [1].\n- Do this once a month [1]."


def test_a_reply_sentence_holding_only_the_questions_words_of_its_source_is_left_out():
    # "tracks" and "clean" are the question's; "weekly with solvent" is in no source
    text = _compose(0, "Clean the tracks weekly with solvent [1].")
    assert text.startswith("From your documents:") and "solvent" not in text
    assert "Clean them once a month [1]." in _compose(0, "Clean them once a month [1].")


def test_a_sentence_naming_a_model_number_its_cited_source_lacks_is_left_out():
    # the value checks read "tsl1401cl" as a word; its digits are still a claim no cited source makes
    sources = {1: "Filament width sensor\nCalibrate the filament width sensor with two rods of known size.",
               2: "Sensors\nThe tsl1401cl sensor is an alternative."}
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=0, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    q = "how to calibrate the filament width sensor"
    reply = "Calibrate the filament width sensor with two rods [1]. Calibrate the tsl1401cl width sensor with rods [1]."
    text, flags, cited = composer.compose(q, reply, sources, EvidenceReport(True, question=q), None, q)
    assert "tsl1401cl" not in text and text.startswith("Calibrate the filament width sensor with two rods [1].")
    assert [f.kind for f in flags] == ["unheld_number"] and cited == [1]


# The retrieval ranked the fan's fault table first ([1]); the reply copied a wiring note ranked far below ([3]).
FAN = {1: "Cooling fan faults\nFan stops after a minute: the thermal fuse F2 is open, replace it.",
       2: "Cooling fan faults (continued)\nFan noisy: clean the blades.",
       3: "Wiring\nThe fan cable is red and runs to terminal X4."}
FAN_Q = "fan stops after a minute"
FAN_DOCS = {1: ("fan.md", None), 2: ("fan.md", None), 3: ("wiring.md", None)}


def _fan(reply: str, scores: list[float], margin: float = 0.1, documents=FAN_DOCS) -> tuple[str, list[int]]:
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=1, second_source_margin=1.0, document_passages=False,
                              reply_source_margin=margin)
    text, _, cited = composer.compose(FAN_Q, reply, FAN, EvidenceReport(True, question=FAN_Q), None, FAN_Q,
                                      documents=documents, scores=scores)
    return text, cited


def test_a_reply_citing_a_far_lower_ranked_source_gives_way_to_the_first():
    text, cited = _fan("The fan cable is red [3].", [0.8, 0.75, 0.6])
    assert cited == [1] and "thermal fuse F2 is open" in text and "red" not in text
    # within the margin, or with none, the reply's choice stands
    # (the best-matching line's source, [1], joins it as second source)
    assert _fan("The fan cable is red [3].", [0.8, 0.75, 0.71])[1] == [3, 1]
    assert _fan("The fan cable is red [3].", [0.8, 0.75, 0.6], margin=0.0)[1] == [3, 1]


def test_the_first_close_source_the_reply_cites_is_kept():
    text, cited = _fan("The fan cable is red [3]. Clean the blades [2].", [0.8, 0.75, 0.6])
    assert cited[0] == 2 and "Clean the blades [2]" in text and "red" not in text


def test_a_far_passage_of_a_close_document_counts_as_that_document():
    docs = {1: ("fan.md", None), 2: ("wiring.md", None), 3: ("wiring.md", None)}
    assert _fan("The fan cable is red [3].", [0.8, 0.75, 0.6], documents=docs)[1] == [3, 1]


def test_after_the_switch_the_best_line_joins_without_the_second_source_margin():
    sources = {1: "Fan\nFan stops: fuse F2 open.", 2: "Fan log\nFan stops after a minute when the filter is clogged.",
               3: "Wiring\nThe fan cable is red."}

    def cited(margin: float) -> list[int]:
        composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                                  support_quotes=1, second_source_margin=5.0, document_passages=False,
                                  reply_source_margin=margin)
        return composer.compose(FAN_Q, "The fan cable is red [3].", sources, EvidenceReport(True, question=FAN_Q),
                                None, FAN_Q, scores=[0.8, 0.75, 0.6])[2]
    assert cited(0.1) == [2]  # the filter line, though it holds only one more of the question's words
    assert cited(0.0) == [3]  # the reply's own source stands and the margin keeps [2] out


def test_ranked_source_edges():
    from assistant.answer.compose import ranked_source
    scores = [0.8, 0.75, 0.6]
    assert ranked_source([3], scores, {}, 0.1) == [1]  # far, and nothing closer cited: the first passage
    assert ranked_source([], scores, {}, 0.1) == []
    assert ranked_source([2], [0.75, 0.5], {}, 0.25) == [2]  # exactly at the margin still counts as close
    assert ranked_source([3], scores, {1: ("a.md", None), 3: ("a.md", None)}, 0.1) == [3]  # the first's document
    assert ranked_source([7], scores, {}, 0.1) == [7]  # a section passage appended after the ranking: no score


def test_second_source_needed_edges():
    from assistant.answer.compose import second_source_needed
    scored = [(3.0, 2, "Belt tension: 40 N"), (2.0, 1, "Check the belt tension")]
    assert second_source_needed(scored, 2, 1, 1.0)  # exactly the margin more
    assert not second_source_needed(scored, 2, 1, 1.5)
    assert second_source_needed(scored, 5, 1, 1.0) and second_source_needed(scored, 2, 4, 1.0)  # one has no line


def _restated(reply: str, sources: dict[int, str], q: str) -> tuple[str, list[int]]:
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=0,
                              support_quotes=0, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    text, _, cited = composer.compose(q, reply, sources, EvidenceReport(True, question=q), None, q)
    return text, cited


def test_a_reply_that_only_restates_the_question_is_left_out_and_its_source_still_anchors():
    sources = {1: "Belts\nSqueaking belts and pulleys: do not spray lube on the belts and pulleys. "
                  "It degrades the belt.",
               2: "Lubrication\nGrease the lead screw every 6 months."}
    q = "can i spray some lube on the belts and pulleys, theyre squeaking"
    text, cited = _restated("You can spray some lube on the belts and pulleys, they are squeaking [1].", sources, q)
    assert text.startswith("From your documents:\n") and "You can spray" not in text
    assert cited == [1] and "do not spray lube on the belts and pulleys" in text


def test_a_reply_left_with_nothing_cited_is_not_shown_above_the_quotes():
    # the checks keep short remarks uncited ("Ok.", "Yes."): alone they would read as the answer, a bare "Yes."
    # above a source that says "do not"
    sources = {1: "Belts\nDo not spray lube on the belts and pulleys: it degrades the belt."}
    q = "can i spray some lube on the belts"
    for reply in ("Yes.", "Ok.", "Yes [1]."):
        text, cited = _restated(reply, sources, q)
        assert text.startswith("From your documents:\n") and "Yes" not in text and "Ok" not in text
        assert cited == [1]
    reply = "Ok. Do not spray lube on the belts, it degrades the belt [1]."
    assert _restated(reply, sources, q)[0].startswith(reply)  # a cited sentence keeps the reply whole


def test_a_restated_question_with_a_term_of_its_source_is_an_answer():
    sources = {1: "Water level sensor\nThe TOF sensor answers on I2C address 0x29 by default."}
    q = "default i2c address of the tof water level sensor?"
    reply = "The default I2C address of the TOF water level sensor is 0x29 [1]."
    assert _restated(reply, sources, q)[0].startswith(reply)


def test_a_line_the_reply_copied_is_not_quoted_under_it_again_but_the_lines_after_it_are():
    sources = {1: "Valves\nValve clearance (cold): 0.20\nSet it with the engine at top dead centre."}
    composer = AnswerComposer(CitationChecker(0.5, drop_unsupported=True), quote_lines=1, quote_following=2,
                              support_quotes=1, second_source_margin=1.0, document_passages=True,
                              reply_source_margin=0.0)
    q = "valve clearance cold?"
    text, _, cited = composer.compose(q, "Valve clearance (cold): 0.20 [1].", sources,
                                      EvidenceReport(True, question=q, value_kind="clearance"), None, q)
    # the copied line still counts as the source's labelled value: the answer is not declined for want of one
    assert text == ("Valve clearance (cold): 0.20 [1].\n\nFrom your documents:\n"
                    "- Set it with the engine at top dead centre [1].") and cited == [1]
