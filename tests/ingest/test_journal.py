"""The ingest journal and lock (ingest/journal.py): roll back before the swap, roll forward after it,
one ingest per data dir. Real IndexStore (hash embedder) and work-order table stand-in."""

from __future__ import annotations

import json
import threading
import time

import pytest

from index.embedder import FakeHashEmbedder
from index.store import IndexStore
from ingest.assets import AssetRegistry
from ingest.journal import IngestBusyError, IngestJournal, PendingIngest, commit, live_version
from ingest.types import Chunk, WorkOrderRecord, make_chunk_id
from tests.ingest.fakes import FakeWorkOrderSink

SOURCE = "/corpus/wo.csv"


def chunk(record_id: str) -> Chunk:
    return Chunk(chunk_id=make_chunk_id(SOURCE, int(record_id[2:]), record_id), text=f"work order {record_id}",
                 source=SOURCE, doc_type="work_order", record_id=record_id)


def records(*ids: str) -> list[WorkOrderRecord]:
    return [WorkOrderRecord(record_id=i, source=SOURCE, description=f"order {i}", asset="CH-06") for i in ids]


@pytest.fixture
def parts(tmp_path):
    store = IndexStore.open(tmp_path / "index", FakeHashEmbedder())
    journal = IngestJournal(tmp_path / "ingest-journal", tmp_path / "ingest.lock", wait_s=0.3)
    registry = AssetRegistry()
    registry.add("CH-06", name="Chiller 6")
    return store, journal, FakeWorkOrderSink(), registry, tmp_path / "assets.json"


def test_commit_swaps_then_writes_rows_and_registry_then_drops_the_journal(parts):
    store, journal, sink, registry, registry_path = parts
    seen = []
    journal.on_stage = lambda name: seen.append((name, live_version(store), dict(sink.by_source),
                                                 registry_path.exists(), journal.pending() is not None))
    commit(journal, store, sink, registry, registry_path, {SOURCE: ("h1", [chunk("WO1")])}, [],
           {SOURCE: records("WO1")})
    stages = [s[0] for s in seen]
    assert stages == ["journal_written", "index_swapped", "rows 1/1", "rows_written", "registry_saved", "done"]
    assert seen[0][1] is None and seen[0][4]  # journal on disk before the swap
    assert seen[1][1] == "v-1" and seen[1][2] == {}  # swapped, rows not yet written
    assert seen[-1][4] is False and sink.by_source[SOURCE][0].record_id == "WO1"
    assert json.loads(registry_path.read_text())["assets"][0]["id"] == "CH-06"


def test_recover_rolls_back_a_journal_whose_swap_never_happened(parts):
    store, journal, sink, registry, registry_path = parts
    journal.begin(PendingIngest(live_version(store), {SOURCE: records("WO1")}, [], registry.to_dict()))
    note = journal.recover(store, sink, registry_path)
    assert "before its index swap" in note
    assert sink.by_source == {} and not registry_path.exists() and journal.pending() is None


def test_recover_rolls_forward_after_the_swap(parts):
    store, journal, sink, registry, registry_path = parts
    journal.begin(PendingIngest(live_version(store), {SOURCE: records("WO1", "WO2")}, [], registry.to_dict()))
    store.apply({SOURCE: ("h1", [chunk("WO1"), chunk("WO2")])}, [])  # the process died right after this
    note = journal.recover(store, sink, registry_path)
    assert "after swapping in index version v-1" in note
    assert [r.record_id for r in sink.by_source[SOURCE]] == ["WO1", "WO2"]
    assert registry_path.exists() and journal.pending() is None
    assert journal.recover(store, sink, registry_path) is None  # nothing left to do


def test_a_half_written_journal_counts_as_none(parts):
    store, journal, sink, registry, registry_path = parts
    tmp = journal.folder.with_name(journal.folder.name + ".tmp")
    tmp.mkdir()
    (tmp / "rows.jsonl").write_text("{")
    assert journal.recover(store, sink, registry_path) is None and not tmp.exists()


def test_the_lock_makes_a_second_ingest_wait_then_give_up(parts, tmp_path):
    _, journal, *_ = parts
    notes = []
    other = IngestJournal(journal.folder, journal.lock_file, wait_s=0.3, notify=notes.append)
    with journal.locked():
        with pytest.raises(IngestBusyError, match=r"another ingest \(pid \d+\) is still running"):
            with other.locked():
                pass
    assert notes and notes[0].startswith("waiting for another ingest")
    finished = threading.Event()
    holding = threading.Event()

    def hold():
        with journal.locked():
            holding.set()
            time.sleep(0.3)
            finished.set()  # still inside the lock
    threading.Thread(target=hold).start()
    holding.wait(5)
    other.wait_s = 5
    with other.locked():
        assert finished.is_set()  # it waited for the first one instead of failing
