"""The tokeniser, and the term lists built on it for keyword search, the evidence gate and history.

A token is a run of letters/digits, optionally joined to more runs by ``-`` ``/`` ``.`` ``_``,
so codes, part numbers and ratings stay whole (``e-204``, ``p/n``, ``3.5``, ``oil_temp``).
Letters are Unicode letters, so a French or Spanish manual is searchable as written
(``vérifier``, ``señal``); on ASCII text this is exactly ``[a-z0-9]``.
Each caller then splits, filters and stems tokens its own way:

>>> search_terms("Replace seal P/N 4471-22 after alarm E-204")
['replac', 'seal', 'p/n', 'p', 'n', 'pn', '4471-22', '4471', '22', '447122', 'after', 'alarm', 'e-204', 'e', '204', 'e204']
>>> content_terms("What does alarm E-204 on the pumps mean?")
['alarm', 'e-204', 'pump']
>>> search_terms("failures"), content_terms("failures"), significant_words("failures")
(['fail'], ['fail'], ['failures'])
"""

from __future__ import annotations

import re
from functools import cache

from ingest.text.stem import stem
from ingest.text.words import word_set

JOINERS = "-/._"
# Bump whenever ``search_terms`` gives other terms for the same text: a stored BM25 index records
# the version it was built with and is rebuilt from its chunk texts when it differs (index/versions.py).
# 1: plural-only stemming; 2: the one stemmer; 3: Unicode letters.
SEARCH_TERMS_VERSION = 3
_ALNUM_RUNS = re.compile(r"[^\W\d_]+|\d+")  # letters, or digits


@cache
def _token_re(joiners: str) -> re.Pattern[str]:
    sep = "[" + re.escape(joiners) + "]"
    return re.compile(rf"[^\W_]+(?:{sep}[^\W_]+)*")  # [^\W_]: a letter or digit of any script


@cache
def _split_re(joiners: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(joiners) + "]")


def tokens(text: str, joiners: str = JOINERS) -> list[str]:
    """Lower-case tokens of ``text``, runs joined by any of ``joiners`` kept as one token."""
    return _token_re(joiners).findall(text.lower())


def split_token(token: str, joiners: str = JOINERS) -> list[str]:
    """The runs of a joined token: ``e-204`` -> ``['e', '204']``."""
    return [p for p in _split_re(joiners).split(token) if p]


def search_terms(text: str) -> list[str]:
    """Terms for keyword search (BM25): codes kept whole plus their parts and separator-free form.

    Generic tokenisers split ``E-204`` into ``e`` and ``204`` and lose the code; here
    ``P/N 4471-22`` is found by ``4471-22``, ``4471`` and ``447122``.
    """
    stop = word_set("search_stop")
    out: list[str] = []
    for token in tokens(text):
        parts = split_token(token)
        if len(parts) > 1:
            out.append(token)
            out.extend(p for p in parts if p not in stop)
            out.append("".join(parts))  # "E204" written without the dash still matches
        elif token.isalpha():
            if token not in stop:
                out.append(stem(token))
        else:
            out.append(token)
            runs = _ALNUM_RUNS.findall(token)
            if len(runs) > 1:
                # WO259747 -> wo, 259747; MT010b -> mt, 010. Single letters/digits are noise.
                out.extend(r for r in runs if len(r) > 1)
    return out


@cache
def _gate_stop() -> frozenset[str]:
    return word_set("question_stop") | word_set("answer_kind")


def content_terms(text: str) -> list[str]:
    """Stemmed content words of a text, in order, without stop words or 1-letter tokens (the gate's)."""
    stop = _gate_stop()
    out: list[str] = []
    for tok in tokens(text, "./-"):
        for part in split_token(tok, "./-") if not any(c.isdigit() for c in tok) else [tok]:
            if len(part) < 2 or part in stop:
                continue
            out.append(stem(part))
    return out


def significant_words(text: str, extra_stop: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Words of a topic minus stop words and numbers, in order, without repeats (history's).

    A word starts with a letter: leading parts that start with a digit are readings ("118hz",
    "3-way"), while a model number after a word stays ("IM-350T" gives "im", "350t").
    """
    stop = word_set("history_stop")
    out: list[str] = []
    for token in tokens(text, "-/"):
        parts = split_token(token, "-/")
        while parts and parts[0][0].isdigit():
            parts.pop(0)
        for part in parts:
            if len(part) < 2 or part in stop or part in extra_stop or part.isdigit():
                continue
            if part not in out:
                out.append(part)
    return out
