import pytest

from index.fusion import reciprocal_rank_fusion


class TestReciprocalRankFusion:
    def test_agreement_beats_single_top_hit(self):
        fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "bm25": ["b", "d"]}, k=60)
        assert [doc for doc, _ in fused] == ["b", "a", "d", "c"]
        assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)
        assert fused[1][1] == pytest.approx(1 / 61)

    def test_one_empty_list_keeps_the_other_order(self):
        fused = reciprocal_rank_fusion({"dense": ["x", "y", "z"], "bm25": []})
        assert [doc for doc, _ in fused] == ["x", "y", "z"]
        assert [s for _, s in fused] == pytest.approx([1 / 61, 1 / 62, 1 / 63])

    def test_all_empty(self):
        assert reciprocal_rank_fusion({"dense": [], "bm25": []}) == []
        assert reciprocal_rank_fusion({}) == []

    def test_ties_are_broken_by_first_appearance(self):
        # a is rank 1 in dense, b rank 1 in bm25: equal scores; dense is walked first.
        fused = reciprocal_rank_fusion({"dense": ["a"], "bm25": ["b"]})
        assert fused[0][1] == pytest.approx(fused[1][1])
        assert [doc for doc, _ in fused] == ["a", "b"]
        swapped = reciprocal_rank_fusion({"bm25": ["b"], "dense": ["a"]})
        assert [doc for doc, _ in swapped] == ["b", "a"]

    def test_weights_scale_a_whole_list(self):
        rankings = {"dense": ["a", "b"], "bm25": ["b", "a"]}
        assert reciprocal_rank_fusion(rankings)[0][1] == pytest.approx(reciprocal_rank_fusion(rankings)[1][1])
        favour_bm25 = reciprocal_rank_fusion(rankings, weights={"bm25": 2.0})
        assert [doc for doc, _ in favour_bm25] == ["b", "a"]
        assert favour_bm25[0][1] == pytest.approx(2 / 61 + 1 / 62)
        muted = reciprocal_rank_fusion(rankings, weights={"dense": 0.0})
        assert [doc for doc, _ in muted] == ["b", "a"]

    def test_k_controls_how_much_the_head_counts(self):
        # x: rank 1 in one list only; y: rank 3 in both lists.
        rankings = {"dense": ["x", "p", "y"], "bm25": ["q", "r", "y"]}
        assert reciprocal_rank_fusion(rankings, k=0)[0][0] == "x"  # 1/1 > 1/3 + 1/3
        assert reciprocal_rank_fusion(rankings, k=60)[0][0] == "y"  # 2/63 > 1/61

    def test_duplicate_in_one_list_counts_once_at_best_rank(self):
        fused = dict(reciprocal_rank_fusion({"dense": ["a", "a", "b"]}))
        assert fused["a"] == pytest.approx(1 / 61)
        assert fused["b"] == pytest.approx(1 / 63)

    def test_negative_k_rejected(self):
        with pytest.raises(ValueError, match="k must be"):
            reciprocal_rank_fusion({"dense": ["a"]}, k=-1)


class TestFusion:
    """The mode and constants in one object: what HybridRetriever and the chain's scoping both call."""

    @staticmethod
    def hit(cid: str, score: float, dense: float | None = None, bm25: float | None = None):
        from index.types import ScoredChunk
        from ingest.types import Chunk

        return ScoredChunk(Chunk(chunk_id=cid, text=cid, source=f"/{cid}.md", doc_type="manual"), score, dense, bm25)

    def test_settings_strings_become_the_enum_and_bad_values_are_refused(self):
        from index.fusion import Fusion, FusionMode

        assert Fusion("rrf").mode is FusionMode.RRF and Fusion().mode is FusionMode.CONVEX
        with pytest.raises(ValueError, match="fusion must be rrf|convex"):
            Fusion("max")
        with pytest.raises(ValueError, match="alpha within"):
            Fusion(alpha=-0.1)
        with pytest.raises(ValueError, match="k must be"):
            Fusion(rrf_k=-1)

    def test_convex_rescales_scoped_hits_by_the_best_bm25_of_both_searches(self):
        from index.fusion import Fusion

        general = [self.hit("manual", 0.9, dense=0.8, bm25=10.0)]
        scoped = [self.hit("wo", 1.0, dense=0.6, bm25=5.0)]  # 1.0 within the asset; 0.42 + 0.15 overall
        merged = Fusion(alpha=0.7).merge_scoped(general, scoped, general)
        assert [s.chunk.chunk_id for s in merged] == ["manual", "wo"]
        assert merged[1].score == pytest.approx(0.7 * 0.6 + 0.3 * 5.0 / 10.0)
        assert merged[1].bm25_score == 5.0 and merged[1] is not scoped[0]

    def test_convex_keeps_a_general_hit_as_scored_when_it_is_also_scoped(self):
        from index.fusion import Fusion

        general = [self.hit("a", 0.5, dense=0.5, bm25=1.0)]
        merged = Fusion().merge_scoped(general, [self.hit("a", 0.99, dense=0.5, bm25=1.0)], general)
        assert [(s.chunk.chunk_id, s.score) for s in merged] == [("a", 0.5)]

    def test_rrf_fuses_general_then_asset_rankings_with_its_k(self):
        from index.fusion import Fusion

        kept = [self.hit("g1", 0.0), self.hit("both", 0.0)]
        scoped = [self.hit("both", 0.0), self.hit("s2", 0.0)]
        merged = Fusion("rrf", rrf_k=0).merge_scoped(kept, scoped, kept)
        assert [(s.chunk.chunk_id, s.score) for s in merged] == [("both", 1.5), ("g1", 1.0), ("s2", 0.5)]

    def test_two_queries_merge_by_their_mean_score_and_the_question_alone_wins_a_tie(self):
        from index.fusion import Fusion

        own = self.hit("own", 0.6, dense=0.6, bm25=2.0)
        own.ranks.update(dense=1, bm25=3)
        alone = [own, self.hit("both", 0.5)]
        condensed = [self.hit("both", 0.8), self.hit("earlier", 0.6)]
        merged = Fusion().merge_queries(alone, condensed)
        # "both": (0.5 + 0.8) / 2; "own" and "earlier" each lack one ranking, which counts 0, and tie at 0.3
        assert [(s.chunk.chunk_id, round(s.score, 3)) for s in merged] == [("both", 0.65), ("own", 0.3),
                                                                          ("earlier", 0.3)]
        # a cosine of one query is not kept; the BM25 score and each retriever's rank are
        assert (merged[1].dense_score, merged[1].bm25_score, merged[1].ranks) == (None, 2.0, {"dense": 1, "bm25": 3})

    def test_two_queries_under_rrf_merge_by_rank(self):
        from index.fusion import Fusion

        merged = Fusion("rrf", rrf_k=0).merge_queries([self.hit("a", 0.9), self.hit("b", 0.1)],
                                                      [self.hit("b", 0.2), self.hit("c", 0.1)])
        assert [(s.chunk.chunk_id, s.score) for s in merged] == [("b", 1.5), ("a", 1.0), ("c", 0.5)]
