"""A moved folder and a second copy of an indexed file: each document is indexed once."""

from __future__ import annotations

import shutil

from ingest.moves import SameFiles
from tests.ingest.fakes import FakeIndexStore, FakeWorkOrderSink
from tests.ingest.test_pipeline import make_corpus, pipeline


def test_same_name_and_bytes_elsewhere_is_a_copy_while_the_indexed_file_exists():
    same = SameFiles({"/a/pump.md": "h1"}, exists=lambda s: True)
    assert same.copy_of("/b/pump.md", "h1") == "/a/pump.md"
    assert same.moved == {}


def test_same_name_and_bytes_whose_indexed_file_is_gone_has_moved():
    same = SameFiles({"/a/pump.md": "h1", "/a/fan.md": "h2"}, exists=lambda s: False)
    assert same.copy_of("/b/pump.md", "h1") is None
    assert same.moved == {"/b/pump.md": ["/a/pump.md"]}


def test_other_name_other_bytes_or_the_same_path_are_not_copies():
    same = SameFiles({"/a/pump.md": "h1"}, exists=lambda s: True)
    assert same.copy_of("/b/press-2 pump.md", "h1") is None  # another name may tag another asset
    assert same.copy_of("/b/pump.md", "h9") is None  # edited
    assert same.copy_of("/a/pump.md", "h1") is None  # the indexed file itself, re-read
    assert same.moved == {}


def test_two_copies_in_one_run_keep_the_first():
    same = SameFiles({}, exists=lambda s: True)
    assert same.copy_of("/x/1/pump.md", "h1") is None
    assert same.copy_of("/x/2/pump.md", "h1") == "/x/1/pump.md"


def test_a_moved_folder_is_indexed_once_with_its_new_paths(tmp_path):
    root = make_corpus(tmp_path / "corpus")
    store, sink = FakeIndexStore(), FakeWorkOrderSink()
    pipeline(store, sink, tmp_path).run([root])
    before = sorted(c.text for c in store.chunks())
    moved = tmp_path / "plant" / "corpus"
    moved.parent.mkdir()
    shutil.move(str(root), str(moved))
    report = pipeline(store, sink, tmp_path).run([moved])
    assert report.ingested == 3 and report.deleted == 3
    assert all(s.startswith(moved.resolve().as_posix()) for s in store.source_hashes())
    assert sorted(c.text for c in store.chunks()) == before
    # the work-order rows moved with their file
    assert all(s.startswith(moved.resolve().as_posix()) for s in sink.by_source)
    assert len(sink.by_source[(moved / "wo" / "orders.csv").resolve().as_posix()]) == 3
    assert sum(m.startswith("moved: ") for m in report.messages) == 3


def test_a_copied_folder_is_not_indexed_twice(tmp_path):
    root = make_corpus(tmp_path / "corpus")
    store = FakeIndexStore()
    pipeline(store, None, tmp_path).run([root])
    sources = store.source_hashes()
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    report = pipeline(store, None, tmp_path).run([copy])
    assert report.ingested == 0 and store.source_hashes() == sources
    orders = (root / "wo" / "orders.csv").resolve().as_posix()
    assert f"skipped: {copy / 'wo' / 'orders.csv'}: same file as {orders}, already ingested" in report.messages
