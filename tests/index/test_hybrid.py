import numpy as np
import pytest

import index.hybrid as hybrid_module
from index.hybrid import convex_fusion
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


class TestConvexFusion:
    # Row 1 is the dense favourite, row 2 the BM25 favourite.
    DENSE = [(1, 0.9), (2, 0.3)]
    BM25 = [(2, 8.0), (1, 2.0)]

    def test_alpha_weighs_dense_against_scaled_bm25(self):
        fused = convex_fusion(self.DENSE, self.BM25, alpha=0.7)
        assert fused == [("1", pytest.approx(0.7 * 0.9 + 0.3 * 0.25)), ("2", pytest.approx(0.7 * 0.3 + 0.3 * 1.0))]
        assert [row for row, _ in convex_fusion(self.DENSE, self.BM25, alpha=0.3)] == ["2", "1"]

    def test_a_row_missing_from_one_list_scores_zero_there(self):
        fused = dict(convex_fusion([(1, 0.5)], [(2, 4.0)], alpha=0.5))
        assert fused == {"1": 0.25, "2": 0.5}

    def test_no_bm25_match_leaves_the_cosines(self):
        assert convex_fusion([(3, 0.4), (1, 0.6)], [(3, 0.0)], alpha=1.0) == [("1", 0.6), ("3", 0.4)]
        assert convex_fusion([], [], alpha=0.7) == []

    def test_ties_go_to_the_lower_row(self):
        assert [row for row, _ in convex_fusion([(5, 0.5), (2, 0.5)], [], alpha=0.5)] == ["2", "5"]


class FakeTableEmbedder:
    """Vectors looked up by text, so a test sets every cosine by hand (L2-normalised, dim 2)."""

    model_id, dim = "fake-table-2", 2

    def __init__(self, table: dict[str, tuple[float, float]]):
        self.table = table

    def embed_batch(self, texts, *, query=False):
        vectors = np.array([self.table[t] for t in texts], dtype=np.float32).reshape(len(texts), 2)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class TestDefaultFusion:
    """The shipped default (convex, alpha 0.7) trusts the dense cosine more than BM25."""

    DENSE_FAVOURITE = "Spindle coolant flow check"
    BM25_FAVOURITE = "Pump strainer pump inlet"
    QUERY = "pump"

    @pytest.fixture
    def store(self, tmp_path):
        from tests.index.conftest import make_chunk

        # cosines with the query: 0.95 for the dense favourite, 0.31 for the chunk that holds "pump"
        embedder = FakeTableEmbedder({self.DENSE_FAVOURITE: (1.0, 0.0), self.BM25_FAVOURITE: (0.0, 1.0),
                                      self.QUERY: (0.95, 0.31)})
        store = IndexStore.open(tmp_path / "index", embedder, use_gpu="never")
        store.apply({"/m/a.md": ("h", [make_chunk("/m/a.md", 0, self.DENSE_FAVOURITE),
                                        make_chunk("/m/a.md", 1, self.BM25_FAVOURITE)])}, [])
        return store

    def test_default_ranks_the_dense_favourite_first(self, store):
        hits = store.retriever().retrieve(self.QUERY, 2)
        assert [h.chunk.text for h in hits] == [self.DENSE_FAVOURITE, self.BM25_FAVOURITE]
        cos = [0.95 / np.hypot(0.95, 0.31), 0.31 / np.hypot(0.95, 0.31)]
        assert [h.score for h in hits] == pytest.approx([0.7 * cos[0], 0.7 * cos[1] + 0.3], abs=1e-5)
        assert hits[0].bm25_score is None and hits[1].bm25_score > 0
        assert hits[1].ranks == {"dense": 2, "bm25": 1}

    def test_lower_alpha_hands_the_lead_to_bm25(self, store):
        hits = store.retriever(alpha=0.3).retrieve(self.QUERY, 2)
        assert hits[0].chunk.text == self.BM25_FAVOURITE

    def test_rrf_weights_apply_to_their_own_retriever(self, store):
        # dense ranks the favourite 1st and the pump chunk 2nd; BM25 ranks only the pump chunk (1st)
        def scores(**weights):
            return {h.chunk.text: h.score for h in store.retriever(fusion="rrf", **weights).retrieve(self.QUERY, 2)}

        assert scores(dense_weight=3.0) == pytest.approx({self.DENSE_FAVOURITE: 3 / 61,
                                                          self.BM25_FAVOURITE: 3 / 62 + 1 / 61})
        assert scores(bm25_weight=3.0) == pytest.approx({self.DENSE_FAVOURITE: 1 / 61,
                                                         self.BM25_FAVOURITE: 1 / 62 + 3 / 61})

    def test_bad_fusion_settings_are_refused(self, store):
        with pytest.raises(ValueError, match="fusion must be"):
            store.snapshot_retriever(fusion="max")
        with pytest.raises(ValueError, match="alpha within"):
            store.snapshot_retriever(alpha=1.5)
        with pytest.raises(ValueError, match="candidates must be"):
            store.snapshot_retriever(candidates=0)
