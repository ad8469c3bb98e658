"""How a how-to's numbered steps are read from a source: wrapped lines, a step's own sub-items, where a step ends."""

import pytest

from assistant.answer.grounding.steps import _steps


@pytest.mark.parametrize("text, steps", [
    # a wrapped line joins its step: indented, starting in lower case, or after a step that did not end a sentence
    ("T\n1. Remove the\ncover now.\n2. Next.", ["1. Remove the cover now.", "2. Next."]),
    ("T\n1. Fit it.\naB spare part", ["1. Fit it. aB spare part"]),
    ("T\n1. Fit it.\n  Then tighten.", ["1. Fit it. Then tighten."]),
    ("T\n1. Fit it.\n Then tighten.", ["1. Fit it. Then tighten."]),  # one space is an indent
    ("T\n1. Check the\nValve seat", ["1. Check the Valve seat"]),
    # a step that ends a sentence is not continued by a capitalised line
    *[(f"T\n1. Check it{end}\nNext paragraph", [f"1. Check it{end}"]) for end in ".!?:)"],
    # the last step decides, not another one
    ("T\n1. First.\n2. Second without stop\nContinued Here", ["1. First.", "2. Second without stop Continued Here"]),
    ("T\n1. First.\n2. Second without stop\n3. Third.\nNot continued", ["1. First.", "2. Second without stop",
                                                                     "3. Third."]),
    # a step's own sub-items (indented, any list mark, one space is enough) belong to it
    *[(f"T\n1. Run the updater\n{pad}{mark} On Windows: run it\n2. Wait.",
       [f"1. Run the updater {mark} On Windows: run it", "2. Wait."]) for mark in "-*\u2022" for pad in (" ", "    ")],
    # after a blank line only an indented body (reStructuredText) belongs to the step, a heading mark never
    ("T\n1. Enter DFU mode:\n\n   odrivetool dfu\n2. Reboot.", ["1. Enter DFU mode: odrivetool dfu", "2. Reboot."]),
    ("T\n1. Do X.\n\nlowercase note after a blank", ["1. Do X."]),
    ("T\n1. Run:\n\n   # not part of it", ["1. Run:"]),
    # a bullet or heading of the page (not indented) ends the steps, whatever the step's last character
    *[(f"T\n1. Lock out\n{mark} a line of the page", ["1. Lock out"]) for mark in ("-", "*", "\u2022", "#")],
    # a paragraph ends the step; an indented line after it is not the step's
    ("T\n1. Step one.\nA paragraph.\n  indented after the paragraph", ["1. Step one."]),
])
def test_steps_and_where_they_end(text, steps):
    assert _steps(text) == steps
