"""The question as the counting routes spell it: shorthand written out, and a mistyped route word mended.

The routes (work-order history, record tables) read English phrases ("how many", "number of", "latest"). A
technician types "hw many", "no. of" or "how mnay" on a tablet, and a count was then declined. Shorthand comes from a
table (``ingest/text/words/en/shorthand.txt``). A typo is found by its distance, not listed: a word one edit (a letter
added, dropped or changed, or two letters swapped) from exactly one of the words the routes are made of
(``route_words.txt``) is read as that word, unless it is a word of the corpus, a common word or a whole word of the
embedder's vocabulary ("newest" stays, though one edit from "fewest"; "counts" stays). Only the routes read the mended
question; retrieval and the stored conversation keep it as typed.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Callable, Mapping, Protocol

from ingest.models import ModelNotAvailable
from ingest.text import search_terms
from ingest.text.words import word_set, word_table


class PieceCounter(Protocol):
    """A word-piece tokenizer: a word of its language is one piece (``ingest.tokens.MiniLMTokenCounter``)."""

    def count(self, text: str) -> int: ...


_WORD = re.compile(r"[^\W\d_]{3,}")  # shorter words ("wo", "hw") are too often another word one edit away


def one_edit(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` one insertion, deletion, substitution or swap of neighbours apart?

    >>> one_edit("mnay", "many"), one_edit("hwo", "how"), one_edit("lastest", "latest"), one_edit("cost", "most")
    (True, True, True, True)
    >>> one_edit("many", "many"), one_edit("mean", "many"), one_edit("count", "mount bolts")
    (False, False, False)
    """
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i in range(len(short)) if short[i] != long_[i]), len(short))
    return short[i:] == long_[i + 1:]


@cache
def _shorthand() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(rf"(?<!\w){re.escape(short)}(?!\w)", re.IGNORECASE), phrase)
                 for phrase, shorts in word_table("shorthand").items() for short in shorts)


class RouteSpelling:
    """Mends a question for the routes; ``corpus_terms`` (the index's search terms, ``term_shares``) keeps a word the
    documents use as written, ``pieces`` (default: the bundled embedder's tokenizer) a word of the language. Without
    corpus statistics (a small corpus) or a tokenizer, no typo is mended, only shorthand.

    >>> class Letters:  # a fake tokenizer that knows no word: one piece a letter
    ...     def count(self, text): return len(text)
    >>> RouteSpelling(lambda: {"strainer": 0.1, "mount": 0.2}, Letters()).spell("No. of wos, how mnay mount bolts")
    'number of wos, how many mount bolts'
    """

    def __init__(self, corpus_terms: Callable[[], Mapping[str, float]] | None = None,
                 pieces: PieceCounter | None = None) -> None:
        self.corpus_terms = corpus_terms
        self.pieces = pieces
        self.words = word_set("route_words")
        self.common = word_set("search_stop") | word_set("question_stop") | word_set("history_stop")

    def spell(self, question: str) -> str:
        for pattern, phrase in _shorthand():
            question = pattern.sub(phrase, question)
        terms = self.corpus_terms() if self.corpus_terms else {}
        return _WORD.sub(lambda m: self._mended(m.group(0), terms), question) if terms else question

    def _mended(self, word: str, terms: Mapping[str, float]) -> str:
        low = word.lower()
        if low in self.words or low in self.common or any(t in terms for t in search_terms(low)):
            return word
        near = [w for w in self.words if one_edit(low, w)]
        return near[0] if len(near) == 1 and not self._known(low) else word

    def _known(self, word: str) -> bool:
        """Is ``word`` one piece for the tokenizer (a word of its language)? Without the bundled one, every word is."""
        try:
            if self.pieces is None:
                from ingest.tokens import MiniLMTokenCounter

                self.pieces = MiniLMTokenCounter()
            return self.pieces.count(word) == 1
        except (ModelNotAvailable, OSError):  # no bundled embedder: mend nothing
            return True
