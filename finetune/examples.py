"""Supervised examples: the record type, templated facts mined from chunks, and the mechanical check.

A *fact* is a (question, answer) pair read straight off one chunk's text, with ``{n}`` where the
citation marker goes; the dataset builder later puts the chunk among distractors and fills in its
number. Nothing here calls a model: every answer is copied from the source, so the check below
(every marker resolves, every number is in a cited source) can prove it.

>>> facts_from_text("Relief valve: 235 bar", doc_type="manual", subject="the HP-200 press")[0].question
'What is the relief valve of the HP-200 press?'
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# The fixed decline sentence; ``assistant.prompts.says_not_found`` recognises it.
DECLINE = "The documents do not contain this information."

_MARKERS = re.compile(r"((?:\s*\[\d+\])+)")
_MARKER = re.compile(r"\[(\d+)\]")
# Numbers as a technician reads them: 235, 7.5, 10,000, 2026-09-07 (split into parts), AL-1021.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LABEL_LINE = re.compile(r"^\s*(?:[-*]\s*)?([A-Za-z][\w /()'-]{1,40}?):\s+(\S.{0,200})$")
_STEP_LINE = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$")
_MAX_STEPS = 8  # longer procedures are cut: the answer should stay short


@dataclass
class Example:
    """One training/evaluation example in the answer chain's prompt format.

    ``target`` is the 1-based number of the source holding the answer, ``None`` for decline
    examples (the source was removed) and curated/feedback examples (citations are in the text).
    """

    question: str
    sources: list[dict[str, str]]  # [{"label", "text"}], numbered [1].. in order
    answer: str
    kind: str  # fact | cause | procedure | work_order | sensor | decline | curated | feedback
    target: int | None = None
    group: str = ""  # split key: the source document this example is about
    split: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Example":
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Fact:
    """A question and an answer template (``{n}`` = the citation number) taken from one chunk."""

    question: str
    answer: str
    kind: str


def numbers(text: str) -> list[str]:
    """Numbers in ``text`` with citation markers removed (a marker's digits are not a fact)."""
    return _NUMBER.findall(_MARKER.sub(" ", text))


def check_example(ex: Example) -> str | None:
    """Why ``ex`` is unusable, or ``None``. Every example passes this before it is written.

    Rules: the answer is non-empty; every ``[n]`` names one of the sources; each stretch of text
    before a group of markers states only numbers found in the sources those markers cite; no
    number stands after the last marker; a decline example cites nothing.
    """
    if not ex.question.strip() or not ex.answer.strip():
        return "empty question or answer"
    if not ex.sources and ex.kind != "decline":
        return "no sources"
    cited = [int(m) for m in _MARKER.findall(ex.answer)]
    if ex.kind == "decline":
        return "decline example cites a source" if cited else None
    if not cited:
        return "answer cites no source"
    bad = [n for n in cited if not 1 <= n <= len(ex.sources)]
    if bad:
        return f"citation [{bad[0]}] does not resolve (only {len(ex.sources)} sources)"
    if ex.target is not None and ex.target not in cited:
        return f"answer does not cite its target source [{ex.target}]"
    parts = _MARKERS.split(ex.answer)
    for text, markers in zip(parts[0::2], parts[1::2]):
        texts = " ".join(ex.sources[int(n) - 1]["text"] for n in _MARKER.findall(markers))
        missing = [x for x in numbers(text) if x not in texts]
        if missing:
            return f"number {missing[0]!r} is not in the cited source(s)"
    if len(parts) % 2 == 1 and numbers(parts[-1]):
        return f"number {numbers(parts[-1])[0]!r} after the last citation"
    return None


def subject_of(title: str | None, asset: str | None) -> str:
    """A short machine name for questions: 'HP-200 Hydraulic Press' from the manual title."""
    if title:
        head = re.split(r"\s*[:\u2013\u2014]\s*|\s+-\s+", title, maxsplit=1)[0].strip()
        if head:
            return "the " + head if not head.lower().startswith("the ") else head
    return asset or "the machine"


def _sentence(text: str) -> str:
    return text.strip().rstrip(".;,")


def _table_facts(line: str, subject: str) -> list[Fact]:
    """``Problem: X | Possible cause: Y | Remedy: Z`` rows (any keys) into one fact per cell."""
    cells = [c.split(":", 1) for c in line.split(" | ")]
    if len(cells) < 2 or any(len(c) != 2 or not c[1].strip() for c in cells):
        return []
    key0, row = cells[0][0].strip().lower(), _sentence(cells[0][1])
    facts = []
    for key, value in ((k.strip().lower(), _sentence(v)) for k, v in cells[1:]):
        if "cause" in key:
            facts.append(Fact(f"What can cause {row} on {subject}?",
                              f"{row[0].upper() + row[1:]} can be caused by {_lower_first(value)} {{n}}.", "cause"))
        elif key in {"remedy", "action", "fix", "corrective action"}:
            facts.append(Fact(f"What is the remedy for {row} on {subject}?", f"Remedy: {value} {{n}}.", "cause"))
        else:
            # Keys are free text ("how it is isolated"): quote them instead of forcing grammar.
            facts.append(Fact(f"For {key0} {row} on {subject}, what does the manual give as \"{key}\"?",
                              f"For {row}, {key}: {value} {{n}}.", "fact"))
    return facts


def _steps(lines: list[str]) -> list[str]:
    """Numbered steps starting at 1, with wrapped continuation lines (PDF text) joined back on."""
    steps: list[str] = []
    for line in lines:
        m = _STEP_LINE.match(line)
        if m and int(m.group(1)) == len(steps) + 1:
            steps.append(line.strip())
        elif steps and line.strip() and not _LABEL_LINE.match(line) and not line.lstrip().startswith(("-", "#")):
            steps[-1] += " " + line.strip()
        elif steps and not line.strip():
            continue
        elif steps:
            break
    return steps


def _steps_fact(lines: list[str], section: str | None, subject: str) -> Fact | None:
    steps = _steps(lines)
    if len(steps) < 2 or not section:
        return None
    title = re.sub(r"^[\d.]+\s*", "", section.split(" > ")[-1]).strip()
    if not title:
        return None
    body = "\n".join(f"{s.rstrip('.')} {{n}}." for s in steps[:_MAX_STEPS])
    return Fact(f"What is the procedure for {_lower_first(title)} on {subject}?", body, "procedure")


def _lower_first(text: str) -> str:
    """'Suction strainer clogged' -> 'suction strainer clogged', but keep 'E-204' and 'VMC'."""
    return text[0].lower() + text[1:] if len(text) > 1 and text[1].islower() else text


def facts_from_text(text: str, *, doc_type: str, subject: str, section: str | None = None) -> list[Fact]:
    """Templated facts from one manual chunk: table rows, ``Label: value`` lines, numbered steps."""
    lines = text.splitlines()
    facts: list[Fact] = []
    for line in lines[1:] if len(lines) > 1 else lines:  # line 0 is usually the context header
        if " | " in line:
            facts.extend(_table_facts(line, subject))
            continue
        m = _LABEL_LINE.match(line)
        if m and numbers(m.group(2)) and len(m.group(1).split()) <= 6:
            label, value = m.group(1).strip(), _sentence(m.group(2))
            facts.append(Fact(f"What is the {label.lower()} of {subject}?",
                              f"The {label.lower()} of {subject} is {value} {{n}}.", "fact"))
    step = _steps_fact(lines, section, subject)
    if step:
        facts.append(step)
    return facts


_WO_HEAD = re.compile(r"Work order (\S+) \u2014 (.+?), dated (\d{4}-\d{2}-\d{2})")
_WO_FIELD = re.compile(r"^(Description|Cause|Action):\s*(.+?)\s*$", re.MULTILINE)


def facts_from_work_order(text: str) -> list[Fact]:
    """Symptom -> cause / action from a work-order chunk (the ingest layout: 'Description:', 'Cause:')."""
    head = _WO_HEAD.search(text)
    if not head:
        return []
    wo, asset, _date = head.groups()
    fields = {k: _sentence(v) for k, v in _WO_FIELD.findall(re.sub(r"\.\s+(Cause|Action):", r".\n\1:", text))}
    symptom = fields.get("Description")
    if not symptom or not ({"Cause", "Action"} & fields.keys()):
        return []
    parts = []
    if "Cause" in fields:
        parts.append(f"In work order {wo} the cause was {fields['Cause']} {{n}}.")
    if "Action" in fields:
        parts.append(f"The action taken was: {fields['Action']} {{n}}.")
    question = (f"{asset} had \"{symptom}\". What caused it and what was done?" if "Cause" in fields
                else f"What was done in \"{symptom}\" on {asset}?")
    return [Fact(question, " ".join(parts), "work_order")]


_SENSOR = re.compile(r"^(\S+) \u2014 (\w+), week of (\S+) to (\S+) .*?mean ([^;]+);", re.MULTILINE)


def facts_from_sensor(text: str) -> list[Fact]:
    """The weekly mean of a sensor summary chunk."""
    m = _SENSOR.search(text)
    if not m:
        return []
    asset, signal, start, end, mean = m.groups()
    signal_words = signal.replace("_", " ")
    return [Fact(f"What was the mean {signal_words} of {asset} in the week of {start}?",
                 f"The mean {signal_words} of {asset} from {start} to {end} was {_sentence(mean)} {{n}}.", "sensor")]
