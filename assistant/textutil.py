"""Small text helpers shared by the citation checker and the evidence gate.

Tokens, stems, numbers and quantities come from ``ingest.text`` (the one text module); what
is left here is sentence splitting and excerpt clipping, pure and easy to test on hand-made strings.
"""

from __future__ import annotations

import re
from typing import Protocol, Sequence, TypeVar

from ingest.text import content_terms, numbers, quantities, stem  # noqa: F401  (re-exported)

# A sentence ends at . ! ? after a letter, unit or closing bracket (not after a bare list number
# "1."), before an upper-case letter of any script; or at a full-width 。！？ (no space follows in
# Chinese or Japanese). Letters are Unicode letters: an ASCII-only class dropped every sentence of
# a Greek or Russian answer as "no word".
_SENTENCE_END = re.compile(r"(?<=(?:[^\W\d_]|[)\]%°])[.!?])\s+(?=\S)|(?<=[。！？])")
_HAS_WORD = re.compile(r"[^\W_]")  # a letter or digit of any script


def split_sentences(text: str) -> list[str]:
    """Split prose and list items into sentences, keeping citation markers with their sentence.

    >>> split_sentences("Vérifiez le filtre. Écrasez la vis.\\nΕλέγξτε το φίλτρο. Αλλάξτε το λάδι.")
    ['Vérifiez le filtre.', 'Écrasez la vis.', 'Ελέγξτε το φίλτρο.', 'Αλλάξτε το λάδι.']
    >>> split_sentences("Use approx. 5 mm shims [1]. 1985 models differ [2].")
    ['Use approx. 5 mm shims [1].', '1985 models differ [2].']
    """
    parts: list[str] = []
    for line in text.splitlines():
        start = 0
        for m in _SENTENCE_END.finditer(line):
            after = line[m.end():m.end() + 1]
            cited = line[:m.start()].rstrip()[-2:-1] == "]"  # "... help [1]. 1985 ...": a marker closed it
            if m.group() and not (after.isupper() or after in "[(*" or cited):
                continue  # "approx. 5 mm", "e.g. the seal": a new sentence starts with a capital
            parts.append(line[start:m.start()])
            start = m.end()
        parts.append(line[start:])
    return [p.strip() for p in parts if _HAS_WORD.search(p)]


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


def two_decimals(value: float) -> str:
    """A computed figure at most to two decimals, as logs keep them, no trailing zeros and no thousands separator
    (a cited row writes "413214.78").

    >>> two_decimals(3.3912), two_decimals(2.0), two_decimals(1866.8)
    ('3.39', '2', '1866.8')
    """
    return f"{value:.2f}".rstrip("0").rstrip(".")


def clip_words(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary and ending in '…' when cut, so an
    excerpt never stops mid-word ("Pressure does not reach 210 b")."""
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    cut = head.rsplit(None, 1)[0] if re.search(r"\s", head) else head
    return cut.rstrip(" ,;:-") + "…"


def distinct_names(paths: Sequence[str]) -> dict[str, str]:
    """Each path's file name, led by as many of its folders as tell it from another path of the same name: a plant
    keeps one ``manual.pdf`` per machine folder, a docs tree one ``configuration.md`` per product.

    >>> distinct_names(["/d/emonpi/docs/config.md", "/d/emontx4/docs/config.md", "/d/other.md"])
    {'/d/emonpi/docs/config.md': 'emonpi/docs/config.md', '/d/emontx4/docs/config.md': 'emontx4/docs/config.md', \
'/d/other.md': 'other.md'}
    """
    parts = {p: [x for x in p.replace("\\", "/").split("/") if x] or [p] for p in dict.fromkeys(paths)}
    names = {}
    for path, own in parts.items():
        k = 1
        while k < len(own) and any(o != path and other[-k:] == own[-k:] for o, other in parts.items()):
            k += 1
        names[path] = "/".join(own[-k:])
    return names


class Labelled(Protocol):
    source: str  # the file's path
    label: str  # what the model and the technician read, starting with the file's name


L = TypeVar("L", bound=Labelled)


def named_apart(items: list[L]) -> list[L]:
    """``items`` (an answer's citations, a procedure's sources), those of files that share a name labelled with the
    folders that tell them apart (``distinct_names``): the model and the technician see 'emontx4/docs/config.md',
    not two 'config.md'.
    """
    names = distinct_names([c.source for c in items if c.source])
    for c in items:
        base = c.source.replace("\\", "/").rsplit("/", 1)[-1]
        name = names.get(c.source, base)
        if name != base and c.label.startswith(base):
            c.label = name + c.label[len(base):]
    return items
