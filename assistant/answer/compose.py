"""Checking and composing the model's reply: citation and number checks, then the best quoted
source lines it does not already say (or a how-to's steps, copied from the manual)."""

from __future__ import annotations

from assistant.answer.grounding.answer_style import drop_echo, second_person, unnumbered
from assistant.answer.grounding.citations import CitationChecker, parse_markers
from assistant.answer.grounding.evidence import EvidenceReport, value_pattern
from assistant.answer.grounding.extractive import extractive_lines, is_howto, step_lines
from assistant.prompts import says_not_found
from assistant.types import Flag


class AnswerComposer:
    """Checked model answer plus quoted source lines.

    The quoted lines carry the exact values a technician needs even when a small model
    paraphrases; a quantity question whose final text states no verified value of the
    asked kind yields no answer (the caller abstains).
    """

    def __init__(self, checker: CitationChecker, *, quote_lines: int) -> None:
        self.checker = checker
        self.quote_lines = quote_lines

    def compose(self, query: str, raw: str, sources: dict[int, str], report: EvidenceReport,
                sections: dict[int, list[int]] | None, question: str) -> tuple[str, list[Flag], list[int]]:
        """(text, flags, cited source numbers); empty text when no verified value of the asked kind is left."""
        flags: list[Flag] = []
        if says_not_found(raw):
            flags.append(Flag("model_declined", "the model found no answer; quoting the closest passages"))
            raw = ""
        # spoken to the technician; an opening that restates the question is not a cited fact
        checked = self.checker.check(second_person(raw), sources) if raw else None
        lead = drop_echo(checked.text, question or query) if checked else ""
        if checked:
            flags.extend(checked.flags)
        allowed = {i + 1 for i in report.value_sources} if report.value_kind else None
        steps = step_lines(query, sources, sections=sections) if is_howto(query) else []
        if steps:
            quoted = "\n".join(f"{line.rstrip('.')} [{n}]." for line, n in steps)
        else:
            lines = extractive_lines(query, sources, value_kind=report.value_kind, max_lines=self.quote_lines,
                                     exclude=lead, allowed=allowed)
            quoted = "\n".join(f"- {unnumbered(line.rstrip('.'))} [{n}]." for line, n in lines)
        text = lead
        if quoted:
            text = f"{lead}\n\nFrom your documents:\n{quoted}" if lead else f"From your documents:\n{quoted}"
        if report.value_kind and not _has_verified_value(text, report):
            return "", flags, []
        return text.strip(), flags, list(dict.fromkeys(parse_markers(text)))


def _has_verified_value(text: str, report: EvidenceReport) -> bool:
    return bool(value_pattern(report.value_kind).search(text)) if report.value_kind else True
