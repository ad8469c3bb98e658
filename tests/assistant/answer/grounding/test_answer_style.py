"""Second person and no echo of the question, on the sentences the small model really wrote."""

from assistant.answer.grounding.answer_style import bulleted, drop_echo, echoes_question, second_person, unnumbered
from assistant.answer.grounding.decline import (SUGGEST_ADD_MANUAL, SUGGEST_NAME_PART, SUGGEST_OTHER_MACHINE, SUGGEST_PICK_MACHINE,
                               decline_text, question_subject, suggestion)


class TestSecondPerson:
    def test_third_person_instructions_become_imperatives(self):
        assert second_person("The technician should check the suction strainer for clogging [4].") == \
            "Check the suction strainer for clogging [4]."
        assert second_person("A maintenance technician must first lock out the press [1].") == \
            "Lock out the press [1]."
        assert second_person("If the pressure is low, the operator must stop the pump. Check the technician's log.") \
            == "If the pressure is low, you must stop the pump. Check your log."
        assert second_person("The pump should be stopped first [1].") == "The pump should be stopped first [1]."

    def test_untouched_text(self):
        text = "Replace the strainer P/N 4471-22 [1].\n\nFrom your documents:\n- Step 11: Verify [2]."
        assert second_person(text) == text


def test_quoted_step_numbers_do_not_nest_lists():
    assert unnumbered("11. Verify: the gauge reads 0 bar") == "Step 11: Verify: the gauge reads 0 bar"
    assert unnumbered("Item: 2 bar") == "Item: 2 bar"


class TestEcho:
    def test_restated_complaint_is_dropped(self):
        question = "The hydraulic pump is whining. What should I check?"
        assert echoes_question("The hydraulic pump is whining [1].", question)
        assert drop_echo("The hydraulic pump is whining [1]. Check the suction strainer [4].", question) == \
            "Check the suction strainer [4]."

    def test_answers_that_share_words_stay(self):
        assert not echoes_question("Check the suction strainer [1].", "Is the suction strainer clogged?")
        assert not echoes_question("The pump whines at 120 bar [1].", "The pump whines")  # adds a number
        assert drop_echo("The hydraulic pump is whining [1].", "The hydraulic pump is whining?") == \
            "The hydraulic pump is whining [1]."  # nothing else to say: keep it


class TestDecline:
    def test_one_line_then_one_suggestion(self):
        text = decline_text("warranty", "Hydraulic press 4 (PRESS-04)", SUGGEST_ADD_MANUAL)
        first, second = text.split("\n\n")
        assert first == "Not in your documents for Hydraulic press 4 (PRESS-04): warranty."
        assert second == SUGGEST_ADD_MANUAL and "similarity" not in text and "searched" not in text
        assert decline_text("", None, SUGGEST_NAME_PART).startswith("Not in your documents: this question.")

    def test_a_clipped_subject_gets_no_second_full_stop(self):
        long = "we still have a gen 0 box, whats its max channel count compared to the newer ones and the older ones"
        subject = question_subject(long)
        assert subject.endswith("compared to the newer…") and len(subject) <= 81
        assert decline_text(subject, None, SUGGEST_NAME_PART).split("\n")[0] == f"Not in your documents: {subject}"
        assert decline_text("why?", None, SUGGEST_NAME_PART).split("\n")[0] == "Not in your documents: why?"

    def test_suggestion_fits_the_reason(self):
        assert suggestion(never_mentioned=True, machine_chosen=True, machines_known=True) == SUGGEST_ADD_MANUAL
        assert suggestion(never_mentioned=False, machine_chosen=False, machines_known=True) == SUGGEST_PICK_MACHINE
        assert suggestion(never_mentioned=False, machine_chosen=True, machines_known=True) == SUGGEST_NAME_PART
        # the chosen machine's documents lack the question's words (a press question on the compressor)
        assert suggestion(never_mentioned=False, machine_chosen=True, machines_known=True,
                          words_missing=True) == SUGGEST_OTHER_MACHINE

    def test_subject_in_the_technicians_words(self):
        assert question_subject("How long is the warranty?") == "warranty"
        assert question_subject("What is the tyre pressure for the water pump truck?") == \
            "tyre pressure for the water pump truck"
        assert question_subject("What does fault code E-999 mean?") == "fault code E-999"


def test_the_replys_list_numbers_become_bullets_and_a_quoted_step_keeps_its_own():
    reply = "Steps:\n2. Remove the cover [1].\n  5) Clean the filter at 40 °C [1].\nThe 3 bolts stay [1]."
    assert bulleted(reply) == \
        "Steps:\n- Remove the cover [1].\n  - Clean the filter at 40 °C [1].\nThe 3 bolts stay [1]."
    assert unnumbered("11. Verify the flow") == "Step 11: Verify the flow"
