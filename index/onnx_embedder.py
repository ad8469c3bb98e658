"""The sentence embedder exported to ONNX and run by onnxruntime: no torch at run time.

``OnnxEmbedder`` tokenises with the model folder's own ``tokenizer.json`` (the Rust tokenizers
library), runs a graph that already pools and normalises (``index/onnx_export.py``), and batches
by length: texts are sorted by token count and cut into batches of neighbours, so each batch is
padded only to its own longest text. Vectors come back in the caller's order.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from index.embedder import l2_normalise, model_dim, model_name
from index.onnx_export import RECIPE, VARIANTS, max_seq_length


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices of ``lengths`` grouped into batches of at most ``batch_size`` similar lengths.

    Sorting first means a batch is padded to the longest of its neighbours, not of the whole
    input: 200 short work-order lines and 50 full manual chunks no longer cost 250 full-length
    rows. The sort is stable, so equal lengths keep their input order.

    >>> length_batches([5, 250, 7, 240, 6], 2)
    [[0, 4], [2, 3], [1]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


class OnnxEmbedder:
    """A mean-pooled sentence-transformers model as ONNX (fp32 or dynamic int8), on onnxruntime.

    >>> emb = OnnxEmbedder(model_dir, model_file=lambda: onnx_path, weights_sha256=sha,
    ...                    variant="onnx-int8")                                 # doctest: +SKIP
    >>> emb.embed_batch(["hydraulic pressure low"], query=True).shape           # doctest: +SKIP
    (1, 384)

    ``model_file`` returns the ONNX file and is called on first use only (exporting it may take
    seconds), so opening an index needs no model. ``model_id`` names the source weights and the
    export recipe: an index built by torch or by another variant is never read with these vectors.
    Passage batches use ``threads`` (default: onnxruntime's, one per core); a query runs on one
    thread, because one short text gains nothing from two and on a busy box the second thread only
    waits for a core.
    """

    def __init__(self, model_dir: Path, model_file: Callable[[], Path], *, weights_sha256: str,
                 variant: str = "onnx-int8", batch_size: int = 32, threads: int | None = None) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown ONNX variant {variant!r}: use one of {VARIANTS}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_dir = Path(model_dir)
        if not (self.model_dir / "tokenizer.json").is_file():
            raise FileNotFoundError(f"{self.model_dir}/tokenizer.json not found (the ONNX embedder needs a fast tokenizer)")
        self.model_file = model_file
        self.variant = variant
        self.batch_size = batch_size
        self.threads = threads
        self.dim = model_dim(self.model_dir)
        self.model_id = f"{model_name(self.model_dir)}@{weights_sha256[:12]}+{variant}-{RECIPE}"
        self._lock = threading.Lock()
        self._tokenizer = None
        self._sessions: dict[bool, object] = {}  # query? -> InferenceSession

    def embed_batch(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        # MiniLM is symmetric: queries and passages share one encoder; `query` only picks the threads.
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if len(texts) == 0:
            return out
        session = self._session(query)
        encodings = self._tokenizer.encode_batch(list(texts))
        for rows in length_batches([len(e.ids) for e in encodings], self.batch_size):
            width = max(len(encodings[r].ids) for r in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)  # 0 is [PAD]; the mask hides it anyway
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, r in enumerate(rows):
                n = len(encodings[r].ids)
                ids[i, :n] = encodings[r].ids
                mask[i, :n] = 1
            out[rows] = session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return l2_normalise(out)

    def _session(self, query: bool):
        session = self._sessions.get(query)
        if session is None:
            with self._lock:
                session = self._sessions.get(query)
                if session is None:
                    session = self._sessions[query] = self._load(query)
        return session

    def _load(self, query: bool):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if self._tokenizer is None:
            tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
            # tokenizer.json ships with truncation at 128 and fixed padding; sentence-transformers
            # reads up to max_seq_length (256 for MiniLM) and pads per batch, and so do we.
            tokenizer.enable_truncation(max_seq_length(self.model_dir))
            tokenizer.no_padding()
            self._tokenizer = tokenizer
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1 if query else (self.threads or 0)  # 0: onnxruntime picks (one per core)
        # Idle pool threads sleep instead of spinning: on a shared box spinning burns the core the
        # parsing thread (and everyone else) needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        path = Path(self.model_file())
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

