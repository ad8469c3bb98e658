"""Compare fusion functions for hybrid retrieval on a QA file.

Recall@5 of reciprocal rank fusion, convex combinations (alpha * cosine + (1 - alpha) *
BM25 / max BM25) for several alphas, dense only and BM25 only, all over the same candidate
pools (top 50 of each retriever) in one run:

    python benchmarks/bench_fusion.py DATA_DIR QA.jsonl

DATA_DIR must already hold an index of the corpus the QA file is about (``maintassist
ingest``). History questions are left out: structured queries answer them, not retrieval.
Prints a table and writes ``benchmarks/results/fusion-<data dir name>.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.wiring import container_from
from assistant.evaluation.qa import load_qa
from index.fusion import convex_fusion, reciprocal_rank_fusion

POOL = 50
ALPHAS = (0.5, 0.6, 0.7, 0.8)


def rankings(retriever, query: str) -> dict[str, list[str]]:
    dense = [(h.chunk.chunk_id, h.score) for h in retriever.dense(query, POOL)]
    bm25 = [(h.chunk.chunk_id, h.score) for h in retriever.keyword(query, POOL)]
    union = list(dict.fromkeys([c for c, _ in dense] + [c for c, _ in bm25]))
    cosines = retriever.dense_scores(query, union)
    # BM25 scores of dense-only candidates too, as HybridRetriever.retrieve uses them.
    bm25_all = {h.chunk.chunk_id: h.score for h in retriever.keyword(query, 20 * POOL)}
    out = {"dense": [c for c, _ in dense], "bm25": [c for c, _ in bm25],
           "rrf": [c for c, _ in reciprocal_rank_fusion({"d": [c for c, _ in dense], "b": [c for c, _ in bm25]})]}
    for alpha in ALPHAS:
        fused = convex_fusion([(c, cosines.get(c, 0.0)) for c in union], [(c, bm25_all.get(c, 0.0)) for c in union], alpha)
        out[f"convex {alpha}"] = [c for c, _ in fused]
    return out


def main(data_dir: str, qa_file: str) -> dict:
    container = container_from(Path(data_dir))
    retriever = container.retriever
    by_id = {c.chunk_id: c for c in container.store.chunks()}
    items = [q for q in load_qa(Path(qa_file)) if q.answerable and q.expected_sources and q.kind != "history"]
    hits: dict[str, list[bool]] = {}
    for item in items:
        for name, ranked in rankings(retriever, item.question).items():
            top = [by_id[c] for c in ranked[:5]]
            hit = any(e.matches(c.source, c.page, c.record_id) for c in top for e in item.expected_sources)
            hits.setdefault(name, []).append(hit)
    summary = {name: round(sum(v) / len(v), 3) for name, v in hits.items()}
    print(f"{'variant':<12} recall@5   ({len(items)} questions, {qa_file})")
    for name, value in summary.items():
        print(f"{name:<12} {value:.3f}")
    out = Path("benchmarks/results") / f"fusion-{Path(data_dir).name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"data_dir": data_dir, "qa": qa_file, "questions": len(items), "recall@5": summary},
                              indent=2))
    return summary


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
