"""FAISS vector index over L2-normalised float32 rows (inner product == cosine).

Kinds:
- ``flat``: exact ``IndexFlatIP``. Latency grows linearly with the corpus.
- ``hnsw``: ``IndexHNSWFlat`` with inner product; graph search, ~log latency, recall set by efSearch.
- ``ivfpq``: ``IndexIVFPQ``, trained; compressed codes (memory) at some recall cost, nprobe sets recall.
- ``auto``: flat up to ``approx_threshold`` rows, HNSW above. Why the default is 200k
  (``Settings.index.approx_threshold``): measured on the 2-core box (benchmarks/README.md), one
  exact query costs p95 23 ms at 100k rows and 33 ms at 200k (one search thread, busy box), so
  200k is about the largest corpus where exact search (recall 1.0, rebuilt in under a second at
  every ingest) still leaves room in a 50 ms budget for embedding the query and BM25. Above it,
  HNSW answers in ~5 ms p95 (recall@10 0.975 at 200k, 0.85 at 1M with efSearch=128: raise
  efSearch for very large corpora), at the price of a graph build of ~1 min per 100k rows at
  each ingest.

Row ids are positions 0..n-1 in the store's chunk order.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

IndexKind = Literal["auto", "flat", "hnsw", "ivfpq"]
GpuMode = Literal["auto", "never", "always"]


@dataclass(frozen=True)
class IndexParams:
    """How to build the index; plain values copied from ``Settings.index`` by the wiring."""

    kind: IndexKind = "auto"
    approx_threshold: int = 200_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    hnsw_ef_construction: int = 40  # FAISS default; higher builds slower for little recall gain here
    ivf_nlist: int = 1024
    ivf_nprobe: int = 32
    ivf_pq_m: int = 48  # 384 dims / 48 = 8 dims per sub-quantizer, 48 bytes per vector
    use_gpu: GpuMode = "auto"
    # OpenMP threads for a single-query search. On a busy 2-core box FAISS's 2-thread scan of one
    # query was 4-6x slower than 1 thread (spinning threads; benchmarks/README.md). The OpenMP
    # setting is per calling thread and restored after the search, so ingest/build threads and
    # torch in other threads are unaffected. None leaves FAISS's default.
    search_threads: int | None = 1

    def resolve_kind(self, n_rows: int) -> str:
        if self.kind not in ("auto", "flat", "hnsw", "ivfpq"):
            raise ValueError(f"unknown index kind {self.kind!r}; expected auto, flat, hnsw or ivfpq")
        if self.kind != "auto":
            return self.kind
        return "flat" if n_rows <= self.approx_threshold else "hnsw"


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - faiss-cpu is a hard dependency
        raise ImportError("FAISS is missing: pip install faiss-cpu (or the `gpu` extra for faiss-gpu)") from exc
    return faiss


class FaissIndex:
    """A built (or loaded) FAISS index plus the kind and parameters it was built with.

    >>> idx = FaissIndex.build(vectors, IndexParams(kind="flat"))   # doctest: +SKIP
    >>> scores, rows = idx.search(query_vectors, k=10)              # doctest: +SKIP
    """

    def __init__(self, index: Any, kind: str, dim: int, params: IndexParams, on_gpu: bool = False):
        self.index = index
        self.kind = kind
        self.dim = dim
        self.params = params
        self.on_gpu = on_gpu

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, params: IndexParams = IndexParams(), dim: int | None = None) -> "FaissIndex":
        faiss = _faiss()
        vectors = _as_matrix(vectors, dim)
        n, d = vectors.shape
        kind = params.resolve_kind(n)
        if kind == "flat" or n == 0:
            index = faiss.IndexFlatIP(d)
            kind = "flat" if n == 0 else kind
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = params.hnsw_ef_construction
        else:
            index = _build_ivfpq(faiss, vectors, params)
        if n:
            if kind == "ivfpq":
                _train_ivfpq(index, vectors)
            index.add(vectors)
        built = cls(index, kind, d, params)
        built._apply_search_params()
        return built._maybe_to_gpu()

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows per query: (scores, row ids), both shaped (n_queries, k'); k' = min(k, ntotal)."""
        queries = _as_matrix(queries, self.dim)
        k = min(int(k), self.ntotal)
        if k <= 0 or len(queries) == 0:
            return np.zeros((len(queries), 0), np.float32), np.zeros((len(queries), 0), np.int64)
        if self.params.search_threads is None or len(queries) > 1:
            return self.index.search(queries, k)
        with _omp_threads(self.params.search_threads):
            return self.index.search(queries, k)

    def save(self, path: Path) -> None:
        faiss = _faiss()
        index = faiss.index_gpu_to_cpu(self.index) if self.on_gpu else self.index
        faiss.write_index(index, str(path))

    @classmethod
    def load(cls, path: Path, kind: str, dim: int, params: IndexParams = IndexParams()) -> "FaissIndex":
        faiss = _faiss()
        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path}: FAISS index has dimension {index.d}, manifest says {dim}")
        loaded = cls(index, kind, dim, params)
        loaded._apply_search_params()  # search-time knobs come from current Settings, not the file
        return loaded._maybe_to_gpu()

    def _apply_search_params(self) -> None:
        faiss = _faiss()
        if self.kind == "hnsw":
            faiss.downcast_index(self.index).hnsw.efSearch = self.params.hnsw_ef_search
        elif self.kind == "ivfpq":
            faiss.extract_index_ivf(self.index).nprobe = self.params.ivf_nprobe

    def _maybe_to_gpu(self) -> "FaissIndex":
        mode = self.params.use_gpu
        if mode == "never":
            return self
        faiss = _faiss()
        gpus = faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0
        if gpus == 0 or not hasattr(faiss, "StandardGpuResources"):
            if mode == "always":
                raise RuntimeError(
                    "index.use_gpu=always but FAISS sees no GPU (install the `gpu` extra, faiss-gpu, and "
                    "check the CUDA driver), or set index.use_gpu=auto"
                )
            return self
        if self.kind == "hnsw":
            # FAISS has no GPU HNSW; the CPU graph is already fast, so keep it there.
            return self
        self._gpu_resources = faiss.StandardGpuResources()
        self.index = faiss.index_cpu_to_gpu(self._gpu_resources, 0, self.index)
        self.on_gpu = True
        return self


def _build_ivfpq(faiss, vectors: np.ndarray, params: IndexParams):
    n, d = vectors.shape
    # k-means wants ~39 points per centroid; PQ with 8-bit codes wants >= 256 training points.
    nlist = max(1, min(params.ivf_nlist, n // 39))
    if n < 256:
        raise ValueError(f"ivfpq needs at least 256 vectors to train, got {n}; use kind=flat or auto")
    pq_m = params.ivf_pq_m
    if d % pq_m != 0:
        raise ValueError(f"ivf_pq_m={pq_m} must divide the dimension {d}")
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFPQ(quantizer, d, nlist, pq_m, 8, faiss.METRIC_INNER_PRODUCT)
    return index


def _train_ivfpq(index, vectors: np.ndarray) -> None:
    # 64 points per centroid is plenty for k-means and keeps training time bounded at 1M rows.
    n = len(vectors)
    cap = max(index.nlist * 64, 256 * 64)
    rng = np.random.default_rng(0)
    sample = vectors if n <= cap else vectors[np.sort(rng.choice(n, cap, replace=False))]
    index.train(sample)


@contextmanager
def _omp_threads(threads: int):
    faiss = _faiss()
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(threads)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


def _as_matrix(vectors: np.ndarray, dim: int | None) -> np.ndarray:
    matrix = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :] if matrix.size else matrix.reshape(0, dim or 0)
    if dim is not None and matrix.shape[1] != dim:
        raise ValueError(f"vectors have dimension {matrix.shape[1]}, expected {dim}")
    return matrix
