"""Decide, before generating, whether the retrieved sources can answer the question.

Small models answer anyway when the evidence is missing (they invent a torque, a
tyre pressure, a repair cost). Three checks, each general, none tied to a corpus:

- **relevance**: the best dense cosine between question and sources must clear
  ``min_dense_score`` (MiniLM scores unrelated text well below 0.3);
- **coverage**: the share of the question's subject terms present in the sources must
  clear ``min_term_coverage`` (a question about "tyre pressure" over a corpus that never
  says "tyre" is not answerable from it);
- **value type**: a question asking for a quantity (torque, pressure, temperature, cost,
  clearance, capacity, voltage, speed, interval) needs a source that carries a number
  with a unit of that kind *and* mentions the subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.textutil import content_terms

# question words that ask for a quantity -> regex of a number with a unit of that kind
_NUM = r"\d+(?:[.,]\d+)?\s*"
VALUE_KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "torque": (("torque", "tighten", "tightening"),
               _NUM + r"(?:n[·.\s-]?m\b|nm\b|kg[-\s]?cm|kgf|ft[.\s-]*lb|in[.\s-]*lb|lbf)"),
    "pressure": (("pressure", "psi", "inflat"),
                 _NUM + r"(?:bar\b|psi|kpa|mpa|kg/cm|kgf/cm|lb/in)"),
    "temperature": (("temperature", "degrees", "hot"),
                    _NUM + r"(?:°|deg\b|degrees|celsius|fahrenheit|[cf]\b)"),
    "cost": (("cost", "price", "costs", "expensive", "spend", "spent", "paid", "pay"),
             r"(?:[$€£]\s*\d|\d+(?:[.,]\d+)?\s*(?:usd|eur|gbp|dollars|euros)|\bcost\b[^.\n]{0,40}\d)"),
    "clearance": (("clearance", "gap", "thickness", "lift", "runout", "backlash", "play"),
                  _NUM + r"(?:mm\b|in\b|in\.|inch|µm|um\b|thou)"),
    "capacity": (("capacity", "volume", "litres", "liters", "quarts"),
                 _NUM + r"(?:l\b|litre|liter|qt|quart|gal|ml\b|cc\b)"),
    "electrical": (("voltage", "volts", "amps", "current", "resistance", "ohms"),
                   _NUM + r"(?:v\b|volt|kv\b|a\b|amp|ω|ohm|kω)"),
    "speed": (("rpm", "speed"), _NUM + r"(?:rpm|r/min|km/h|m/s|mph)"),
    "part_number": (("part number", "part no", "p/n", "order number"),
                    r"\b(?:p/?n|part\s*(?:no\.?|number))\s*[:#]?\s*[A-Z0-9][\w-]*\d"),
    "amount": (("charge", "weight", "mass", "quantity", "rating", "size", "diameter", "length", "width",
                "interval", "lifetime", "life"),
               _NUM + r"(?:kg|g|lbs?|t|tons?|tonnes?|m|mm|cm|in|ft|l|hours?|hrs?|h|km|miles?|months?|years?)\b"),
}

# Dates and periods name when, not what: they are metadata of work orders and sensor
# summaries (written as 2020-06-08), so they do not count as subject terms.
_DATE_WORDS = set("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
today yesterday week weeks month months year years day days""".split())

# Words that name the kind of value rather than its subject; excluded from subject terms.
_VALUE_WORDS = {w for words, _ in VALUE_KINDS.values() for w in words} | {
    "spec", "specification", "value", "rating", "limit", "maximum", "minimum", "max", "min",
}


@dataclass
class EvidenceReport:
    ok: bool
    reason: str = ""
    best_dense: float = 0.0
    coverage: float = 0.0
    missing_terms: list[str] = field(default_factory=list)
    value_kind: str | None = None
    value_sources: list[int] = field(default_factory=list)  # indices of sources carrying the value


_SYMPTOM_CONTEXT = re.compile(r"\b(cause[sd]?|why|reason|symptoms?|troubleshoot\w*|diagnos\w*|what happens)\b")
_SYMPTOM_BEFORE = re.compile(r"\b(low|high|no|poor|loses|losing|lost|loss of|drops?|dropping|excessive|abnormal)\s+(\w+\s+)?$")


def value_kind(question: str) -> str | None:
    """The kind of quantity a question asks for, or None.

    "What torque for the inlet nuts?" asks for a value; "What causes low oil pressure?"
    names a symptom and does not.
    """
    q = question.lower()
    if _SYMPTOM_CONTEXT.search(q):
        return None
    for kind, (triggers, _) in VALUE_KINDS.items():
        for trigger in triggers:
            m = re.search(rf"\b{re.escape(trigger)}\w*", q)
            if m and not _SYMPTOM_BEFORE.search(q[max(0, m.start() - 25):m.start()]):
                return kind
    if re.search(r"\bhow much\b.*\b(cost|pay|charge)", q):
        return "cost"
    return None


def value_pattern(kind: str) -> re.Pattern[str]:
    """A number with a unit of this kind, or the kind's own word followed closely by a number
    (sensor summaries and tables often give the unit once, in a header, or not at all)."""
    triggers, unit_pattern = VALUE_KINDS[kind]
    # (?<![a-z]) rather than \b: "supply_temperature" must count as a temperature label.
    labelled = rf"(?<![a-z])(?:{'|'.join(map(re.escape, triggers))})[a-z]*\b[^.\n\d]{{0,40}}\d"
    return re.compile(f"(?:{unit_pattern})|(?:{labelled})", re.IGNORECASE)


def subject_terms(question: str, ignore: set[str] | None = None) -> list[str]:
    ignore = {t for t in (ignore or set())}
    value_stems = set(content_terms(" ".join(_VALUE_WORDS)))
    dates = set(content_terms(" ".join(_DATE_WORDS)))
    return [t for t in dict.fromkeys(content_terms(question))
            if t not in value_stems and t not in ignore and t not in dates and not re.fullmatch(r"(19|20)\d\d", t)]


def _surface_words(question: str, stems: set[str]) -> list[str]:
    """The question's own words for a set of stems, so messages say 'tyre', not 'tyr'."""
    words = []
    for word in re.findall(r"[A-Za-z0-9][\w/-]*", question):
        if content_terms(word) and content_terms(word)[0] in stems and word.lower() not in words:
            words.append(word.lower())
    return words


_CODE_RE = re.compile(r"\b[A-Za-z]{1,5}-?\d{1,6}[A-Za-z]?\b")


def codes(text: str) -> list[str]:
    """Identifiers such as alarm codes, part or work-order numbers: letters then digits (E-204, MT010b)."""
    return [c for c in dict.fromkeys(_CODE_RE.findall(text)) if any(ch.isdigit() for ch in c)]


class EvidenceGate:
    """Decide whether sources can answer a question. Thresholds come from Settings.

    >>> gate = EvidenceGate(min_dense_score=0.3, min_term_coverage=0.5)
    >>> gate.assess("thermostat opening temperature", ["Valve opening temperature: 82 °C"], [0.6]).ok
    False
    """

    def __init__(self, min_dense_score: float, min_term_coverage: float) -> None:
        self.min_dense_score = min_dense_score
        self.min_term_coverage = min_term_coverage

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
        report = EvidenceReport(True, best_dense=best, coverage=coverage, missing_terms=missing)
        # An identifier the technician typed (alarm E-999, WO-1043) must be in the evidence
        # itself: a near-miss code (E-204) answers a different question.
        ignore_lower = {t.lower() for t in (ignore_terms or set())}
        joined_text = " ".join(texts).lower()
        absent = [c for c in codes(question) if c.lower() not in joined_text and c.lower() not in ignore_lower
                  and c.lower().replace("-", "") not in joined_text.replace("-", "")]
        if absent:
            report.ok, report.reason = False, "no source mentions " + ", ".join(absent)
            return report
        if best < self.min_dense_score:
            report.ok, report.reason = False, f"best source similarity {best:.2f} is below {self.min_dense_score:.2f}"
            return report
        if coverage < self.min_term_coverage:
            report.ok = False
            report.reason = "the documents found do not mention " + ", ".join(repr(m) for m in missing)
            return report
        kind = value_kind(question)
        report.value_kind = kind
        if kind is not None:
            pattern = value_pattern(kind)
            # The value must come with its subject: every subject term for short subjects,
            # two thirds of them for long questions.
            need = len(terms) if len(terms) <= 3 else -(-2 * len(terms) // 3)
            for i, (text, tset) in enumerate(zip(texts, joined)):
                if pattern.search(text) and sum(t in tset for t in terms) >= need:
                    report.value_sources.append(i)
            if not report.value_sources:
                report.ok = False
                subject = " ".join(_surface_words(question, set(terms))) or "this item"
                report.reason = f"no source states a {kind} figure for {subject}"
        return report
