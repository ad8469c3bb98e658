"""The ingest pipeline: walking, idempotency, change/replace, delete, failure isolation, asset registry."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ingest.assets import AssetRegistry
from ingest.chunking import Chunker
from ingest.pipeline import IngestPipeline
from ingest.tokens import FakeWordPieceCounter
from ingest.types import make_chunk_id
from tests.ingest.fakes import FakeChunker, FakeIndexStore, FakeWorkOrderSink

WO = ("wo_id,wo_description,equipment_id,equipment_name,actual_finish\n"
      "WO1,Replace hydraulic hose,PRESS-04,Press 4,2024-01-05\n"
      "WO2,Seal kit on main cyl,PRESS-04,Press 4,2024-02-11\n"
      "WO3,Coolant pump noisy,CH-09,Chiller 9,2024-02-12\n")
EVENTS = ("event_id,event_group,description,equipment_id,equipment_name,event_time\n"
          "WO-2,WORK_ORDER,Seal kit,PRESS-04,Press 4,2024-02-11 10:00:00\n"
          "WO9,WORK_ORDER,Filter change,PRESS-04,Press 4,2024-03-01 10:00:00\n"
          "al_1,ALERT,High oil temp,PRESS-04,Press 4,2024-03-02 10:00:00\n")
SENSOR = "timestamp,asset,signal,value\n" + "".join(
    f"2024-01-0{d} 10:00,chiller 9,oil_temp,{50 + d}\n" for d in range(1, 8))
ANOMALY = "timestamp,KPI,asset_name,value\n4/26/20 14:14,Cooling Load,CHILLER 9,2\n"


def make_corpus(root: Path) -> Path:
    (root / "wo").mkdir(parents=True)
    (root / "wo" / "orders.csv").write_text(WO)
    (root / "sensors.csv").write_text(SENSOR)
    (root / "anomaly_events.csv").write_text(ANOMALY)
    (root / "LICENSE").write_text("MIT")
    (root / ".hidden.csv").write_text(WO)
    (root / "photo.jpg").write_bytes(b"\xff\xd8")
    return root


def pipeline(store, sink=None, tmp_path=None, **kw):
    kw.setdefault("max_file_mb", 5)
    return IngestPipeline(store, sink, FakeChunker(), registry=AssetRegistry(),
                          registry_path=tmp_path / "data" / "assets.json" if tmp_path else None, **kw)


class TestRun:
    def test_folder_ingest_counts_and_messages(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        store, sink = FakeIndexStore(), FakeWorkOrderSink()
        pipe = pipeline(store, sink, tmp_path)
        report = pipe.run([root])
        assert (report.ingested, report.failed, report.skipped_other, report.skipped_unchanged) == (3, 0, 3, 0)
        assert store.apply_calls == 1 and report.chunks_added == len(store.chunks()) == 3 + 2 + 1
        orders = (root / "wo" / "orders.csv").resolve().as_posix()
        assert [w.record_id for w in sink.by_source[orders]] == ["WO1", "WO2", "WO3"]
        assert any("skipped: unknown extension" in m and "photo.jpg" in m for m in report.messages)
        assert any("licence file" in m for m in report.messages) and any("hidden file" in m for m in report.messages)

    def test_assets_registered_canonicalised_and_saved(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        store = FakeIndexStore()
        pipe = pipeline(store, None, tmp_path)
        pipe.run([root])
        assert pipe.registry.resolve("press 4 leak") == ["PRESS-04"]
        by_type = {c.doc_type: c for c in store.chunks()}
        # "chiller 9" (sensor) and "CHILLER 9" (anomaly record) both name CH-09 from the work orders
        assert by_type["sensor"].asset == "CH-09" and by_type["record"].asset == "CH-09"
        assert by_type["record"].metadata["asset_as_written"] == "CHILLER 9"
        saved = json.loads((tmp_path / "data" / "assets.json").read_text())
        assert {a["id"] for a in saved["assets"]} == {"PRESS-04", "CH-09"}

    def test_second_run_skips_everything(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        store = FakeIndexStore()
        pipeline(store, None, tmp_path).run([root])
        before = store.chunks()
        report = pipeline(store, None, tmp_path).run([root])
        assert (report.ingested, report.skipped_unchanged, report.chunks_added) == (0, 3, 0)
        assert store.apply_calls == 1 and store.chunks() == before

    def test_changed_file_replaces_its_chunks(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        store, sink = FakeIndexStore(), FakeWorkOrderSink()
        pipeline(store, sink, tmp_path).run([root])
        orders = root / "wo" / "orders.csv"
        orders.write_text(WO.replace("Replace hydraulic hose", "Replaced hose P/N 4471-22"))
        report = pipeline(store, sink, tmp_path).run([root])
        assert (report.ingested, report.skipped_unchanged) == (1, 2)
        texts = [c.text for c in store.chunks() if c.source == orders.resolve().as_posix()]
        assert len(texts) == 3 and any("P/N 4471-22" in t for t in texts)
        assert not any("Replace hydraulic hose" in t for t in texts)
        assert sink.by_source[orders.resolve().as_posix()][0].description == "Replaced hose P/N 4471-22"

    def test_delete_removes_source_and_work_orders(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        store, sink = FakeIndexStore(), FakeWorkOrderSink()
        pipeline(store, sink, tmp_path).run([root])
        report = pipeline(store, sink, tmp_path).run([], delete=[root / "wo"])
        orders = (root / "wo" / "orders.csv").resolve().as_posix()
        assert report.deleted == 1 and orders not in store.source_hashes() and orders not in sink.by_source
        assert len(store.source_hashes()) == 2
        again = pipeline(store, sink, tmp_path).run([], delete=[root / "wo"])
        assert again.deleted == 0 and any("nothing to delete" in m for m in again.messages)

    def test_failing_files_do_not_sink_the_batch(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        (root / "empty.csv").write_text("")
        (root / "broken.json").write_text("{nope")
        (root / "big.csv").write_text("wo_id,asset,description\n" + "W,P,x\n" * 2000)
        store = FakeIndexStore()
        report = pipeline(store, None, tmp_path, max_file_mb=0.005).run([root, tmp_path / "missing"])
        assert (report.ingested, report.failed) == (3, 4)
        failures = [m for m in report.messages if m.startswith("failed:")]
        assert any("empty.csv: file is empty" in m for m in failures)
        assert any("broken.json line 1: invalid JSON" in m for m in failures)
        assert any("big.csv" in m and "MB limit" in m for m in failures)
        assert any("missing: no such file" in m for m in failures)
        assert len(store.source_hashes()) == 3

    def test_store_failure_leaves_sink_and_registry_untouched(self, tmp_path):
        root = make_corpus(tmp_path / "corpus")
        store, sink = FakeIndexStore(), FakeWorkOrderSink()
        store.fail = True
        with pytest.raises(RuntimeError, match="disk full"):
            pipeline(store, sink, tmp_path).run([root])
        assert sink.by_source == {} and store.sources == {}
        assert not (tmp_path / "data" / "assets.json").exists()

    def test_event_log_work_orders_already_in_a_work_order_file_are_kept_once(self, tmp_path):
        root = tmp_path / "corpus"
        root.mkdir()
        (root / "orders.csv").write_text(WO)
        (root / "event.csv").write_text(EVENTS)
        store, sink = FakeIndexStore(), FakeWorkOrderSink()
        report = pipeline(store, sink, tmp_path).run([root])
        events = (root / "event.csv").resolve().as_posix()
        assert [w.record_id for w in sink.by_source[events]] == ["WO9"]
        kept = [c for c in store.chunks() if c.source == events]
        assert sorted(c.record_id for c in kept) == ["WO9", "al_1"]
        # chunked again without the dropped document: chunk ids keep consecutive ordinals
        assert [c.chunk_id for c in kept] == [make_chunk_id(events, i, c.text) for i, c in enumerate(kept)]
        assert any("1 work-order events already in a work-order file" in m for m in report.messages)
        # a later change to the event log alone still sees the work orders already indexed
        (root / "event.csv").write_text(EVENTS + "WO10,WORK_ORDER,Belt,PRESS-04,Press 4,2024-03-05 10:00:00\n")
        pipeline(store, sink, tmp_path).run([root])
        assert [w.record_id for w in sink.by_source[events]] == ["WO9", "WO10"]


class TestReadAheadAndEmbedding:
    """Files are read and chunked in a read-ahead thread while their texts are embedded; the
    report still lists every file in order and a bad file never stops the batch."""

    def test_bad_files_reported_in_order_and_texts_embedded_before_the_apply(self, tmp_path):
        root = tmp_path / "corpus"
        root.mkdir()
        bodies = {"a.csv": WO, "b.json": "{nope", "c.csv": WO.replace("WO", "XO"), "d.csv": "",
                  "e.csv": WO.replace("WO", "YO")}
        for name, body in bodies.items():
            (root / name).write_text(body)
        store = FakeIndexStore()
        store.group = 2  # embed as soon as two new texts wait
        report = pipeline(store, None, tmp_path).run([root])
        assert (report.ingested, report.failed) == (3, 2)
        outcomes = [re.match(r"(\w+): \S*/([\w.]+)", m).groups()
                    for m in report.messages if m.startswith(("ingested", "failed"))]
        assert outcomes == [("ingested", "a.csv"), ("failed", "b.json"), ("ingested", "c.csv"), ("failed", "d.csv"),
                            ("ingested", "e.csv")]
        assert any("b.json line 1: invalid JSON" in m for m in report.messages)
        texts = [c.text for c in store.chunks()]
        assert store.embedded == texts and len(texts) == 9  # each text once, in file order
        assert store.embedded_before_apply == [9]  # all embedded while reading; the apply found them ready
        times = report.times
        assert times.parse > 0 and times.chunk > 0 and times.embed > 0 and times.total >= times.embed
        assert times.chunks == 9 and times.pages == 0  # CSV rows have no pages

    def test_unchanged_size_and_mtime_skip_reading_the_file(self, tmp_path, monkeypatch):
        import os

        root = make_corpus(tmp_path / "corpus")
        store = FakeIndexStore()
        pipeline(store, None, tmp_path).run([root])
        orders = root / "wo" / "orders.csv"
        assert store.stamps[orders.resolve().as_posix()] == (orders.stat().st_size, orders.stat().st_mtime_ns)

        def no_reading(self):
            raise AssertionError(f"read {self}")

        monkeypatch.setattr(Path, "read_bytes", no_reading)
        report = pipeline(store, None, tmp_path).run([root])
        assert (report.ingested, report.skipped_unchanged, report.failed) == (0, 3, 0)
        monkeypatch.undo()
        # Same bytes, new mtime: read and hashed, still unchanged. New bytes: re-ingested.
        st = orders.stat()
        os.utime(orders, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        assert pipeline(store, None, tmp_path).run([root]).skipped_unchanged == 3
        orders.write_text(WO.replace("Seal kit", "Seal kit P/N 77"))
        report = pipeline(store, None, tmp_path).run([root])
        assert (report.ingested, report.skipped_unchanged) == (1, 2)
        assert store.stamps[orders.resolve().as_posix()] == (orders.stat().st_size, orders.stat().st_mtime_ns)


class TestSettingsFiles:
    def test_mapping_and_limit_files_given_as_paths(self, tmp_path):
        root = tmp_path / "corpus"
        root.mkdir()
        (root / "tickets.csv").write_text("Ticket,Fault text,Machine\nT-1,E-204 at start,CNC-2\n")
        (root / "cnc_spindle.csv").write_text("timestamp,spindle_temp\n" + "".join(
            f"2024-01-01 0{h}:00,{v}\n" for h, v in enumerate([40, 70, 41, 72])))
        (tmp_path / "map.yaml").write_text("record_id: Ticket\ndescription: Fault text\nasset: Machine\n")
        (tmp_path / "limits.csv").write_text("asset,signal,low,high,unit\n*,spindle_temp,,65,°C\n", encoding="utf-8")
        store, sink = FakeIndexStore(), FakeWorkOrderSink()
        pipe = pipeline(store, sink, tmp_path, column_mapping=tmp_path / "map.yaml",
                        sensor_limits=tmp_path / "limits.csv", sensor_window="all")
        report = pipe.run([root])
        assert report.ingested == 2
        assert [w.record_id for ws in sink.by_source.values() for w in ws] == ["T-1"]
        sensor = next(c for c in store.chunks() if c.doc_type == "sensor")
        assert "crossed the high limit 65 °C twice (first 2024-01-01 01:00, last 2024-01-01 03:00)" in sensor.text
        # a series named only by its file is not an asset
        assert [a.id for a in pipe.registry.all()] == ["CNC-2"]

    def test_settings_file_inside_an_ingested_folder_is_read_not_skipped(self, tmp_path):
        """`ingest data/sensors --limits data/sensors/limits.yaml`: the limits file is reported as
        used for limits, not as an unknown file and not indexed as a table."""
        root = tmp_path / "sensors"
        root.mkdir()
        (root / "cnc_spindle.csv").write_text("timestamp,spindle_temp\n2024-01-01 00:00,40\n2024-01-01 01:00,70\n")
        (root / "limits.yaml").write_text("- {asset: '*', signal: spindle_temp, high: 65}\n")
        (root / "limits.csv").write_text("asset,signal,low,high\n*,spindle_temp,,65\n")
        for limits in (root / "limits.yaml", root / "limits.csv"):
            store = FakeIndexStore()
            report = pipeline(store, None, tmp_path, config_files={limits: "sensor limits"}).run([root])
            assert f"read as sensor limits: {limits}" in report.messages
            assert not any(str(limits) in m for m in report.messages if m.startswith(("skipped", "ingested")))
            assert all(c.source != limits.resolve().as_posix() for c in store.chunks())

    def test_row_warnings_reach_the_report(self, tmp_path):
        root = tmp_path / "corpus"
        root.mkdir()
        (root / "win.csv").write_bytes("wo_id,asset,description\nW1,P1,85°C\nW2,P1\n".encode("cp1252"))
        report = pipeline(FakeIndexStore(), None, tmp_path).run([root])
        assert report.ingested == 1
        assert "warning: win.csv line 2: not valid UTF-8; read as Windows-1252 (cp1252)" in report.messages
        assert "warning: win.csv line 3: 2 fields, header has 3; row skipped" in report.messages


class TestManualTagging:
    def test_manual_named_after_a_model_is_tagged_with_its_assets(self, tmp_path, monkeypatch):
        from ingest.router import Router
        from ingest.types import LoadResult, SourceDocument

        def fake_manual(self, path):
            return "manual", LoadResult(documents=[SourceDocument("Bleed the pump.", path.resolve().as_posix(),
                                                                  "manual", title=path.stem)])
        monkeypatch.setattr(Router, "load", fake_manual)
        root = tmp_path / "manuals"
        root.mkdir()
        for name in ("HP-200_service.md", "press-4-notes.md", "general.md"):
            (root / name).write_text("x")
        registry = AssetRegistry()
        registry.add("PRESS-04", name="Press 4", model="HP 200")
        registry.add("PRESS-05", name="Press 5", model="HP 200")
        store = FakeIndexStore()
        IngestPipeline(store, None, FakeChunker(), max_file_mb=5, registry=registry).run([root])
        tags = {c.source.rsplit("/", 1)[-1]: (c.asset, c.metadata.get("assets")) for c in store.chunks()}
        assert tags == {"HP-200_service.md": (None, ["PRESS-04", "PRESS-05"]),
                        "press-4-notes.md": ("PRESS-04", ["PRESS-04"]), "general.md": (None, None)}


class TestWithRealStores:
    """The pipeline on the real IndexStore (FAISS, BM25, files on disk), the real Chunker and the real
    work-order table; only the embedder is the counting fake, so a run takes a fraction of a second."""

    @pytest.fixture
    def real(self, tmp_path):
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        from assistant.db.base import Base
        from assistant.history.store import WorkOrderStore
        from index.store import IndexStore
        from tests.index.conftest import FakeCountingEmbedder

        engine = create_engine(f"sqlite:///{tmp_path / 'wo.db'}")
        Base.metadata.create_all(engine)
        embedder = FakeCountingEmbedder()

        def run(paths=(), delete=()):
            store = IndexStore.open(tmp_path / "index", embedder, use_gpu="never")  # reopened from disk each run
            pipe = IngestPipeline(store, sink, Chunker(200, 20, counter=FakeWordPieceCounter()), max_file_mb=5,
                                  registry_path=tmp_path / "data" / "assets.json")
            return pipe.run(list(paths), delete=list(delete)), store

        sink = WorkOrderStore(sessionmaker(engine, expire_on_commit=False))
        yield run, embedder, sink
        engine.dispose()

    def test_ingest_rerun_change_and_delete(self, tmp_path, real):
        run, embedder, sink = real
        root = make_corpus(tmp_path / "corpus")
        orders = (root / "wo" / "orders.csv").resolve().as_posix()

        first, store = run([root])
        assert (first.ingested, first.failed) == (3, 0) and len(store) == first.chunks_added == 6
        assert len(embedder.embedded) == len({c.text for c in store.chunks()})
        assert sorted(r.record_id for r in sink.search()) == ["WO1", "WO2", "WO3"]
        version = store.manifest["version"]

        embedder.embedded.clear()
        again, store = run([root])
        assert (again.ingested, again.skipped_unchanged, again.chunks_added) == (0, 3, 0)
        assert embedder.embedded == [] and store.manifest["version"] == version  # no new version written

        (root / "wo" / "orders.csv").write_text(WO.replace("Replace hydraulic hose", "Replaced hose P/N 4471-22"))
        changed, store = run([root])
        assert (changed.ingested, changed.skipped_unchanged) == (1, 2)
        texts = [c.text for c in store.chunks() if c.source == orders]
        assert len(texts) == 3 and any("P/N 4471-22" in t for t in texts)
        assert not any("Replace hydraulic hose" in t for t in texts)
        assert len(embedder.embedded) == 1 and "P/N 4471-22" in embedder.embedded[0]  # only the changed row
        assert store.retriever().keyword("hydraulic", 5) == []  # the old text is not searchable either
        assert [r.description for r in sink.search(stems=["hose"])] == ["Replaced hose P/N 4471-22"]

        deleted, store = run(delete=[root / "wo" / "orders.csv"])
        assert deleted.deleted == 1 and orders not in store.source_hashes() and len(store.source_hashes()) == 2
        assert not any(c.source == orders for c in store.chunks()) and len(store) == 3
        assert sink.search() == [] and sink.sources() == []
        assert store.retriever().keyword("4471-22", 5) == []
