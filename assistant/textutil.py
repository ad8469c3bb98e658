"""Small text helpers shared by the citation checker and the evidence gate.

Kept dependency-free and pure so they are easy to test on hand-made strings.
"""

from __future__ import annotations

from typing import Sequence

import re

STOP_WORDS = frozenset(
    """a an the and or of to in on at for from by with without into onto over under is are was were be been
    being do does did done have has had having i you we they he she it its this that these those there here what
    which who whom whose when where why how can could should would will shall may might must not no yes any all
    some each every my our your their his her me us them if then than so as about please tell show give find
    know need want get got let lets just also only very more most much many one first last next check
    check does doing machine equipment unit thing things still keep happen happened happens far long
    much mean means meaning need needs needed use used using usual usually normally typically normal
    possible likely way ways kind type types occur occurred go goes going come comes make makes made
    take takes taken look looks like see seen say says said explain describe after before during between
    while within through against via per but ok okay just yet doesn don won isn aren wasn weren didn can't
    cannot wouldn shouldn couldn hasn haven hadn""".split()
)

# Words that describe the kind of answer wanted rather than its subject.
QUESTION_WORDS = frozenset(
    """value values spec specification specified recommended correct proper right amount level setting
    lowest highest maximum minimum peak average mean recorded logged measured measure reading readings
    data sensor times often go went fall fell rise rose above below over under exceed exceeded""".split()
)

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[./-][a-z0-9]+)*", re.IGNORECASE)
_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w])")
# A sentence ends at . ! ? after a word, unit or closing bracket (not after a bare list number "1.").
_SENTENCE_RE = re.compile(r"(?<=[A-Za-z)\]%°][.!?])\s+(?=[A-Z\[(*])")


def stem(word: str) -> str:
    """Very light suffix stripping so 'leaks', 'leaking', 'leaked' meet 'leak'."""
    w = word.lower()
    if not w.isalpha() or w.endswith(("ss", "us", "is")):
        return w
    for suffix in ("ments", "ment", "ings", "ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiousl":  # plugg -> plug
        w = w[:-1]
    if len(w) > 3 and w.endswith("e"):  # replace / replaced / replacement -> replac
        w = w[:-1]
    return w


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN_RE.findall(text)]


def content_terms(text: str) -> list[str]:
    """Stemmed content words of a text, in order, without stop words or 1-letter tokens."""
    out: list[str] = []
    for tok in tokens(text):
        for part in re.split(r"[./-]", tok) if not any(c.isdigit() for c in tok) else [tok]:
            if len(part) < 2 or part in STOP_WORDS or part in QUESTION_WORDS:
                continue
            out.append(stem(part))
    return out


def split_sentences(text: str) -> list[str]:
    """Split prose and list items into sentences, keeping citation markers with their sentence."""
    parts = [p.strip() for line in text.splitlines() for p in _SENTENCE_RE.split(line)]
    return [p for p in parts if re.search(r"[A-Za-z0-9]", p)]


def numbers(text: str) -> list[str]:
    """Numbers in a text, normalised: thousands separators removed, '8.80' -> '8.8'."""
    out = []
    for whole, frac in _NUMBER_RE.findall(text):
        value = whole.replace(",", "")
        if frac:
            frac = frac.rstrip("0")
            value = f"{value}.{frac}" if frac else value
        out.append(value)
    return out


_QUANTITY_RE = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(%|°\s?[cf]\b|[a-zµ°][a-z·./²³-]{0,7})", re.IGNORECASE
)


def quantities(text: str) -> list[str]:
    """Numbers with the unit written right after them, normalised: '8.80 N·m' -> '8.8 n·m'.

    A bare number can match anything ('3' is in most documents); a number with its unit is a
    claim that can be checked.
    """
    out = []
    for whole, frac, unit in _QUANTITY_RE.findall(text):
        value = whole.replace(",", "")
        frac = frac.rstrip("0")
        value = f"{value}.{frac}" if frac else value
        unit = re.sub(r"\s+", "", unit.lower()).rstrip(".")
        if unit in STOP_WORDS or unit in {"or", "and", "to", "x"}:
            continue
        out.append(f"{value} {unit}")
    return out


def strip_mentions(text: str, phrases: Sequence[str]) -> str:
    """Remove asset mentions ("press 4", "Press #4", "PRESS-04", "chiller 9") so their words do not
    become topic words or ranking words; case, separators and leading zeros are ignored, longest
    phrase first."""
    for phrase in sorted(set(phrases), key=len, reverse=True):
        parts = re.findall(r"[a-z]+|\d+", phrase.lower())
        if not parts:
            continue
        body = r"[^a-z0-9]*".join(rf"0*{int(t)}" if t.isdigit() else re.escape(t) for t in parts)
        text = re.sub(rf"(?<![a-z0-9]){body}(?![a-z0-9])", " ", text, flags=re.IGNORECASE)
    return text


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def clip_words(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary and ending in '…' when cut, so an
    excerpt never stops mid-word ("Pressure does not reach 210 b")."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    cut = head.rsplit(None, 1)[0] if re.search(r"\s", head) else head
    return cut.rstrip(" ,;:-") + "…"
