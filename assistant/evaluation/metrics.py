"""Pure metric functions of the evaluation harness (formulas in docs/EVALUATION.md).

Nothing here touches models or files: each function takes plain values and is
tested on hand-made cases in ``tests/assistant/evaluation/test_metrics.py``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from typing import Iterable, Sequence

# ---------------------------------------------------------------- citation markers

_MARKER = re.compile(r"\[(\s*\d+(?:\s*[-\u2013]\s*\d+)?(?:\s*[,;]\s*\d+(?:\s*[-\u2013]\s*\d+)?)*\s*)\]")
_MAX_RANGE = 50  # "[1-3]" expands; a range wider than this is not a citation, it is noise


def citation_markers(text: str) -> list[int]:
    """Citation numbers in order of appearance, duplicates kept.

    >>> citation_markers("Check oil [1]. Then the strainer [2, 3][1] and hoses [4-5].")
    [1, 2, 3, 1, 4, 5]
    """
    out: list[int] = []
    for match in _MARKER.finditer(text):
        for part in re.split(r"[,;]", match.group(1)):
            bounds = [int(b) for b in re.split(r"[-\u2013]", part.strip())]
            if len(bounds) == 2 and 0 <= bounds[1] - bounds[0] <= _MAX_RANGE:
                out.extend(range(bounds[0], bounds[1] + 1))
            else:
                out.append(bounds[0])
    return out


def strip_markers(text: str) -> str:
    return _MARKER.sub(" ", text)


def unique_in_order(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


# ---------------------------------------------------------------- sentences

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\[A-Z0-9\"'(*])")
_LEADING_MARKERS = re.compile(r"^((?:\[[^\]]*\d[^\]]*\]\s*)+)")
_LIST_PREFIX = re.compile(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+")


def answer_sentences(text: str) -> list[str]:
    """Claim-bearing sentences of an answer: one per list item or sentence.

    Headings (``# ...``), lines ending with ``:`` ("Check these:"), rules and
    empty lines carry no claim and are dropped. Markers written after the full
    stop ("... level. [2] Then ...") stay with the sentence they follow.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = _LIST_PREFIX.sub("", line).strip()
        if not line or line.startswith("#"):
            continue
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            lead = _LEADING_MARKERS.match(piece)
            if lead and sentences and _MARKER.search(lead.group(1)):
                sentences[-1] += " " + lead.group(1).strip()
                piece = piece[lead.end():].strip()
            if piece:
                sentences.append(piece)
    return [s for s in sentences if _is_claim(s)]


def _is_claim(sentence: str) -> bool:
    bare = strip_markers(sentence).strip().strip("*_ ")
    if not any(ch.isalnum() for ch in bare):
        return False
    return not bare.endswith(":")


def citation_coverage(text: str) -> tuple[int, int]:
    """(sentences carrying at least one marker, claim sentences)."""
    sentences = answer_sentences(text)
    return sum(1 for s in sentences if citation_markers(s)), len(sentences)


# ---------------------------------------------------------------- fact matching

_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_UNIT_JOINERS = re.compile(r"[\u00b7\u22c5\u2219]")  # N·m, N⋅m
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_DECIMAL_ZEROS = re.compile(r"(\d+)\.(\d*?)0+(?!\d)")
_DEGREES = re.compile(r"(?:\bdeg(?:rees?)?\.?\s*|°\s*)(?:c\b|celsius\b)|\bdegrees?\s+celsius\b|\bcelsius\b")
_FAHRENHEIT = re.compile(r"(?:\bdeg(?:rees?)?\.?\s*|°\s*)(?:f\b|fahrenheit\b)")
_WORD_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_DROP = re.compile(r"[*`\"'\u2018\u2019\u201c\u201d]")


def normalize_text(text: str) -> str:
    """Canonical form for fact matching: one space between tokens, no formatting.

    Case-folded; NFKC (``℃`` → ``°C``, non-breaking spaces → spaces); unicode dashes → ``-``;
    thousands separators dropped (``1,500`` → ``1500``); trailing decimal zeros dropped
    (``7.80`` → ``7.8``); ``deg C`` / ``degrees Celsius`` → ``°c``; ``N·m`` → ``n m``;
    hyphens inside words → space (``oil-level`` = ``oil level``). Spaces are made optional
    by ``fact_found``, so ``150 bar`` = ``150bar`` and ``7.8 N m`` = ``7.8 Nm``.
    """
    text = text.replace("\u00ba", "\u00b0").replace("\u02da", "\u00b0")  # º and ˚ typed for °
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _DASHES.sub("-", text)
    text = _UNIT_JOINERS.sub(" ", text)
    text = _THOUSANDS.sub("", text)
    text = _DECIMAL_ZEROS.sub(lambda m: m.group(1) + ("." + m.group(2) if m.group(2) else ""), text)
    text = _DEGREES.sub("°c", text)
    text = _FAHRENHEIT.sub("°f", text)
    text = _WORD_HYPHEN.sub(" ", text)
    text = _DROP.sub("", text)
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def _fact_pattern(fact: str) -> re.Pattern[str] | None:
    norm = normalize_text(fact).rstrip(".,;:!? ")
    chars = [c for c in norm if not c.isspace()]
    if not chars:
        return None
    body = " ?".join(re.escape(c) for c in chars)
    # A number must not be a piece of a longer number: "150 bar" is not found in "2150 bar".
    head = r"(?<![\d.])" if chars[0].isdigit() else ""
    tail = r"(?!\.?\d)" if chars[-1].isdigit() else ""
    return re.compile(head + body + tail)


def fact_found(fact: str, text: str) -> bool:
    """True when the normalised fact occurs in the normalised text (spaces optional)."""
    pattern = _fact_pattern(fact)
    return pattern is not None and pattern.search(normalize_text(strip_markers(text))) is not None


def facts_found(facts: Sequence[str], text: str) -> list[str]:
    norm = normalize_text(strip_markers(text))
    return [f for f in facts if (p := _fact_pattern(f)) is not None and p.search(norm) is not None]


_NUMBER_IN_TEXT = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?!\.?\d)")


def numbers_absent(answer: str, sources: str) -> list[str]:
    r"""The numbers ``answer`` states that ``sources`` do not hold, compared as facts are (normalised;
    citation markers ignored; "150" is not found in "2150").

    >>> numbers_absent("Tension 142 Hz [1], torque 99 N·m [1], 1,200 rpm.", "Belt: 142 Hz. Speed 1200 rpm. 1990")
    ['99']
    >>> numbers_absent(r"Gimbal motors (type \[2\]) [1].", "Gimbal motors (type [2])")
    []
    """
    held = normalize_text(sources)  # a source's own "[2]" is its text (an answer quotes it escaped, "\\[2\\]")
    found = [m.group(0) for m in _NUMBER_IN_TEXT.finditer(normalize_text(strip_markers(answer)))]
    return list(dict.fromkeys(n for n in found if not re.search(r"(?<![\d.])" + re.escape(n) + r"(?!\.?\d)", held)))


# ---------------------------------------------------------------- ranking and aggregation

def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first relevant item, ``None`` when nothing relevant was retrieved."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def recall_at_k(rank: int | None, k: int) -> float:
    """1.0 when any expected source is within the top ``k`` (``rank`` from ``first_hit_rank``)."""
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None else 1.0 / rank


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean; ``None`` (not 0) when there is nothing to average."""
    return sum(values) / len(values) if values else None


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), ``q`` in [0, 100]; ``None`` if empty."""
    data = sorted(v for v in values if v is not None and not math.isnan(v))
    if not data:
        return None
    pos = (len(data) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return data[low] + (data[high] - data[low]) * (pos - low)
