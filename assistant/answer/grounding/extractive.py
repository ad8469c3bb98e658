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


_ALNUM = re.compile(r"[^\W_]")  # a letter or digit of any script
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
    quotable = {n: _quotable(text) for n, text in sources.items() if allowed is None or n in allowed}
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
            for line in _quotable(sources[n]):
                for sent in split_sentences(line) or [line]:
                    share = len(terms & set(content_terms(sent))) / len(terms)
                    if len(sent) >= 8 and share >= min_share and (best is None or share > best[0]):
                        best = (share, sent, n)
        if best is not None and (best[1], best[2]) not in out:
            out.append((best[1], best[2]))
    return out


def _quotable(text: str) -> list[str]:
    """A source's lines below its heading (the heading alone when it has nothing else), list marks stripped."""
    return [ln.strip(" -*\u2022\t") for ln in text.splitlines()[1:] or text.splitlines()]


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


def with_following(lines: list[tuple[str, int]], sources: dict[int, str], count: int) -> list[tuple[str, int]]:
    """``lines``, each followed by the rest of its paragraph (and after its paragraph's opening sentence when it is
    a later one, after the items above it when it is a list item); the first (the best) also by the source lines
    under it, ``count`` sentences and lines in all, the others by at most ``_OTHER_TAIL`` sentences.

    >>> with_following([("Motor oscillates.", 1)], {1: "Tuning\\nMotor oscillates. Lower pos_gain.\\nSee 4.2"}, 2)
    [('Motor oscillates.', 1), ('Lower pos_gain.', 1), ('See 4.2', 1)]
    >>> with_following([("Check the PSU.", 1)], {1: "Lost link\\nLook for:\\n- Use a USB cable.\\n- Check the PSU."}, 2)
    [('Use a USB cable.', 1), ('Check the PSU.', 1)]
    """
    if not lines or count <= 0:
        return lines
    out: list[tuple[str, int]] = []
    openers: set[tuple[str, int]] = set()  # quoted for context only: a line they hold is still quoted with its tail
    for k, (line, n) in enumerate(lines):
        if any(line.lower() in o.lower() for o, m in out if m == n and (o, m) not in openers):
            continue  # a line quoted after an earlier one holds it whole
        for item in _items_above(line, sources[n]):
            if not any(item.lower() == o.lower() for o, m in out if m == n):
                out.append((item, n))
        opener = _opener(line, sources[n])
        if opener and not any(opener.lower() == o.lower() for o, m in out if m == n):
            out.append((opener, n))
            openers.add((opener, n))
        if (line, n) not in openers:
            out.append((line, n))
        quoted = {o.lower() for o, _ in out}
        for f in _after(line, sources[n], count if k == 0 else _OTHER_TAIL, lines_below=k == 0):
            if f.lower() not in quoted:
                out.append((f, n))
                quoted.add(f.lower())
    return out


# The fix is often the sentence after the symptom, in the same paragraph ("... dropped while moving.
# In either case, try a larger needle."): 2 sentences after each other quoted line, fact recall
# 0.594 -> 0.601 on four corpora (the first line's own paragraph: 0.577 -> 0.594).
_OTHER_TAIL = 2


# A list answers as a whole ("Things to look for:" and its items); the line that matched the question best is
# often a later item, or a wrapped line of one. Up to 4 items above a quoted one, in the document's order, and the
# first line of the item a wrapped line belongs to: fact recall klipper-printer 0.694 -> 0.722, preciousplastic
# 0.635 -> 0.662, px4-drone 0.577 -> 0.611, odrive 0.706 -> 0.732, six other sets and the locked one unchanged
# (benchmarks/README.md). Markers and indents are layout, not words: any language's lists have them.
_ITEMS_ABOVE = 4
_LIST_ITEM = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)]|#\.)\s+\S")


def _items_above(quoted: str, source: str) -> list[str]:
    """The items above ``quoted`` in its list (at most ``_ITEMS_ABOVE``, nearest last) when it is a list item, and
    when it is a wrapped line of one, that item's first line last.

    >>> _items_above("Check the PSU.", "Lost link\\nLook for:\\n- Use a USB cable.\\n- Check the PSU.")
    ['Use a USB cable.']
    >>> _items_above("It wears out.", "Noise\\n* Check the belt.\\n* Check the encoder.\\n  It wears out.")
    ['Check the belt.', 'Check the encoder.']
    >>> _items_above("Check the PSU.", "Lost link\\nUse a good USB cable.\\nCheck the PSU.")
    []
    """
    raw = [ln for ln in source.splitlines()[1:] if ln.strip()]
    at = next((i for i, ln in enumerate(raw) if quoted in ln), None)
    head = None if at is None else _item_head(raw, at)
    if head is None:
        return []
    level = _indent(raw[head])
    items: list[str] = []
    for ln in reversed(raw[:head]):
        if len(items) == _ITEMS_ABOVE:
            break
        if _LIST_ITEM.match(ln) and _indent(ln) == level:
            items.insert(0, ln.strip(" -*\u2022\t"))
        elif _indent(ln) <= level:
            break  # the list's start, or the item a nested list belongs to
        # deeper: a sibling's wrapped line or nested item, passed over
    if head != at:
        items.append(raw[head].strip(" -*\u2022\t"))
    return [u for u in items if len(_ALNUM.findall(u)) >= 4]


def _item_head(raw: list[str], at: int) -> int | None:
    """The index of the list item ``raw[at]`` is, or whose wrapped line (indented deeper) it is; None outside lists."""
    if _LIST_ITEM.match(raw[at]):
        return at
    depth = _indent(raw[at])
    for i in range(at - 1, -1, -1) if depth else ():
        if _LIST_ITEM.match(raw[i]):
            return i if _indent(raw[i]) < depth else None
        if _indent(raw[i]) < depth:
            return None  # a paragraph's indented block (code, a quote), not an item's
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _opener(quoted: str, source: str) -> str | None:
    """The first sentence of ``quoted``'s paragraph when ``quoted`` is a later one: a paragraph's opening
    sentence names what the rest is about, often with the value ("Once a month, inspect your tracks ...
    This can bind the gantry if the tracks are not cleaned.").

    >>> _opener("It binds if not cleaned.", "Tracks\\nOnce a month, inspect the tracks. It binds if not cleaned.")
    'Once a month, inspect the tracks.'
    """
    para = next((ln for ln in _quotable(source) if quoted in ln), None)
    if para is None or para.startswith(quoted):
        return None
    first = (split_sentences(para) or [para])[0]
    return first if len(_ALNUM.findall(first)) >= 4 and quoted not in first else None


def _after(quoted: str, source: str, count: int, *, lines_below: bool) -> list[str]:
    """The sentences after ``quoted`` in its paragraph, then (``lines_below``) the lines under it."""
    text = [ln.strip(" -*\u2022\t") for ln in source.splitlines()[1:] if ln.strip()]
    at = next((i for i, ln in enumerate(text) if quoted in ln), None)
    if at is None:
        return []
    para = text[at]
    rest = split_sentences(para[para.find(quoted) + len(quoted):])
    below = text[at + 1:] if lines_below else []
    if not lines_below and len(rest) <= count and (rest[-1] if rest else quoted).rstrip().endswith(":"):
        # the paragraph ends announcing what follows ("edit these entries in userConfig.h:"): the lines under it
        # are what it announces (a list, a code block), in any language
        below = text[at + 1:at + 1 + _ANNOUNCED]
        count = len(rest) + len(below)
    # a rule or an underline ("~~~~", "----") is layout: neither quoted nor counted
    # a repeat of the quoted line (a heading echoed under it) is neither quoted nor counted
    # a line the page repeats ("Disclaimer" over and under a box) is quoted and counted once
    kept = [u for u in [*rest, *below] if len(_ALNUM.findall(u)) >= 4 and u.lower() != quoted.lower()]
    first: dict[str, str] = {}
    for u in kept:
        first.setdefault(u.lower(), u)
    return list(first.values())[:count]


_ANNOUNCED = 4  # lines quoted under a later quoted paragraph ending with a colon (the first line has its count)
