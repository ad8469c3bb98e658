"""Embedders: the real sentence-transformers one and a hashed bag-of-words fake for unit tests.

Both return L2-normalised float32 rows, so inner product == cosine similarity everywhere
in the index layer.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np


def l2_normalise(matrix: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation; all-zero rows stay zero instead of becoming NaN."""
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


@lru_cache(maxsize=8)
def _file_sha256(path: str, size: int, mtime_ns: int) -> str:
    # Keyed by size and mtime so a replaced file is re-hashed; costs ~0.5 s for MiniLM, once per process.
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class SentenceTransformerEmbedder:
    """A local sentence-transformers model (never a hub name), loaded on first use.

    >>> emb = SentenceTransformerEmbedder(embedding_model_dir())   # doctest: +SKIP
    >>> emb.embed_batch(["hydraulic pressure low"], query=True).shape   # doctest: +SKIP
    (1, 384)

    ``model_id`` ("all-MiniLM-L6-v2@53aa51172d14") names the weights by content, so an index
    built with other weights is recognised even when the folder name is the same.
    """

    def __init__(
        self,
        model_dir: Path,
        batch_size: int = 64,
        device: str = "cpu",
        name: str | None = None,
        query_threads: int | None = 1,
    ):
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {self.model_dir}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.device = device
        self._name = name or model_name(self.model_dir)
        self._model = None
        self._lock = threading.Lock()
        self._model_id: str | None = None
        # One short query gains nothing from 2 CPU threads, and on a busy 2-core box the OpenMP
        # threads spin against each other: measured ~0.1 s (1 thread) vs 1-3 s (2 threads) per query
        # under load. Passage batches (ingest) keep torch's default.
        self.query_threads = query_threads
        self._query_lock = threading.Lock()
        self.dim = model_dim(self.model_dir)

    @property
    def model_id(self) -> str:
        if self._model_id is None:
            weights = weights_file(self.model_dir)
            stat = weights.stat()
            self._model_id = f"{self._name}@{_file_sha256(str(weights), stat.st_size, stat.st_mtime_ns)[:12]}"
        return self._model_id

    def _load(self):
        with self._lock:
            if self._model is None:
                import os

                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                device = self.device
                if device == "auto":
                    import torch

                    device = "cuda" if torch.cuda.is_available() else "cpu"
                self._model = SentenceTransformer(str(self.model_dir), device=device, local_files_only=True)
        return self._model

    def embed_batch(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        # MiniLM is symmetric: queries and passages share one encoder, so `query` is unused here.
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        if query and self.query_threads is not None and self.device == "cpu":
            import torch

            with self._query_lock:  # torch's thread count is shared state: set and restore under a lock
                previous = torch.get_num_threads()
                torch.set_num_threads(self.query_threads)
                try:
                    return self._encode(model, texts)
                finally:
                    torch.set_num_threads(previous)
        return self._encode(model, texts)

    def _encode(self, model, texts: Sequence[str]) -> np.ndarray:
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return l2_normalise(vectors)


def weights_file(model_dir: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).exists():
            return model_dir / name
    raise FileNotFoundError(f"{model_dir}: no model.safetensors or pytorch_model.bin")


def model_dim(model_dir: Path) -> int:
    """Read the output dimension from the folder's config, so opening an index needs no model load."""
    pooling = model_dir / "1_Pooling" / "config.json"
    config = model_dir / "config.json"
    for path, key in ((pooling, "word_embedding_dimension"), (config, "hidden_size")):
        if path.exists():
            value = json.loads(path.read_text(encoding="utf-8")).get(key)
            if isinstance(value, int):
                return value
    raise ValueError(f"{model_dir}: cannot read the embedding dimension from 1_Pooling/config.json or config.json")


def model_name(model_dir: Path) -> str:
    # Model cards start with "# <model name>" after the YAML header; folder names like "model" say nothing.
    readme = model_dir / "README.md"
    if readme.exists():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return model_dir.name if model_dir.name != "model" else model_dir.parent.name


_WORD = re.compile(r"[a-z0-9]+")


class FakeHashEmbedder:
    """FAKE embedder for unit tests: a hashed bag of words, deterministic and instant.

    Texts sharing words get a positive cosine; it knows nothing about meaning. Never use it
    for users (Settings ``embedding.mode=fake`` exists only for tests).
    """

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.model_id = f"fake-hash-{dim}"

    def embed_batch(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
        return l2_normalise(out)
