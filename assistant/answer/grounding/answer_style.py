"""How an answer speaks: to the technician, in the second person, without repeating the question.

A 0.5B model often writes "The technician should check the strainer" or opens by restating the
complaint ("The hydraulic pump is whining [1]."), which the citation checker then backs with a
work order that happens to say the same words. Both are fixed deterministically after generation.

    second_person("The technician should check the strainer [2].")  # 'Check the strainer [2].'
    echoes_question("The hydraulic pump is whining [1].", "The hydraulic pump is whining. What should I check?")
    # True: the user's own words are not a fact to cite
"""

from __future__ import annotations

import re

from assistant.textutil import content_terms, numbers

_WHO = r"(?:the |a )?(?:maintenance |service |qualified )?(?:technician|operator|user|worker|mechanic|engineer)s?"
_MODAL = r"(?:should|must|needs? to|has to|have to|will need to|may want to|can|is advised to|is required to)"
_LEAD_RE = re.compile(rf"^(\W*){_WHO}\s+{_MODAL}\s+(?:first\s+)?([a-z])", re.IGNORECASE)
_MID_RE = re.compile(rf"\b{_WHO}\s+({_MODAL})\b", re.IGNORECASE)
_POSSESSIVE_RE = re.compile(rf"\b{_WHO}'s\b", re.IGNORECASE)
_MARKERS_RE = re.compile(r"\[\d+(?:,\s*\d+)*\]")


def second_person(text: str) -> str:
    """'The technician should check X' -> 'Check X'; mid-sentence 'the operator must' -> 'you must'."""
    out = []
    for line in text.split("\n"):
        parts = re.split(r"(?<=[.!?])(\s+)", line)
        fixed = []
        for part in parts:
            part = _LEAD_RE.sub(lambda m: m.group(1) + m.group(2).upper(), part, count=1)
            part = _MID_RE.sub(lambda m: "you " + _modal(m.group(1)), part)
            part = _POSSESSIVE_RE.sub("your", part)
            fixed.append(part)
        out.append("".join(fixed))
    return "\n".join(out)


def _modal(word: str) -> str:
    word = word.lower()
    return {"needs to": "need to", "has to": "have to", "is advised to": "should",
            "is required to": "must"}.get(word, word)


def echoes_question(sentence: str, question: str, share: float = 0.8, covers: float = 0.75) -> bool:
    """A sentence that only restates the question: nearly all its content words are the
    question's, it says most of what the question said, and it adds no number.

    Both directions count: "Check the suction strainer" answering "is the suction strainer
    clogged?" shares its words with the question but leaves "clogged" out, so it stays.
    """
    body = _MARKERS_RE.sub("", sentence)
    terms = set(content_terms(body))
    asked = set(content_terms(question))
    if len(terms) < 2 or not asked or set(numbers(body)) - set(numbers(question)):
        return False
    common = terms & asked
    return len(common) / len(terms) >= share and len(common) / len(asked) >= covers


def adds_nothing(reply: str, question: str, cited: str) -> bool:
    """A reply that restates the question (``echoes_question``) and adds no term its cited sources hold: a small
    model affirms what was asked ("You can spray some lube on the belts [1]" above "Do not lubricate belts").
    A term the sources hold is an answer ("... is 0x29 [1]", "click Update Firmware [1]").

    >>> adds_nothing("You can oil the chain [1].", "can i oil the chain?", "Never oil the chain.")
    True
    >>> adds_nothing("You can oil the chain with SAE 30 [1].", "can i oil the chain?", "Oil the chain: SAE 30.")
    False
    """
    if not echoes_question(reply, question):
        return False
    added = set(content_terms(_MARKERS_RE.sub("", reply))) - set(content_terms(question))
    return not added & set(content_terms(cited))


def drop_echo(text: str, question: str) -> str:
    """The answer without an opening sentence that merely repeats what the technician said
    (only the first sentence: later ones restating a word of the question are answers)."""
    parts = re.split(r"(?<=[.!?])\s+|\n", text.strip(), maxsplit=1)
    first, rest = parts[0], parts[1] if len(parts) > 1 else ""
    if rest.strip() and echoes_question(first, question):
        return rest.strip()
    return text.strip()


def unnumbered(line: str) -> str:
    """'11. Verify: …' -> 'Step 11: Verify: …' for a quoted line shown as a bullet: a bullet holding
    '11.' renders as a list inside a bullet ('•11.')."""
    return re.sub(r"^(\d{1,2})[.)]\s+", r"Step \1: ", line)


# a numbered list item's number, in any language
ORDINAL = re.compile(r"^(\s*)\d{1,2}[.)]\s+", re.MULTILINE)


def bulleted(text: str) -> str:
    """The reply's numbered list as bullets: its numbers are the model's, not a source's, and after the
    checks drop an unsupported item they skip ("2. … 3. … 5."). The order stays; a quoted manual step
    keeps its own number ("Step 11: …").

    >>> bulleted("Do this:\\n2. Remove the cover [1].\\n5) Clean the filter [1].")
    'Do this:\\n- Remove the cover [1].\\n- Clean the filter [1].'
    """
    return ORDINAL.sub(r"\1- ", text)
