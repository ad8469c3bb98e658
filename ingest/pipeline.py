"""The ingest pipeline: files -> loaders -> chunks -> one atomic index update.

Incremental by content hash (sha256 of the file bytes): unchanged files cost one hash, changed
files replace their old chunks, ``delete`` removes sources. Every file is loaded and chunked
before the single ``store.apply`` call, so a crash or a bad file mid-run leaves the previous
index usable; a failing file is reported and the rest of the batch goes in. With a journal
(``ingest/journal.py``) the run holds the data dir's ingest lock, finishes what an interrupted
run left, and writes index, work-order rows and registry as one recoverable transaction.

Usage::

    pipeline = IngestPipeline(store, sink, Chunker(320, 40), max_file_mb=200, registry=AssetRegistry())
    report = pipeline.run([Path("data/sample")])
    report.summary()
    # -> '12 ingested, 0 unchanged, 1 failed, 0 deleted, 0 skipped; 431 chunks'
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Protocol

from ingest.assets import AssetRegistry
from ingest.journal import IngestJournal, commit
from ingest.router import Router
from ingest.sensors import SensorLimit, load_limits
from ingest.tables import load_mapping, norm_key
from ingest.types import Chunk, IngestError, LoadResult, WorkOrderRecord
from ingest.walk import walk_files

MAX_WARNINGS_PER_FILE = 5  # enough to show the pattern without flooding the summary
_SKIP_PREFIXES = ("license", "licence", "copying")


class WorkOrderSink(Protocol):
    """Where structured work-order rows go (the history database)."""

    def replace_source(self, source: str, records: list[WorkOrderRecord]) -> None: ...

    def delete_source(self, source: str) -> None: ...


@dataclass
class IngestReport:
    ingested: int = 0
    skipped_unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    chunks_added: int = 0
    messages: list[str] = field(default_factory=list)
    skipped_other: int = 0  # hidden, licence or unknown-extension files

    def summary(self) -> str:
        return (f"{self.ingested} ingested, {self.skipped_unchanged} unchanged, {self.failed} failed, "
                f"{self.deleted} deleted, {self.skipped_other} skipped; {self.chunks_added} chunks")


@dataclass
class _Loaded:
    file_hash: str
    kind: str
    result: LoadResult


class IngestPipeline:
    """Config and collaborators in __init__; ``run(paths, delete)`` does one batch."""

    def __init__(self, store: Any, work_orders: WorkOrderSink | None, chunker: Any, *, max_file_mb: float,
                 registry: AssetRegistry | None = None, registry_path: Path | None = None,
                 column_mapping: dict[str, str] | Path | None = None, sensor_window: str = "week",
                 sensor_limits: list[SensorLimit] | Path | None = None,
                 journal: IngestJournal | None = None) -> None:
        self.store = store
        self.journal = journal
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
        existing = self.store.source_hashes()
        loaded: dict[str, _Loaded] = {}
        files = self._collect([Path(p) for p in paths], report)
        for path in self._progress(files):
            self._load_one(path, existing, loaded, report)
        self._register_assets(loaded)
        self._drop_event_log_duplicates(loaded, existing, report)
        upserts: dict[str, tuple[str, list[Chunk]]] = {}
        for source, item in loaded.items():
            try:
                chunks = self._chunk(item.result)
            except (IngestError, ValueError) as exc:
                report.failed += 1
                report.messages.append(f"failed: {Path(source).name}: chunking error: {exc}")
                continue
            upserts[source] = (item.file_hash, chunks)
            report.ingested += 1
            report.chunks_added += len(chunks)
        deletes = self._deletes([Path(p) for p in delete], existing, report)
        rows = {source: loaded[source].result.work_orders for source in upserts}
        # Index swap first (the commit point), then rows and registry; the journal finishes them after a crash.
        commit(self.journal, self.store, self.work_orders, self.registry, self.registry_path, upserts, deletes, rows)
        report.deleted = len(deletes)
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
                if any(part.startswith(".") for part in rel):
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

    def _load_one(self, path: Path, existing: dict[str, str], loaded: dict[str, _Loaded],
                  report: IngestReport) -> None:
        source = path.resolve().as_posix()
        try:
            self.router.check_size(path)
            file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
            if existing.get(source) == file_hash:
                report.skipped_unchanged += 1
                return
            kind, result = self.router.load(path)
            if not result.documents:
                raise IngestError(f"{path.name}: nothing to index")
        except (IngestError, UnicodeError, csv.Error, OSError, ValueError) as exc:
            report.failed += 1
            report.messages.append(f"failed: {path}: {exc}")
            return
        loaded[source] = _Loaded(file_hash, kind, result)
        what = _plural(len(result.documents), "document") + (
            f", {_plural(len(result.work_orders), 'work order')}" if result.work_orders else "")
        report.messages.append(f"ingested: {path} ({kind}, {what})")
        for warning in result.warnings[:MAX_WARNINGS_PER_FILE]:
            report.messages.append(f"warning: {warning}")
        if len(result.warnings) > MAX_WARNINGS_PER_FILE:
            report.messages.append(f"warning: {path.name}: {len(result.warnings) - MAX_WARNINGS_PER_FILE} more")

    def _register_assets(self, loaded: dict[str, _Loaded]) -> None:
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

    def _drop_event_log_duplicates(self, loaded: dict[str, _Loaded], existing: dict[str, str],
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

    def _chunk(self, result: LoadResult) -> list[Chunk]:
        chunks: list[Chunk] = []
        for doc in result.documents:
            chunks.extend(self.chunker.split(doc, ordinal_start=len(chunks)))
        return chunks

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

    @staticmethod
    def _progress(files: list[Path]):
        from rich.progress import Progress

        with Progress(disable=not sys.stderr.isatty(), transient=True) as progress:
            task = progress.add_task("ingesting", total=len(files))
            for path in files:
                progress.update(task, description=f"ingesting {path.name}")
                yield path
                progress.advance(task)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")
