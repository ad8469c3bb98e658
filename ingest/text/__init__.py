"""The one text-analysis module: tokeniser, stemmer, number / unit / code patterns, word lists.

Everything that reads words (BM25, the evidence gate, history, procedures, sensors) imports
from here, so a question and a document are cut and stemmed the same way. Language knowledge
lives as data in ``words/<lang>/``.
"""

from ingest.text.patterns import CODE, NUMBER, QUANTITY, codes, numbers, quantities
from ingest.text.stem import stem
from ingest.text.tokenize import SEARCH_TERMS_VERSION, content_terms, search_terms, significant_words, split_token, tokens
from ingest.text.words import word_set, word_table

__all__ = [
    "CODE", "NUMBER", "QUANTITY", "SEARCH_TERMS_VERSION", "codes", "content_terms", "numbers", "quantities",
    "search_terms", "significant_words", "split_token", "stem", "tokens", "word_set", "word_table",
]
