"""Retrieval latency, memory and recall of exact vs approximate FAISS indexes at scale.

Synthetic corpus: L2-normalised 384-d vectors (MiniLM's dimension) drawn around random cluster
centres, because real embeddings are clustered by topic; uniform noise would make every
approximate index look far worse than it is on text. Queries come from the same distribution
but are not in the corpus. Latency is one query at a time (k=10), as the chat path searches.

    python benchmarks/bench_index.py                       # 10k, 100k, 200k, 1M
    python benchmarks/bench_index.py --sizes 10k,100k      # quick run
    python benchmarks/bench_index.py --sizes 10k --hybrid-sizes 100k   # + end-to-end HybridRetriever

The hybrid run times ``HybridRetriever.retrieve`` end to end (query embedding with the real
MiniLM, FAISS kind chosen by ``auto``, BM25 over synthetic chunk texts, fusion), unfiltered and
with an asset filter that keeps 5 % of the chunks.

Prints a table and writes benchmarks/results/index.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.faiss_index import FaissIndex, IndexParams  # noqa: E402
from index.hybrid import IVFPQ_OVERSAMPLE  # noqa: E402


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def rss_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def clustered_vectors(n: int, centres: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    """Points around random topic centres. With noise=1.0 two points of one topic have cosine
    ~0.5 and points of different topics ~0, roughly what MiniLM gives for related vs unrelated
    passages; a query's 10 nearest neighbours are then separated by realistic, small margins."""
    dim = centres.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000  # generate in blocks to keep the float64 temporaries small
    for start in range(0, n, step):
        m = min(step, n - start)
        out[start : start + m] = centres[rng.integers(0, len(centres), m)] + rng.normal(scale=noise, size=(m, dim))
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def index_bytes(index: FaissIndex) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "faiss.index"
        index.save(path)
        return path.stat().st_size


def measure(kind: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, params: IndexParams) -> dict:
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    index = FaissIndex.build(vectors, IndexParams(**{**params.__dict__, "kind": kind}))
    build_s = time.perf_counter() - t0
    rss_delta = rss_bytes() - rss0
    # IVF-PQ scores are approximate: like HybridRetriever, take more candidates and re-score them
    # exactly from the stored (memory-mapped) vectors.
    fetch = 10 * IVFPQ_OVERSAMPLE if kind == "ivfpq" else 10

    def search(q: np.ndarray) -> np.ndarray:
        _, rows = index.search(q, fetch)
        rows = rows[0]
        if kind == "ivfpq":
            rows = rows[np.argsort(-(vectors[rows] @ q))[:10]]
        return rows

    for q in queries[:10]:  # warm-up: page in the index, spin up threads
        search(q)
    latencies, found = [], []
    for q in queries:
        t = time.perf_counter()
        found.append(search(q))
        latencies.append((time.perf_counter() - t) * 1000)
    recall = float(np.mean([len(set(f.tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))
    result = {
        "kind": kind + ("+rerank" if kind == "ivfpq" else ""),
        "build_s": round(build_s, 2),
        "p50_ms": round(float(np.percentile(latencies, 50)), 3),
        "p95_ms": round(float(np.percentile(latencies, 95)), 3),
        "recall_at_10": round(recall, 4),
        "rss_delta_mb": round(rss_delta / 2**20, 1),
        "index_mb": round(index_bytes(index) / 2**20, 1),
    }
    del index
    return result


def measure_hybrid(size: int, vectors: np.ndarray, params: IndexParams, rng: np.random.Generator) -> list[dict]:
    """End-to-end retrieve() latency over synthetic chunks (vectors and texts need not agree for timing)."""
    from assistant.models import embedding_model_dir
    from index.bm25 import BM25Index
    from index.embedder import SentenceTransformerEmbedder
    from index.hybrid import HybridRetriever
    from index.types import Filters
    from ingest.types import Chunk

    words = [f"w{i}" for i in range(20_000)] + ["pressure", "pump", "seal", "bearing", "alarm", "valve"]
    codes = [f"E-{i}" for i in range(100, 999)] + [f"P/N {i}-{j}" for i in range(4000, 4100) for j in (10, 22)]
    picks = rng.integers(0, len(words), size=(size, 40))
    chunks = [
        Chunk(chunk_id=str(i), text=" ".join(words[w] for w in row) + " " + codes[i % len(codes)],
              source=f"/synthetic/{i // 50}.md", doc_type="manual", asset=f"A{i % 20:02d}")
        for i, row in enumerate(picks)
    ]
    t0 = time.perf_counter()
    bm25 = BM25Index.build([c.text for c in chunks])
    bm25_build = time.perf_counter() - t0
    embedder = SentenceTransformerEmbedder(embedding_model_dir())
    retriever = HybridRetriever(chunks, embedder, FaissIndex.build(vectors, params), bm25, vectors=vectors)
    questions = [f"alarm {codes[i]} pump pressure low what to check" for i in range(0, 600, 3)]
    out = []
    for label, filters in (("hybrid", None), ("hybrid+asset", Filters(asset="A07"))):
        for q in questions[:5]:
            retriever.retrieve(q, 6, filters)  # warm-up (model load, mask cache)
        latencies = []
        for q in questions:
            t = time.perf_counter()
            retriever.retrieve(q, 6, filters)
            latencies.append((time.perf_counter() - t) * 1000)
        out.append({
            "size": size, "kind": f"{label}({retriever.faiss_index.kind})", "build_s": round(bm25_build, 2),
            "p50_ms": round(float(np.percentile(latencies, 50)), 3),
            "p95_ms": round(float(np.percentile(latencies, 95)), 3),
            "recall_at_10": None, "rss_delta_mb": None, "index_mb": None,
        })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10k,100k,200k,1M", help="comma-separated corpus sizes (10k, 1M ...)")
    parser.add_argument("--kinds", default="flat,hnsw,ivfpq", help="index kinds to measure")
    parser.add_argument("--hybrid-sizes", default="", help="sizes for the end-to-end HybridRetriever run")
    parser.add_argument("--search-threads", type=int, default=1, help="FAISS OpenMP threads when searching")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--per-cluster", type=int, default=200, help="points per topic cluster")
    parser.add_argument("--noise", type=float, default=1.0, help="per-dimension noise around a topic centre")
    parser.add_argument("--hnsw-m", type=int, default=32)
    parser.add_argument("--hnsw-ef-search", type=int, default=128)
    parser.add_argument("--ivf-nlist", type=int, default=1024)
    parser.add_argument("--ivf-nprobe", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "index.json")
    args = parser.parse_args()

    import faiss

    params = IndexParams(
        hnsw_m=args.hnsw_m, hnsw_ef_search=args.hnsw_ef_search,
        ivf_nlist=args.ivf_nlist, ivf_nprobe=args.ivf_nprobe, use_gpu="never",
        search_threads=args.search_threads,
    )
    rng = np.random.default_rng(0)
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    rows = []
    print(f"{'size':>9} {'kind':>12} {'build s':>8} {'p50 ms':>8} {'p95 ms':>8} {'recall@10':>9} {'RSS+ MB':>8} {'file MB':>8}")
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    hybrid_sizes = {parse_size(s) for s in args.hybrid_sizes.split(",") if s.strip()}
    for size in sorted(set(sizes) | hybrid_sizes):
        centres = rng.normal(size=(max(1, size // args.per_cluster), args.dim))
        vectors = clustered_vectors(size, centres, args.noise, rng)
        queries = clustered_vectors(args.queries, centres, args.noise, rng)
        truth = faiss.IndexFlatIP(args.dim)
        truth.add(vectors)
        _, exact = truth.search(queries, 10)  # ground truth, batched
        del truth
        results = [{"size": size, **measure(kind, vectors, queries, exact, params)} for kind in kinds] if size in sizes else []
        if size in hybrid_sizes:
            results += measure_hybrid(size, vectors, params, rng)
        for result in results:
            rows.append(result)
            cells = [str(result[key]) for key in ("build_s", "p50_ms", "p95_ms", "recall_at_10", "rss_delta_mb", "index_mb")]
            print(f"{size:>9,} {result['kind']:>12} " + " ".join(f"{c:>8}" for c in cells), flush=True)
        del vectors
    report = {
        "benchmark": "index",
        "machine": {"cpus": os.cpu_count(), "faiss_threads": faiss.omp_get_max_threads(), "platform": platform.platform()},
        "faiss_version": faiss.__version__,
        "params": {**params.__dict__, "dim": args.dim, "queries": args.queries, "per_cluster": args.per_cluster, "noise": args.noise, "k": 10},
        "results": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
