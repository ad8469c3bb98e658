import pytest

from assistant.evaluation import metrics as m


class TestCitationMarkers:
    def test_single_grouped_adjacent_and_ranges(self):
        assert m.citation_markers("Oil [1]. Strainer [2, 3][1]; hoses [4-5] and [6;7].") == [1, 2, 3, 1, 4, 5, 6, 7]

    def test_brackets_that_are_not_citations(self):
        assert m.citation_markers("Range [0 - 10 bar], see [Note] or [a1].") == []

    def test_unique_in_order_counts_duplicates_once(self):
        assert m.unique_in_order(m.citation_markers("A [2]. B [1][2]. C [2].")) == [2, 1]


class TestSentences:
    def test_headings_intro_lines_and_bullets(self):
        text = "## Steps\nCheck these:\n1. Check the oil level [1].\n- Inspect the strainer.\n\n---\n"
        assert m.answer_sentences(text) == ["Check the oil level [1].", "Inspect the strainer."]

    def test_marker_after_full_stop_stays_with_its_sentence(self):
        assert m.answer_sentences("Check the oil. [2] Then the strainer [1].") == [
            "Check the oil. [2]", "Then the strainer [1]."]

    def test_abbreviations_and_decimals_do_not_split(self):
        assert len(m.answer_sentences("Torque to 7.8 N·m, e.g. with a wrench [1].")) == 1

    def test_coverage(self):
        assert m.citation_coverage("Oil low [1]. Strainer clogged. Pump worn [2][3].") == (2, 3)
        assert m.citation_coverage("") == (0, 0)


class TestFactMatching:
    @pytest.mark.parametrize("fact,text", [
        ("150 bar", "Set the relief valve to 150bar [1]."),
        ("150bar", "relief at 150 bar"),
        ("1,500", "run-in of 1500 hours"),
        ("1500", "run-in of 1,500 hours"),
        ("1500 h", "after 1,500.0 h"),
        ("7.8 N·m", "torque 7.8 Nm"),
        ("7.8 Nm", "torque 7.8 N m"),
        ("7.8 N m", "torque 7.8 N⋅m"),
        ("7.80 Nm", "torque 7.8 Nm"),
        ("80 °C", "oil above 80°C"),
        ("80°C", "oil above 80 degrees Celsius"),
        ("80 °C", "oil above 80 deg C"),
        ("80 °C", "oil above 80 ℃"),
        ("80 °C", "oil above 80 ºC"),
        ("Suction Strainer", "check the suction strainer"),
        ("suction strainer", "check the suction-strainer"),
        ("oil level", "check the oil\nlevel"),
        ("WO-1043", "see work order WO–1043 [2]"),
        ("10–20 bar", "between 10-20 bar"),
        ("“lockout”", 'apply "lockout" first'),
        ("oil level.", "the oil level is low"),
    ])
    def test_found(self, fact, text):
        assert m.fact_found(fact, text)

    @pytest.mark.parametrize("fact,text", [
        ("150 bar", "set to 2150 bar"),
        ("150 bar", "set to 150.5 bar"),
        ("15", "torque 150 Nm"),
        ("1,500", "1,5000 rpm"),
        ("oil level", "the oil is at a low level"),
        ("80 °C", "oil above 80 °F"),
        ("   ", "anything"),
    ])
    def test_not_found(self, fact, text):
        assert not m.fact_found(fact, text)

    def test_citation_markers_do_not_count_as_numbers(self):
        assert not m.fact_found("1", "Check the oil [1].")
        assert m.fact_found("oil level 2", "oil level [1] 2")

    def test_a_number_the_answer_states_is_found_in_its_sources_as_they_write_it(self):
        assert m.numbers_absent("Torque 99 N·m [1], 1,200 rpm [2].", "Speed 1200 rpm.") == ["99"]
        # a source's own bracketed number is text, not a marker: an answer quoting it (escaped) states what it holds
        source = "Gimbal (MOTOR_TYPE_GIMBAL, [2])"
        assert m.numbers_absent(r"Gimbal motors (MOTOR_TYPE_GIMBAL, \[2\]) [6].", source) == []
        assert m.numbers_absent(r"Gimbal motors (type \[3\]) [6].", source) == ["3"]

    def test_facts_found_keeps_order_and_fact_text(self):
        assert m.facts_found(["oil level", "strainer", "150 bar"], "Strainer and 150bar.") == ["strainer", "150 bar"]


class TestRanking:
    def test_zero_hit(self):
        rank = m.first_hit_rank([False, False, False])
        assert rank is None
        assert m.recall_at_k(rank, 10) == 0.0 and m.reciprocal_rank(rank) == 0.0
        assert m.first_hit_rank([]) is None

    def test_recall_and_mrr(self):
        rank = m.first_hit_rank([False, False, True, True])
        assert rank == 3
        assert [m.recall_at_k(rank, k) for k in (1, 3, 5)] == [0.0, 1.0, 1.0]
        assert m.reciprocal_rank(rank) == pytest.approx(1 / 3)
        # MRR over three questions ranked 1, 3 and missed.
        assert m.mean([m.reciprocal_rank(r) for r in (1, 3, None)]) == pytest.approx((1 + 1 / 3) / 3)

    def test_percentile_matches_linear_interpolation(self):
        values = [0.4, 0.1, 0.3, 0.2, 1.0]
        assert m.percentile(values, 50) == pytest.approx(0.3)
        assert m.percentile(values, 95) == pytest.approx(0.88)
        assert m.percentile([2.0], 95) == 2.0
        assert m.percentile([], 50) is None

    def test_empty_denominators_are_none(self):
        assert m.mean([]) is None and m.ratio(3, 0) is None and m.ratio(1, 4) == 0.25
