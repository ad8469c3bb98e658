"""A value read off the wrong row: the reply names one identifier and states the value of its neighbour.

A small model reading a table of codes ("E-104 | Oil temperature above 65 °C", "E-204 | System pressure below
150 bar") copies the row above the one asked about: "E-204 means oil temperature above 65 °C". Every word and number
of that sentence is in the cited source, so the source-level support check passes it. Here the check is per line:
a number the sentence states that no line naming its identifier holds, but a line naming a sibling identifier (same
shape: letters and digits in the same places) does, belongs to that sibling. Nothing here knows a language; rows are
lines, identifiers are letters followed by digits.
"""

from __future__ import annotations

import re
from typing import Collection

from assistant.answer.grounding.evidence import codes, squash_code, without_codes, written_codes
from assistant.textutil import numbers


def shape(code: str) -> str:
    """An identifier's form: "E-204" and "e104" are "a999"; "A-40" is "a99"."""
    return re.sub(r"\d", "9", re.sub(r"[^\W\d_]", "a", squash_code(code)))


def sibling_row(sentence: str, source_text: str, given: Collection[str] = ()) -> str | None:
    """The identifier whose line in ``source_text`` states a number of ``sentence`` (markers stripped) that no line
    naming the sentence's own identifiers holds; None when the sentence names none, or its numbers are its own.
    ``given``: the question's numbers ("conveyor 3"), which the sentence restates and does not state as values.

    >>> table = "Codes\\nE-104 | Oil temperature above 65 °C\\nE-204 | Pressure below 150 bar"
    >>> sibling_row("E-204 means oil temperature above 65 °C.", table)
    'E-104'
    >>> sibling_row("E-204 means pressure below 150 bar.", table) is None
    True
    >>> sibling_row("Pressure below 150 bar.", table) is None  # no identifier named: nothing to bind
    True
    >>> sibling_row("On press 65, E-204 means low pressure.", table, given={"65"}) is None
    True
    """
    named = {squash_code(c) for c in codes(sentence)}
    stated = set(numbers(without_codes(sentence))) - set(given)
    if not named or not stated:
        return None
    lines = [ln for ln in source_text.splitlines() if ln.strip()]
    own = [ln for ln in lines if named & written_codes(ln)]
    if not own:
        return None  # the source never writes the identifier on a line of its own: no rows to compare
    held = {n for ln in own for n in numbers(without_codes(ln))}
    shapes = {shape(c) for c in named}
    for line in lines:
        if line in own:
            continue
        siblings = [c for c in codes(line) if squash_code(c) not in named and shape(c) in shapes]
        if siblings and (stated - held) & set(numbers(without_codes(line))):
            return siblings[0]
    return None


def others_row(line: str, asked: Collection[str], source: str) -> bool:
    """Is ``line`` another identifier's row of a table keyed by identifiers: is its first cell an identifier other
    than the ``asked`` ones, while another row of ``source`` is keyed by an asked one itself? Quoting the rows of
    A-31 and A-32 (or E-207: one alarm table keys codes of both forms) under "what does alarm A-40 mean?" answers what
    was not asked. Cells are the " | " the ingest writes between a table's columns; a table keyed otherwise (a
    parameter per row, models in columns), a line that merely mentions a code, and a version the question names
    ("silvia v5") that no row is keyed by, stay. ``source``: every passage of the row's document, where a table is
    cut into several.

    >>> table = "Codes\\nCode: A-31 | Meaning: Filter clogged\\nCode: A-40 | Meaning: Precharge low"
    >>> others_row("Code: A-31 | Meaning: Filter clogged", ["A-40"], table)
    True
    >>> others_row("Code: A-40 | Meaning: Precharge low", ["a40"], table)
    False
    >>> others_row("Check A-31 first", ["A-40"], table)  # a mention, not a row
    False
    >>> others_row("Code: A-31 | Meaning: Filter clogged", ["A-50"], table)  # no row is the asked code's
    False
    """
    named = {squash_code(c) for c in asked}
    if not named or "|" not in line:
        return False
    keys = {squash_code(c) for c in codes(_first_cell(line))}
    if not keys or keys & named:
        return False
    return any(named & {squash_code(c) for c in codes(_first_cell(ln))} for ln in source.splitlines() if "|" in ln)


def _first_cell(line: str) -> str:
    return line.split("|", 1)[0]
