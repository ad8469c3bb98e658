"""The multilingual line embedder: the bundled multilingual-e5-small, verified, loaded lazily, read in any language."""

from __future__ import annotations

import os
from functools import partial

import numpy as np
import pytest

from assistant.models import E5_WEIGHTS, bundled_file_path
from index.e5_embedder import DIM, E5Embedder


@pytest.fixture(scope="module")
def e5(tmp_path_factory):
    return E5Embedder(partial(bundled_file_path, E5_WEIGHTS, tmp_path_factory.mktemp("models")))


def test_the_model_loads_on_first_use_only():
    calls = []
    emb = E5Embedder(lambda: calls.append(1))
    assert calls == [] and emb.embed_batch([]).shape == (0, DIM)  # nothing to embed: nothing loaded
    with pytest.raises(ValueError, match="threads"):
        E5Embedder(lambda: None, threads=0)


def test_vectors_are_unit_length_in_input_order(e5):
    texts = ["Die Pumpe fördert 2 l/min", "Riemen spannen", "La bomba entrega 2 l/min"]
    vectors = e5.embed_batch(texts)
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # a second embedder keeps no vectors of the first: the text alone goes through the engine again
    alone = E5Embedder(e5.model_file).embed_batch([texts[1]])[0]
    assert float(alone @ vectors[1]) > 0.99 and float(alone @ vectors[0]) < 0.99


def test_a_german_question_finds_the_german_line_that_answers_it(e5):
    # the line ranked 12th of 31 by the English MiniLM on the clevercoffee-de manual
    lines = ["Das Kabel geht zwischen dem Wassereinfülltrichter und dem Messingblock durch.",
             "Der Sensor hat eine Reichweite von etwa 20mm (Herstellerangabe).",
             "Tank enthält Wasser: Normale Anzeige, Maschine heizt."]
    q = e5.embed_batch(["wie weit reicht der wasserstandssensor durch die tankwand"], query=True)[0]
    scores = e5.embed_batch(lines) @ q
    assert int(np.argmax(scores)) == 1


def test_the_thread_setting_does_not_leak_into_the_process(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    E5Embedder(partial(bundled_file_path, E5_WEIGHTS, tmp_path), threads=1).embed_batch(["x"])
    assert os.environ["OMP_NUM_THREADS"] == "3"
    monkeypatch.delenv("OMP_NUM_THREADS")
    E5Embedder(partial(bundled_file_path, E5_WEIGHTS, tmp_path), threads=1).embed_batch(["x"])
    assert "OMP_NUM_THREADS" not in os.environ


def test_each_text_is_embedded_once_within_the_bound(e5, monkeypatch):
    import index.e5_embedder as mod

    first = e5.embed_batch(["Pumpe", "Ventil"])
    calls = []
    engine = e5._load()
    monkeypatch.setattr(engine, "passage", lambda texts: calls.append(list(texts)) or np.ones((len(texts), DIM)))
    again = e5.embed_batch(["Ventil", "Pumpe", "Riemen", "Riemen"])
    assert calls == [["Riemen"]]  # only the new text, once
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[1], first[0])
    monkeypatch.setattr(mod, "_KEEP", 1)  # over the bound: the store starts again, the answer is whole
    got = e5.embed_batch(["Pumpe", "Kessel"])
    assert got.shape == (2, DIM) and np.array_equal(got[0], first[0])
    assert e5.embed_batch(["Kessel"], query=True).shape == (1, DIM) and calls[-1] == ["Kessel"]
