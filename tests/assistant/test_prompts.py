"""The prompt's own layout copied into a reply (labels, headings) is stripped; claims stay to be checked."""

from __future__ import annotations

import pytest

from assistant.prompts import documents_removed, format_conversation, strip_conversation, strip_framing

PDF = (["honda-nighthawk.pdf · p. 1"], ["Honda Nighthawk\nRough idling may be due to dirty carburetors."])
MD = (["tomos-moped.md · Tomos Moped > Repair > How do I replace the piston?"],
      ["Tomos Moped > Repair > How do I replace the piston?\nUnbolt the head via 11mm bolts."])


@pytest.mark.parametrize("reply, sources, expected", [
    # the source list copied: label in brackets, then the heading line with its marker
    ("(manual.txt) [1] Setup > Wiring [1] Wire X to terminal 4 [1].", (["manual.txt"], ["Setup > Wiring\nWire X."]),
     "Wire X to terminal 4 [1]."),
    # a PDF's title opening the reply, then a claim
    ("Honda Nighthawk [1] Rough idling may be due to dirty carburetors [1].", PDF,
     "Rough idling may be due to dirty carburetors [1]."),
    # the heading path with its question mark after the marker, and its leading part alone
    ("Tomos Moped > Repair > How do I replace the piston [1]? Unbolt the head via 11mm bolts [1].", MD,
     "Unbolt the head via 11mm bolts [1]."),
    ("Tomos Moped [1]. Unbolt the head via 11mm bolts [1].", MD, "Unbolt the head via 11mm bolts [1]."),
    # the source block copied line by line: its label and its heading line go, the text stays to be checked
    ("[1] (honda-nighthawk.pdf · p. 1)\nHonda Nighthawk\nRough idling may be due to dirty carburetors.", PDF,
     "Rough idling may be due to dirty carburetors."),
])
def test_a_copied_label_or_heading_is_layout_not_a_claim(reply, sources, expected):
    assert strip_framing(reply, *sources) == (expected, True)


def test_a_copied_label_line_takes_its_number_with_it():
    # left behind, "[2]" would open source 2's copied text and be read as citing the sentence before it
    reply = "[1] (a.md)\nWipe the lens.\n\n[2] (b.md)\nSet the gain to 5."
    got, copied = strip_framing(reply, ["a.md", "b.md"], ["Lens\nWipe the lens.", "Gain\nSet the gain to 5."])
    assert copied and "[" not in got and got.split() == ["Wipe", "the", "lens.", "Set", "the", "gain", "to", "5."]


@pytest.mark.parametrize("reply", [
    "Clean the carburetors of the Honda Nighthawk [1].",  # the title inside a sentence is what it is about
    "Unbolt the head via 11mm bolts [1].",
])
def test_a_sentence_that_names_the_heading_inside_it_stays(reply):
    assert strip_framing(reply, *(PDF if "Honda" in reply else MD)) == (reply, False)


def test_the_documents_removed_keep_the_conversation_and_the_question():
    docs = "Documents:\n[1] (a.md)\nQuestion: a heading that looks like one\nOil: 2 l\n\n"
    assert documents_removed(docs + "Question: oil capacity?") == "Documents:\n(none)\n\nQuestion: oil capacity?"
    earlier = "Earlier in this conversation:\nUser: press 4 oil?\nAssistant: HLP 46 [1].\n\nQuestion: and how much?"
    assert documents_removed(docs + earlier) == "Documents:\n(none)\n\n" + earlier


TURNS = [("user", "press 4 oil type?"), ("assistant", "HLP 46 [1].")]


@pytest.mark.parametrize("reply", [
    "Fill 2 l [1].\n\nLater in this conversation:\nUser: press 4 oil type?\nAssistant: HLP 46 [1].",
    "Fill 2 l [1].\nUser: press 4 oil type? [2]",  # a marker the model added to the copy
    "Fill 2 l [1].\n\nEarlier:\nassistant: HLP 46",  # any case, part of the turn
])
def test_earlier_turns_copied_into_a_reply_are_layout_not_claims(reply):
    assert strip_conversation(reply, TURNS) == ("Fill 2 l [1].", True)


@pytest.mark.parametrize("reply", [
    "Fill 2 l [1].",
    "User: check the level first [1].",  # opens like a turn but copies none
    "Fill it as follows:\nOpen the cap [1].",  # a colon's line with a claim under it
    "HLP 46 [1].",  # the earlier answer restated without the turn's layout is checked like any sentence
])
def test_a_reply_that_copies_no_turn_is_kept(reply):
    assert strip_conversation(reply, TURNS) == (reply, False)


def test_the_turns_as_the_prompt_writes_them_are_what_counts_as_copied():
    block = format_conversation(TURNS)
    assert strip_conversation("Fill 2 l [1].\n" + block, TURNS) == ("Fill 2 l [1].", True)
