"""One stemmer and one tokeniser: keyword search, the evidence gate, history and sensors agree.

A question's word must meet a document's word on the same stem whichever part compares them;
three stemmers once turned "failures" into failur / fail / failure.
"""

from __future__ import annotations

import pytest

from assistant.history.text import significant_words, stems_of
from assistant.sensors import terms as sensor_terms
from assistant.textutil import content_terms
from index.bm25 import tokenize as bm25_terms
from ingest.text import stem

FORMS = {
    "fail": ["failures", "failure", "failed", "failing", "fails"],
    "leak": ["leaks", "leaking", "leaked", "leakage"],
    "plug": ["plugged", "plugging", "plugs"],
    "replac": ["replace", "replaced", "replacing", "replacement", "replaces"],
    "battery": ["batteries", "battery"],
    "pressur": ["pressure", "pressures"],
}


@pytest.mark.parametrize("expected, words", FORMS.items())
def test_every_reader_gives_one_stem(expected, words):
    for word in words:
        assert stem(word) == expected, word
        assert bm25_terms(word) == [expected], ("bm25", word)
        assert content_terms(word) == [expected], ("gate", word)
        assert stems_of(significant_words(word)) == [expected], ("history", word)
        assert sensor_terms(word) == [expected], ("sensors", word)


def test_codes_and_numbers_are_not_stemmed():
    assert stem("E204s") == "e204s" and stem("10bars") == "10bars"
    assert content_terms("alarm E-204") == ["alarm", "e-204"]
    assert "e-204" in bm25_terms("alarm E-204")


def test_one_tokeniser_behind_bm25_and_the_gate():
    text = "Check P/N 4471-22 and valves"
    assert set(content_terms(text)) - {"check"} <= set(bm25_terms(text))
