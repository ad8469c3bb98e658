import pytest

from assistant.answer.grounding.evidence import EvidenceGate, EvidenceReport, subject_terms, value_kind
from assistant.answer.grounding.extractive import extractive_answer

GATE = EvidenceGate(min_dense_score=0.3, min_term_coverage=0.5)


def test_value_kind_detection():
    assert value_kind("What torque for the water inlet nuts?") == "torque"
    assert value_kind("What tyre pressure should the haul truck run?") == "pressure"
    assert value_kind("How much did the last bucket repair cost?") == "cost"
    assert value_kind("What causes low oil pressure?") is None
    assert value_kind("press 4 pump whines and loses pressure, what do I check?") is None
    assert value_kind("Why does the belt slip?") is None


def test_low_similarity_abstains():
    report = GATE.assess("thermostat opening temperature", ["Valve opening temperature: 82 °C"], [0.1])
    assert not report.ok and "similarity" in report.reason


def test_missing_subject_terms_abstain():
    report = GATE.assess("What is the tyre pressure of the loader?", ["Oil pressure: 2.5 bar at idle"], [0.5])
    assert not report.ok
    assert "tyre" in report.missing_terms


def test_sources_that_never_name_the_subject_abstain_even_when_similar():
    # No value or attribute asked: only the coverage check stands between this and an answer.
    report = GATE.assess("Why does the conveyor belt slip?", ["Hydraulic pump whine: clean the suction strainer."],
                         [0.8])
    assert not report.ok and report.coverage == 0.0
    assert report.reason == "the documents found do not mention 'conveyor', 'belt', 'slip'"


def test_coverage_at_the_threshold_passes():
    report = GATE.assess("Why does the conveyor belt slip?", ["Belt slip: tension the belt.", "Pump noise."],
                         [0.8, 0.2])
    assert report.ok and report.coverage == 2 / 3 and report.missing_terms == ["conveyor"]
    half = EvidenceGate(min_dense_score=0.3, min_term_coverage=2 / 3)
    assert half.assess("Why does the conveyor belt slip?", ["Belt slip: tension the belt."], [0.8]).ok
    assert not EvidenceGate(0.3, 0.7).assess("Why does the conveyor belt slip?", ["Belt slip."], [0.8]).ok


def test_value_question_needs_a_value_with_the_subject():
    texts = ["Water inlet nuts: tighten firmly.", "Thermostat valve opening temperature 80 – 84°C"]
    report = GATE.assess("What torque for the water inlet nuts?", texts, [0.6, 0.4])
    assert not report.ok and "torque" in report.reason
    texts.append("Install the water inlet with the two nuts. Torque: 5S-FE – 90 kg-cm (78 in.-lb, 8.8 N·m)")
    report = GATE.assess("What torque for the water inlet nuts?", texts, [0.6, 0.4, 0.7])
    assert report.ok and report.value_sources == [2]


def test_asset_terms_can_be_ignored():
    assert "press" not in subject_terms("press 4 pump noise", ignore={"press"})


def test_extractive_answer_quotes_value_line_with_label():
    sources = {1: "Thermostat > Installation\nInstall water inlet.\nTorque:\n3S-GTE – 80 kg-cm (7.8 N·m)"}
    text = extractive_answer("water inlet torque", sources, value_kind="torque")
    assert "7.8 N·m" in text and text.endswith("[1].")


def test_a_value_line_takes_its_subject_from_its_sources_heading_too():
    # a spec page lists "Input: 4.3-6 V" under the product's heading: the line alone names no subject
    sources = {1: "Motor > Power\nInput: 12 V", 2: "PX4FLOW > Power\nInput: 4.3-6 V"}
    assert extractive_answer("px4flow supply voltage", sources, value_kind="voltage") == "Input: 4.3-6 V [2]."


def test_extractive_answer_empty_without_value():
    assert extractive_answer("tyre torque", {1: "Check the tyre for cuts."}, value_kind="torque") == ""


def test_howto_quotes_numbered_steps_in_order():
    from assistant.answer.grounding.steps import is_howto, step_lines

    sources = {1: "Belt\n1. Lock out the drive.\n2. Slacken the take-up.\n3. Fit the new belt.",
               2: "Thermostat\n1. Drain engine coolant.\n2. Remove the water inlet.\n3. Remove the thermostat."}
    assert is_howto("How do I remove the thermostat?")
    steps = step_lines("How do I remove the thermostat?", sources)
    assert [n for _, n in steps] == [2, 2, 2]
    assert steps[0][0] == "1. Drain engine coolant."


def test_quantity_claims_need_the_same_unit():
    from assistant.answer.grounding.citations import support

    assert support("The charge is 1.0 kg.", "Work order priority 1, charge checked") == 0.0
    assert support("The charge is 1.0 kg.", "Refrigerant charge 1 kg") > 0.5


def test_steps_keep_wrapped_lines_and_span_a_split_section():
    from assistant.answer.grounding.steps import step_lines

    sources = {1: "Belt > 5.2 Adjust tracking\n1. Run the belt and mark the\n   belt edge at the head.\n2. Lock out.",
               2: "Lock-out\n1. Switch off.\n2. Fit padlock.",
               3: "Belt > 5.2 Adjust tracking\n3. Tighten the lock nuts to 110 N·m.\n4. Verify."}
    steps = step_lines("How do I adjust the belt tracking?", sources, sections={1: [1, 3]})
    assert steps[0] == ("1. Run the belt and mark the belt edge at the head.", 1)
    assert [n for _, n in steps] == [1, 1, 3, 3] and "110 N·m" in steps[2][0]


def test_section_index_returns_siblings_in_document_order():
    from assistant.answer.scope import SectionIndex
    from ingest.types import Chunk

    chunks = [Chunk(chunk_id=str(i), text=f"part {i}", source="m.md", doc_type="manual",
                    section="5.2 Adjust" if i != 1 else "1.4 Lock-out") for i in range(4)]
    index = SectionIndex(lambda: chunks, max_chunks=4)
    assert [c.chunk_id for c in index.siblings(chunks[2])] == ["0", "2", "3"]


def test_quoted_value_follows_the_named_model_and_minimum():
    from assistant.answer.grounding.extractive import extractive_lines

    src = {1: "Compression check\nInstall the water inlet with the two nuts.\nTorque:\n3S-GTE – 80 kg-cm (7.8 N·m)\n"
              "5S-FE – 90 kg-cm (8.8 N·m)"}
    best = extractive_lines("What torque do the water inlet nuts get on the 5S-FE engine?", src,
                            value_kind="torque", max_lines=1)
    assert "8.8 N·m" in best[0][0]
    src = {1: "Compression\nCompression pressure:\n5S-FE – 12.5 kg/cm² or more\nMinimum pressure:\n5S-FE – 10.0 kg/cm²"}
    best = extractive_lines("What is the minimum compression pressure for a 5S-FE?", src, value_kind="pressure",
                            max_lines=1)
    assert "10.0" in best[0][0]


class TestGateReports:
    """Each decision of the gate, with the exact reason a technician reads."""

    def test_no_sources(self):
        assert GATE.assess("Why does the belt slip?", [], []) == EvidenceReport(False, "no source matched the question")

    def test_a_passing_report_carries_the_question_and_scores(self):
        report = GATE.assess("Why does the belt slip?", ["Belt slip: tension the belt."], [0.8])
        assert report == EvidenceReport(True, question="Why does the belt slip?", best_dense=0.8, coverage=1.0)

    def test_no_dense_scores_count_as_zero_similarity(self):
        report = GATE.assess("Why does the drive belt slip?", ["Belt slip: tension the belt."], [])
        assert report.ok is False and report.reason == "best source similarity 0.00 is below 0.30"

    def test_sources_holding_every_subject_word_pass_below_the_similarity_floor(self):
        # a short question scores a low cosine with the passage that answers it; its words show the match
        texts = ["Flashing the firmware can take up to 2 minutes."]
        assert GATE.assess("how long does flash firmware take", texts, [0.2]).ok
        # one subject word is too little to stand for the topic, and a missing one leaves the floor in force
        assert not GATE.assess("where is the firmware", texts, [0.2]).ok
        assert not GATE.assess("how long does flash firmware take on the pi", texts, [0.2]).ok

    def test_similarity_at_the_threshold_passes(self):
        assert GATE.assess("Why does the belt slip?", ["Belt slip: tension the belt."], [0.3]).ok

    def test_a_question_without_subject_words_is_fully_covered(self):
        assert GATE.assess("What is it?", ["Belt slip."], [0.5]).coverage == 1.0

    def test_ignored_asset_words_are_not_subject_words(self):
        report = GATE.assess("Why does press 4 whine?", ["Whine: check the pump bearing."], [0.8],
                             ignore_terms={"press"})
        assert report.ok and report.coverage == 1.0 and report.missing_terms == []

    def test_missing_words_are_the_question_s_own_once_each(self):
        report = GATE.assess("Why does the Conveyor belt slip on belt 3?", ["Pump noise."], [0.8])
        assert report.ok is False and report.missing_terms == ["conveyor", "belt", "slip"]
        assert report.subject == "conveyor, belt, slip"


class TestCodes:
    def test_every_absent_code_is_named(self):
        report = GATE.assess("What do alarms E-999 and E-998 mean?", ["Alarm E-204: pump pressure low."], [0.8])
        assert report.ok is False and report.reason == "no source mentions E-999, E-998"
        assert report.subject == "E-999, E-998"  # what the one-line decline names

    @pytest.mark.parametrize("asked,written", [("E-204", "E-204"), ("e-204", "E-204"), ("E204", "E-204"),
                                               ("E-204", "E204")])
    def test_codes_match_across_case_and_dashes(self, asked, written):
        report = GATE.assess(f"What does alarm {asked} mean for the pump?", [f"Alarm {written}: pump pressure low."],
                             [0.8])
        assert report.reason != f"no source mentions {asked}"

    def test_an_asset_id_passed_as_ignored_need_not_be_in_the_sources(self):
        sources = ["PRESS-03 whine: check the pump bearing."]
        assert GATE.assess("Why does PRESS-04 whine?", sources, [0.8], ignore_terms={"press-04"}).ok
        assert GATE.assess("Why does PRESS-04 whine?", sources, [0.8]).reason == "no source mentions PRESS-04"

    @pytest.mark.parametrize("asked,written", [("nema17", "NEMA 17"), ("WD40", "WD-40"), ("m5", "M5"),
                                               ("E204", "E 204")])
    def test_codes_match_whatever_separates_letters_and_digits(self, asked, written):
        report = GATE.assess(f"torque for the {asked} part?", [f"Torque for the {written} part: 2 N·m. Also E-7."],
                             [0.8])
        assert "no source mentions" not in report.reason

    def test_a_code_whose_family_the_sources_lack_is_left_to_the_other_checks(self):
        # a product ("WD40") or model name ("X5") is not a near-miss of an alarm code in the sources
        sources = ["Leadscrew: wipe it clean, then apply a dry PTFE lubricant. Alarm E-204: pump pressure low."]
        assert "no source mentions" not in GATE.assess("can i use wd40 on the leadscrew", sources, [0.8]).reason
        assert GATE.assess("can i use e-999 on the leadscrew", sources, [0.8]).reason == "no source mentions e-999"

    def test_a_hexadecimal_value_is_a_code_of_its_own_family(self):
        # error registers read "0x400": a near miss of the table's 0x1 and 0x2 answers another error
        table = ["code: INVALID_STATE | value_hex: 0x1", "code: DC_BUS_UNDER_VOLTAGE | value_hex: 0x2"]
        report = GATE.assess("encoder.error reads 0x400, what does it mean", table, [0.8])
        assert report.ok is False and report.reason == "no source mentions 0x400"
        assert "no source mentions" not in GATE.assess("what does error 0x2 mean", table, [0.8]).reason
        assert "no source mentions" not in GATE.assess("what does error 0X2 mean", table, [0.8]).reason


class TestValueBinding:
    def test_reason_names_the_kind_and_the_subject(self):
        report = GATE.assess("What torque for the water inlet nuts?", ["Water inlet nuts: tighten firmly."], [0.8])
        assert report.ok is False and report.value_kind == "torque"
        assert report.reason == "no source states the torque of water inlet nuts"

    def test_a_value_question_without_a_subject(self):
        report = GATE.assess("What torque?", ["Check the bolts."], [0.8])
        assert report.reason == "no source states the torque of this item"

    def test_ignored_words_are_not_needed_next_to_the_value(self):
        question, texts = "What torque for the press bolts?", ["Bolts: torque 45 Nm"]
        assert GATE.assess(question, texts, [0.8], ignore_terms={"press"}).value_sources == [0]
        assert GATE.assess(question, texts, [0.8]).reason == "no source states the torque of press bolts"

    def test_a_number_the_sources_never_mention_is_a_condition_not_a_subject(self):
        # "3000" is left out of the binding; "rpm" (no digit) must still sit next to the value
        assert GATE.assess("What torque for the bolts at 3000?", ["Bolts: torque 45 Nm"], [0.8]).ok
        report = GATE.assess("What torque for the bolts at 3000 rpm?", ["Bolts: torque 45 Nm"], [0.8])
        assert report.reason == "no source states the torque of bolts rpm"

    def test_a_model_code_the_sources_mention_must_be_next_to_the_value(self):
        texts = ["Bolts: torque 45 Nm", "5S-FE engine overview"]
        report = GATE.assess("What torque for the 5S-FE bolts?", texts, [0.8, 0.5])
        assert report.ok is False and report.value_sources == []
        assert GATE.assess("What torque for the 5S-FE bolts?", ["5S-FE bolts: torque 45 Nm"], [0.8]).ok


class TestFocusBinding:
    def test_who_made_it_needs_a_maker_next_to_the_subject(self):
        ok = GATE.assess("Who manufactured the hydraulic pump?", ["Hydraulic pump\nManufacturer: Bosch Rexroth"], [0.8])
        assert ok.ok
        report = GATE.assess("Who made the hydraulic pump?", ["Hydraulic pump\nRated flow 40 l/min"], [0.8])
        assert report.ok is False and report.reason == "no source names the manufacturer for hydraulic pump"

    def test_the_question_s_own_maker_word_is_the_attribute_not_the_subject(self):
        # "supplied" stems to 'suppli', which only prefixes the focus 'supplier'
        assert GATE.assess("Who supplied the pump?", ["Pump\nSupplier: Bosch Rexroth"], [0.8]).ok

    def test_which_attribute_is_named_in_the_reason(self):
        report = GATE.assess("Which refrigerant is in the spindle chiller?",
                             ["Spindle chiller: oil VG 32.", "Refrigerant handling rules."], [0.8, 0.4])
        assert report.ok is False and report.reason == "no source names the refrigerant for spindle chiller"


class TestWithoutWordChecks:
    """``word_checks=False`` (the answerability judge decides): only the language-free checks decline."""

    gate = EvidenceGate(min_dense_score=0.3, min_term_coverage=0.5, word_checks=False)

    def test_word_checks_measure_but_do_not_decline(self):
        report = self.gate.assess("Why does the conveyor belt slip?", ["Hydraulic pump whine: clean the strainer."],
                                  [0.8])
        assert report.ok and report.coverage == 0.0 and report.missing_terms == ["conveyor", "belt", "slip"]
        texts = ["Water inlet nuts: tighten firmly.", "Torque the water inlet nuts to 8.8 N·m."]
        report = self.gate.assess("What torque for the water inlet nuts?", texts[:1], [0.6])
        assert report.ok and report.value_kind == "torque" and report.value_sources == []
        assert self.gate.assess("What torque for the water inlet nuts?", texts, [0.6, 0.5]).value_sources == [1]

    def test_absent_codes_and_the_similarity_floor_still_decline(self):
        assert not self.gate.assess("what does E-999 mean", ["E-204: low pressure"], [0.8]).ok
        assert not self.gate.assess("thermostat opening temperature", ["Valve opening: 82 °C"], [0.1]).ok


def test_the_lines_under_the_best_quoted_line_are_quoted_after_it():
    from assistant.answer.grounding.following import with_following

    sources = {1: "Tuning\nMotor overshoots and oscillates\n- Lower pos_gain by half.\n~~~~~~~~~~\nok\n"
                  "Then raise vel_gain.\nEnd",
               2: "Other\nMotor overshoots and oscillates"}
    lines = [("Motor overshoots and oscillates", 1), ("Something else", 2)]
    # an underline and "ok" are layout, neither quoted nor counted; list marks are dropped
    assert with_following(lines, sources, 2) == [("Motor overshoots and oscillates", 1), ("Lower pos_gain by half.", 1),
                                                 ("Then raise vel_gain.", 1), ("Something else", 2)]
    assert with_following(lines, sources, 0) == lines
    assert with_following([("Lower pos_gain by half.", 1), ("Then raise vel_gain.", 1)], sources, 2) == \
        [("Lower pos_gain by half.", 1), ("Then raise vel_gain.", 1)]  # already quoted: not twice


def test_a_line_the_page_repeats_under_the_quoted_one_is_quoted_once():
    from assistant.answer.grounding.following import with_following

    sources = {1: "Silvia\nRemove the two screws and pull the sheet out sideways.\nDisclaimer\nDisclaimer\n"
                  "This report may contain errors.\nDisclaimer"}
    assert with_following([("Remove the two screws and pull the sheet out sideways.", 1)], sources, 2) == [
        ("Remove the two screws and pull the sheet out sideways.", 1), ("Disclaimer", 1),
        ("This report may contain errors.", 1)]


def test_a_line_two_passages_reach_is_quoted_once_and_a_longer_line_takes_the_place_of_those_it_holds():
    from assistant.answer.grounding.following import distinct

    lines = [("UBEC 5v output current: 3A", 1), ("- UBEC input voltage: 7~51v", 1), ("- UBEC 5v output current: 3A.", 2),
             ("Max output: 13A", 2), ("The jamming indicator should be below 40.", 3), ("Wiring", 3),
             ("Signal interference lowers accuracy", 3),
             ("The jamming indicator should be below 40. Signal interference lowers accuracy.", 3)]
    # list marks dropped (each quote is a bullet of its own); "3A" is not "13A"
    assert distinct(lines) == [
        ("UBEC 5v output current: 3A", 1), ("UBEC input voltage: 7~51v", 1), ("Max output: 13A", 2),
        ("The jamming indicator should be below 40. Signal interference lowers accuracy.", 3), ("Wiring", 3)]
    assert distinct([("Step 2: Remove the cover", 1)]) == [("Step 2: Remove the cover", 1)]


def test_the_rest_of_a_quoted_sentence_s_paragraph_is_quoted_after_it():
    from assistant.answer.grounding.following import with_following

    sources = {1: "Seeds\nThe seed is picked up. It drops while moving. In either case, use a larger needle. "
                  "See the table. Ask support.\nNeedle sizes",
               2: "Vacuum\nNo suction at the needle. Check the pump. Clean the tube. Replace the seal.\nPump specs"}
    lines = [("It drops while moving.", 1), ("No suction at the needle.", 2)]
    # the best line: its paragraph's opening sentence before it, the rest of its paragraph, then the lines under
    # it (3 in all); the others: three, their own paragraph's first
    assert with_following(lines, sources, 3) == [
        ("The seed is picked up.", 1), ("It drops while moving.", 1), ("In either case, use a larger needle.", 1),
        ("See the table.", 1), ("Ask support.", 1), ("No suction at the needle.", 2), ("Check the pump.", 2),
        ("Clean the tube.", 2), ("Replace the seal.", 2)]


def test_a_later_sentence_is_quoted_after_its_paragraph_s_opening_one():
    from assistant.answer.grounding.following import with_following

    # the value sits in the paragraph's first sentence, the question's words in a later one
    sources = {1: "Tracks\nOnce a month, inspect your tracks for mud. It can bind if the tracks are not cleaned.\n"
                  "Use a brush to clean the tracks."}
    assert with_following([("It can bind if the tracks are not cleaned.", 1)], sources, 1) == [
        ("Once a month, inspect your tracks for mud.", 1), ("It can bind if the tracks are not cleaned.", 1),
        ("Use a brush to clean the tracks.", 1)]
    # a first sentence has no opener of its own
    assert with_following([("Once a month, inspect your tracks for mud.", 1)], sources, 1) == [
        ("Once a month, inspect your tracks for mud.", 1), ("It can bind if the tracks are not cleaned.", 1)]


def test_a_line_quoted_as_an_opener_is_still_quoted_with_its_tail():
    from assistant.answer.grounding.following import with_following

    # the second picked line is the first's opener: quoted once, and the sentences after it still follow it
    sources = {1: "Petcock\nStep 4: automatic shutoff valve. It is worked by vacuum. It opens when the engine runs.\n"
                  "Step 5: filters."}
    lines = [("It opens when the engine runs.", 1), ("Step 4: automatic shutoff valve.", 1)]
    assert with_following(lines, sources, 1) == [
        ("Step 4: automatic shutoff valve.", 1), ("It opens when the engine runs.", 1), ("Step 5: filters.", 1),
        ("It is worked by vacuum.", 1)]


def test_a_line_holding_one_already_quoted_is_not_quoted_again():
    from assistant.answer.grounding.extractive import extractive_lines

    # "Torque:" joined to the value under it repeats the value line, which is quoted already
    sources = {1: "Thermostat\nInstall the water inlet nuts.\nTorque:\n5S-FE 90 kg-cm (8.8 N·m)"}
    picked = extractive_lines("torque for the water inlet nuts", sources, value_kind="torque", max_lines=3)
    assert picked == [("5S-FE 90 kg-cm (8.8 N·m)", 1), ("Install the water inlet nuts.", 1)]


def test_quoting_edges_count_one_or_none_repeats_and_overlapping_chunks():
    from assistant.answer.grounding.following import with_following

    sources = {1: "Drive\nMotor hums.\nMotor hums.\nGo 12\nX-axis belt slips\nEnd",
               2: "Drive (overlap)\nMotor hums. Go 12\nOther part. Its fix.\nBelow it",
               3: "Belt\nBelt squeals. Dress it.\nUnder another quoted line\nAnd one more\nNot quoted: a fourth"}
    # one line under the best; a repeat of the quoted line is skipped; "Go 12" (4 letters and
    # digits) is text, not layout
    assert with_following([("Motor hums.", 1)], sources, 1) == [("Motor hums.", 1), ("Go 12", 1)]
    assert with_following([("Motor hums.", 1)], sources, 3) == \
        [("Motor hums.", 1), ("Go 12", 1), ("X-axis belt slips", 1), ("End", 1)][:3]
    # no line under the best means none after the others either
    lines = [("Motor hums.", 1), ("Belt squeals.", 3)]
    assert with_following(lines, sources, 0) == lines
    # another quoted line gets three: its paragraph's rest, then the lines under it, whatever the best one's count
    assert with_following(lines, sources, 1) == [("Motor hums.", 1), ("Go 12", 1), ("Belt squeals.", 3),
                                                 ("Dress it.", 3), ("Under another quoted line", 3),
                                                 ("And one more", 3)]
    # in an overlapping chunk the sentence after a quoted one, already quoted from the first chunk,
    # is not quoted twice; a line held by one quoted before it ("Other part.") is skipped
    lines = [("Motor hums.", 1), ("Motor hums.", 2), ("Go 12", 1), ("Other part.", 2)]
    assert with_following(lines, sources, 1) == [("Motor hums.", 1), ("Go 12", 1), ("Motor hums.", 2),
                                                 ("Other part. Its fix.", 2), ("Below it", 2)]


def test_the_corpus_s_commonest_words_do_not_pick_the_quoted_line():
    from assistant.answer.grounding.extractive import extractive_lines

    # a French manual: "la" and "de" are in most chunks, as the BM25 index's counts tell; no English
    # stop list knows them, and they made the screw line win over the pressure line
    sources = {1: "Pompe\nLa vis de la pompe se règle à la main.\nPression de service : 180 bar"}
    question = "quelle est la pression de service de la pompe"
    assert extractive_lines(question, sources, max_lines=1) == [("La vis de la pompe se règle à la main.", 1)]
    assert extractive_lines(question, sources, max_lines=1, ignore=frozenset({"la", "de"})) == \
        [("Pression de service : 180 bar", 1)]
    # a question made only of common words still has them
    assert extractive_lines("de la", sources, max_lines=1, ignore=frozenset({"la", "de"}))


def test_a_quoted_sentence_held_by_a_following_line_is_not_quoted_twice():
    from assistant.answer.grounding.following import with_following

    sources = {1: "3 FAULT CODES\nFault codes (panel)\nF-01  Emergency stop.\nF-04  Belt off track. Check tracking,"}
    lines = [("Fault codes (panel)", 1), ("F-04  Belt off track.", 1)]
    assert with_following(lines, sources, 2) == [("Fault codes (panel)", 1), ("F-01  Emergency stop.", 1),
                                                 ("F-04  Belt off track. Check tracking,", 1)]


def test_rarer_words_weigh_more_in_the_quoted_line():
    from assistant.answer.grounding.extractive import extractive_lines

    # a German build log: "ich" is in half the chunks, "relais" in few; counted alike, the diary line
    # sharing "ich" and "brauch" won over the part line sharing "relais"
    sources = {1: "Teile\nIch brauch noch Zeit, ich bestelle später.\nSSR für die Heizung: Relais RA 2425-D06"}
    question = "welches relais brauch ich"
    assert extractive_lines(question, sources, max_lines=1) == [("Ich brauch noch Zeit, ich bestelle später.", 1)]
    shares = {"ich": 0.5, "brauch": 0.1, "relais": 0.02}
    assert extractive_lines(question, sources, max_lines=1, shares=shares) == \
        [("SSR für die Heizung: Relais RA 2425-D06", 1)]


def test_words_only_the_question_has_do_not_raise_the_bar():
    from assistant.answer.grounding.extractive import extractive_lines

    # "wieviele", "soll", "bestellen" are in no source line: a third of all six question words (2) was
    # more than the part line could share; a third of those the sources hold (1) is not
    sources = {1: "Teile\nTemperatursensor TSIC 306: mindestens 2 Stück"}
    assert extractive_lines("wieviele tsic soll ich da bestellen", sources, max_lines=1) == \
        [("Temperatursensor TSIC 306: mindestens 2 Stück", 1)]


def test_a_later_quoted_paragraph_ending_with_a_colon_brings_the_lines_it_announces():
    from assistant.answer.grounding.following import with_following

    sources = {1: "Pump\nThe pump hums.\nMore lines here.",
               2: "Sensor\nThe sensor must be enabled. Edit these entries:\n#define FEATURE_WATER_SENS 1\n"
                  "#define WATER_SENS_TYPE 0\n...\nSee the wiring page.\nOther text."}
    lines = [("The pump hums.", 1), ("The sensor must be enabled.", 2)]
    # the second line's paragraph ends with a colon: the lines under it follow, at most four, layout skipped
    assert with_following(lines, sources, 1) == [
        ("The pump hums.", 1), ("More lines here.", 1), ("The sensor must be enabled.", 2),
        ("Edit these entries:", 2), ("#define FEATURE_WATER_SENS 1", 2), ("#define WATER_SENS_TYPE 0", 2),
        ("See the wiring page.", 2)]
    # without the colon a later line brings three: the rest of its paragraph, then the lines under it
    plain = {1: sources[1], 2: sources[2].replace("entries:", "entries.")}
    assert with_following(lines, plain, 1) == [
        ("The pump hums.", 1), ("More lines here.", 1), ("The sensor must be enabled.", 2),
        ("Edit these entries.", 2), ("#define FEATURE_WATER_SENS 1", 2), ("#define WATER_SENS_TYPE 0", 2)]


def test_the_literals_a_question_copies():
    from assistant.answer.grounding.evidence import copied_literals

    assert copied_literals("gui throws FT_DEVICE_NOT_FOUND on startup") == ["FT_DEVICE_NOT_FOUND"]
    assert copied_literals("PREFLIGHT FAIL: BARO SENSOR 0 MISSING - what does that one mean") == [
        "PREFLIGHT FAIL: BARO SENSOR 0 MISSING"]
    assert copied_literals("what do i set current_lim to") == ["current_lim"]
    # a question typed in capitals, a part name, a unit, a short identifier: nothing copied
    assert copied_literals("HOW DO I BLEED THE PUMP") == []
    assert copied_literals("oil for the CNC VMC 850 spindle at 24 V DC") == []
    assert copied_literals("is a_b set") == []


def test_a_quoted_list_item_comes_after_the_items_above_it_in_its_list():
    from assistant.answer.grounding.following import with_following

    sources = {1: "Lost communication\nThings to look for:\n- Use a good quality USB cable.\n"
                  "- Use a good power supply for the Pi.\n- Make sure the printer's supply is not overloaded.\n"
                  "Other causes\nHeavy swapping on the host."}
    quoted = with_following([("Make sure the printer's supply is not overloaded.", 1)], sources, 1)
    assert quoted == [("Use a good quality USB cable.", 1), ("Use a good power supply for the Pi.", 1),
                      ("Make sure the printer's supply is not overloaded.", 1), ("Other causes", 1)]


def test_items_above_stop_at_the_list_s_start_its_parent_and_four_items():
    from assistant.answer.grounding.following import _items_above

    nested = "Steps\n1. Open the cover.\n  - Loosen screw A.\n  - Loosen screw B.\n2. Lift it off."
    assert _items_above("Loosen screw B.", nested) == ["Loosen screw A."]  # not its parent step
    assert _items_above("Lift it off.", nested) == ["1. Open the cover."]  # its sibling's nested items passed over
    prose = "Tuning\nThe motor hums.\n- Lower the gain."
    assert _items_above("Lower the gain.", prose) == []  # a paragraph above is no item
    long = "Parts\n" + "\n".join(f"- Item number {i}" for i in range(1, 8))
    assert _items_above("Item number 7", long) == [f"Item number {i}" for i in range(3, 7)]
    assert _items_above("Check the PSU.", "Lost link\nLook for:\n- Use a USB cable.\n- Check the PSU.") == \
        ["Use a USB cable."]
    assert _items_above("Not there.", "Lost link\n- Use a USB cable.") == []


def test_a_wrapped_line_of_a_list_item_brings_the_item_and_those_above_it():
    from assistant.answer.grounding.following import _items_above, with_following

    rst = ("Troubleshooting\n* Likely due to incorrect gains: vel_gain may be too high.\n"
           "  Try the tuning procedure.\n* Check the encoder shaft connection.\n"
           "* You may be approaching the limit of your encoder.\n"
           "  The 2400 count/rotation encoders are limited to around 5000 RPM.\n")
    assert _items_above("The 2400 count/rotation encoders are limited to around 5000 RPM.", rst) == [
        "Likely due to incorrect gains: vel_gain may be too high.", "Check the encoder shaft connection.",
        "You may be approaching the limit of your encoder."]  # a sibling's wrapped line is passed over
    assert with_following([("Check the encoder shaft connection.", 1)], {1: rst}, 1)[:2] == [
        ("Likely due to incorrect gains: vel_gain may be too high.", 1), ("Check the encoder shaft connection.", 1)]
    code = "Setup\nRun this:\n    odrivetool dfu\n    odrivetool backup"
    assert _items_above("odrivetool backup", code) == []  # an indented block under a paragraph is no item
    assert _items_above("Use the value set earlier.", "CAN\n#. Use the right baud rate\n#. Set it\n"
                        "   Use the value set earlier.") == ["#. Use the right baud rate", "#. Set it"]  # as quoted


def test_howto_steps_only_from_a_source_the_answer_rests_on():
    from assistant.answer.grounding.steps import step_lines

    sources = {1: "Airbox\nLoosen the clamps and pull the airbox boot off the carbs.",
               2: "Carbs\n1. Remove the carbs.\n2. Spray carb cleaner on the jets.\n3. Refit the carbs."}
    question = "how do i get the airbox boot off the carbs"
    assert [n for _, n in step_lines(question, sources)] == [2, 2, 2]  # the carb procedure shares most words
    assert step_lines(question, sources, allowed={1}) == []  # not a source the answer rests on
    assert [n for _, n in step_lines(question, sources, allowed={1, 2})] == [2, 2, 2]


def test_a_step_keeps_its_own_sub_items_and_indented_body():
    from assistant.answer.grounding.steps import _steps

    rst = ("Gateware\n4. Connect the board.\n5. Run the updater\n\n    - On Windows: Double click on UpdateFPGA.bat\n"
           "    - On Linux: run the script\n6. Wait a couple of minutes.\n\nNote: keep it powered.")
    assert _steps(rst) == ["4. Connect the board.",
                           "5. Run the updater - On Windows: Double click on UpdateFPGA.bat - On Linux: run the script",
                           "6. Wait a couple of minutes."]  # the note after a blank line is no part of step 6
    assert _steps("Flash\n1. Enter DFU mode:\n\n   odrivetool dfu\n2. Reboot.") == [
        "1. Enter DFU mode: odrivetool dfu", "2. Reboot."]
    assert _steps("Belt\n1. Lock out.\n- a bullet of the page, not of the step") == ["1. Lock out."]


def test_items_above_edges_a_paragraph_between_lists_short_items_and_wrapped_lines():
    from assistant.answer.grounding.following import _after, _items_above

    # a paragraph at the list's own indent ends the walk: the list before it is another one
    two_lists = "Belt\n- Old list item A\nSome paragraph.\n- X-axis belt slips\n- Fan1\n- ok\n- Item C"
    assert _items_above("Item C", two_lists) == ["X-axis belt slips", "Fan1"]  # "ok" is too short to quote
    # a wrapped line: the lines between it and its item are passed over, the item's first line comes last
    wrapped = "Drive\n- Item A\n  wrap one\n  wrap two"
    assert _items_above("wrap two", wrapped) == ["Item A"]
    # an indented block with no item above it, or under an item at its own indent, is no item's wrapped line
    assert _items_above("code b", "Setup\n   code a\n   code b\n- Item at the end") == []
    assert _items_above("Not a wrap of it", "List\n- Top item\n  - Nested item\n  Not a wrap of it") == []
    # a later paragraph ending with a colon brings the lines it announces even when its rest fills the count
    source = "Sensor\nEnable it. First do A. Then do B. Edit these:\nLINE_ONE 1\nLINE_TWO 2\nOther text here"
    assert _after("Enable it.", source, 3, announced=True) == [
        "First do A.", "Then do B.", "Edit these:", "LINE_ONE 1", "LINE_TWO 2", "Other text here"]


def test_with_following_quotes_each_item_and_opener_once_and_goes_on_after_a_held_line():
    from assistant.answer.grounding.following import _items_above, with_following

    items = "Parts\n" + "\n".join(f"- Item {c} of the list" for c in "ABCDEF")
    # the second picked item's items above were quoted with the first: each once, in order
    assert [line for line, _ in with_following([("Item C of the list", 1), ("Item F of the list", 1)],
                                               {1: items}, 1)] == [f"Item {c} of the list" for c in "ABCDEF"]
    # two later sentences of one paragraph share its opening sentence: quoted once
    para = {1: "Tracks\nOnce a month, inspect them. It can bind. Use a brush then."}
    assert with_following([("Use a brush then.", 1), ("It can bind.", 1)], para, 1) == [
        ("Once a month, inspect them.", 1), ("Use a brush then.", 1), ("It can bind.", 1)]
    # a line held by one quoted before it is skipped, and the picked lines after it still come
    sources = {1: "Drive\nMotor hums.\nGo 12\nEnd of it", 3: "Belt\nBelt squeals. Dress it."}
    assert with_following([("Motor hums.", 1), ("Go 12", 1), ("Belt squeals.", 3)], sources, 1) == [
        ("Motor hums.", 1), ("Go 12", 1), ("Belt squeals.", 3), ("Dress it.", 3)]
    # the best line's count holds even under a colon: only later lines bring the lines it announces
    colon = {1: "Setup\nDo this:\nLine one aaaa\nLine two bbbb\nLine three cccc"}
    assert with_following([("Do this:", 1)], colon, 1) == [("Do this:", 1), ("Line one aaaa", 1)]
    # a wrapped line's item keeps its own first letters
    assert _items_above("wrap", "Scan\n- X-ray the weld seam\n  wrap") == ["X-ray the weld seam"]


def test_a_quoted_line_loses_its_indent_and_list_mark_only():
    from assistant.answer.grounding.extractive import unmarked

    assert [unmarked(x) for x in ("  - Check the PSU.", "\t\u2022 Fan 2", "* 24 V", "1. Lock out.")] == [
        "Check the PSU.", "Fan 2", "24 V", "1. Lock out."]  # a step keeps its number (shown as "Step 1:")
