from assistant.citations import CitationChecker, parse_markers, strip_markers, support


def test_parse_markers_handles_groups_and_order():
    assert parse_markers("a [2] b [1, 3] c [2]") == [2, 1, 3, 2]
    assert strip_markers("Torque 25 N·m [1].") == "Torque 25 N·m ."


def test_invalid_marker_is_removed_and_flagged():
    sources = {1: "Replace the suction strainer P/N 4471-22."}
    out = CitationChecker(0.5).check("Replace the suction strainer [7].", sources)
    assert "[7]" not in out.text
    assert out.text.endswith("[1].")
    assert [f.kind for f in out.flags] == ["invalid_citation"]


def test_wrong_citation_is_repointed_to_supporting_source():
    sources = {1: "Drain the coolant into a clean pan.", 2: "Tighten the water inlet nuts to 8.8 N·m."}
    out = CitationChecker(0.5).check("Tighten the water inlet nuts to 8.8 N·m [1].", sources)
    assert out.cited == [2]
    assert not out.unverified_numbers


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
