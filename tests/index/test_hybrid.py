import numpy as np
import pytest

import index.hybrid as hybrid_module
from index.store import IndexStore
from index.types import Filters
from tests.index.conftest import MILL_MANUAL, PRESS_MANUAL, WORK_ORDERS, corpus, upserts


@pytest.fixture
def retriever(tmp_path, embedder):
    store = IndexStore.open(tmp_path / "index", embedder, use_gpu="never")
    store.apply(upserts(corpus()), [])
    return store.retriever(rrf_k=60, candidates=40)


class TestHybridRetriever:
    def test_code_query_ranks_its_chunk_first_with_both_scores(self, retriever):
        hits = retriever.retrieve("alarm E-204 pressure low", k=3)
        assert hits[0].chunk.source in (PRESS_MANUAL, WORK_ORDERS) and "E-204" in hits[0].chunk.text
        top = hits[0]
        assert top.bm25_score is not None and top.bm25_score > 0
        assert top.dense_score is not None and -1.0 <= top.dense_score <= 1.0
        assert set(top.ranks) == {"dense", "bm25"}
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    def test_asset_with_no_chunks_returns_nothing(self, retriever):
        assert retriever.retrieve("pressure", 5, Filters(asset="COMP-01")) == []
        assert retriever.dense("pressure", 5, Filters(asset="COMP-01")) == []
        assert retriever.keyword("pressure", 5, Filters(asset="COMP-01")) == []

    def test_asset_filter_is_exact_and_case_insensitive(self, retriever):
        hits = retriever.retrieve("hydraulic pressure seal", 10, Filters(asset="mill-02"))
        assert hits and all(h.chunk.asset == "MILL-02" for h in hits)
        # Dense search over a filtered subset is exhaustive: every MILL-02 chunk is reachable.
        assert len(retriever.dense("hydraulic pressure seal", 10, Filters(asset="MILL-02"))) == 3

    def test_doc_type_filter(self, retriever):
        hits = retriever.retrieve("E-204", 10, Filters(doc_types=("work_order",)))
        assert hits and {h.chunk.doc_type for h in hits} == {"work_order"}
        assert hits[0].chunk.record_id == "WO259900"
        assert retriever.retrieve("E-204", 10, Filters(doc_types=("sensor",))) == []

    def test_date_range_filter_drops_undated_chunks(self, retriever):
        hits = retriever.retrieve("press", 10, Filters(date_from="2024-04-01", date_to="2024-12-31"))
        assert {h.chunk.record_id for h in hits} <= {"WO259800", "WO259900"} and hits
        assert all(h.chunk.date for h in hits)
        assert retriever.retrieve("press", 10, Filters(date_from="2030-01-01")) == []

    def test_keyword_and_dense_modes(self, retriever):
        kw = retriever.keyword("0x1F", 3)
        assert kw[0].chunk.source == MILL_MANUAL and kw[0].bm25_score > 0 and kw[0].dense_score is None
        dense = retriever.dense("servo encoder signal", 3)
        assert len(dense) == 3 and dense[0].ranks == {"dense": 1}
        assert [h.score for h in dense] == sorted((h.score for h in dense), reverse=True)

    def test_dense_scores_are_cosines_of_given_chunks(self, retriever, embedder):
        chunk = retriever.chunks[0]
        scores = retriever.dense_scores(chunk.text, [chunk.chunk_id, "unknown-id"])
        assert list(scores) == [chunk.chunk_id] and scores[chunk.chunk_id] == pytest.approx(1.0, abs=1e-5)

    def test_k_zero_and_empty_store(self, retriever, tmp_path, embedder):
        assert retriever.retrieve("E-204", 0) == []
        empty = IndexStore.open(tmp_path / "nothing", embedder).retriever()
        assert empty.retrieve("E-204", 5) == [] and empty.dense("x", 5) == [] and empty.keyword("x", 5) == []

    def test_large_filtered_subset_goes_through_faiss_and_still_finds_matches(self, retriever, monkeypatch):
        monkeypatch.setattr(hybrid_module, "EXACT_SUBSET_LIMIT", 0)  # force the oversampling path
        exact = retriever.dense("bearings", 3, Filters(asset="MILL-02"))
        assert len(exact) == 3 and all(h.chunk.asset == "MILL-02" for h in exact)

    def test_parts_that_disagree_are_refused(self, retriever):
        from index.bm25 import BM25Index
        from index.hybrid import HybridRetriever

        with pytest.raises(ValueError, match="disagree"):
            HybridRetriever(retriever.chunks, retriever.embedder, retriever.faiss_index, BM25Index.build(["x"]))
