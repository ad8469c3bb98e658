"""The ingest pipeline: files -> loaders -> chunks -> one atomic index update.

Incremental by content hash (sha256 of the file bytes): changed files replace their old chunks,
``delete`` removes sources. A file whose size and mtime are those recorded when its hash was
taken is not read at all; any other file is hashed, and the hash decides. Every file is loaded
and chunked before the single ``store.apply`` call, so a crash or a bad file mid-run leaves the
previous index usable; a failing file is reported and the rest of the batch goes in. With a journal
(``ingest/journal.py``) the run holds the data dir's ingest lock, finishes what an interrupted
run left, and writes index, work-order rows and registry as one recoverable transaction.

Files are parsed and chunked in a read-ahead thread while the main thread embeds the chunks of
the files before them (``ReadAhead``, ``store.pending_embeddings``); asset tags, which need every
file read, are stamped on the chunks afterwards (chunk texts never depend on them).

Usage::

    pipeline = IngestPipeline(store, sink, Chunker(320, 40), max_file_mb=200, registry=AssetRegistry())
    report = pipeline.run([Path("data/sample")])
    report.summary()
    # -> '12 ingested, 0 unchanged, 1 failed, 0 deleted, 0 skipped; 431 chunks'
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ingest.assets import AssetRegistry
from ingest.journal import IngestJournal, commit
from ingest.moves import SameFiles
from ingest.ports import EmbeddingsAhead, IndexWriter, WorkOrderSink
from ingest.progress import IngestProgress, StageTimes
from ingest.read_ahead import ReadAhead
from ingest.reader import FileRead, FileReader, LoadedFile
from ingest.router import Router
from ingest.tables.sensors import SensorLimit, load_limits
from ingest.tables.columns import norm_key
from ingest.tables.table import load_mapping
from ingest.types import Chunk
from ingest.walk import walk_files

MAX_WARNINGS_PER_FILE = 5  # enough to show the pattern without flooding the summary
# Files parsed ahead of the embedder: enough to keep it fed across a slow file, few enough that
# the parsed-but-not-embedded text stays small.
READ_AHEAD_FILES = 8
_SKIP_PREFIXES = ("license", "licence", "copying")


@dataclass
class IngestReport:
    ingested: int = 0
    skipped_unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    chunks_added: int = 0
    messages: list[str] = field(default_factory=list)
    skipped_other: int = 0  # hidden, licence or unknown-extension files
    times: StageTimes = field(default_factory=StageTimes)

    def summary(self) -> str:
        return (f"{self.ingested} ingested, {self.skipped_unchanged} unchanged, {self.failed} failed, "
                f"{self.deleted} deleted, {self.skipped_other} skipped; {self.chunks_added} chunks")


class IngestPipeline:
    """Config and collaborators in __init__; ``run(paths, delete)`` does one batch."""

    def __init__(self, store: IndexWriter, work_orders: WorkOrderSink | None, chunker: Any, *, max_file_mb: float,
                 registry: AssetRegistry | None = None, registry_path: Path | None = None,
                 column_mapping: dict[str, str] | Path | None = None, sensor_window: str = "week",
                 sensor_limits: list[SensorLimit] | Path | None = None,
                 journal: IngestJournal | None = None, config_files: dict[Path, str] | None = None) -> None:
        self.store = store
        self.journal = journal
        # Files the run was told to read as settings (limits, mapping, asset list): when a folder
        # being ingested holds one, it is reported as used for that, not as an unknown file.
        self.config_files = {Path(p).resolve(): what for p, what in (config_files or {}).items()}
        self.work_orders = work_orders
        self.chunker = chunker
        self.registry_path = Path(registry_path) if registry_path else None
        if registry is None:
            registry = AssetRegistry.open(self.registry_path) if self.registry_path else AssetRegistry()
        self.registry = registry
        # The wiring may hand over the settings' file paths; the stages want parsed values.
        if isinstance(column_mapping, (str, Path)):
            column_mapping = load_mapping(Path(column_mapping))
        if isinstance(sensor_limits, (str, Path)):
            sensor_limits = load_limits(Path(sensor_limits))
        self.router = Router(max_file_mb, column_mapping, sensor_window, sensor_limits)
        self.reader = FileReader(self.router, chunker)

    def run(self, paths: Iterable[Path], delete: Iterable[Path] = ()) -> IngestReport:
        if self.journal is None:
            return self._run(paths, delete, IngestReport())
        with self.journal.locked():
            report = IngestReport()
            self._catch_up(report)
            return self._run(paths, delete, report)

    def _catch_up(self, report: IngestReport) -> None:
        """Start from what is on disk now: another ingest may have finished while we waited for the
        lock, and an interrupted one may have left its transaction half done."""
        self.store.refresh()
        if self.registry_path is not None:
            self.registry.merge(AssetRegistry.open(self.registry_path))
        note = self.journal.recover(self.store, self.work_orders, self.registry_path)
        if note:
            report.messages.append(note)
            if self.registry_path is not None:
                self.registry.merge(AssetRegistry.open(self.registry_path))

    def _run(self, paths: Iterable[Path], delete: Iterable[Path], report: IngestReport) -> IngestReport:
        started = time.perf_counter()
        times = report.times
        reembedded = self.store.reembed_if_stale()  # the configured embedder changed since the last ingest
        reembed_s = time.perf_counter() - started
        if reembedded:
            report.messages.append(f"re-embedded the index's {reembedded} chunk texts with the configured embedder")
        existing, stamps = self.store.source_hashes(), self.store.source_stamps()
        loaded: dict[str, LoadedFile] = {}
        seen: dict[str, tuple[int, int]] = {}
        files = self._collect([Path(p) for p in paths], report)
        same = SameFiles(existing, exists=lambda source: Path(source).exists())
        pending: EmbeddingsAhead | None = None  # made at the first changed file: an unchanged run needs none
        with IngestProgress(len(files)) as progress:
            with ReadAhead(lambda path: self.reader.read(path, existing, stamps), READ_AHEAD_FILES) as ahead:
                for read in ahead.map(files):
                    original = read.loaded and same.copy_of(read.source, read.loaded.file_hash)
                    if original:
                        report.skipped_other += 1
                        report.messages.append(f"skipped: {read.path}: same file as {original}, already ingested")
                        progress.file_done(read.path.name, 0)
                        continue
                    self._book(read, loaded, report)
                    if read.stamp is not None and read.failure is None:
                        seen[read.source] = read.stamp
                    if read.loaded is not None:
                        if pending is None:
                            pending = self.store.pending_embeddings(on_embedded=progress.embedded)
                        # embeds in the main thread while the read-ahead thread parses the next files
                        pending.add(c.text for _, chunks in read.loaded.chunked for c in chunks)
                    progress.file_done(read.path.name, read.loaded.pages if read.loaded else 0)
            if pending is not None:
                pending.flush()
        if stale := sum(1 for s in loaded if s in existing and not existing[s].startswith(self.reader.key + ":")):
            report.messages.append(f"note: {_plural(stale, 'file')} read again: "
                                   "indexed by an older reader or other chunking")
        self._register_assets(loaded)
        self._drop_event_log_duplicates(loaded, existing, report)
        upserts: dict[str, tuple[str, list[Chunk]]] = {}
        for source, item in loaded.items():
            chunks = self.reader.final_chunks(item)
            upserts[source] = (item.file_hash, chunks)
            report.ingested += 1
            report.chunks_added += len(chunks)
            times.pages += item.pages
        deletes = self._deletes([Path(p) for p in delete], existing, report)
        for source, olds in same.moved.items():
            report.messages.append(f"moved: {', '.join(olds)} -> {source}")
            deletes.extend(old for old in olds if old not in deletes)
        rows = {source: loaded[source].result.work_orders for source in upserts}
        embedded, t0 = (pending.seconds if pending is not None else 0.0), time.perf_counter()
        # Index swap first (the commit point), then rows and registry; the journal finishes them after a crash.
        commit(self.journal, self.store, self.work_orders, self.registry, self.registry_path, upserts, deletes, rows,
               pending=pending, stamps=seen)
        embed_s = pending.seconds if pending is not None else 0.0
        times.index_write = time.perf_counter() - t0 - (embed_s - embedded)  # rows + registry included
        times.embed = embed_s + (reembed_s if reembedded else 0.0)
        report.deleted = len(deletes)
        times.chunks = report.chunks_added
        times.total = time.perf_counter() - started
        return report

    # ---- steps ----------------------------------------------------------------------------
    def _collect(self, paths: list[Path], report: IngestReport) -> list[Path]:
        """Files under ``paths`` in sorted order; hidden, licence and unknown files are noted and left out."""
        out: list[Path] = []
        for root in paths:
            if not root.exists():
                report.failed += 1
                report.messages.append(f"failed: {root}: no such file or directory")
                continue
            candidates = walk_files(root, report.messages) if root.is_dir() else [root]  # symlinks followed
            for path in candidates:
                rel = path.relative_to(root).parts if root.is_dir() else (path.name,)
                if path.resolve() in self.config_files:
                    report.messages.append(f"read as {self.config_files[path.resolve()]}: {path}")
                elif any(part.startswith(".") for part in rel):
                    report.skipped_other += 1
                    report.messages.append(f"skipped: {path}: hidden file")
                elif path.name.lower().startswith(_SKIP_PREFIXES):
                    report.skipped_other += 1
                    report.messages.append(f"skipped: {path}: licence file")
                elif not self.router.supports(path):
                    report.skipped_other += 1
                    report.messages.append(f"skipped: unknown extension: {path}")
                else:
                    out.append(path)
        return list(dict.fromkeys(out))

    def _book(self, read: FileRead, loaded: dict[str, LoadedFile], report: IngestReport) -> None:
        """Count one file's outcome and add its messages, in file order."""
        report.times.parse += read.parse_s
        report.times.chunk += read.chunk_s
        if read.unchanged:
            report.skipped_unchanged += 1
            return
        if read.failure is not None:
            report.failed += 1
            report.messages.append(read.failure)
            return
        item = read.loaded
        loaded[read.source] = item
        result = item.result
        what = _plural(len(result.documents), "document") + (
            f", {_plural(len(result.work_orders), 'work order')}" if result.work_orders else "")
        report.messages.append(f"ingested: {read.path} ({item.kind}, {what})")
        for warning in result.warnings[:MAX_WARNINGS_PER_FILE]:
            report.messages.append(f"warning: {warning}")
        if len(result.warnings) > MAX_WARNINGS_PER_FILE:
            report.messages.append(f"warning: {read.path.name}: {len(result.warnings) - MAX_WARNINGS_PER_FILE} more")

    def _register_assets(self, loaded: dict[str, LoadedFile]) -> None:
        """Work-order assets (id + name) first, then sensor assets; then give every doc the canonical id."""
        for item in loaded.values():
            for wo in item.result.work_orders:
                if wo.asset:
                    self.registry.add(wo.asset, name=wo.asset_name)
        for item in loaded.values():
            for doc in item.result.documents:
                if (doc.doc_type == "sensor" and doc.asset and not doc.metadata.get("asset_from_file_name")
                        and self.registry.resolve_exact(doc.asset) is None):
                    self.registry.add(doc.asset)
        for source, item in loaded.items():
            for doc in item.result.documents:
                if doc.doc_type == "manual" and doc.asset is None:
                    self._tag_manual(doc, source)
        for item in loaded.values():
            # Files name the same asset differently ("chiller 9", "Chiller 9", "CWC04009");
            # filters match ids exactly, so every document carries the registry's id.
            for doc in item.result.documents:
                if doc.asset and doc.asset not in self.registry:
                    canonical = self.registry.resolve_exact(doc.asset)
                    doc.metadata["asset_as_written"] = doc.asset
                    # A record's "equipment" cell may name a kind ("chiller"), not an asset: only
                    # known assets are tagged, so an asset filter never picks up catalogue rows.
                    doc.asset = canonical if canonical or doc.doc_type != "record" else None

    def _tag_manual(self, doc, source: str) -> None:
        """Manual -> model -> assets: a manual whose file name or title names a model (or one asset)
        covers those assets; one asset goes on ``asset`` (filters), all of them in metadata."""
        label = f"{Path(source).stem} {doc.title or ''}"
        ids = self.registry.assets_for_model(label) or self.registry.resolve(label)
        if ids:
            doc.metadata["assets"] = ids
            if len(ids) == 1:
                doc.asset = ids[0]

    def _drop_event_log_duplicates(self, loaded: dict[str, LoadedFile], existing: dict[str, str],
                                   report: IngestReport) -> None:
        """An event log repeats work orders a dedicated work-order file already holds; keep one copy
        so counts ("how many work orders on Chiller 6") are not doubled."""
        logged = [s for s, i in loaded.items() if any(w.extra.get("event_log") for w in i.result.work_orders)]
        if not logged:
            return
        known = {norm_key(w.record_id) for s, i in loaded.items() if s not in logged
                 for w in i.result.work_orders if not w.extra.get("event_log")}
        chunks = getattr(self.store, "chunks", None)
        if callable(chunks) and existing:
            known |= {norm_key(c.record_id) for c in chunks()
                      if c.doc_type == "work_order" and c.record_id and c.source not in loaded}
        for source in logged:
            result = loaded[source].result
            dup = {w.record_id for w in result.work_orders
                   if w.extra.get("event_log") and norm_key(w.record_id) in known}
            if not dup:
                continue
            result.work_orders = [w for w in result.work_orders if w.record_id not in dup]
            result.documents = [d for d in result.documents
                                if not (d.doc_type == "work_order" and d.record_id in dup)]
            report.messages.append(f"note: {Path(source).name}: {len(dup)} work-order events already in a "
                                   "work-order file; kept there only")

    def _deletes(self, paths: list[Path], existing: dict[str, str], report: IngestReport) -> list[str]:
        """Sources to remove: a file's own source, or every indexed source under a folder."""
        out: list[str] = []
        for path in paths:
            target = path.resolve().as_posix()
            hits = [s for s in existing if s == target or s.startswith(target.rstrip("/") + "/")]
            if not hits:
                report.messages.append(f"note: {path}: not in the index; nothing to delete")
            out.extend(h for h in sorted(hits) if h not in out)
        for source in out:
            report.messages.append(f"deleted: {source}")
        return out

def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
