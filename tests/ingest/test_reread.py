"""Files indexed by an older reader or with other chunk settings are read again at the next ingest."""

from __future__ import annotations

from ingest.assets import AssetRegistry
from ingest.chunking import Chunker
from ingest.pipeline import IngestPipeline
from ingest.reader import READER_VERSION
from ingest.tokens import FakeWordPieceCounter
from tests.ingest.fakes import FakeIndexStore

MANUAL = "# Pump P-7\n\n" + "\n\n".join(f"Step {i}: check seal {i} and torque bolt {i} to {10 + i} Nm."
                                        for i in range(40))


def run(store, root, chunk_tokens=64):
    chunker = Chunker(chunk_tokens, 8, counter=FakeWordPieceCounter())
    return IngestPipeline(store, None, chunker, max_file_mb=5, registry=AssetRegistry()).run([root])


def make(tmp_path):
    root = tmp_path / "manuals"
    root.mkdir()
    (root / "pump.md").write_text(MANUAL)
    (root / "fan.md").write_text("# Fan F-2\n\nThe belt tension is 4 mm at the midpoint.\n")
    return root


def test_the_recorded_hash_names_the_reader_version_and_chunk_settings(tmp_path):
    store = FakeIndexStore()
    run(store, make(tmp_path))
    hashes = set(store.source_hashes().values())
    assert all(h.startswith(f"r{READER_VERSION}/64-8-16-FakeWordPieceCounter:") for h in hashes)


def test_other_chunk_settings_read_every_file_again_once(tmp_path):
    root, store = make(tmp_path), FakeIndexStore()
    run(store, root)
    before, embedded = len(store.chunks()), len(store.embedded)
    again = run(store, root, chunk_tokens=128)
    assert len(store.embedded) > embedded  # new chunk texts are embedded
    assert (again.ingested, again.skipped_unchanged) == (2, 0)
    assert "note: 2 files read again: indexed by an older reader or other chunking" in again.messages
    assert len(store.chunks()) < before  # bigger chunks, fewer of them
    third = run(store, root, chunk_tokens=128)
    assert (third.ingested, third.skipped_unchanged) == (0, 2)


def test_an_index_from_before_reader_versions_is_read_again_without_embedding_twice(tmp_path):
    root, store = make(tmp_path), FakeIndexStore()
    run(store, root)
    # an index written before the version was recorded holds the bare sha256
    store.sources = {s: (h.rsplit(":", 1)[-1], chunks) for s, (h, chunks) in store.sources.items()}
    embedded = len(store.embedded)
    again = run(store, root)
    assert again.ingested == 2 and len(store.embedded) == embedded  # same chunk texts, vectors kept
    assert run(store, root).skipped_unchanged == 2
