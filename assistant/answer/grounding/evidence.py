"""Decide, before generating, whether the retrieved sources can answer the question.

Small models answer anyway when the evidence is missing (they invent a torque, a
tyre pressure, a repair cost). Three checks, each general, none tied to a corpus:

- **relevance**: the best dense cosine between question and sources must clear
  ``min_dense_score`` (MiniLM scores unrelated text well below 0.3), unless the sources hold
  every subject word of the question (two or more);
- **coverage**: the share of the question's subject terms present in the sources must
  clear ``min_term_coverage`` (a question about "tyre pressure" over a corpus that never
  says "tyre" is not answerable from it);
- **value and focus binding** (``assistant.answer.grounding.question_focus``): a question asking for a
  quantity (torque, pressure, cost, part number, ...) needs a passage carrying a value of
  that kind next to the question's subject; "which refrigerant" / "who manufactured" needs a
  passage naming that attribute next to the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answer.grounding.question_focus import (bound_sources, focus_terms, subject_terms, unit_pattern,
                                                       value_kind, value_pattern)
from assistant.answer.grounding.value_kinds import VALUE_KINDS
from assistant.textutil import content_terms

__all__ = ["VALUE_KINDS", "EvidenceGate", "EvidenceReport", "codes", "subject_terms", "unit_pattern", "value_kind",
           "value_pattern"]


@dataclass
class EvidenceReport:
    ok: bool
    reason: str = ""
    question: str = ""
    best_dense: float = 0.0
    coverage: float = 0.0
    missing_terms: list[str] = field(default_factory=list)
    value_kind: str | None = None
    value_sources: list[int] = field(default_factory=list)  # indices of sources carrying the value
    subject: str = ""  # the code or words no source has, for the one-line decline ("" = the question's)


def _surface_words(question: str, stems: set[str]) -> list[str]:
    """The question's own words for a set of stems, so messages say 'tyre', not 'tyr'."""
    words = []
    for word in re.findall(r"[A-Za-z0-9][\w/-]*", question):
        if content_terms(word) and content_terms(word)[0] in stems and word.lower() not in words:
            words.append(word.lower())
    return words


# hexadecimal register and error values ("0x400") are identifiers too: firmware and drive manuals list them
_HEX = r"0[xX][0-9A-Fa-f]+"
_CODE_RE = re.compile(rf"\b(?:[A-Za-z]{{1,5}}-?\d{{1,6}}[A-Za-z]?|{_HEX})\b")


# an identifier as documents write it, letters and digits apart or not: "NEMA 17", "E-204", "WD-40"
_LOOSE_CODE_RE = re.compile(rf"\b(?:[A-Za-z]{{1,5}}[\s_./-]?\d{{1,6}}[A-Za-z]?|{_HEX})\b")


def squash_code(code: str) -> str:
    """An identifier without case and separators: "E-204" and "e204" are one code."""
    return re.sub(r"[\W_]", "", code.lower())


def written_codes(text: str) -> set[str]:
    """The identifiers ``text`` writes, however it separates letters and digits, squashed; within a name joined by
    underscores too (a file stem in a heading, "px4flow_manual_v1.3", writes "v1")."""
    return {squash_code(c) for c in _LOOSE_CODE_RE.findall(text.replace("_", " "))}


def code_family(squashed: str) -> str:
    """The letters an identifier starts with: "e204" -> "e"; "0x" for a hexadecimal value."""
    return re.match(r"0x|[a-z]*", squashed).group()


def without_codes(text: str) -> str:
    """``text`` with its identifiers ("HP-200", "0x400") blanked: what they hold are names, not values."""
    return _CODE_RE.sub(" ", text)


def codes(text: str) -> list[str]:
    """Identifiers such as alarm codes, part or work-order numbers: letters then digits (E-204, MT010b)."""
    return [c for c in dict.fromkeys(_CODE_RE.findall(text)) if any(ch.isdigit() for ch in c)]


# what a technician copies from a screen or a log: an identifier joined by underscores ("FT_DEVICE_NOT_FOUND",
# "current_lim"), or a message in capitals of three words or more ("PREFLIGHT FAIL: BARO SENSOR 0 MISSING")
_SYMBOL_RE = re.compile(r"\b[^\W\d_][^\W_]*(?:_[^\W_]+)+\b")
_MESSAGE_RE = re.compile(r"\b[A-Z0-9][A-Z0-9_:/.-]*(?:[ \t]+[A-Z0-9][A-Z0-9_:/.-]*){2,}\b")


def copied_literals(question: str) -> list[str]:
    """Identifiers and messages ``question`` copies verbatim (a question typed all in capitals copies nothing).

    >>> copied_literals("gui throws FT_DEVICE_NOT_FOUND, and PREFLIGHT FAIL: BARO SENSOR 0 MISSING - what now")
    ['FT_DEVICE_NOT_FOUND', 'PREFLIGHT FAIL: BARO SENSOR 0 MISSING']
    >>> copied_literals("WHAT OIL FOR THE PUMP"), copied_literals("pump P-101 at 24 V DC")
    ([], [])
    """
    found = [m for m in _SYMBOL_RE.findall(question) if len(m) >= 5]
    if any(ch.islower() for ch in question):
        # three words holding letters, eight letters in all: "24 V DC" or "CNC VMC 850" names a part, not a message
        found += [m for m in _MESSAGE_RE.findall(question)
                  if sum(any(ch.isalpha() for ch in w) for w in m.split()) >= 3 and sum(map(str.isalpha, m)) >= 8]
    return list(dict.fromkeys(found))


class EvidenceGate:
    """Decide whether sources can answer a question. Thresholds come from Settings.

    >>> gate = EvidenceGate(min_dense_score=0.3, min_term_coverage=0.5)
    >>> gate.assess("thermostat opening temperature", ["Valve opening temperature: 82 °C"], [0.6]).ok
    False
    """

    def __init__(self, min_dense_score: float, min_term_coverage: float, *, word_checks: bool = True) -> None:
        self.min_dense_score = min_dense_score
        self.min_term_coverage = min_term_coverage
        # False: coverage, value and focus binding are still measured (the answer's quotes use the
        # value's sources) but decline nothing; the answerability judge decides instead.
        self.word_checks = word_checks

    def assess(self, question: str, texts: list[str], dense_scores: list[float],
               ignore_terms: set[str] | None = None) -> EvidenceReport:
        if not texts:
            return EvidenceReport(False, "no source matched the question")
        best = max(dense_scores) if dense_scores else 0.0
        terms = subject_terms(question, ignore_terms)
        joined = [set(content_terms(t)) for t in texts]
        union = set().union(*joined)
        present = [t for t in terms if t in union]
        coverage = len(present) / len(terms) if terms else 1.0
        missing = _surface_words(question, {t for t in terms if t not in union})
        report = EvidenceReport(True, question=question, best_dense=best, coverage=coverage, missing_terms=missing)
        # An identifier the technician typed (alarm E-999) must be in the evidence itself when the
        # sources hold others of its family (E-204): a near-miss code answers a different question.
        # One without relatives there (a product "WD40", a model "X5") is left to the other checks.
        ignore = {squash_code(t) for t in (ignore_terms or set())}
        written = set().union(*(written_codes(text) for text in texts))
        families = {code_family(c) for c in written}
        absent = [c for c in codes(question)
                  if squash_code(c) not in written | ignore and code_family(squash_code(c)) in families]
        if absent:
            report.ok, report.reason = False, "no source mentions " + ", ".join(absent)
            report.subject = ", ".join(absent)
            return report
        # every subject word (two or more) in the sources shows they are on the question; a short or abbreviated
        # question ("how long does flash firmware take") scores a low cosine with the passage that answers it
        if best < self.min_dense_score and not (len(terms) >= 2 and coverage == 1.0):
            report.ok, report.reason = False, f"best source similarity {best:.2f} is below {self.min_dense_score:.2f}"
            return report
        if coverage < self.min_term_coverage and self.word_checks:
            report.ok = False
            report.reason = "the documents found do not mention " + ", ".join(repr(m) for m in missing)
            report.subject = ", ".join(missing)
            return report
        kind = value_kind(question)
        report.value_kind = kind
        if kind is not None:
            # The value must sit in a passage that names its subject: the part number of the
            # valve, not the part number of the filter listed on the same page.
            kind_terms = [t for t in subject_terms(question, ignore_terms, kind=kind)
                          if t in union or not any(ch.isdigit() for ch in t)]  # "3000", "mr2": conditions
            report.value_sources = bound_sources(texts, kind_terms, pattern=value_pattern(kind))
            if not report.value_sources and self.word_checks:
                report.ok = False
                subject = " ".join(_surface_words(question, set(kind_terms))) or "this item"
                report.reason = f"no source states the {kind.replace('_', ' ')} of {subject}"
            return report
        focus = focus_terms(question)
        if focus and self.word_checks:
            others = [t for t in terms if not any(t.startswith(f) or f.startswith(t) for f in focus)]
            if not bound_sources(texts, others, focus=focus):
                report.ok = False
                subject = " ".join(_surface_words(question, set(others))) or "it"
                asked = " ".join(_surface_words(question, set(terms) - set(others))) or focus[0]
                report.reason = f"no source names the {asked} for {subject}"
        return report
