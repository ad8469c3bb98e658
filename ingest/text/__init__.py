"""The one text-analysis module: tokeniser, stemmer, number / unit / code patterns, word lists.

Everything that reads words (BM25, the evidence gate, history, procedures, sensors) imports
from here, so a question and a document are cut and stemmed the same way. Language knowledge
lives as data in ``words/<lang>/``.
"""

from ingest.text.patterns import CODE, NUMBER, QUANTITY, codes, numbers, quantities
from ingest.text.stem import plural_stem, stem, suffix_stem
from ingest.text.tokenize import content_terms, search_terms, significant_words, split_token, tokens
from ingest.text.words import word_set, word_table

__all__ = [
    "CODE", "NUMBER", "QUANTITY", "codes", "content_terms", "numbers", "plural_stem", "quantities",
    "search_terms", "significant_words", "split_token", "stem", "suffix_stem", "tokens", "word_set", "word_table",
]
