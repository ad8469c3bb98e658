import numpy as np
import pytest

import index.hybrid as hybrid_module
from index.fusion import Fusion, FusionMode, convex_fusion
from index.hybrid import HybridRetriever
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

    def test_scores_are_rounded_to_six_places(self):
        assert convex_fusion([(1, 0.1234567)], [], alpha=1.0) == [("1", 0.123457)]

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


class TestRetrieverSettings:
    def test_defaults_of_a_bare_retriever(self, retriever):
        bare = HybridRetriever(retriever.chunks, retriever.embedder, retriever.faiss_index, retriever.bm25)
        assert bare.candidates == 40 and bare.fusion == Fusion(FusionMode.CONVEX, 0.7, 60, {"dense": 1.0, "bm25": 1.0})
        # without stored vectors it reads them back from FAISS
        assert np.allclose(bare.vectors, retriever.vectors)
        assert [h.chunk.chunk_id for h in bare.dense("spindle bearings", 3)] == \
            [h.chunk.chunk_id for h in retriever.dense("spindle bearings", 3)]

    def test_an_empty_index_has_no_vectors(self, tmp_path, embedder):
        empty = IndexStore.open(tmp_path / "empty", embedder).snapshot_retriever()
        bare = HybridRetriever([], embedder, empty.faiss_index, empty.bm25)
        assert bare.vectors.shape == (0, embedder.dim) and bare.vectors.dtype == np.float32

    def test_edge_values_are_accepted(self, retriever):
        parts = (retriever.chunks, retriever.embedder, retriever.faiss_index, retriever.bm25)
        assert HybridRetriever(*parts, candidates=1).candidates == 1
        assert HybridRetriever(*parts, alpha=0.0).fusion.alpha == 0.0
        assert HybridRetriever(*parts, alpha=1.0).fusion.alpha == 1.0

    def test_rrf_uses_its_k(self, retriever):
        rrf0 = HybridRetriever(retriever.chunks, retriever.embedder, retriever.faiss_index, retriever.bm25,
                               vectors=retriever.vectors, fusion="rrf", rrf_k=0).retrieve("alarm E-204 pressure low", 1)
        assert rrf0[0].score == pytest.approx(sum(1 / rank for rank in rrf0[0].ranks.values()))  # 1/(0 + rank)

    def test_k_of_one(self, retriever):
        assert len(retriever.retrieve("E-204", 1)) == 1

    def test_queries_are_embedded_as_queries(self, retriever, embedder):
        embedder.embedded.clear()  # the fake records document (non-query) embeddings only
        retriever.retrieve("E-204", 3)
        retriever.dense("E-204", 3)
        assert embedder.embedded == []


class TestSingleModes:
    def test_dense_scores_are_the_cosines_best_first(self, retriever):
        hits = retriever.dense("hydraulic pressure seal", 5, Filters(asset="PRESS-04"))
        assert len(hits) == 5 and all(h.dense_score == h.score for h in hits)
        assert [h.ranks for h in hits] == [{"dense": i} for i in range(1, 6)]
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    def test_filtered_dense_top_k_is_the_exact_top_k(self, retriever, embedder):
        press = [i for i, c in enumerate(retriever.chunks) if c.asset == "PRESS-04"]
        q = embedder.embed_batch(["pump pressure seal filter"], query=True)[0]
        cosines = {i: float(retriever.vectors[i] @ q) for i in press}
        for k in (1, 2, 3, 4):
            hits = retriever.dense("pump pressure seal filter", k, Filters(asset="PRESS-04"))
            expected = sorted(press, key=lambda i: (-cosines[i], i))[:k]
            assert [retriever.chunks.index(h.chunk) for h in hits] == expected

    def test_exact_top_k_out_of_many_rows(self):
        from index.bm25 import BM25Index
        from tests.index.conftest import make_chunk

        n = 200
        order = np.random.default_rng(7).permutation(n)  # order[i]: how far row i is from the query
        angles = order / n * 1.5
        vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
        chunks = [make_chunk("/m.md", i, f"row {i}", asset="IN") for i in range(n)]
        r = HybridRetriever(chunks, FakeTableEmbedder({"query": (1.0, 0.0)}), FakeOrderedFaiss(n),
                            BM25Index.build([c.text for c in chunks]), vectors=vectors)
        for k in (1, 5, 17):
            hits = r.dense("query", k, Filters(asset="IN"))  # exact path: one product over the subset
            assert [int(h.chunk.text.split()[1]) for h in hits] == [int(i) for i in np.argsort(order)[:k]]

    def test_keyword_respects_the_filter_and_ranks_from_one(self, retriever):
        hits = retriever.keyword("E-204 pressure", 5, Filters(doc_types=("work_order",)))
        assert [h.chunk.record_id for h in hits] == ["WO259900"]
        assert hits[0].ranks == {"bm25": 1} and hits[0].bm25_score == hits[0].score > 0
        both = retriever.keyword("E-204 pressure", 5)
        assert [h.ranks["bm25"] for h in both] == list(range(1, len(both) + 1)) and len(both) >= 2


class FakeOrderedFaiss:
    """Stands in for FaissIndex: returns rows 0, 1, 2 ... whatever the query, and records each k asked."""

    dim = 2

    def __init__(self, n: int, kind: str = "flat"):
        self.ntotal, self.kind, self.asked = n, kind, []

    def search(self, queries, k):
        self.asked.append(k)
        rows = np.arange(min(k, self.ntotal))[None, :]
        return np.zeros(rows.shape, np.float32), rows


class TestApproximateSearchPaths:
    """How many candidates the approximate path asks FAISS for, and when it asks again."""

    N = 100

    def retriever(self, allowed: set[int], kind: str = "flat") -> HybridRetriever:
        from index.bm25 import BM25Index
        from tests.index.conftest import make_chunk

        chunks = [make_chunk("/m.md", i, f"row {i}", asset="IN" if i in allowed else "OUT") for i in range(self.N)]
        angles = np.linspace(0.0, 1.5, self.N)  # row 0 is the most similar to the query (1, 0)
        vectors = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
        embedder = FakeTableEmbedder({"query": (1.0, 0.0)})
        return HybridRetriever(chunks, embedder, FakeOrderedFaiss(self.N, kind), BM25Index.build([c.text for c in chunks]),
                               vectors=vectors)

    @pytest.fixture(autouse=True)
    def approximate(self, monkeypatch):
        monkeypatch.setattr(hybrid_module, "EXACT_SUBSET_LIMIT", 0)

    @pytest.mark.parametrize("allowed,asked", [
        (range(50, 100), [20, 80]),  # 5 * (2*100 // 50): none in the first 20, enough in the first 80
        (range(20, 100), [10, 40]),  # the oversampling factor is at least 2
        (set(range(10, 15)) | set(range(90, 100)), [65]),  # exactly k found: no second search
        (range(97, 100), [100]),  # fewer than k exist: stop once everything was searched
    ])
    def test_filtered_search_grows_until_enough(self, allowed, asked):
        r = self.retriever(set(allowed))
        hits = r.dense("query", 5, Filters(asset="IN"))
        assert r.faiss_index.asked == asked
        expected = sorted(i for i in allowed if i < asked[-1])[:5]
        assert [int(h.chunk.text.split()[1]) for h in hits] == expected

    def test_ivfpq_candidates_are_oversampled_and_rescored(self):
        r = self.retriever(set(), kind="ivfpq")
        hits = r.dense("query", 5)
        assert r.faiss_index.asked == [50] and [h.chunk.text for h in hits] == [f"row {i}" for i in range(5)]
        flat = self.retriever(set())
        flat.dense("query", 5)
        assert flat.faiss_index.asked == [5]
