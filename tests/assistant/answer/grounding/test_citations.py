import pytest

from assistant.answer.grounding.citations import (CitationChecker, keep_held_numbers, keep_sources, parse_markers,
                                                 stated_digits, strip_markers, support, unsupported_quantities)
from assistant.textutil import split_sentences


def test_parse_markers_handles_groups_and_order():
    assert parse_markers("a [2] b [1, 3] c [2]") == [2, 1, 3, 2]
    assert strip_markers("Torque 25 N·m [1].") == "Torque 25 N·m ."


def test_invalid_marker_is_removed_and_flagged():
    sources = {1: "Replace the suction strainer P/N 4471-22."}
    out = CitationChecker(0.5).check("Replace the suction strainer [7].", sources)
    assert "[7]" not in out.text
    assert out.text.endswith("[1].")
    assert [f.kind for f in out.flags] == ["invalid_citation"]


def test_a_repeated_sentence_is_kept_once():
    # the 0.5B model sometimes loops on one sentence; the answer says it once
    sources = {1: "Check the pump inlet vacuum gauge: better than -0.2 bar. Verify 210 bar within 4 s."}
    reply = ("Check the pump inlet vacuum gauge [1]. Verify 210 bar within 4 s [1]. "
             "Check the pump inlet  vacuum gauge [1]. Check the Pump inlet vacuum gauge [1].")
    out = CitationChecker(0.5).check(reply, sources)
    assert out.text == "Check the pump inlet vacuum gauge [1]. Verify 210 bar within 4 s [1]."
    assert [f.detail for f in out.flags if f.kind == "repeated_sentence"] == ["2 repeated sentence(s) left out"]


def test_wrong_citation_is_repointed_to_supporting_source():
    sources = {1: "Drain the coolant into a clean pan.", 2: "Tighten the water inlet nuts to 8.8 N·m."}
    out = CitationChecker(0.5).check("Tighten the water inlet nuts to 8.8 N·m [1].", sources)
    assert out.cited == [2]
    assert not out.unverified_numbers


def test_what_a_sentence_adds_to_the_question_must_be_in_its_source():
    sources = {1: "equipment: chiller | component: expansion valve | explanation: controls the flow of refrigerant",
               2: "Failure Mode: Expansion Valve | Degradation Mechanism: Blockage"}
    question = "What usually goes wrong with a chiller expansion valve?"
    invented = "The chiller expansion valve usually goes wrong because it is not properly sealed [1]."
    assert CitationChecker(0.35).check(invented, sources).text == invented  # the question's words alone support it
    out = CitationChecker(0.35, drop_unsupported=True).check(invented, sources, question)
    assert out.text == "" and out.unsupported_sentences == 1
    grounded = "The chiller expansion valve goes wrong by blockage [2]."
    assert CitationChecker(0.35, drop_unsupported=True).check(grounded, sources, question).text == grounded
    # a sentence that only restates the question is judged on its own words, as before
    echo = "A chiller expansion valve can go wrong [1]."
    assert CitationChecker(0.35).check(echo, sources, question).text == echo
    assert support(invented, sources[1]) > 0.35 > support(invented, sources[1], frozenset({"chiller", "expans", "valv",
                                                                                           "wrong", "usual", "goe"}))


def test_missing_marker_is_added_when_supported():
    sources = {1: "Valve opening temperature: 80 – 84°C", 2: "Check the belt tension."}
    out = CitationChecker(0.5).check("The valve opens at 80 – 84°C.", sources)
    assert out.cited == [1]


def test_unsupported_sentence_and_invented_number_are_flagged():
    sources = {1: "Tighten the water inlet nuts to 8.8 N·m."}
    out = CitationChecker(0.5).check("Tighten the water inlet nuts to 12 N·m [1].", sources)
    kinds = {f.kind for f in out.flags}
    assert "unverified_number" in kinds and "unsupported_sentence" in kinds
    assert out.unverified_numbers == ["12"]
    assert out.cited == []


def test_support_requires_every_number():
    assert support("Set 150 bar and 45 °C", "pressure 150 bar") == 0.0
    assert support("Set 150 bar", "relief pressure 150 bar") > 0.5


def test_list_ordinals_are_not_numbers_to_verify():
    sources = {1: "Remove the two nuts and the water inlet."}
    out = CitationChecker(0.5).check("1. Remove the two nuts and the water inlet.", sources)
    assert out.unverified_numbers == []
    assert out.cited == [1]


def test_support_is_zero_when_a_bare_number_is_missing():
    # No unit after the number, so only the number check can tell the part numbers apart.
    assert support("Fit seal kit 4471.", "Fit seal kit 4472.") == 0.0
    assert support("Fit seal kit 4471.", "Fit seal kit 4471 from stores.") == 1.0


def test_a_number_only_in_an_uncited_source_is_unverified():
    # The sentence is too weakly supported to cite source 1, so 150 is checked against no source:
    # that 150 appears in an uncited source does not make it verified.
    sources = {1: "Relief valve set to 150 bar.", 2: "Accumulator precharge is done with nitrogen."}
    out = CitationChecker(0.6).check("The accumulator precharge pressure is 150 bar.", sources)
    assert out.cited == [] and out.unverified_numbers == ["150"]
    assert {f.kind for f in out.flags} == {"unsupported_sentence", "unverified_number"}


class TestSupportEdges:
    def test_a_list_ordinal_is_not_part_of_the_claim(self):
        assert support("1. Replace the strainer.", "Replace the strainer.") == 1.0

    def test_a_sentence_of_only_a_small_number(self):
        assert support("It is 5.", "Setting 5 on the dial") == 1.0  # '5' is too short to be a term
        assert support("It is 5.", "Setting 6 on the dial") == 0.0
        assert support("It is.", "It is what it is") == 0.0  # nothing to support


class TestCheckerThreshold:
    @pytest.mark.parametrize("threshold", [0.0, 1.0])
    def test_bounds_are_allowed(self, threshold):
        assert CitationChecker(threshold).threshold == threshold

    @pytest.mark.parametrize("threshold", [-0.01, 1.01])
    def test_outside_is_refused(self, threshold):
        with pytest.raises(ValueError, match=r"^citation support threshold must be within 0\.\.1$"):
            CitationChecker(threshold)

    def test_support_equal_to_the_threshold_is_enough(self):
        # one of the two content terms ('strainer') is in the source: support 0.5
        sources = {1: "Strainer P/N 7781-04 sits under the tank."}
        assert support("Clean strainer.", sources[1]) == 0.5
        assert CitationChecker(0.5).check("Clean strainer [1].", sources).cited == [1]
        assert CitationChecker(0.5).check("Clean strainer.", sources).cited == [1]
        assert CitationChecker(0.51).check("Clean strainer [1].", sources).cited == []
        # a cited source at exactly the threshold is kept, even when another supports more
        both = {1: "Clean the strainer.", 2: sources[1]}
        assert CitationChecker(0.5).check("Clean strainer [2].", both).text == "Clean strainer [2]."


class TestCheckedText:
    def test_markers_go_before_the_end_punctuation(self):
        sources = {1: "Replace the suction strainer.", 2: "Replace the suction strainer gasket."}
        out = CitationChecker(0.5).check("Replace the suction strainer [1][2].", sources)
        assert out.text == "Replace the suction strainer [1][2]."

    def test_a_cited_source_that_supports_is_kept_over_an_equal_one(self):
        sources = {1: "Replace the suction strainer.", 2: "Replace the suction strainer."}
        assert CitationChecker(0.5).check("Replace the suction strainer [2].", sources).text == \
            "Replace the suction strainer [2]."
        # without a marker, ties go to the lowest number
        assert CitationChecker(0.5).check("Replace the suction strainer.", sources).cited == [1]

    def test_sentences_join_with_spaces_and_list_items_keep_their_lines(self):
        sources = {1: "Lock out the press. Drain the oil into a pan. Replace the suction strainer."}
        text = "Lock out the press [1]. Drain the oil into a pan.\n1. Replace the suction strainer.\n- Lock out the press."
        out = CitationChecker(0.5).check(text, sources)
        assert out.text == ("Lock out the press [1]. Drain the oil into a pan [1].\n"
                            "1. Replace the suction strainer [1].\n- Lock out the press [1].")

    def test_a_line_holding_only_a_marker_is_skipped(self):
        sources = {1: "Replace the suction strainer."}
        out = CitationChecker(0.5).check("[1]\nReplace the suction strainer.", sources)
        assert out.text == "Replace the suction strainer [1]." and out.flags == []

    def test_no_sources_at_all(self):
        out = CitationChecker(0.5).check("Replace the suction strainer.", {})
        assert out.cited == [] and out.unsupported_sentences == 1

    def test_a_number_checked_against_every_cited_source(self):
        # 45 sits at the very end of one source and the very start of the other
        sources = {1: "Bolt count 45", 2: "45 bolt count"}
        out = CitationChecker(0.5).check("The bolt count is 45 [1][2].", sources)
        assert out.cited == [1, 2] and out.unverified_numbers == []


class TestFlags:
    SOURCES = {1: "Check the belt tension weekly."}

    def test_every_unsupported_sentence_is_counted_and_described(self):
        long = "The turbine blades " + "and the gearbox " * 12 + "need grease."
        out = CitationChecker(0.5).check(f"The compressor valves leak oil. {long}", self.SOURCES)
        assert out.unsupported_sentences == 2
        assert [f.detail for f in out.flags] == ["The compressor valves leak oil.", long[:160]]

    def test_invalid_marker_detail(self):
        out = CitationChecker(0.5).check("Check the belt tension weekly [4].", self.SOURCES)
        assert [(f.kind, f.detail) for f in out.flags] == [("invalid_citation", "[4] points to no source; removed")]

    def test_unverified_number_detail(self):
        long = "Tension the belt to 95 " + "and check it " * 12 + "weekly."
        out = CitationChecker(0.5).check(long, self.SOURCES)
        assert [(f.kind, f.detail) for f in out.flags if f.kind == "unverified_number"] == [
            ("unverified_number", f"95 is not in a cited source: {long[:120]}")]

    def test_dropping_one_sentence_keeps_the_rest(self):
        out = CitationChecker(0.5, drop_unsupported=True).check(
            "The turbine blades need grease. Check the belt tension weekly.", self.SOURCES)
        assert out.text == "Check the belt tension weekly [1]." and out.unsupported_sentences == 1

    @pytest.mark.parametrize("sentence", ["Here is what I found.", "Here are the steps.", "Note: ask first.",
                                          "Sources: the manual.", "Do these steps, in order:", "Be careful."])
    def test_sentences_about_the_answer_need_no_source(self, sentence):
        out = CitationChecker(0.5).check(sentence, self.SOURCES)
        assert out.flags == [] and out.text == sentence

    def test_a_short_claim_of_twelve_characters_needs_a_source(self):
        assert len("Grease pump.") == 12
        assert CitationChecker(0.5).check("Grease pump.", self.SOURCES).unsupported_sentences == 1

    def test_a_supported_meta_sentence_keeps_its_marker(self):
        sources = {1: "Here is the belt tension check: weekly."}
        out = CitationChecker(0.5).check("Here is the belt tension check [1].", sources)
        assert out.text == "Here is the belt tension check [1]."


def test_a_remark_with_a_number_no_cited_source_states_is_dropped():
    """'Note: the torque is 99 N·m.' reads as a remark; its invented value must still not be shown."""
    sources = {1: "Tighten the cover bolts to 25 N·m."}
    out = CitationChecker(0.5, drop_unsupported=True).check(
        "Tighten the cover bolts to 25 N·m [1]. Note: the torque is 99 N·m.", sources)
    assert "99" not in out.text and "25 N·m" in out.text
    assert out.unverified_numbers == ["99"]
    kept = CitationChecker(0.5).check("Note: the torque is 99 N·m.", sources)  # without dropping: flagged only
    assert "99" in kept.text and [f.kind for f in kept.flags] == ["unverified_number"]


def test_an_identifier_no_cited_source_holds_is_a_value_too():
    """'T100' or 'V6' written by the model is a value as much as '99 N·m'; one the source holds stays,
    however its dash is written."""
    sources = {1: "Thermostat: valve opening 82 °C. Replace gasket GX-42 with the engine cold."}
    out = CitationChecker(0.5, drop_unsupported=True).check(
        "The thermostat valve opening is T100 [1]. Replace gasket GX42 with the engine cold [1].", sources)
    assert out.text == "Replace gasket GX42 with the engine cold [1]."
    assert out.unverified_numbers == ["T100"]

    # a hexadecimal value restated from the question ("0x400") is a value no cited source states
    sources = {1: "Encoder errors\nvalue_hex: 0x1 | The encoder is not calibrated. Calibrate the encoder first."}
    out = CitationChecker(0.35, drop_unsupported=True).check(
        "Error 0x400 means the encoder is not calibrated [1]. Calibrate the encoder first [1].", sources)
    assert out.text == "Calibrate the encoder first [1]." and out.unverified_numbers == ["0x400"]


def test_a_sentence_opening_with_a_number_after_a_cited_one_is_its_own():
    """'approx. 5 mm' is one sentence; after a marker and a full stop, '1985 ...' starts a new one, so keeping
    the answer's own sources drops it with its [2] instead of keeping it under the [1] before it."""
    assert split_sentences("Use approx. 5 mm shims [1]. 1985 models differ [2].") == [
        "Use approx. 5 mm shims [1].", "1985 models differ [2]."]
    assert keep_sources("WD40 may help [1]. 1985 750 Nighthawk S [2] take the carbs off.", {1}) == (
        "WD40 may help [1].", 1)


def test_sentences_in_other_scripts_are_split_and_kept():
    """An ASCII-only sentence test dropped every Greek or Russian sentence as 'no word'."""
    assert split_sentences("Ελέγξτε το φίλτρο. Αλλάξτε το λάδι.") == ["Ελέγξτε το φίλτρο.", "Αλλάξτε το λάδι."]
    assert split_sentences("Vérifiez le filtre. Écrasez la vis.") == ["Vérifiez le filtre.", "Écrasez la vis."]
    assert split_sentences("油圧は235バールです。フィルターを点検する。") == ["油圧は235バールです。", "フィルターを点検する。"]
    # ASCII as before: no split after a bare list number or before a lower-case word
    assert split_sentences("Use approx. 5 mm. Step 1. Then go [2].") == ["Use approx. 5 mm.", "Step 1. Then go [2]."]


def test_a_greek_answer_keeps_its_supported_sentences():
    source = {1: "Λίπανση\nΕλέγξτε τη στάθμη λαδιού κάθε εβδομάδα. Αλλάξτε το φίλτρο λαδιού κάθε μήνα."}
    checked = CitationChecker(threshold=0.35, drop_unsupported=True).check(
        "Ελέγξτε τη στάθμη λαδιού κάθε εβδομάδα [1]. Αλλάξτε το φίλτρο λαδιού κάθε μήνα [1].", source)
    assert checked.text == "Ελέγξτε τη στάθμη λαδιού κάθε εβδομάδα [1]. Αλλάξτε το φίλτρο λαδιού κάθε μήνα [1]."
    assert checked.cited == [1]


def test_keep_sources_keeps_sentences_citing_a_kept_source_and_unmarked_ones():
    text = "Use HLP 46 [1].\n1. Drain the tank [2].\n2. Fill to the mark [1][3].\nSources are listed below:"
    # joined as the checker joins: list items on their own line, other sentences run on
    assert keep_sources(text, {1}) == ("Use HLP 46 [1].\n2. Fill to the mark [1]. Sources are listed below:", 1)
    assert keep_sources(text, {2, 3}) == ("1. Drain the tank [2].\n2. Fill to the mark [3]. Sources are listed below:", 1)


def test_keep_sources_leaves_the_kept_markers_where_they_were():
    text = "Set gpio7 mode [1]: GPIO_MODE_DIGITAL [1] then enable step/dir [2] and save [1]."
    assert keep_sources(text, {1}) == ("Set gpio7 mode [1]: GPIO_MODE_DIGITAL [1] then enable step/dir and save [1].", 0)


def test_keep_sources_filters_grouped_markers_and_counts_every_sentence_left_out():
    text = "Use HLP 46 [2, 1]. Torque 18 N·m [1, 3]. Drain it [2]. Vent it [4]."
    assert keep_sources(text, {1, 3}) == ("Use HLP 46 [1]. Torque 18 N·m [1, 3].", 2)


def test_a_word_after_a_number_is_a_unit_only_when_it_reads_as_one():
    """'the NEMA 17 stepper' counts nothing in 'stepper': the right reply was dropped (and the answer declined)
    because its source wrote 'NEMA 17 pattern'; a short unit or one the source writes after a number still counts."""
    spec = "Motor\nspecs > current draw: 1.68A max\nspecs > mount hole pattern: 4x M3 holes, standard NEMA 17 pattern"
    assert support("The max current draw on the NEMA 17 stepper motors is 1.68A max.", spec) > 0.8  # was 0
    assert unsupported_quantities("It weighs 1.0 kg.", "Priority 1: the filter.") == ["1 kg"]
    assert unsupported_quantities("Run it 5 hours.", "Run it 2 hours, then 5 minutes.") == ["5 hours"]
    assert unsupported_quantities("Remove the 4 screws.", "Remove the 4 M3 screws.") == []


def test_stated_digits_reads_digits_inside_identifiers_and_skips_markers_and_list_numbers():
    assert stated_digits("2. Use the tsl1401cl at 1,200 rpm, 8.80 V and 5.0 A [3][^4].") == {"1401", "1200", "8.8", "5"}
    assert stated_digits("- Step 7: warm the board [1]") == set()
    assert stated_digits("M119 or V3.1, 2150 bar") == {"119", "3.1", "2150"}


def test_keep_held_numbers_drops_only_sentences_whose_cited_sources_lack_a_number():
    sources = {1: "Query the endstops. The probe needs 5 V.", 2: "Get Endstop Status: M119", 3: "BLTouch V3.1"}
    text = "Query them [1]. It uses M119 [1]. Use 5 V [1].\n- Or M119 [2].\nThe V3.1 needs it."
    # the unmarked last sentence is read against every source the text cites ([1] and [2], not [3])
    assert keep_held_numbers(text, sources) == ("Query them [1]. Use 5 V [1].\n- Or M119 [2].", 2)


def test_keep_held_numbers_leaves_a_held_line_as_it_was():
    text = "From your documents:\n- Torque:  25 N·m [1].\n\n1. Tighten it [1]."
    assert keep_held_numbers(text, {1: "Torque 25 N·m"}) == (text, 0)
    assert keep_held_numbers(text, {1: "Torque 2 N·m"}) == ("From your documents:\n\n1. Tighten it [1].", 1)
    # a document's own bracketed number, escaped when quoted, is held by the document that writes it
    assert keep_held_numbers("- Add the rule for the board \\[2\\] [1].", {1: "the board [2]."})[1] == 0
    assert keep_held_numbers("Set 150 bar [1].", {1: "2150 bar"})[1] == 1  # not a piece of a longer number


ALARMS = {1: "3 Alarm and fault codes\n"
             "Code: E-104 | Meaning: Oil temperature above 65 °C | First action: Check the oil cooler fan\n"
             "Code: E-204 | Meaning: System pressure below 150 bar for more than 5 s | First action: Check the "
             "strainer"}


def test_a_value_read_off_the_row_of_another_code_is_left_out_and_flagged():
    # the issue's chat example: every word and number is in source [1], but on E-104's row
    out = CitationChecker(0.5, drop_unsupported=True).check(
        "Fault code E-204 means oil temperature above 65 °C [1]. Check the strainer [1].", ALARMS,
        "what does fault code E-204 mean")
    assert out.text == "Check the strainer [1]."
    mismatches = [f.detail.split(":")[0] for f in out.flags if f.kind == "row_mismatch"]
    assert mismatches == ["the value stated is E-104's in the source"]
    kept = CitationChecker(0.5).check("E-204 means oil temperature above 65 °C [1].", ALARMS)  # flagged, not dropped
    assert kept.text == "E-204 means oil temperature above 65 °C [1]."
    assert "row_mismatch" in [f.kind for f in kept.flags]


@pytest.mark.parametrize("reply, sources", [
    # the code's own row holds the value
    ("E-204 means system pressure below 150 bar [1].", ALARMS),
    # the value on the line under the code, no other code on that line: not another row
    ("Alarm A-40 means precharge below 80 bar [1].", {1: "Alarms\nA-40\nPrecharge below 80 bar\nA-32\nVacuum"}),
    # one line names both codes: a sentence, not a table's rows
    ("E-204 follows a drop below 150 bar [1].", {1: "Faults\nE-204 follows E-207 when pressure falls below 150 bar."}),
    # another shape of identifier ("M12" beside "E-204") is no sibling row
    ("Torque the M12 bolts to 80 N·m [1].", {1: "Bolts\nM12 bolts\nE-104: 80 N·m"}),
])
def test_a_value_on_its_own_row_or_in_prose_stands(reply, sources):
    out = CitationChecker(0.5, drop_unsupported=True).check(reply, sources)
    assert out.text == reply and "row_mismatch" not in [f.kind for f in out.flags]


def test_a_number_the_question_gave_is_no_value_of_another_row():
    # "3" is conveyor 3's, from the question; F-05's row also holds a 3 ("for 3 s")
    sources = {1: "Faults\nF-04  Belt side-travel switch operated. Check tracking\nF-05  Speed below 85 % for 3 s"}
    reply = "Fault F-04 on conveyor 3 means the belt is off track [1]."
    out = CitationChecker(0.5, drop_unsupported=True).check(reply, sources, "what does F-04 mean on conveyor 3")
    assert out.text == reply and "row_mismatch" not in [f.kind for f in out.flags]


def test_a_name_joined_by_underscores_writes_the_codes_in_it():
    # a PDF's heading is its file stem: "px4flow_manual_v1.3" writes the board's "v1.3" that the reply names
    source = "px4flow_manual_v1.3 > PX4FLOW\nInput: 4.3-6 V (VDD_5V),\nmax. 800 mA for peripherial load"
    checker = CitationChecker(0.35, drop_unsupported=True)
    reply = "The PX4flow v1.3 takes 4.3-6 V and feeds up to 800 mA [1]."
    out = checker.check(reply, {1: source}, "supply voltage range of the px4flow v1.3")
    assert out.text == reply and not out.unverified_numbers
    # a version the source writes nowhere is still no verified value
    out = checker.check("The PX4flow v2.1 takes 4.3-6 V [1].", {1: source})
    assert out.text == "" and out.unverified_numbers == ["v2"]
