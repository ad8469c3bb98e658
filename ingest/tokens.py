"""Token counting for chunk sizes, measured with the embedder's own tokenizer.

Chunk sizes are in MiniLM word pieces because that is what the embedder truncates at
(256 pieces including [CLS]/[SEP]); a word-count proxy would overrun it on part numbers
and units, which split into many pieces.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Protocol

from ingest.models import embedding_model_dir


class TokenCounter(Protocol):
    def count(self, text: str) -> int:
        """Number of tokens in ``text`` without special tokens."""
        ...


class MiniLMTokenCounter:
    """Counts word pieces with the bundled all-MiniLM-L6-v2 ``tokenizer.json`` (loaded on first use).

    >>> MiniLMTokenCounter().count("Torque: 80 kg-cm")  # doctest: +SKIP
    8
    """

    def __init__(self, model_dir: Path | None = None) -> None:
        self.model_dir = model_dir
        self._tokenizer = None
        self._lock = threading.Lock()

    def _load(self):
        from tokenizers import Tokenizer

        path = Path(self.model_dir or embedding_model_dir()) / "tokenizer.json"
        tokenizer = Tokenizer.from_file(str(path))
        # The shipped tokenizer truncates at 128/512 pieces; counting must see every piece.
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return tokenizer

    def count(self, text: str) -> int:
        if not text:
            return 0
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = self._load()
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)


_PIECES = re.compile(r"\w+|[^\w\s]")


class FakeWordPieceCounter:
    """Cheap stand-in for unit tests only: one token per word or punctuation mark.

    Close to BERT word pieces on plain English (which also split punctuation off), but it
    under-counts rare words; never use it to size chunks for the real embedder.
    """

    def count(self, text: str) -> int:
        return len(_PIECES.findall(text))
