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
    than the ``asked`` ones, while a row of the same table in ``source`` is keyed by an asked one itself? Quoting the
    rows of A-31 and A-32 (or E-207: one alarm table keys codes of both forms) under "what does alarm A-40 mean?"
    answers what was not asked. Cells are the " | " the ingest writes between a table's columns, each after its
    column's label: rows with the same labels are one table. A table keyed otherwise (a parameter per row, models in
    columns), another table of the document (oil grades keyed "HLP46"), a line that merely mentions a code, and a
    version the question names ("silvia v5") that no row is keyed by, stay. ``source``: every passage of the row's
    document, where a table is cut into several.

    >>> table = "Codes\\nCode: A-31 | Meaning: Filter clogged\\nCode: A-40 | Meaning: Precharge low"
    >>> others_row("Code: A-31 | Meaning: Filter clogged", ["A-40"], table)
    True
    >>> others_row("Code: A-40 | Meaning: Precharge low", ["a40"], table)
    False
    >>> others_row("Check A-31 first", ["A-40"], table)  # a mention, not a row
    False
    >>> others_row("AL-412 Chiller fault. Check oil.", ["AL-410"], "Alarms\\nAL-410 Too hot.\\nAL-412 Chiller fault.")
    True
    >>> others_row("Code: A-31 | Meaning: Filter clogged", ["A-50"], table)  # no row is the asked code's
    False
    >>> others_row("Grade: HLP46 | Use: Main circuit", ["A-40"], table + "\\nGrade: HLP46 | Use: Main circuit")
    False
    """
    named = {squash_code(c) for c in asked}
    keys = {squash_code(c) for c in codes(_key_cell(line))}
    if not named or not keys or keys & named:
        return False
    labels = _labels(line)
    return any(named & {squash_code(c) for c in codes(_key_cell(ln))} for ln in source.splitlines()
               if _labels(ln) == labels)


def _key_cell(line: str) -> str:
    """What keys a row: its first cell, or the first word of a line without cells (a PDF's alarm list, "AL-412
    Spindle chiller fault. Check ...")."""
    if "|" in line:
        return line.split("|", 1)[0]
    words = line.lstrip(" \t-*\u2022").split(maxsplit=1)
    return words[0] if words else ""


def _labels(row: str) -> tuple[str, ...]:
    """The column labels the ingest writes before each cell ("Code: E-204 | Meaning: ..." -> ("code", "meaning")); a
    cell without one counts as an empty label, so unlabelled rows compare by their number of cells; a line without
    cells is a row of the lines led by an identifier."""
    if "|" not in row:
        return ("",)
    return tuple(cell.split(":", 1)[0].strip().lower() if ":" in cell else "" for cell in row.split("|"))


