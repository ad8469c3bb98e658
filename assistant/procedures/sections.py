"""A manual section as a repair procedure reads it: the whole section (all its chunks), safety
content grouped into a few ticks, the verify step(s) at the end, and "restore" items for last.

Everything returned is a verbatim, whitespace-collapsed slice of the manual (table cells joined
with " — "), so every number stays checkable against its source. General, not tuned to one
manual: numbered runs, bullet lists, key-value table rows and prose paragraphs are told apart by
their shape, whatever the words.

    safety_items(chunk_text, "Manual > 1 Safety > 1.3 Energy sources")
    # [SafetyItem('Electrical, 400 V — main isolator Q1, padlock in OFF position', [...]), ...]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from assistant.procedures.text import (VERIFY_RE, _BULLET_START, _STEP_START, collapse, is_heading, logical_lines,
                                      numbered_runs)

RESTORE_RE = re.compile(r"^\W*(?:to restore|restor(?:e|ing)\b|after (?:the )?(?:work|repair|maintenance)|"
                        r"on completion|when (?:the work is )?(?:finished|complete)|"
                        r"return(?:ing)? to (?:service|production)|before restart(?:ing)?|re-?energi[sz]e)", re.IGNORECASE)
VERIFY_START_RE = re.compile(r"^\W*(?:verify|check|test|confirm|make sure|ensure|inspect|measure)\b", re.IGNORECASE)


@dataclass
class SafetyItem:
    text: str
    details: list[str] = field(default_factory=list)
    number: int | None = None  # the manual's own step number, for numbered lock-out steps
    restore: bool = False  # end-of-job ("To restore: refit all guards ...") rather than before work


def heading_title(section: str) -> str:
    """'Manual > 1 Safety > 1.2 Personal protective equipment' -> 'Personal protective equipment'."""
    last = section.rsplit(">", 1)[-1].strip()
    return re.sub(r"^\d+(?:\.\d+)*\s+", "", last) or last


def section_text(chunks: Sequence[Any]) -> str:
    """The text of one section from its chunks in document order, each chunk's heading-path
    context line dropped after the first (it repeats the section name)."""
    out: list[str] = []
    for i, c in enumerate(chunks):
        lines = c.text.splitlines()
        if i and lines and c.section and lines[0].strip() == c.section.strip():
            lines = lines[1:]
        out.append("\n".join(lines))
    return "\n".join(out)


def owner(text: str, chunks: Sequence[Any]) -> Any:
    """The chunk a verbatim piece of text came from (its opening words), else the first chunk."""
    probe = collapse(text)[:40]
    return next((c for c in chunks if probe in collapse(c.text)), chunks[0])


def _table_row(line: str) -> list[tuple[str, str]] | None:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    pairs = [c.partition(":") for c in cells]
    if len(cells) < 2 or any(not sep or not k.strip() or len(k) > 40 for k, sep, _ in pairs):
        return None
    return [(k.strip(), collapse(v)) for k, _, v in pairs]


def safety_items(text: str, section: str = "") -> list[SafetyItem]:
    """Safety content of one section as ticks: each numbered step, one tick per table row (the
    first cell with the last, e.g. an energy source with how it is isolated), one tick for a
    bullet list or a prose paragraph (its lines as details), restore sentences marked."""
    title = heading_title(section) if section else ""
    steps = {collapse(body): n for run in numbered_runs(text) for n, body in run}
    out: list[SafetyItem] = []
    bullets: list[str] = []
    prose: list[str] = []

    def flush() -> None:
        for group in (bullets, prose):
            if group:
                out.append(SafetyItem(f"{title}:" if title else group[0], list(group) if title else group[1:]))
                group.clear()

    for line in logical_lines(text):
        if is_heading(line):
            continue
        body = collapse(_STEP_START.sub("", line))
        if _STEP_START.match(line) and body in steps:
            flush()
            out.append(SafetyItem(body, number=steps[body]))
        elif row := _table_row(line):
            flush()
            out.append(SafetyItem(f"{row[0][1]} — {row[-1][1]}", [f"{k}: {v}" for k, v in row[1:-1]]))
        elif _BULLET_START.match(line):
            bullets.append(collapse(_BULLET_START.sub("", line)))
        elif RESTORE_RE.match(line):
            flush()
            out.append(SafetyItem(collapse(line), restore=True))
        elif len(line.split()) >= 3 and not line.rstrip().endswith(":"):
            prose.extend(s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", collapse(line)) if s)
    flush()
    return out


def split_verification(steps: list[Any]) -> tuple[list[Any], list[Any]]:
    """(steps, verify steps): the trailing steps that check the result ("11. Verify: ...",
    "Start engine and check for leaks"), kept in their order and with their own numbers."""
    cut = len(steps)
    while cut > 0:
        text = steps[cut - 1].text
        if VERIFY_START_RE.match(text) or (cut == len(steps) and VERIFY_RE.search(text)):
            cut -= 1
        else:
            break
    if cut == 0:  # a list of checks is the procedure itself; only its last step verifies
        cut = len(steps) - 1
    return steps[:cut], steps[cut:]
