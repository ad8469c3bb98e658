import json
import threading
import time

import pytest

import index.store as store_module
from index.bm25 import BM25Index
from index.embedder import FakeHashEmbedder
from index.store import IndexMismatchError, IndexStore
from ingest.text import SEARCH_TERMS_VERSION
from tests.index.conftest import FakeCountingEmbedder, MILL_MANUAL, PRESS_MANUAL, WORK_ORDERS, corpus, make_chunk, upserts

QUERIES = ["E-204 pressure low", "seal 4471", "spindle bearings", "lock-out guard", "WO259747"]


def results(store):
    retriever = store.retriever()
    return [[(h.chunk.chunk_id, round(h.score, 6)) for h in retriever.retrieve(q, 5)] for q in QUERIES]


def open_store(path, embedder, **kw):
    return IndexStore.open(path, embedder, use_gpu="never", chunking={"chunk_tokens": 320}, **kw)


class TestIndexStore:
    def test_missing_folder_opens_empty(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        assert store.chunks() == [] and store.source_hashes() == {} and len(store) == 0
        assert not (tmp_path / "index").exists()

    def test_save_load_round_trip(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        reopened = open_store(tmp_path / "index", FakeHashEmbedder())
        assert [c.to_dict() for c in reopened.chunks()] == [c.to_dict() for c in store.chunks()]
        assert results(reopened) == results(store)
        assert reopened.source_hashes() == {s: f"h1-{s}" for s in corpus()}

    def test_manifest_records_what_built_the_index(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        manifest = json.loads((tmp_path / "index" / store.manifest["version_dir"] / "manifest.json").read_text())
        assert manifest["embedding_model_id"] == "fake-hash-64" and manifest["embedding_dim"] == 64
        assert manifest["chunking"] == {"chunk_tokens": 320}
        assert manifest["index_kind"] == "flat" and manifest["chunk_count"] == 8
        assert len(manifest["corpus_hash"]) == 16 and manifest["created_at"]
        assert (tmp_path / "index" / "CURRENT").read_text() == manifest["version_dir"]

    def test_other_embedder_is_refused_with_advice(self, tmp_path, embedder):
        open_store(tmp_path / "index", embedder).apply(upserts(corpus()), [])
        with pytest.raises(IndexMismatchError, match="run `maintassist ingest --reembed`") as err:
            open_store(tmp_path / "index", FakeHashEmbedder(dim=32))
        message = str(err.value)
        assert "fake-hash-64" in message and "fake-hash-32" in message and "8 stored chunks" in message
        assert "\n" not in message  # one line for the CLI
        with pytest.raises(IndexMismatchError, match="fake-hash-64"):  # the manifest-only check says the same
            IndexStore.check_embedder(tmp_path / "index", FakeHashEmbedder(dim=32))
        IndexStore.check_embedder(tmp_path / "index", FakeHashEmbedder(dim=64))
        IndexStore.check_embedder(tmp_path / "nothing-here", FakeHashEmbedder(dim=32))

    def test_reembed_if_stale_rebuilds_with_the_new_embedder_from_stored_texts(self, tmp_path, embedder):
        built = open_store(tmp_path / "index", embedder)
        built.apply(upserts(corpus()), [], stamps={PRESS_MANUAL: (10, 20)})
        other = FakeCountingEmbedder(dim=32)
        other.model_id = "other-32"
        store = open_store(tmp_path / "index", other, on_mismatch="reembed")  # opens; nothing embedded yet
        assert other.embedded == [] and store.manifest["embedding_model_id"] == "fake-hash-64"
        assert store.reembed_if_stale() == 8
        assert store.manifest["embedding_model_id"] == "other-32" and store.manifest["embedding_dim"] == 32
        assert sorted(other.embedded) == sorted(c.text for c in built.chunks())  # every stored text, once
        assert [c.to_dict() for c in store.chunks()] == [c.to_dict() for c in built.chunks()]
        assert store.source_hashes() == built.source_hashes() and store.source_stamps() == {PRESS_MANUAL: (10, 20)}
        assert store.retriever().dense("spindle bearings coolant", 1)[0].chunk.source == MILL_MANUAL
        other.embedded.clear()
        again = open_store(tmp_path / "index", other)  # no error now: built with `other`
        assert again.reembed_if_stale() == 0 and other.embedded == [] and len(again) == 8

    def test_another_model_of_the_same_dimension_is_refused_too(self, tmp_path, embedder):
        open_store(tmp_path / "index", embedder).apply(upserts(corpus()), [])
        other = FakeHashEmbedder()
        other.model_id = "another-model-64"
        with pytest.raises(IndexMismatchError, match="another-model-64"):
            open_store(tmp_path / "index", other)

    def test_changed_source_replaces_its_chunks_and_delete_removes(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        new_press = [make_chunk(PRESS_MANUAL, 0, "Alarm E-305 accumulator precharge low", asset="PRESS-04")]
        store.apply({PRESS_MANUAL: ("h2", new_press)}, deletes=[MILL_MANUAL])
        sources = {c.source for c in store.chunks()}
        assert sources == {PRESS_MANUAL, WORK_ORDERS}
        assert [c.text for c in store.chunks() if c.source == PRESS_MANUAL] == [new_press[0].text]
        assert store.source_hashes() == {PRESS_MANUAL: "h2", WORK_ORDERS: f"h1-{WORK_ORDERS}"}
        assert store.retriever().keyword("E-204", 5)[0].chunk.source == WORK_ORDERS

    def test_texts_embedded_ahead_are_taken_by_apply(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        progress = []
        pending = store.pending_embeddings(on_embedded=progress.append)
        texts = [c.text for chunks in corpus().values() for c in chunks]
        pending.add(texts + texts[:2])  # repeats are embedded once
        pending.flush()
        assert embedder.embedded == texts and sum(progress) == 8 and pending.seconds > 0
        store.apply(upserts(corpus()), [], pending=pending)
        assert embedder.embedded == texts  # nothing left to embed at apply
        # texts the index already holds are never queued again
        embedder.embedded.clear()
        again = store.pending_embeddings()
        again.add(texts + ["Check accumulator precharge monthly"])
        again.flush()
        assert embedder.embedded == ["Check accumulator precharge monthly"]

    def test_stamps_follow_their_sources(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [], stamps={PRESS_MANUAL: (1, 2), MILL_MANUAL: (3, 4), "/not/indexed": (5, 6)})
        assert store.source_stamps() == {PRESS_MANUAL: (1, 2), MILL_MANUAL: (3, 4)}
        store.apply({PRESS_MANUAL: ("h2", corpus()[PRESS_MANUAL])}, deletes=[MILL_MANUAL], stamps={PRESS_MANUAL: (7, 8)})
        assert open_store(tmp_path / "index", embedder).source_stamps() == {PRESS_MANUAL: (7, 8)}

    def test_unchanged_texts_are_never_re_embedded(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        assert len(embedder.embedded) == 8
        embedder.embedded.clear()
        # Same press texts (re-chunked under new ids) plus one new chunk: only the new text is embedded.
        press = corpus()[PRESS_MANUAL]
        rechunked = [make_chunk(PRESS_MANUAL, i + 10, c.text, asset=c.asset) for i, c in enumerate(press)]
        rechunked.append(make_chunk(PRESS_MANUAL, 99, "Check accumulator precharge monthly"))
        store.apply({PRESS_MANUAL: ("h2", rechunked)}, [])
        assert embedder.embedded == ["Check accumulator precharge monthly"]
        # Reopened from disk, reuse still works: a no-op apply embeds nothing.
        embedder.embedded.clear()
        reopened = open_store(tmp_path / "index", embedder)
        reopened.apply({WORK_ORDERS: ("h3", corpus()[WORK_ORDERS])}, [])
        assert embedder.embedded == []

    @pytest.mark.parametrize("failing", ["bm25_save", "flip"])
    def test_failure_before_the_flip_leaves_the_old_version_live(self, tmp_path, embedder, monkeypatch, failing):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        before = results(store)

        def boom(*args, **kwargs):
            raise OSError("disk full (injected)")

        if failing == "bm25_save":
            monkeypatch.setattr(BM25Index, "save", boom)
        else:  # everything written, only the CURRENT swap fails
            monkeypatch.setattr(store_module, "write_json_atomic", boom)
        with pytest.raises(OSError, match="injected"):
            store.apply({MILL_MANUAL: ("h9", [])}, deletes=[PRESS_MANUAL])
        monkeypatch.undo()
        assert results(store) == before and len(store) == 8
        reopened = open_store(tmp_path / "index", FakeHashEmbedder())
        assert results(reopened) == before
        # The store is still usable: the next apply succeeds and cleans up leftovers.
        reopened.apply({}, deletes=[MILL_MANUAL])
        assert {c.source for c in reopened.chunks()} == {PRESS_MANUAL, WORK_ORDERS}
        assert not list((tmp_path / "index").glob("*.tmp"))

    def test_a_held_retriever_follows_apply(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        retriever = store.retriever(rrf_k=60, candidates=10)
        assert retriever.retrieve("E-204", 3) == []
        store.apply(upserts(corpus()), [])
        assert retriever.keyword("E-204", 1)[0].chunk.source in (PRESS_MANUAL, WORK_ORDERS)
        assert retriever.candidates == 10 and len(retriever.chunks) == 8
        frozen = store.snapshot_retriever()
        store.apply({}, deletes=[PRESS_MANUAL, WORK_ORDERS])
        assert retriever.keyword("E-204", 1) == [] and frozen.keyword("E-204", 1)

    def test_refresh_picks_up_a_version_another_process_swapped_in(self, tmp_path, embedder):
        """The chat server holds one store; an ingest in another process writes the next version."""
        server = open_store(tmp_path / "index", embedder)
        retriever = server.retriever(rrf_k=60, candidates=10)
        seen = []
        server.on_refresh(lambda: seen.append(server.manifest["version_dir"]))
        assert server.refresh() is False and retriever.keyword("E-204", 1) == []
        ingest = open_store(tmp_path / "index", embedder)
        ingest.apply(upserts(corpus()), [])
        assert retriever.keyword("E-204", 1), "the held retriever answers from the new version at once"
        assert seen == ["v-1"] and server.refresh() is False  # one load per new version
        (tmp_path / "index" / "CURRENT").write_text("v-99")  # names a folder that is not there
        assert server.refresh() is False and server.manifest["version_dir"] == "v-1"  # keeps serving

    def test_refresh_says_whether_it_loaded_a_new_version(self, tmp_path, embedder):
        server = open_store(tmp_path / "index", embedder)
        calls = []
        server.on_refresh(lambda: calls.append(server.manifest["version_dir"]))
        open_store(tmp_path / "index", embedder).apply(upserts(corpus()), [])
        assert server.refresh() is True and calls == ["v-1"] and len(server) == 8
        # CURRENT rewritten with the same name (new mtime): nothing new to load, nobody told
        time.sleep(0.01)
        (tmp_path / "index" / "CURRENT").write_text("v-1 ")
        assert server.refresh() is False and calls == ["v-1"]

    def test_only_current_and_previous_versions_are_kept(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        for n in range(4):
            store.apply({f"/plant/notes{n}.txt": (str(n), [make_chunk(f"/plant/notes{n}.txt", 0, f"note {n}")])}, [])
        versions = sorted(p.name for p in (tmp_path / "index").glob("v-*"))
        assert versions == ["v-3", "v-4"] and store.manifest["version_dir"] == "v-4"

    def test_dangling_current_is_a_clear_error(self, tmp_path, embedder):
        (tmp_path / "index").mkdir()
        (tmp_path / "index" / "CURRENT").write_text("v-7")
        with pytest.raises(FileNotFoundError, match=r"CURRENT names 'v-7', but .*v-7/manifest\.json is missing"):
            open_store(tmp_path / "index", embedder)

    def test_changed_kind_is_rebuilt_from_stored_vectors(self, tmp_path, embedder):
        open_store(tmp_path / "index", embedder).apply(upserts(corpus()), [])
        embedder.embedded.clear()
        hnsw = open_store(tmp_path / "index", embedder, kind="hnsw")
        assert hnsw.retriever().faiss_index.kind == "hnsw" and embedder.embedded == []
        assert hnsw.retriever().keyword("0x1F", 1)[0].chunk.source == MILL_MANUAL

    def test_bm25_saved_by_an_older_tokeniser_is_rebuilt_from_stored_texts(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        meta = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip() / "bm25" / "meta.json"
        old = json.loads(meta.read_text())
        del old["terms_version"]  # what an index saved before the version was recorded holds
        meta.write_text(json.dumps(old))
        embedder.embedded.clear()
        reopened = open_store(tmp_path / "index", embedder)
        assert reopened.retriever().bm25.terms_version == SEARCH_TERMS_VERSION
        assert results(reopened) == results(store) and embedder.embedded == []

    def test_chunk_filed_under_wrong_source_is_refused(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        with pytest.raises(ValueError, match="upserted under"):
            store.apply({MILL_MANUAL: ("h", corpus()[PRESS_MANUAL])}, [])

    def test_concurrent_reads_during_apply(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        errors: list[BaseException] = []

        def reader():
            try:
                for _ in range(30):
                    hits = store.retriever().retrieve("E-204", 3)
                    assert hits
            except BaseException as exc:  # collected and re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(4)]
        for t in threads:
            t.start()
        for n in range(3):
            store.apply({f"/plant/n{n}.txt": (str(n), [make_chunk(f"/plant/n{n}.txt", 0, f"E-204 note {n}")])}, [])
        for t in threads:
            t.join()
        assert errors == [] and len(store) == 11


class TestOpenAndLoad:
    def test_index_settings_reach_faiss(self, tmp_path, embedder):
        from index.faiss_index import IndexParams

        assert IndexStore.open(tmp_path / "a", embedder).params == IndexParams()
        custom = dict(approx_threshold=10, hnsw_m=8, hnsw_ef_search=16, ivf_nlist=4, ivf_nprobe=2, use_gpu="never")
        assert IndexStore.open(tmp_path / "b", embedder, index_kind="hnsw", **custom).params == IndexParams(
            kind="hnsw", **custom)

    def test_a_fresh_store_describes_itself(self, tmp_path, embedder):
        manifest = open_store(tmp_path / "index", embedder).manifest
        assert (manifest["format_version"], manifest["version"], manifest["index_kind"]) == (1, 0, "flat")
        assert manifest["created_at"].endswith("+00:00")  # UTC, whatever the machine's zone

    def test_reopening_loads_the_saved_faiss_index_without_rebuilding(self, tmp_path, embedder, monkeypatch):
        open_store(tmp_path / "index", embedder).apply(upserts(corpus()), [])

        build = store_module.FaissIndex.build

        def no_rebuild(vectors, *args, **kwargs):
            assert len(vectors) == 0, "FAISS index rebuilt on open"  # the empty start snapshot is fine
            return build(vectors, *args, **kwargs)

        monkeypatch.setattr(store_module.FaissIndex, "build", no_rebuild)
        reopened = open_store(tmp_path / "index", embedder)
        assert reopened.retriever().faiss_index.kind == "flat" and len(reopened) == 8

    def test_search_settings_come_from_the_current_settings_not_the_file(self, tmp_path, embedder):
        open_store(tmp_path / "index", embedder, kind="hnsw", hnsw_ef_search=16).apply(upserts(corpus()), [])
        reopened = open_store(tmp_path / "index", embedder, kind="hnsw", hnsw_ef_search=64)
        faiss_index = reopened.retriever().faiss_index
        assert faiss_index.params.hnsw_ef_search == 64 and faiss_index.index.hnsw.efSearch == 64

    def test_a_one_chunk_index_is_rebuilt_when_the_kind_changes(self, tmp_path, embedder):
        open_store(tmp_path / "index", embedder).apply({PRESS_MANUAL: ("h", corpus()[PRESS_MANUAL][:1])}, [])
        assert open_store(tmp_path / "index", embedder, kind="hnsw").retriever().faiss_index.kind == "hnsw"

    def test_a_manifest_that_disagrees_on_the_count_is_refused(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        path = tmp_path / "index" / store.manifest["version_dir"] / "manifest.json"
        manifest = json.loads(path.read_text())
        path.write_text(json.dumps({**manifest, "chunk_count": 7}))
        with pytest.raises(ValueError, match="chunks.jsonl, vectors.npy and manifest.json disagree on the chunk count"):
            open_store(tmp_path / "index", embedder)


class TestVersionsAndSettings:
    def test_each_apply_writes_the_next_version(self, tmp_path, embedder):
        store = open_store(tmp_path / "deep" / "er" / "index", embedder)  # missing parents are made
        assert store.manifest["version"] == 0
        for n in (1, 2, 3):
            store.apply({f"/plant/n{n}.txt": (str(n), [make_chunk(f"/plant/n{n}.txt", 0, f"note {n}")])}, [])
            assert store.manifest["version"] == n and store.manifest["version_dir"] == f"v-{n}"
        assert open_store(tmp_path / "deep" / "er" / "index", embedder).manifest["version"] == 3

    def test_the_configured_kind_is_built(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder, kind="hnsw")
        store.apply(upserts(corpus()), [])
        assert store.manifest["index_kind"] == "hnsw" and store.retriever().faiss_index.kind == "hnsw"

    def test_a_chunk_listed_twice_is_stored_once(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        chunk = make_chunk(PRESS_MANUAL, 0, "Bleed the pump")
        store.apply({PRESS_MANUAL: ("h", [chunk, chunk])}, [])
        assert store.chunks() == [chunk] and store.manifest["chunk_count"] == 1

    def test_retriever_settings_reach_the_retriever(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        default = store.retriever()
        assert default.candidates == 40 and (default.fusion.rrf_k, default.fusion.mode, default.fusion.alpha) == (
            60, "convex", 0.7)
        hit = store.retriever(rrf_k=0, fusion="rrf").retrieve("alarm E-204 pressure low", 1)[0]
        assert hit.score == pytest.approx(sum(1 / rank for rank in hit.ranks.values()))


class TestLiveRetriever:
    def test_one_snapshot_retriever_per_version(self, tmp_path, embedder):
        store = open_store(tmp_path / "index", embedder)
        store.apply(upserts(corpus()), [])
        live = store.retriever()
        assert live.chunks is live.chunks  # bound once, not rebuilt on every call
        before = live.chunks
        store.apply({}, deletes=[MILL_MANUAL])
        assert live.chunks is not before and len(live.chunks) == 6

    def test_private_names_are_not_forwarded(self, tmp_path, embedder):
        live = open_store(tmp_path / "index", embedder).retriever()
        with pytest.raises(AttributeError, match="^_masks$"):
            live._masks  # noqa: B018 - the access is the test
        assert live.dense_scores("x", ["unknown"]) == {}
