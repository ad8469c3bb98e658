"""Word lists as data: one plain-text file per list and language under ``ingest/text/words/<lang>/``.

A list file holds words separated by white space; a table file holds ``key: value, value`` lines.
``#`` starts a comment. Adding a language means adding a folder, not editing code:

>>> "the" in word_set("search_stop")
True
>>> word_table("irregular")["broken"]
('break',)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

WORDS_DIR = Path(__file__).resolve().parent / "words"


@cache
def _lines(name: str, lang: str) -> tuple[str, ...]:
    path = WORDS_DIR / lang / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no word list {name!r} for language {lang!r}")
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line)


@cache
def word_set(name: str, lang: str = "en") -> frozenset[str]:
    """The words of list ``name`` (e.g. ``search_stop``) in language ``lang``."""
    return frozenset(word for line in _lines(name, lang) for word in line.split())


def word_table(name: str, lang: str = "en") -> dict[str, tuple[str, ...]]:
    """The ``key: value, value`` lines of table ``name``, values in file order."""
    table: dict[str, tuple[str, ...]] = {}
    for line in _lines(name, lang):
        key, sep, values = line.partition(":")
        if not sep:
            raise ValueError(f"{WORDS_DIR / lang / name}.txt: line {line!r} has no ':'")
        table[key.strip()] = tuple(v.strip() for v in values.split(",") if v.strip())
    return table
