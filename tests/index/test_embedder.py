import numpy as np
import pytest

from index.embedder import FakeHashEmbedder, SentenceTransformerEmbedder
from index.store import IndexStore
from index.types import Filters
from tests.index.conftest import make_chunk


class TestFakeHashEmbedder:
    def test_deterministic_normalised_and_word_sensitive(self):
        emb = FakeHashEmbedder(dim=64)
        a = emb.embed_batch(["hydraulic pump pressure", "hydraulic pump pressure", "spindle coolant"])
        assert a.dtype == np.float32 and a.shape == (3, 64)
        assert np.linalg.norm(a, axis=1) == pytest.approx(np.ones(3), abs=1e-6)
        assert np.array_equal(a[0], a[1]) and a[0] @ a[2] < 0.9
        assert np.array_equal(emb.embed_batch([""]), np.zeros((1, 64), np.float32))
        assert emb.embed_batch([]).shape == (0, 64)


@pytest.fixture(scope="module")
def minilm():
    from assistant.models import embedding_model_dir

    return SentenceTransformerEmbedder(embedding_model_dir(), batch_size=16)


# A dozen hand-written chunks; queries below paraphrase them without sharing key words.
TEXTS = [
    ("Hydraulic oil temperature above 60 C: check the cooler fan and clean the heat exchanger fins", "PRESS-04"),
    ("Alarm E-204: accumulator precharge lost, recharge with nitrogen to 90 bar", "PRESS-04"),
    ("Replace the main ram seal P/N 4471-22; torque gland bolts to 45 Nm in a cross pattern", "PRESS-04"),
    ("Before any work, lock out the main isolator and bleed stored hydraulic pressure", "PRESS-04"),
    ("Spindle runs hot after long cycles: verify coolant concentration and chiller set point", "MILL-02"),
    ("Tool changer misses pockets: re-reference the carousel home sensor", "MILL-02"),
    ("Way lube pump empty alarm: refill with ISO VG 68 slideway oil", "MILL-02"),
    ("Compressor trips on high discharge temperature: clean the aftercooler and check the fan", "COMP-01"),
    ("Air dryer dew point rising: replace the desiccant cartridge", "COMP-01"),
    ("Conveyor belt drifts to one side: adjust the tail pulley tracking screws", "CONV-03"),
    ("Gearbox on the conveyor drive is noisy: check oil level and bearing play", "CONV-03"),
    ("Emergency stop pull cord does not latch: replace the switch spring", "CONV-03"),
]


@pytest.mark.slow
class TestSentenceTransformerEmbedder:
    def test_model_identity_without_loading(self, minilm):
        assert minilm.dim == 384
        assert minilm.model_id.startswith("all-MiniLM-L6-v2@") and len(minilm.model_id.split("@")[1]) == 12
        assert minilm._model is None  # identity and dim come from files, not from loading torch

    def test_vectors_are_normalised_float32(self, minilm):
        vectors = minilm.embed_batch(["pump pressure low", "the belt slips"], query=True)
        assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
        assert np.linalg.norm(vectors, axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)

    def test_paraphrase_and_code_queries_find_the_right_chunk(self, minilm, tmp_path):
        chunks = [make_chunk("/plant/manual.md", i, text, asset=asset) for i, (text, asset) in enumerate(TEXTS)]
        store = IndexStore.open(tmp_path / "index", minilm, use_gpu="never")
        store.apply({"/plant/manual.md": ("h", chunks)}, [])
        retriever = store.retriever()
        # Paraphrase: no shared key words with "belt drifts ... tail pulley tracking".
        assert retriever.dense("the conveyor band keeps wandering off centre", 1)[0].chunk.text == TEXTS[9][0]
        assert retriever.retrieve("milling machine spindle gets too warm", 1)[0].chunk.text == TEXTS[4][0]
        assert retriever.retrieve("how do I isolate energy before maintenance", 1)[0].chunk.text == TEXTS[3][0]
        # Code query: BM25 puts the exact alarm first, and the fused result keeps it first.
        assert retriever.keyword("E-204", 1)[0].chunk.text == TEXTS[1][0]
        top = retriever.retrieve("what does E-204 mean", 3)[0]
        assert top.chunk.text == TEXTS[1][0] and top.ranks.get("bm25") == 1
        # Filtered, and reopened from disk without re-embedding.
        reopened = IndexStore.open(tmp_path / "index", minilm, use_gpu="never").retriever()
        assert reopened.retrieve("dew point", 3, Filters(asset="COMP-01"))[0].chunk.text == TEXTS[8][0]
        assert reopened.retrieve("dew point", 3, Filters(asset="NONE-9")) == []
