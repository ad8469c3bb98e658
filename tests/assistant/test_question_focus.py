from assistant.evidence import EvidenceGate
from assistant.question_focus import bound_sources, focus_terms, passages, subject_terms, value_kind, value_pattern

GATE = EvidenceGate(min_dense_score=0.3, min_term_coverage=0.5)


def test_earliest_value_word_names_the_kind():
    assert value_kind("What is the part number of the minimum pressure valve?") == "part_number"
    assert value_kind("What pressure does the part number 12 valve hold?") == "pressure"


def test_kind_subject_keeps_other_value_words():
    assert subject_terms("part number of the minimum pressure valve", kind="part_number") == ["pressur", "valv"]


def test_compound_question_subject_is_the_value_clause():
    q = "How heavy is the take-up weight on the tail pulley and how do I secure it before work"
    assert "secur" not in subject_terms(q, kind="amount")


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
    from assistant.question_focus import asked_noun

    assert asked_noun("How long is the warranty on the water inlet nuts?") == "warranty"
