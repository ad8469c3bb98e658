"""What is quoted with each picked source line: the rest of its paragraph, the lines under it, its paragraph's
opening sentence, and the items above it in its list."""

from __future__ import annotations

import re

from assistant.answer.grounding.answer_style import ORDINAL
from assistant.answer.grounding.extractive import ALNUM, BULLETS, quotable_lines, unmarked
from assistant.textutil import split_sentences
from ingest.text.tokenize import tokens


def with_following(lines: list[tuple[str, int]], sources: dict[int, str], count: int) -> list[tuple[str, int]]:
    """``lines``, each followed by the rest of its paragraph (and after its paragraph's opening sentence when it is
    a later one, after the items above it when it is a list item); the first (the best) also by the source lines
    under it, ``count`` sentences and lines in all, the others by ``_OTHER_TAIL`` (more lines under a paragraph that
    ends with a colon: it announces them).

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
        for f in _after(line, sources[n], count if k == 0 else _OTHER_TAIL, announced=k > 0):
            if f.lower() not in quoted:
                out.append((f, n))
                quoted.add(f.lower())
    return out


# The fix is often the sentence after the symptom, in the same paragraph ("... dropped while moving.
# In either case, try a larger needle."): 2 sentences after each other quoted line, fact recall
# 0.594 -> 0.601 on four corpora (the first line's own paragraph: 0.577 -> 0.594). Then the lines under it
# (a spec under a spec, the fix under a symptom's line), 3 in all: fact recall up on six of ten development sets
# (px4-drone 0.611 -> 0.679, odrive 0.732 -> 0.759, clevercoffee-de 0.511 -> 0.532) and on the locked one
# (0.712 -> 0.727), none lower; the median answer grew by a tenth (benchmarks/README.md).
_OTHER_TAIL = 3


# A list answers as a whole ("Things to look for:" and its items); the line that matched the question best is
# often a later item, or a wrapped line of one. Up to 4 items above a quoted one, in the document's order, and the
# first line of the item a wrapped line belongs to: fact recall klipper-printer 0.694 -> 0.722, preciousplastic
# 0.635 -> 0.662, px4-drone 0.577 -> 0.611, odrive 0.706 -> 0.732, six other sets and the locked one unchanged
# (benchmarks/README.md). Markers and indents are layout, not words: any language's lists have them.
_ITEMS_ABOVE = 4
_LIST_ITEM = re.compile(rf"^\s*(?:[{re.escape(BULLETS)}]|\d{{1,2}}[.)]|#\.)\s+\S")


def _items_above(quoted: str, source: str) -> list[str]:
    """The items above ``quoted`` in its list (at most ``_ITEMS_ABOVE``, nearest last) when it is a list item, and
    when it is a wrapped line of one, that item's first line last.

    >>> _items_above("Check the PSU.", "Lost link\\nLook for:\\n- Use a USB cable.\\n- Check the PSU.")
    ['Use a USB cable.']
    >>> _items_above("It wears out.", "Noise\\n* Check the belt.\\n* Check the encoder.\\n  It wears out.")
    ['Check the belt.', 'Check the encoder.']
    >>> _items_above("Check the PSU.", "Lost link\\nUse a good USB cable.\\nCheck the PSU.")
    []
    >>> len(_items_above("Refit the cap.", "Recharge\\n" + "\\n".join(f"{i}. Step {i} here." for i in range(1, 7))
    ...                                    + "\\n7. Refit the cap."))  # a procedure: from its first step
    6
    """
    raw = [ln for ln in source.splitlines()[1:] if ln.strip()]
    at = next((i for i, ln in enumerate(raw) if quoted in ln), None)
    head = None if at is None else _item_head(raw, at)
    if head is None:
        return []
    level = _indent(raw[head])
    # a numbered list is a procedure: quoted from its first step, the lock-out or the isolation the later steps
    # assume is never left out
    limit = None if ORDINAL.match(raw[head]) else _ITEMS_ABOVE
    items: list[str] = []
    for ln in reversed(raw[:head]):
        if len(items) == limit:
            break
        if _LIST_ITEM.match(ln) and _indent(ln) == level:
            items.insert(0, unmarked(ln))
        elif _indent(ln) <= level:
            break  # the list's start, or the item a nested list belongs to
        # deeper: a sibling's wrapped line or nested item, passed over
    if head != at:
        items.append(unmarked(raw[head]))
    return [u for u in items if len(ALNUM.findall(u)) >= 4]


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
    para = next((ln for ln in quotable_lines(source) if quoted in ln), None)
    if para is None or para.startswith(quoted):
        return None
    first = (split_sentences(para) or [para])[0]
    return first if len(ALNUM.findall(first)) >= 4 and quoted not in first else None


def _after(quoted: str, source: str, count: int, *, announced: bool) -> list[str]:
    """The sentences after ``quoted`` in its paragraph, then the lines under it, ``count`` in all; with ``announced``,
    up to ``_ANNOUNCED`` lines under a paragraph that ends with a colon, whatever ``count``."""
    text = [unmarked(ln) for ln in source.splitlines()[1:] if ln.strip()]
    at = next((i for i, ln in enumerate(text) if quoted in ln), None)
    if at is None:
        return []
    para = text[at]
    rest = split_sentences(para[para.find(quoted) + len(quoted):])
    below = text[at + 1:]
    if announced and len(rest) <= count and (rest[-1] if rest else quoted).rstrip().endswith(":"):
        # the paragraph ends announcing what follows ("edit these entries in userConfig.h:"): the lines under it
        # are what it announces (a list, a code block), in any language
        below = text[at + 1:at + 1 + _ANNOUNCED]
        count = len(rest) + len(below)
    # a rule or an underline ("~~~~", "----") is layout: neither quoted nor counted
    # a repeat of the quoted line (a heading echoed under it) is neither quoted nor counted
    # a line the page repeats ("Disclaimer" over and under a box) is quoted and counted once
    kept = [u for u in [*rest, *below] if len(ALNUM.findall(u)) >= 4 and u.lower() != quoted.lower()]
    first: dict[str, str] = {}
    for u in kept:
        first.setdefault(u.lower(), u)
    return list(first.values())[:count]


_ANNOUNCED = 4  # lines quoted under a later quoted paragraph ending with a colon (the first line has its count)


def _words(text: str) -> str:
    """' tokens of the text ', citation markers left out: "3A." and "3A [2]" are " 3a "."""
    return " " + " ".join(tokens(re.sub(r"\[\d+\]", " ", text))) + " "


def distinct(lines: list[tuple[str, int]], stated: str = "") -> list[tuple[str, int]]:
    """The quoted lines each once and without a list mark of their own (each is shown as a bullet): passages of one
    document overlap and repeat a list, so the same line, or one that a longer line holds whole, is reached twice and
    the answer reads as repeating itself. A longer line takes the place of the first line it holds. A line the reply
    ``stated`` word for word (it copied it) is not quoted under it again.

    >>> distinct([("- Output: 3A", 1), ("Input: 7-51 V", 2), ("Output: 3A.", 2), ("Input: 7-51 V. Output: 3A", 1)])
    [('Input: 7-51 V. Output: 3A', 1)]
    >>> distinct([("Drain the oil.", 1), ("Refill 2 l.", 1)], stated="Drain the oil [1].")
    [('Refill 2 l.', 1)]
    """
    kept: list[tuple[str, str, int]] = []  # (words compared, line, source)
    said = _words(stated)
    for line, n in lines:
        line = unmarked(line)
        key = _words(line)
        if not key.strip() or key in said or any(key in k for k, _, _ in kept):
            continue
        held = [i for i, (k, _, _) in enumerate(kept) if k in key]
        if held:
            kept[held[0]] = (key, line, n)
            kept = [k for i, k in enumerate(kept) if i not in held[1:]]
        else:
            kept.append((key, line, n))
    return [(line, n) for _, line, n in kept]
