"""RouteSpelling: the question as the counting routes spell it (shorthand written out, one-letter typos mended)."""

from __future__ import annotations

from assistant.answer.spelling import RouteSpelling, one_edit

TERMS = {"strainer": 0.01, "mount": 0.02, "chiller": 0.3, "lost": 0.01}


def test_shorthand_is_written_out_in_any_case():
    spell = RouteSpelling().spell
    assert spell("hw many wos on chiller 9") == "how many wos on chiller 9"
    assert spell("No. of pms in 2020") == "number of pms in 2020"
    assert spell("nr offset of the mount") == "nr offset of the mount"  # whole words only


def test_a_route_word_mistyped_by_one_letter_is_mended():
    spell = RouteSpelling(lambda: TERMS).spell
    assert spell("how mnay wos did chiller 6 have") == "how many wos did chiller 6 have"
    assert spell("hwo many jobs") == "how many jobs"
    assert spell("lastest wo on chiller 9") == "latest wo on chiller 9"


class Letters:
    """A fake tokenizer that knows no word: one piece a letter."""

    def count(self, text):
        return len(text)


def test_words_of_the_corpus_common_words_and_near_ties_stay_as_typed():
    spell = RouteSpelling(lambda: TERMS, Letters()).spell
    assert spell("how many mount bolts were lost") == "how many mount bolts were lost"  # corpus words
    assert spell("and then the cast") == "and then the cast"  # "then" is common; "cast": cost and last both one edit
    assert spell("wo hw") == "wo hw"  # two letters: too many words are one edit away
    assert spell("whats the newest gateware") == "whats the fewest gateware"  # the fake knows no English word


def test_a_word_of_the_language_stays_though_one_edit_from_a_route_word():
    """The bundled tokenizer holds "newest", "counts" and "lean" whole: they are words, not typos of "fewest",
    "count" and "mean" (each was mended before the tokenizer was asked)."""
    spell = RouteSpelling(lambda: TERMS).spell
    assert spell("whats the newest gateware ver") == "whats the newest gateware ver"
    assert spell("what counts under the motor fault type") == "what counts under the motor fault type"
    assert spell("even if i lean on the lever") == "even if i lean on the lever"
    assert spell("how mnay wos") == "how many wos"


def test_without_corpus_statistics_no_typo_is_mended():
    assert RouteSpelling().spell("how mnay wos") == "how mnay wos"
    assert RouteSpelling(lambda: {}).spell("how mnay wos") == "how mnay wos"


def test_one_edit():
    assert one_edit("mnay", "many") and one_edit("many", "mny") and one_edit("cost", "cast")
    assert not one_edit("many", "many") and not one_edit("mean", "many") and not one_edit("ab", "ba c")
