"""A how-to question's answer: the numbered steps of the procedure that best matches it, copied in order."""

from __future__ import annotations

import re

from assistant.answer.grounding.extractive import BULLETS
from assistant.textutil import content_terms


_HOWTO_RE = re.compile(r"^\s*(how (do|can|should|would) (i|we|you)|how to|what are the steps|steps? (to|for)|procedure for)\b",
                       re.IGNORECASE)
_STEP_RE = re.compile(r"^\s*(\d{1,2}[.)]|[a-h][.)])\s+\S")


def is_howto(question: str) -> bool:
    return bool(_HOWTO_RE.search(question))


def step_lines(question: str, sources: dict[int, str], max_steps: int = 15,
               sections: dict[int, list[int]] | None = None,
               allowed: set[int] | None = None) -> list[tuple[str, int]]:
    """The numbered steps of the source that best matches a how-to question, in order.

    Steps are copied verbatim; the source is the one whose step lines share most terms with
    the question (a numbered procedure is the answer to "how do I …"). ``sections`` maps a
    source to all the sources holding its section in document order, so a procedure split
    over two chunks is quoted whole. None when that source is not one of ``allowed`` (the sources the
    answer rests on): the procedure that shares most words is then another one ("clean the carbs" for
    "get the airbox boot off the carbs", on another page), and the caller quotes lines of its own sources.
    """
    n = best_step_source(question, sources)
    if n is None or (allowed is not None and n not in allowed):
        return []
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for m in (sections or {}).get(n, [n]):
        for step in _steps(sources[m]):
            if step not in seen:  # chunk overlap repeats a step
                seen.add(step)
                out.append((step, m))
    return out[:max_steps]


def _steps(text: str) -> list[str]:
    """Numbered steps with their wrapped continuation lines joined back on, and with a step's own indented
    sub-items and body (after a blank line, as reStructuredText writes them): "5. Run the updater" holds the
    "- On Windows: ..." under it. Indents and list marks are layout, the same in any language."""
    steps: list[str] = []
    open_step = False
    blank = False
    for ln in text.splitlines():
        s = ln.strip()
        if not s:
            blank = True
            continue
        if _STEP_RE.match(ln):
            steps.append(s)
            open_step = True
        elif open_step and ln[:1].isspace() and (blank or s.startswith(tuple(BULLETS))) and not s.startswith("#"):
            steps[-1] = f"{steps[-1]} {s}"
        elif open_step and not blank and not s.startswith(("#", *BULLETS)) and \
                (ln[:1].isspace() or s[:1].islower() or not steps[-1].endswith((".", "!", "?", ":", ")"))):
            steps[-1] = f"{steps[-1]} {s}"
        else:
            open_step = False
        blank = False
    return steps


def best_step_source(question: str, sources: dict[int, str]) -> int | None:
    """The source whose numbered steps share most terms with the question, or None."""
    q_terms = set(content_terms(question))
    best: tuple[int, int] | None = None
    for n, text in sources.items():
        steps = [ln for ln in text.splitlines() if _STEP_RE.match(ln)]
        if len(steps) < 2:
            continue
        # the heading counts twice: "5.2 Adjust belt tracking" over the lock-out steps it cites
        overlap = len(q_terms & set(content_terms(text))) + len(q_terms & set(content_terms(text.split("\n", 1)[0])))
        if best is None or overlap > best[0]:
            best = (overlap, n)
    return None if best is None or best[0] == 0 else best[1]
