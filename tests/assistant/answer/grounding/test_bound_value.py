"""A number a reply states, read from a cited source sentence that holds every question word the corpus knows."""

from __future__ import annotations

from assistant.answer.grounding.bound_value import added_numbers, bound_value
from assistant.textutil import content_terms

SOURCES = {
    1: "Motors > Stalls\nWhen a motor stalls it tries again.\nThe default motor max retries is 3.\n"
       "Top speed: 800 mm/s.",
    2: "Belt clip\nHinge | Screws: M3 x 35 | Count: 2\nClip plate | Screws: M3 x 10 | Count: 4",
}
VOCABULARY = {t: 0.1 for text in [*SOURCES.values(), "warranty period"] for t in content_terms(text)
              if t != "warranty"}


def test_the_numbers_a_reply_adds():
    assert added_numbers("Max retries is 3 [1], speed 1,200 mm/s at 24 V [2].", "max retries at 24 V?") == ["3", "1200"]
    assert added_numbers("Use pump HP-200, part E-204, error 0x400 [1].", "which pump?") == []  # names, not values
    assert added_numbers("See source [2].", "which?") == []  # a marker is no value
    assert added_numbers("The box is 18kg (40lb) [1].", "how heavy is the box?") == ["18", "40"]  # units glued on


def test_list_numbers_and_footnote_marks_state_no_value():
    # a quoted step of a thermal calibration: its "Step 7" and "[^2]" are no answer to "what temperature rise?"
    quoted = "From your documents:\n- Step 7: Warm the board[^2] until it reaches the rise [1].\n- Step 3: Set it [2]."
    assert added_numbers(quoted, "what temperature rise?") == []
    assert added_numbers("1. Remove the cover [1].\n2) Clean it [1].", "how do i clean it") == []
    # the number inside a step, a number closing a sentence, and a decimal at a line's start are values
    assert added_numbers("1. Torque to 20 N·m [1].", "torque?") == ["20"]
    assert added_numbers("The rise is 12.\n3.5 mm hex key [1].", "rise?") == ["12", "3.5"]
    assert added_numbers("- Error 12: overload [1].", "error?") == ["12"]


def test_a_number_in_a_sentence_with_every_question_word_is_bound():
    bound = bound_value("It is 3 [1].", "default motor max retries?", SOURCES, [1], VOCABULARY)
    assert bound is not None and (bound.number, bound.source) == ("3", 1)
    assert bound.sentence == "The default motor max retries is 3."


def test_the_heading_and_the_line_above_name_the_subject():
    # "stall" is in the line above; "belt clip" only in the heading, two lines up from the row stating 4
    assert bound_value("3 retries [1].", "max retries when a motor stalls?", SOURCES, [1], VOCABULARY) is not None
    assert bound_value("4 screws [2].", "how many screws on the belt clip plate?", SOURCES, [2], VOCABULARY) \
        is not None


def test_a_number_from_a_sentence_about_something_else_is_not_bound():
    # 800 is a motor's speed: nothing around it names the belt clip
    assert bound_value("Speed is 800 [1].", "belt clip speed?", SOURCES, [1], VOCABULARY) is None
    # not in the cited source
    assert bound_value("It is 3 [2].", "default motor max retries?", SOURCES, [2], VOCABULARY) is None
    assert bound_value("It is 3 [1].", "default motor max retries?", SOURCES, [], VOCABULARY) is None  # none cited


def test_a_question_word_the_corpus_never_uses_leaves_it_to_the_judge():
    assert bound_value("It is 3 [1].", "motor max retries warranty?", SOURCES, [1], VOCABULARY) is None
    assert bound_value("It is 3 [1].", "default motor max retries?", SOURCES, [1], {}) is None  # no statistics


def test_a_reply_without_a_number_of_its_own_is_not_bound():
    assert bound_value("Retry the motor [1].", "default motor max retries?", SOURCES, [1], VOCABULARY) is None
    assert bound_value("It retries 3 times [1].", "are 3 motor max retries the default?", SOURCES, [1],
                       VOCABULARY) is None  # the 3 was the question's
