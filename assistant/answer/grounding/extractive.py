"""Quote the source lines that best answer a question, each with its citation.

Used when the model declines although the evidence gate found good sources, and when a
generated quantity cannot be verified: a quoted source line is always grounded.
"""

from __future__ import annotations

import math
import re
from typing import Mapping

from assistant.answer.grounding.citations import parse_markers, strip_markers
from assistant.answer.grounding.evidence import value_pattern
from assistant.textutil import content_terms, split_sentences


ALNUM = re.compile(r"[^\W_]")  # a letter or digit of any script
BULLETS = "-*\u2022"  # the marks of a bulleted list item, in any language (numbered items are read apart)
_QUALIFIERS = {"minimum", "maximum", "min", "max", "limit", "new", "used", "wear", "standard", "service"}


def extractive_answer(question: str, sources: dict[int, str], *, value_kind: str | None = None,
                      max_lines: int = 2) -> str:
    """Best source lines by question-term overlap, as ``line [n].`` sentences.

    >>> extractive_answer("valve opening temperature", {1: "Thermostat\\nValve opening temperature: 82 °C"})
    'Valve opening temperature: 82 °C [1].'
    """
    return " ".join(f"{line.rstrip('.')} [{n}]." for line, n in
                    extractive_lines(question, sources, value_kind=value_kind, max_lines=max_lines))


def extractive_lines(question: str, sources: dict[int, str], *, value_kind: str | None = None,
                     max_lines: int = 2, allowed: set[int] | None = None,
                     ignore: frozenset[str] = frozenset(),
                     shares: Mapping[str, float] | None = None) -> list[tuple[str, int]]:
    """The ``max_lines`` best (line, source number) of ``scored_lines``, each line once."""
    picked: list[tuple[str, int]] = []
    seen: set[str] = set()
    for _, n, sent in scored_lines(question, sources, value_kind=value_kind, allowed=allowed, ignore=ignore,
                                   shares=shares):
        key = sent.lower()
        if any(key in s or s in key for s in seen):
            continue  # the same line again, or a label line joined to a value already quoted
        seen.add(key)
        picked.append((sent, n))
        if len(picked) == max_lines:
            break
    return picked


def scored_lines(question: str, sources: dict[int, str], *, value_kind: str | None = None,
                 allowed: set[int] | None = None, ignore: frozenset[str] = frozenset(),
                 shares: Mapping[str, float] | None = None) -> list[tuple[float, int, str]]:
    """Every (score, source number, line) that may answer the question, best first.

    A score is the question terms a line holds, each weighted by its rarity with ``shares`` (a term of
    average rarity weighs 1; without ``shares`` every term weighs 1), plus bonuses for a value of the
    asked kind, less 0.01 per source number (a tie goes to the better-ranked source).

    A line must share at least a third of the question's terms (and one at the least); ``allowed``
    limits the sources quoted (for quantity questions: those that state one for the subject);
    question terms in ``ignore`` (the corpus's commonest words) count for nothing unless they are all it has.
    A line the answer already says is quoted all the same: a reworded value ("40A") lacks the
    source's own words ("40A per channel"), and leaving the best line out moves the lines quoted
    under it to a worse one (four corpora, fact recall 0.607 when lines the answer mostly says were
    left out, 0.623 when only its word-for-word copies were, 0.630 now).
    """
    q_terms = set(content_terms(question))
    q_terms = (q_terms - ignore) or q_terms
    # "minimum" / "maximum" are not subject words, yet they pick the right one of two values
    qualifiers = {w for w in re.findall(r"[a-z]+", question.lower()) if w in _QUALIFIERS}
    ids = {t for t in q_terms if re.search(r"\d", t) and re.search(r"[a-z]", t)}
    quotable = {n: quotable_lines(text) for n, text in sources.items() if allowed is None or n in allowed}
    # a third of the question's terms that the sources hold at all: words only a question has
    # ("welchen", "wieviele" where the stop list is English) cannot be matched and must not raise the bar
    held = q_terms & set(content_terms(" ".join(" ".join(ls) for ls in quotable.values())))
    min_overlap = max(1, round(len(held) / 3))
    weight = _weights(held, shares)
    pattern = value_pattern(value_kind) if value_kind else None
    candidates: list[tuple[float, int, int, str]] = []
    for n, lines in quotable.items():
        for i, line in enumerate(lines):
            # a value line ("Torque: 18 N·m") takes its subject from the two lines above it and its source's heading
            above_text = " ".join([sources[n].strip().split("\n", 1)[0], *lines[max(0, i - 2):i]]) if pattern else ""
            above = set(content_terms(above_text))
            for sent in split_sentences(line) or [line]:
                terms = set(content_terms(sent))
                overlap = sum(weight(t) for t in q_terms & terms)
                if pattern and pattern.search(sent):
                    if sum(weight(t) for t in q_terms & (terms | above)) < min_overlap:
                        continue
                    # own words count fully, the lines above less; a model or code the question
                    # names ("5S-FE") and "minimum" / "maximum" pick between neighbouring values
                    overlap += 0.4 * sum(weight(t) for t in (q_terms & above) - terms) + (1.0 if ids & terms else 0.0)
                    context = f"{above_text} {sent}".lower()
                    overlap += sum(1 for w in qualifiers if re.search(rf"\b{w}", context))
                elif overlap < min_overlap:
                    continue
                score = overlap + (2.0 if pattern and pattern.search(sent) else 0.0) - 0.01 * n
                if pattern and not pattern.search(sent):
                    # a label line ("Torque:") whose value sits on the next lines
                    follow = " ".join(lines[i + 1:i + 3])
                    if pattern.search(follow) and sent.rstrip().endswith(":"):
                        sent = f"{sent} {follow}"
                        score += 1.5
                if len(sent) < 8:
                    continue
                candidates.append((score, -n, -i, sent))
    if pattern is not None and not any(pattern.search(c[3]) for c in candidates):
        return []
    return [(score, -neg_n, sent) for score, neg_n, _, sent in sorted(candidates, reverse=True)]


def supporting_lines(reply: str, sources: dict[int, str], *, min_share: float = 0.5) -> list[tuple[str, int]]:
    """For each sentence of the checked reply, the line of its cited source that holds most of its words.

    The model chose what answers the question when it read the sources; the source's own line shows
    it word for word (a value the reply rounds or rewords, the rest of a step it shortens). A line
    holding less than ``min_share`` of the sentence's terms is not its support.

    >>> supporting_lines("Clean the tracks monthly [1].", {1: "Tracks\\nClean the tracks once a month."})
    [('Clean the tracks once a month.', 1)]
    """
    out: list[tuple[str, int]] = []
    for sentence in split_sentences(reply):
        marked = [n for n in dict.fromkeys(parse_markers(sentence)) if n in sources]
        terms = set(content_terms(strip_markers(sentence)))
        if not marked or not terms:
            continue
        best: tuple[float, str, int] | None = None
        for n in marked:
            for line in quotable_lines(sources[n]):
                for sent in split_sentences(line) or [line]:
                    share = len(terms & set(content_terms(sent))) / len(terms)
                    if len(sent) >= 8 and share >= min_share and (best is None or share > best[0]):
                        best = (share, sent, n)
        if best is not None and (best[1], best[2]) not in out:
            out.append((best[1], best[2]))
    return out


def quotable_lines(text: str) -> list[str]:
    """A source's lines below its heading (the heading alone when it has nothing else), list marks stripped."""
    return [unmarked(ln) for ln in text.splitlines()[1:] or text.splitlines()]


def unmarked(line: str) -> str:
    """A source line as quoted: without its indent and list mark (a quote is shown as a bullet of its own)."""
    return line.strip(f" \t{BULLETS}")


def _weights(held: set[str], shares: Mapping[str, float] | None):
    """Each question term's weight: its inverse document frequency in the corpus, scaled so the terms
    the sources hold weigh one on average (so the thresholds keep their meaning); 1 without statistics.

    >>> w = _weights({"ich", "sensor"}, {"ich": 0.5, "sensor": 0.05})
    >>> round(w("ich"), 2), round(w("sensor"), 2)
    (0.38, 1.62)
    """
    idf = {t: math.log(1 / shares[t]) for t in held if shares and shares.get(t)}
    mean = sum(idf.values()) / len(idf) if idf else 0.0
    if mean <= 0:
        return lambda t: 1.0
    return lambda t: idf.get(t, mean) / mean
