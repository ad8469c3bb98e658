import numpy as np
import pytest

from index.embedder import l2_normalise
from index.faiss_index import FaissIndex, IndexParams


def clustered(n: int, dim: int = 32, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(20, dim))
    return l2_normalise(centres[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim)))


class TestFaissIndex:
    def test_flat_is_exact(self):
        vectors = clustered(500)
        index = FaissIndex.build(vectors, IndexParams(kind="flat", use_gpu="never"))
        scores, rows = index.search(vectors[:3], 5)
        assert index.kind == "flat"
        assert rows[:, 0].tolist() == [0, 1, 2]
        assert scores[:, 0] == pytest.approx(1.0, abs=1e-5)
        expected = np.argsort(-(vectors @ vectors[7]))[:5]
        assert index.search(vectors[7], 5)[1][0].tolist() == expected.tolist()

    @pytest.mark.parametrize("kind", ["hnsw", "ivfpq"])
    def test_approximate_kinds_find_near_duplicates(self, kind):
        vectors = clustered(3000)
        params = IndexParams(kind=kind, ivf_nlist=16, ivf_nprobe=8, ivf_pq_m=8, use_gpu="never")
        index = FaissIndex.build(vectors, params)
        assert index.kind == kind and index.ntotal == 3000
        _, rows = index.search(vectors[:20], 10)
        found = np.mean([i in rows[i] for i in range(20)])
        assert found >= 0.9

    def test_auto_switches_at_the_threshold(self):
        params = IndexParams(kind="auto", approx_threshold=100, use_gpu="never")
        assert FaissIndex.build(clustered(100), params).kind == "flat"
        assert FaissIndex.build(clustered(101), params).kind == "hnsw"

    def test_unknown_kind_and_wrong_dim_are_refused(self):
        with pytest.raises(ValueError, match="unknown index kind"):
            IndexParams(kind="annoy").resolve_kind(10)  # type: ignore[arg-type]
        index = FaissIndex.build(clustered(10), IndexParams(kind="flat", use_gpu="never"))
        with pytest.raises(ValueError, match="dimension"):
            index.search(np.ones((1, 8), np.float32), 3)

    def test_ivfpq_needs_training_data(self):
        with pytest.raises(ValueError, match="at least 256"):
            FaissIndex.build(clustered(100), IndexParams(kind="ivfpq", use_gpu="never"))

    def test_empty_index_searches_to_nothing(self):
        index = FaissIndex.build(np.zeros((0, 16), np.float32), IndexParams(use_gpu="never"), dim=16)
        scores, rows = index.search(np.ones((1, 16), np.float32), 5)
        assert index.ntotal == 0 and rows.shape == (1, 0)

    @pytest.mark.parametrize("kind", ["flat", "hnsw"])
    def test_save_load_round_trip_reapplies_search_params(self, tmp_path, kind):
        vectors = clustered(400)
        index = FaissIndex.build(vectors, IndexParams(kind=kind, hnsw_ef_search=64, use_gpu="never"))
        index.save(tmp_path / "faiss.index")
        params = IndexParams(kind=kind, hnsw_ef_search=200, use_gpu="never")
        loaded = FaissIndex.load(tmp_path / "faiss.index", kind, 32, params)
        assert loaded.search(vectors[:5], 5)[1].tolist() == index.search(vectors[:5], 5)[1].tolist()
        if kind == "hnsw":
            import faiss

            assert faiss.downcast_index(loaded.index).hnsw.efSearch == 200
        with pytest.raises(ValueError, match="dimension 32"):
            FaissIndex.load(tmp_path / "faiss.index", kind, 64, params)

    def test_gpu_always_without_gpu_is_a_clear_error(self):
        import faiss

        if faiss.get_num_gpus() > 0:
            pytest.skip("a GPU is present here")
        with pytest.raises(RuntimeError, match="use_gpu=always"):
            FaissIndex.build(clustered(10), IndexParams(kind="flat", use_gpu="always"))
        assert not FaissIndex.build(clustered(10), IndexParams(kind="flat", use_gpu="auto")).on_gpu
