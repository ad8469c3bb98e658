import pytest

from assistant.answer.grounding.evidence import EvidenceGate
from assistant.answer.grounding.question_focus import bound_sources, focus_terms, passages, subject_terms, value_kind, value_pattern

GATE = EvidenceGate(min_dense_score=0.3, min_term_coverage=0.5)


def test_earliest_value_word_names_the_kind():
    assert value_kind("What is the part number of the minimum pressure valve?") == "part_number"
    assert value_kind("What pressure does the part number 12 valve hold?") == "pressure"
    # the verb asks as the noun does
    for q in ("how much does the 32ch headstage weigh", "what does it weigh", "weight of the pump", "it weighs how much"):
        assert value_kind(q) == "weight", q


def test_temp_is_short_for_temperature_unless_it_names_a_part_or_a_symptom():
    assert value_kind("whats the operating ambient temp range for the odrive") == "temperature"
    assert value_kind("which temp sensor do i need") is None  # a part
    assert value_kind("high temp alarm on the chiller, what causes it") is None  # a symptom


def test_a_unit_standing_alone_asks_for_its_kind_in_any_language():
    assert value_kind("mit wieviel nm zieh ich die schraube am bügel fest") == "torque"
    assert value_kind("combien de kPa pour la pompe") == "pressure"
    assert value_kind("belt tension spec, how many mm of deflection") == "clearance"
    # a number before the unit names the part
    assert value_kind("10 mm bolt on the 24 v supply keeps loosening") is None
    assert value_kind("sway bar end links clunk") is None and value_kind("nmea cable pinout") is None
    assert "nm" not in subject_terms("mit wieviel nm zieh ich die schraube fest", kind="torque")


def test_volts_amps_and_ohms_are_three_kinds_and_each_says_more_than_a_size():
    """A fuse's current is not the supply's voltage beside it; "size" or "rating" ask for any amount, a unit
    word anywhere in the question names which."""
    assert value_kind("what amp fuse goes on the main 12v feed") == "current"
    assert value_pattern("current").search("Battery + | +12v in, use the appropriate fuse!") is None
    assert value_pattern("voltage").search("Battery + | +12v in, use the appropriate fuse!")
    assert value_kind("what size usb psu do i need for the emonpi, min amps") == "current"
    assert value_kind("what amp rating is the AM2 fuse") == "current"
    assert value_kind("brake resistor, what resistance") == "resistance"
    assert value_kind("what size fuse") == "amount"
    # a unit word is a whole word: a connector's name that starts like it asks for nothing
    assert value_kind("which ampseal pin is the +12v battery feed") is None


def test_a_weight_a_length_and_an_interval_are_three_kinds():
    """A page's dimensions are not its weight; "size" or "rating" may be any of them."""
    assert [value_kind(q) for q in ("weight of the pixhawk 4 mini", "max cable length to the toolhead",
                                    "service interval for the belts", "what size tube fits the barb")] \
        == ["weight", "length", "duration", "amount"]
    assert value_pattern("weight").search("Dimensions: 44x84x12mm") is None
    assert value_pattern("length").search("Dimensions: 44x84x12mm") and value_pattern("amount").search("44x84x12mm")
    assert value_pattern("weight").search("Weight: 15.8g") and value_pattern("duration").search("every 6 months")


def test_a_frequency_is_a_kind_of_its_own():
    """A clock, a PWM or a serial line's rate: asked by its word or by a unit standing alone, written with a unit
    or after its label ("baud rate 115200")."""
    assert [value_kind(q) for q in ("default can bus baud rate on the odrive?", "what freq in hz for the belts",
                                    "pwm frequency of the heater output")] == ["frequency"] * 3
    assert value_kind("the 50 hz motor hums") is None  # a number before the unit names the part
    pattern = value_pattern("frequency")
    assert pattern.search("PWM at 20kHz") and pattern.search("serial baud rate is 250000")
    assert pattern.search("mains 230 V") is None and value_pattern("voltage").search("a 50 Hz supply") is None


def test_the_asked_word_in_any_form_is_no_subject():
    """ "weight" asks as "weigh" does: left in the subject, it and one other word of three would bind another
    product's weight on the same page."""
    q = "weight of the pixhawk 4 mini"
    assert subject_terms(q, kind="weight") == ["pixhawk", "mini"]
    page = "Pixhawk 4 > Quick Summary\n- Weight and Dimensions:\n    - Weight: 15.8g\n    - Dimensions: 44x84x12mm"
    terms = subject_terms(q, kind="weight")
    assert bound_sources([page], terms, pattern=value_pattern("weight")) == []
    assert bound_sources([page.replace("Pixhawk 4", "Pixhawk 4 Mini")], terms, pattern=value_pattern("weight")) == [0]


def test_kind_subject_keeps_other_value_words():
    assert subject_terms("part number of the minimum pressure valve", kind="part_number") == ["pressur", "valv"]


def test_compound_question_subject_is_the_value_clause():
    q = "How heavy is the take-up weight on the tail pulley and how do I secure it before work"
    assert "secur" not in subject_terms(q, kind="weight")


def test_value_of_another_item_on_the_same_page_is_not_evidence():
    page = ("Compressor service\nParts: oil filter P/N 5512-20, separator P/N 5512-40.\n"
            "The minimum pressure valve keeps 4 bar in the separator tank.")
    report = GATE.assess("What is the part number of the minimum pressure valve?", [page], [0.6])
    assert not report.ok and "part number" in report.reason
    page += "\nMinimum pressure valve kit: P/N 5512-77."
    report = GATE.assess("What is the part number of the minimum pressure valve?", [page], [0.6])
    assert report.ok and report.value_sources == [0]


def test_value_line_takes_subject_from_heading_and_lines_above():
    text = "Thermostat > Installation\nInstall the water inlet with two nuts.\nTorque:\n90 kg-cm (8.8 N·m)"
    assert bound_sources([text], ["water", "inlet", "nut"], pattern=value_pattern("torque")) == [0]
    assert passages(text)[3] == ("90 kg-cm (8.8 N·m)", "Thermostat > Installation Install the water inlet with two nuts. Torque: 90 kg-cm (8.8 N·m)")


def test_focus_words():
    assert focus_terms("Which refrigerant is in the spindle chiller?") == ("refrigerant",)
    assert "manufactur" in focus_terms("Who manufactured the hydraulic pump?")
    assert focus_terms("What hearing protection rule applies at the press?") == ()
    assert focus_terms("What does S-14 mean?") == ()
    assert focus_terms("What torque for the nuts?") == ()


def test_attribute_never_named_near_the_subject_declines():
    texts = ["Spindle chiller: clean the condenser monthly. Chiller oil ISO VG 10 spindle oil.",
             "Refrigerant dryer on the compressor: check the drain."]
    report = GATE.assess("Which refrigerant is in the spindle chiller?", texts, [0.6, 0.4])
    assert not report.ok and "refrigerant" in report.reason
    texts.append("Spindle chiller refrigerant: R-134a, 0.4 kg.")
    assert GATE.assess("Which refrigerant is in the spindle chiller?", texts, [0.6, 0.4, 0.5]).ok


def test_who_made_needs_a_maker():
    texts = ["Hydraulic pump: check noise. Technician R. Patel replaced the pump seal."]
    assert not GATE.assess("Who manufactured the hydraulic pump?", texts, [0.6]).ok
    texts.append("Hydraulic pump: axial piston pump, manufacturer Rexroth A10VSO.")
    assert GATE.assess("Who manufactured the hydraulic pump?", texts, [0.6, 0.5]).ok


def test_value_words_naming_a_part_or_a_howto_ask_no_value():
    assert value_kind("Putting the oil pressure switch back in - what do I put on the threads?") is None
    assert value_kind("How do I check engine oil pressure?") is None
    assert value_kind("Engine keeps running hot. Can I pull the thermostat?") is None
    assert value_kind("What is the oil pressure at idle?") == "pressure"


def test_asked_noun():
    from assistant.answer.grounding.question_focus import asked_noun

    assert asked_noun("How long is the warranty on the water inlet nuts?") == "warranty"


class TestValueKind:
    def test_a_symptom_at_the_very_start_is_not_the_value_asked(self):
        assert value_kind("Low pressure after the pump: what torque for the bolts?") == "torque"

    def test_a_later_mention_of_the_same_word_can_ask_for_it(self):
        assert value_kind("Low pressure was fixed; what pressure should the pump run at?") == "pressure"

    def test_how_much_with_a_skipped_cost_word_still_asks_for_a_cost(self):
        assert value_kind("How much did the high cost pump repair come to?") == "cost"

    def test_labelled_values_without_a_unit(self):
        assert value_pattern("temperature").search("supply_temperature peaked at 45")
        assert value_pattern("pressure").search("Pressure: 12")
        assert value_pattern("pressure").search("Pressure relief valve.") is None


class TestSubjectTerms:
    def test_a_two_word_value_clause_is_the_subject(self):
        for q in ("What is the torque of the water pump, and how do I secure it?",
                  "What is the torque of the water pump; how do I secure it?"):
            assert subject_terms(q, kind="torque") == ["water", "pump"], q

    def test_the_clause_asking_for_the_value_wins_wherever_it_stands(self):
        q = "Which bolts hold the cover, and what torque do the water pump bolts need?"
        assert subject_terms(q, kind="torque") == ["water", "pump", "bolt"]

    def test_dates_and_years_are_not_subjects(self):
        from assistant.answer.grounding.question_focus import _DATE_WORDS

        assert subject_terms(" ".join(sorted(_DATE_WORDS))) == []
        assert subject_terms("pump failures in 2019 at 3000 rpm") == ["pump", "fail", "3000"]


class TestAskedNoun:
    def test_the_noun_asked_about(self):
        from assistant.answer.grounding.question_focus import asked_noun

        assert asked_noun("How long is the warranty on the pump?") == "warranty"
        assert asked_noun("What is it?") is None  # a stop word names nothing
        assert asked_noun("Replace the strainer.") is None


class TestFocusTerms:
    def test_symptom_questions_have_no_focus(self):
        assert focus_terms("Which bearing is the reason for the noise?") == ()

    def test_generic_nouns_are_not_attributes(self):
        assert focus_terms("Which part is worn?") == ()

    def test_a_hyphenated_attribute_keeps_its_first_stem(self):
        assert focus_terms("Which lock-out is used on press 4?") == ("lock",)


class TestPassages:
    def test_each_line_with_two_before_and_the_heading(self):
        text = "Pump\n\nline two\nline three\nline four\nline five"
        assert passages(text) == [
            ("Pump", "Pump"),
            ("line two", "Pump line two"),
            ("line three", "Pump line two line three"),
            ("line four", "Pump line two line three line four"),
            ("line five", "Pump line three line four line five"),
        ]

    def test_empty_text(self):
        assert passages("") == [] and passages("\n \n") == []


class TestBoundSources:
    TORQUE = value_pattern("torque")

    @pytest.mark.parametrize("present,bound", [(0, False), (1, False), (2, True), (3, True)])
    def test_three_terms_need_two(self, present, bound):
        words = ["water", "inlet", "nut"][:present]
        text = " ".join(words) + " torque 8.8 N·m"
        assert (bound_sources([text], ["water", "inlet", "nut"], pattern=self.TORQUE) == [0]) is bound

    @pytest.mark.parametrize("present,bound", [(2, False), (3, True)])
    def test_four_terms_need_three(self, present, bound):
        terms = ["main", "water", "inlet", "nut"]
        text = " ".join(terms[:present]) + " torque 8.8 N·m"
        assert (bound_sources([text], terms, pattern=self.TORQUE) == [0]) is bound

    def test_two_terms_need_both(self):
        assert bound_sources(["inlet torque 8.8 N·m"], ["water", "inlet"], pattern=self.TORQUE) == []
        assert bound_sources(["water inlet torque 8.8 N·m"], ["water", "inlet"], pattern=self.TORQUE) == [0]

    def test_the_value_may_sit_below_a_line_without_one(self):
        texts = ["Check the belt.", "Water inlet\nFit the nuts.\nTorque: 8.8 N·m"]
        assert bound_sources(texts, ["water", "inlet"], pattern=self.TORQUE) == [1]


def test_a_digit_ending_an_identifier_is_no_value():
    # "M5" names a screw size: it states no torque and no length
    assert value_pattern("torque").search("tighten the M5 screws at the gantry wheel plates") is None
    assert value_pattern("clearance").search("M5 in the corner bracket") is None
    assert value_pattern("torque").search("tighten the M5 screws to 4 Nm")
    assert value_pattern("voltage").search("a 24V supply") and value_pattern("torque").search("Torque: 12")


def test_a_labelled_number_with_another_kinds_unit_is_that_kind():
    # the word "torques" labels an interval here, "pressure" a temperature range, "capacity" a weight
    assert value_pattern("torque").search("Check torques on wheel bolts and nuts during 125 hour service") is None
    assert value_pattern("pressure").search("Pressure regulator | 0°C to 60°C") is None
    assert value_pattern("capacity").search("Total capacity: 29.14Kg") is None
    # its own unit, a bare number, or one before a short word that may be a unit or not, still count
    for kind, text in [("torque", "torques: 45"), ("temperature", "temperature 65 in the tank"),
                       ("current", "current 3 a day"),
                       ("speed", "probing speed of 20 mm/s"), ("clearance", "valve lift 0.5 mm"),
                       ("duration", "service interval 500 h"), ("torque", "tighten to 30 ft-lb")]:
        assert value_pattern(kind).search(text), (kind, text)


def test_units_as_manuals_type_them():
    """The ordinal sign for a degree, milli- and kilo- units, a size written as its dimensions (all seen in a
    corpus written unseen: "300º C", "3x3x1cm")."""
    from assistant.answer.grounding.question_focus import unit_pattern

    for kind, text in [("temperature", "about 300º C"), ("temperature", "120 ˚F"), ("current", "up to 800 mA"),
                       ("voltage", "a 5 mV step"), ("resistance", "10 kΩ pull-up"), ("amount", "a 3x3x1cm fan"),
                       ("amount", "44 × 84 × 12 mm")]:
        assert unit_pattern(kind).search(text), (kind, text)
    # as industrial nameplates write them: a supply's current kind, gauge pressure, torque with the pound first
    for kind, text in [("voltage", "24VDC supply"), ("voltage", "230 VAC mains"), ("pressure", "set to 6 barg"),
                       ("torque", "tighten to 35 lb-ft")]:
        assert unit_pattern(kind).search(text), (kind, text)
    # a unit before "/" and a word is a rate of another kind; its own rate unit still counts
    for kind, text in [("length", "at 80 mm/s"), ("capacity", "pumps 45 L/min"), ("weight", "2 kg/cm² max"),
                       ("temperature", "1.8 deg/step")]:
        assert unit_pattern(kind).search(text) is None, (kind, text)
    assert unit_pattern("speed").search("at 80 mm/s") and unit_pattern("pressure").search("2 kg/cm² max")
    # a screw size or a grid is no amount, a letter ending an identifier no volt
    for kind, text in [("amount", "M3x10 screws"), ("amount", "a 3x3 grid"), ("voltage", "the V6 hotend")]:
        assert unit_pattern(kind).search(text) is None, (kind, text)


def test_a_mistyped_value_word_is_put_right_unless_the_corpus_writes_it():
    from assistant.answer.grounding.question_focus import respelled

    never = lambda word: False  # noqa: E731 - a corpus that writes none of the question's words
    assert respelled("torqe spec for the case screws", never) == "torque spec for the case screws"
    assert value_kind(respelled("what tire presure do i run", never)) == "pressure"
    # real words one letter from a value word stay: "change" is not "charge", "bolts" not "volts"
    assert respelled("how do i change the bolts", never) == "how do i change the bolts"
    # a word the documents write is theirs, however close to a value word
    assert respelled("torqe spec", lambda word: word == "torqe") == "torqe spec"
