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
