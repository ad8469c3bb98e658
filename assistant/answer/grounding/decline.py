"""What a technician reads when the documents do not answer: one line naming the machine and the
subject, then one thing to try. The technical reason (similarity scores, missing terms, the query
searched) stays in the Answer's flags and ``extra["evidence"]`` for the audit record.

    decline_text("warranty", "Hydraulic press 4 (PRESS-04)", SUGGEST_ADD_MANUAL)
    # 'Not in your documents for Hydraulic press 4 (PRESS-04): warranty.\n\nIf it should be ...'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.types import Answer

if TYPE_CHECKING:
    from assistant.answer.protocols import Assets

SUGGEST_ADD_MANUAL = "If it should be covered, ask your supervisor to add the manual or records that describe it."
SUGGEST_PICK_MACHINE = "Pick the machine with the machine button under the message box, then ask again."
SUGGEST_NAME_PART = "Name the exact part, fault code or part number and ask again."
SUGGEST_OTHER_MACHINE = "If it is about another machine, name it or pick it with the machine button, then ask again."


def decline_text(subject: str, machine: str | None, suggestion: str) -> str:
    where = f" for {machine}" if machine else ""
    subject = subject.strip().rstrip(".") or "this question"
    # a clipped subject ends in "…" and a quoted question may end in "?": no full stop after either
    end = "" if subject[-1] in "…?!" else "."
    return f"Not in your documents{where}: {subject}{end}\n\n{suggestion}"


def suggestion(*, never_mentioned: bool, machine_chosen: bool, machines_known: bool,
               words_missing: bool = False) -> str:
    """The one next step most likely to help: new documents when the words are unknown to the
    whole corpus, a machine when none is chosen or the chosen machine's documents lack the
    question's words, else a more precise question."""
    if never_mentioned:
        return SUGGEST_ADD_MANUAL
    if machines_known and not machine_chosen:
        return SUGGEST_PICK_MACHINE
    if machines_known and words_missing:
        return SUGGEST_OTHER_MACHINE
    return SUGGEST_NAME_PART


_LEAD_RE = re.compile(r"^\s*(?:(?:what|which|how|who|when|where|why|is|are|was|were|does|do|did|can|could|should|"
                      r"will|would|tell me|please|i need|about|the|a|an|much|many|long|often|of|for|kind|type)\b"
                      r"[\s,]*)+", re.IGNORECASE)
_TAIL_RE = re.compile(r"(?:\s+(?:mean|means|stand for|stands for|look like|do|use|uses|need|needs))?[?.!\s]*$",
                      re.IGNORECASE)


def question_subject(question: str, max_chars: int = 80) -> str:
    """What was asked about, in the technician's words: 'tyre pressure for the water pump truck'
    from 'What is the tyre pressure for the water pump truck?'."""
    text = " ".join(question.split())
    subject = _TAIL_RE.sub("", _LEAD_RE.sub("", text)) or text.rstrip("?")
    return subject if len(subject) <= max_chars else subject[:max_chars].rsplit(" ", 1)[0] + "…"


def decline_for(answer: Answer, subject: str, registry: Assets | None) -> str:
    """The decline text for an ``Answer`` (its asset, question and ``extra["never_mentioned"]``)."""
    name = registry.name(answer.asset) if registry is not None and answer.asset else None
    machine = f"{name} ({answer.asset})" if name else answer.asset
    hint = suggestion(never_mentioned=bool(answer.extra.get("never_mentioned")), machine_chosen=bool(answer.asset),
                      machines_known=registry is not None and bool(registry.all()),
                      words_missing=bool((answer.extra.get("evidence") or {}).get("missing")))
    return decline_text(subject or question_subject(answer.question), machine, hint)
