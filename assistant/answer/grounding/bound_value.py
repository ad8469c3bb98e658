"""Is the number a reply states read from a sentence about what was asked?

The answerability judge declines some right answers (P(yes) 0.17-0.23 for "default motor max retries?"
answered "3" from "The default motor max retries is 3"). A reply that states a number the question did not
give is checkable against its sources without a model: the sentence of a cited source that states the number
(with its source's heading and the line above it) must hold every question word the corpus knows. Then the
value is the question's, read where the documents write it, and the judge is not asked.

No word list decides: the corpus's own vocabulary (``term_shares``) says which question words count. A question
with a word the corpus never uses is left to the judge, since its documents may not hold what it asks ("warranty"
over manuals that never say it would leave only the machine's name to bind).
"""

from __future__ import annotations

import re
from typing import Collection, Mapping, NamedTuple

from assistant.answer.grounding.citations import MARKER_RE, NOT_STATED
from assistant.answer.grounding.evidence import without_codes
from assistant.textutil import content_terms, numbers, split_sentences


class BoundValue(NamedTuple):
    number: str  # as ``numbers`` normalises it
    source: int  # the cited source stating it
    sentence: str


# a number, its unit glued on or not ("18kg", "250kHz"), not the tail of a word or of another number
_VALUE = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def values(text: str) -> list[str]:
    """The numbers of ``text`` as ``numbers`` normalises them, glued units allowed.

    >>> values("18kg (40lb), 1,200 rpm, 8.80 N·m, M5")
    ['18', '40', '1200', '8.8']
    """
    return [numbers(f"{whole}.{frac}" if frac else whole)[0] for whole, frac in _VALUE.findall(text)]


def added_numbers(reply: str, question: str) -> list[str]:
    """The numbers ``reply`` states that ``question`` does not, identifiers ("HP-200", "0x400"), citation and
    footnote markers and list numbers left out.

    >>> added_numbers("The default max retries is 3 [1]. Pump HP-200 at 1,500 rpm, 0x400 [2].", "retries at 1500 rpm?")
    ['3']
    >>> added_numbers("- Step 7: Warm the board[^2] [1].\\n2. Set the rise [1].\\n- 5 V at 2 A [2].", "rise?")
    ['5', '2']
    """
    text = without_codes(MARKER_RE.sub(" ", NOT_STATED.sub(" ", reply)))
    asked = set(values(question))
    return [n for n in dict.fromkeys(values(text)) if n not in asked]


def bound_value(reply: str, question: str, sources: Mapping[int, str], cited: Collection[int],
                vocabulary: Mapping[str, float]) -> BoundValue | None:
    """The first number ``reply`` adds whose sentence in a ``cited`` source holds every question word that
    ``vocabulary`` (the corpus's terms) knows; None when a question word is unknown to the corpus or no
    such sentence exists.

    >>> src = {1: "Motors\\nWhen a motor stalls it retries.\\nThe default motor max retries is 3."}
    >>> vocab = {"default": .1, "motor": .3, "max": .1, "retry": .05, "stall": .1, "speed": .1}
    >>> bound_value("It is 3 [1].", "default motor max retries?", src, [1], vocab).sentence
    'The default motor max retries is 3.'
    >>> bound_value("It is 3 [1].", "max motor speed?", src, [1], vocab) is None  # no "speed" by the 3
    True
    >>> bound_value("It is 3 [1].", "motor max retries warranty?", src, [1], vocab) is None  # "warranty" unknown
    True
    """
    asked = set(content_terms(question))
    if not asked or not vocabulary or any(not vocabulary.get(t) for t in asked):
        return None
    for number in added_numbers(reply, question):
        for n in cited:
            lines = sources.get(n, "").splitlines()
            for i, line in enumerate(lines):
                for sentence in split_sentences(line) or [line]:
                    if number not in values(sentence):
                        continue
                    # a table row or a list item names its subject in the heading or the line above
                    around = set(content_terms(" ".join([lines[0], lines[i - 1] if i else "", sentence])))
                    if asked <= around:
                        return BoundValue(number, n, sentence)
    return None
