"""What a question asks for, and where in a source an answer to it could sit.

Small models answer anyway: asked for the part number of one valve they copy the part
number of another from the same page; asked which refrigerant a chiller holds they name its
oil. Two general checks stop that before generation:

- **value binding**: a question asking for a quantity (torque, pressure, cost, part
  number, ...) needs a *passage* (a line, with its heading and the two lines above it) that
  carries a value of that kind *and* names the question's subject;
- **focus binding**: a question asking "which refrigerant", "what brand" or "who
  manufactured" needs a passage that names that attribute next to the subject.

Nothing here is tied to a corpus: the kinds are units and everyday maintenance words (``value_kinds``, their table).
"""

from __future__ import annotations

import difflib
import re
from typing import Callable

from assistant.answer.grounding.value_kinds import SPELLED, STARTS_NUMBER, UNIT_WORDS, UNITS, VALUE_KINDS
from assistant.textutil import content_terms

# Dates and periods name when, not what: they are metadata of work orders and sensor
# summaries (written as 2020-06-08), so they do not count as subject terms.
_DATE_WORDS = set("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
today yesterday week weeks month months year years day days""".split())

# Words that qualify any value rather than name a subject.
_GENERIC_VALUE_WORDS = {"spec", "specification", "value", "limit", "maximum", "minimum", "max", "min"}

_SYMPTOM_CONTEXT = re.compile(r"\b(cause[sd]?|why|reason|symptoms?|troubleshoot\w*|diagnos\w*|what happens)\b")
_SYMPTOM_BEFORE = re.compile(r"\b(low|high|no|poor|loses|losing|lost|loss of|drops?|dropping|excessive|abnormal)\s+(\w+\s+)?$")


# "oil pressure switch", "temperature sensor": the value word names a part, not the value asked
_MODIFIES_PART = re.compile(r"\s+(switch|gauge|sensor|sender|sending|transducer|hose|line|pipe|light|lamp|warning|"
                            r"test|tester|check|cap|regulator|relief|plate|unit)\b")
_HOWTO = re.compile(r"^\s*(how (do|can|should|would) (i|we|you)|how to|what are the steps|steps? (to|for)|procedure)\b")


def respelled(question: str, known: Callable[[str], bool]) -> str:
    """``question`` with a mistyped value word put right ("torqe spec" -> "torque spec"): a word of five letters or
    more that is nearly one (difflib's ratio 0.9: one letter left out or doubled) and that the corpus never uses
    (``known``: a word the documents write is theirs). Real words a letter apart score lower ("change" beside
    "charge" 0.83) and stay.

    >>> respelled("torqe spec for the case screws, water presure?", lambda w: False)
    'torque spec for the case screws, water pressure?'
    >>> respelled("torqe spec", lambda w: True), respelled("what do i change", lambda w: False)
    ('torqe spec', 'what do i change')
    """
    def fix(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if len(word) < 5 or any(word.startswith(t) for t in SPELLED):
            return m.group(0)
        close = difflib.get_close_matches(word, SPELLED, n=1, cutoff=0.9)
        return close[0] if close and not known(word) else m.group(0)
    return re.sub(r"[^\W\d_]+", fix, question)


def value_kind(question: str) -> str | None:
    """The kind of quantity a question asks for, or None.

    The earliest trigger wins, so "the part number of the minimum pressure valve" asks for a
    part number, not a pressure. "What causes low oil pressure?" names a symptom, not a value.
    """
    q = question.lower()
    if _SYMPTOM_CONTEXT.search(q) or _HOWTO.search(q):
        return None
    first: dict[str, int] = {}  # kind -> where its earliest trigger stands
    for kind, (triggers, _) in VALUE_KINDS.items():
        for trigger in triggers:
            for m in re.finditer(rf"\b{re.escape(trigger)}\w*", q):
                if _SYMPTOM_BEFORE.search(q[max(0, m.start() - 25):m.start()]) or _MODIFIES_PART.match(q[m.end():]):
                    continue
                first[kind] = min(first.get(kind, m.start()), m.start())
                break
    # "amount" is the catch-all (a size, a rating): a kind with its own unit named anywhere in the question
    # says more ("what size usb psu, min amps" asks for a current).
    named = {kind: at for kind, at in first.items() if kind != "amount"}
    if named:
        return min(named, key=named.__getitem__)
    if re.search(r"\bhow much\b.*\b(cost|pay|charge)", q):
        return "cost"
    return unit_asked(q) or ("amount" if first else None)


def unit_asked(question: str) -> str | None:
    """The kind of the first unit symbol standing alone in the question (``UNIT_WORDS``), or None.

    >>> unit_asked("mit wieviel nm zieh ich die schraube fest"), unit_asked("the 24 v supply, 10 mm bolt")
    ('torque', None)
    """
    best: tuple[int, str] | None = None
    for kind, units in UNIT_WORDS.items():
        for unit in units:
            for m in re.finditer(rf"(?<![\w·-]){re.escape(unit)}(?![\w·-])", question.lower()):
                if re.search(r"\d\s*$", question[:m.start()]):
                    continue  # "10 mm", "24V": a size that names the part, not the value asked
                if best is None or m.start() < best[0]:
                    best = (m.start(), kind)
                break
    return best[1] if best else None


def unit_pattern(kind: str) -> re.Pattern[str]:
    """A number with a unit of this kind (not the labelled form: a reply restating the question's own
    word, "the gap should be 12.5 kg/cm²", labels a number it took from elsewhere)."""
    return re.compile(VALUE_KINDS[kind][1], re.IGNORECASE)


def value_pattern(kind: str) -> re.Pattern[str]:
    """A number with a unit of this kind, or the kind's own word followed closely by a number
    (sensor summaries and tables often give the unit once, in a header, or not at all)."""
    triggers, unit_pattern = VALUE_KINDS[kind]
    # A labelled number written with another kind's unit is a value of that kind: "check torques on wheel nuts
    # during 125 hour service" states an interval, not a torque. (Its own unit is matched by ``unit_pattern``.)
    # After a space only a symbol or a unit of three letters or more counts: one or two letters there may be a
    # word of the sentence ("65 in the tank"); written against the number ("29.14Kg") they are a unit.
    other = "|".join(units for name, units in UNITS.items() if name != kind)
    another_unit = rf"(?:{other})|\s+(?=[^\W\d_]{{3}}|[^\w\s])(?:{other})"
    # (?<![a-z]) rather than \b: "supply_temperature" must count as a temperature label.
    labelled = (rf"(?<![a-z])(?:{'|'.join(map(re.escape, triggers))})[a-z]*\b[^.\n\d]{{0,40}}{STARTS_NUMBER}"
                rf"(?>\d+(?:[.,]\d+)?)(?!{another_unit})")
    return re.compile(f"(?:{unit_pattern})|(?:{labelled})", re.IGNORECASE)


def subject_terms(question: str, ignore: set[str] | None = None, kind: str | None = None) -> list[str]:
    """Stemmed words naming what the question is about.

    Without ``kind`` every value word is left out (the gate's coverage check); with it only
    that kind's own words are, so "minimum pressure valve" stays the subject of a part-number
    question, and only the clause asking for the value counts ("how heavy is the weight, and
    how do I secure it" is about the weight).
    """
    if kind:
        clause = _value_clause(question, kind)
        # a follow-up ("which part number was fitted?") names its subject in the turn before
        if clause != question and len(subject_terms(clause, ignore, kind)) >= 2:
            question = clause
    kinds = [kind] if kind else list(VALUE_KINDS)
    value_words = {w for k in kinds for w in (*VALUE_KINDS[k][0], *UNIT_WORDS.get(k, ()))} | _GENERIC_VALUE_WORDS
    value_stems = set(content_terms(" ".join(value_words)))
    # the asked kind's words read as ``value_kind`` reads them, as prefixes: "weight" asks as "weigh" does
    asked = tuple(content_terms(" ".join(VALUE_KINDS[kind][0]))) if kind else ()
    dates = set(content_terms(" ".join(_DATE_WORDS)))
    ignore = ignore or set()
    return [t for t in dict.fromkeys(content_terms(question))
            if t not in value_stems and not t.startswith(asked) and t not in ignore and t not in dates
            and not re.fullmatch(r"(19|20)\d\d", t)]


def _value_clause(question: str, kind: str) -> str:
    clauses = [c for c in re.split(r"[,;?]|\band\b|\bthen\b", question) if c.strip()]
    if len(clauses) < 2:
        return question
    triggers = VALUE_KINDS[kind][0]
    for clause in clauses:
        if any(re.search(rf"\b{re.escape(t)}", clause.lower()) for t in triggers):
            return clause
    return question


# "which refrigerant", "what brand", "what type of oil": the attribute asked for.
# The word must be the head of its phrase (a verb or preposition follows), so "what hearing
# protection rule applies" is not read as asking for "hearing".
_WHICH_RE = re.compile(r"\b(?:which|what)\s+(?:kind of |type of |sort of |make of |grade of |brand of )?([a-z][a-z-]+)"
                       r"\s+(?:is|are|was|were|does|do|did|should|must|can|has|have|goes|go|to|for|in|on|of|at)\b", re.I)
_WHO_RE = re.compile(r"\bwho\s+(manufactur\w*|made|makes|built|builds|suppl\w+|sells|sold|designed)\b", re.I)
_MAKER_WORDS = ("manufacturer", "manufactured", "maker", "make", "brand", "supplier", "vendor", "oem", "made by")
# Nouns too general to be an attribute: the answer may be phrased any way.
_GENERIC_FOCUS = set("""is are was were do does did should must can could would will has have had
asset assets machine machines equipment part parts component components step steps cause causes problem problems
fault faults alarm alarms code codes error errors tool tools thing things way ways one ones happens happened
else reason reasons action actions work order orders task tasks check checks procedure procedures
issue issues failure failures symptom symptoms sign signs date time day year month""".split())


_ASKED_RE = re.compile(r"\b(?:what|which|how long|how much|how many|when)\s+(?:is|are|was|were|does|do|did)?\s*"
                       r"(?:the|a|an|my|our|this)?\s*([a-z][a-z-]+)")


def asked_noun(question: str) -> str | None:
    """Stem of the noun a question asks about: "How long is the warranty on ..." -> 'warranty'."""
    m = _ASKED_RE.search(question.lower())
    stems = content_terms(m.group(1)) if m else []
    return stems[0] if stems else None


def focus_terms(question: str) -> tuple[str, ...]:
    """Stemmed alternatives naming the attribute a which/what/who question asks for, or ().

    >>> focus_terms("Which refrigerant is in the spindle chiller?")
    ('refrigerant',)
    >>> "brand" in focus_terms("Who manufactured the hydraulic pump?")
    True
    >>> focus_terms("What does S-14 mean?")
    ()
    """
    if value_kind(question) or _SYMPTOM_CONTEXT.search(question.lower()):
        return ()
    who = _WHO_RE.search(question)
    if who:
        return tuple(t for w in _MAKER_WORDS for t in content_terms(w)[:1])
    m = _WHICH_RE.search(question)
    if m is None or m.group(1).lower() in _GENERIC_FOCUS:
        return ()
    stems = content_terms(m.group(1))
    return tuple(stems[:1])


def passages(text: str) -> list[tuple[str, str]]:
    """(line, context) pairs of a source: each line with its two predecessors and the chunk's
    first line (its title or heading path), so a table header or section title binds the
    values under it, but a value never borrows the subject of the line *below* it."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    head = lines[0] if lines else ""
    return [(line, " ".join(([head] if i > 2 else []) + lines[max(0, i - 2):i + 1]))
            for i, line in enumerate(lines)]


def bound_sources(texts: list[str], terms: list[str], *, pattern: re.Pattern[str] | None = None,
                  focus: tuple[str, ...] = ()) -> list[int]:
    """Indices of texts with a line holding the value (or focus word) whose context names the
    subject: every subject term of a one- or two-word subject, three in five of a longer one
    (a passage rarely repeats "engine" next to "water inlet nuts")."""
    need = len(terms) if len(terms) <= 2 else -(-3 * len(terms) // 5)
    found = []
    for i, text in enumerate(texts):
        for line, context in passages(text):
            if pattern is not None and not pattern.search(line):
                continue
            # prefixes, so "manufactur" meets "manufacturer" and "manufactured"
            if focus and not any(w.startswith(f) for f in focus for w in content_terms(line)):
                continue
            cterms = set(content_terms(context))
            if sum(t in cterms for t in terms) >= need:
                found.append(i)
                break
    return found
