"""Ingest as one recoverable transaction: an inter-process lock and a write-ahead journal.

One ingest changes three things that must agree: the live index version (``CURRENT``), the
work-order rows in the database and the asset registry (``assets.json``). They cannot be
written atomically together, so the ingest writes what the rows and the registry must become
into a journal *before* it swaps the index, and removes the journal only once all three are
written. The swap is the commit point:

- a crash before the swap leaves ``CURRENT`` on the version the journal names as its base:
  nothing was applied, the journal is dropped (roll back);
- a crash after the swap leaves ``CURRENT`` on a newer version: the next ingest (or
  ``recover``) writes the rows and the registry from the journal (roll forward). Both writes
  are idempotent (a source's rows are replaced whole, the registry file is rewritten whole).

The lock (``flock`` on ``DATA_DIR/ingest.lock``) makes ingests in one data dir run one after
the other, so a second ingest starts from the first one's result instead of overwriting it.

    journal = IngestJournal(data_dir / "ingest-journal", data_dir / "ingest.lock", wait_s=600)
    with journal.locked():
        note = journal.recover(store, sink, registry_path)   # a previous ingest's leftovers
        commit(journal, store, sink, registry, registry_path, upserts, deletes, rows)
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ingest.atomic import fsync_dir, write_json_atomic
from ingest.types import WorkOrderRecord

STATE_FILE = "journal.json"
ROWS_FILE = "rows.jsonl"
POLL_S = 0.2  # how often a waiting ingest retries the lock

StageHook = Callable[[str], None]


class IngestBusyError(RuntimeError):
    """Another ingest holds the data dir's lock for longer than we were told to wait."""


@dataclass
class PendingIngest:
    base_version: str | None  # the live index version before the swap (None: no index yet)
    rows: dict[str, list[WorkOrderRecord]]  # upserted source -> its complete work-order rows
    deletes: list[str]
    registry: dict[str, Any]  # AssetRegistry.to_dict() as it must be saved


class IngestJournal:
    """The lock and the journal of one data dir. ``on_stage`` (tests) is called at each stage boundary."""

    def __init__(self, folder: Path, lock_file: Path, *, wait_s: float = 600.0,
                 notify: Callable[[str], None] | None = None, on_stage: StageHook | None = None) -> None:
        self.folder = Path(folder)
        self.lock_file = Path(lock_file)
        self.wait_s = wait_s
        self.notify = notify
        self.on_stage = on_stage

    # ---- lock -----------------------------------------------------------------------------
    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the data dir's ingest lock; wait up to ``wait_s`` for another ingest to finish."""
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            self._acquire(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # who holds it, for the waiting one's message
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _acquire(self, fd: int) -> None:
        deadline = time.monotonic() + self.wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            if time.monotonic() >= deadline:
                raise IngestBusyError(
                    f"another ingest (pid {holder}) is still running in {self.lock_file.parent}; waited "
                    f"{self.wait_s:g} s (ingest.lock_wait_s). Run this ingest again when it has finished.")
            if not told and self.notify is not None:
                self.notify(f"waiting for another ingest (pid {holder}) in {self.lock_file.parent} to finish")
                told = True
            time.sleep(POLL_S)

    # ---- journal --------------------------------------------------------------------------
    def pending(self) -> PendingIngest | None:
        state_path = self.folder / STATE_FILE
        if not state_path.exists():
            return None  # no journal, or one whose writing never completed (nothing was applied)
        state = json.loads(state_path.read_text(encoding="utf-8"))
        rows: dict[str, list[WorkOrderRecord]] = {source: [] for source in state["upserts"]}
        with open(self.folder / ROWS_FILE, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    record = json.loads(line)
                    rows[record["source"]].append(WorkOrderRecord(**record))
        return PendingIngest(state["base_version"], rows, list(state["deletes"]), state["registry"])

    def begin(self, pending: PendingIngest) -> None:
        """Write the journal durably (temp folder, fsync, rename): after this the swap may happen."""
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with open(tmp / ROWS_FILE, "w", encoding="utf-8") as handle:
            for records in pending.rows.values():
                for record in records:
                    handle.write(json.dumps(asdict(record), ensure_ascii=False, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        write_json_atomic(tmp / STATE_FILE, {"base_version": pending.base_version, "upserts": list(pending.rows),
                                             "deletes": pending.deletes, "registry": pending.registry})
        shutil.rmtree(self.folder, ignore_errors=True)
        os.replace(tmp, self.folder)
        fsync_dir(self.folder.parent)

    def finish(self) -> None:
        """Drop the journal: the transaction is complete (or was rolled back)."""
        if self.folder.exists():
            # Remove the state file first: a crash mid-removal then reads as "no journal".
            (self.folder / STATE_FILE).unlink(missing_ok=True)
            shutil.rmtree(self.folder, ignore_errors=True)
            fsync_dir(self.folder.parent)

    def stage(self, name: str) -> None:
        if self.on_stage is not None:
            self.on_stage(name)

    def recover(self, store: Any, sink: Any, registry_path: Path | None) -> str | None:
        """Finish or drop what an interrupted ingest left; a message saying which, or None."""
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        pending = self.pending()
        if pending is None:
            if self.folder.exists() or tmp.exists():  # a journal whose writing never completed
                self.finish()
                shutil.rmtree(tmp, ignore_errors=True)
            return None
        live = live_version(store)
        if live == pending.base_version:
            self.finish()
            return ("repaired: an earlier ingest stopped before its index swap; nothing of it was applied "
                    "(its files are ingested again now if given)")
        _write_rows_and_registry(pending, sink, registry_path, self.stage)
        self.finish()
        return (f"repaired: an earlier ingest stopped after swapping in index version {live}; its work-order "
                "rows and asset registry are now written too")


def commit(journal: IngestJournal | None, store: Any, sink: Any, registry: Any, registry_path: Path | None,
           upserts: dict[str, tuple[str, list]], deletes: list[str],
           rows: dict[str, list[WorkOrderRecord]], **apply_options: Any) -> None:
    """Journal, swap the index, write the rows, save the registry, drop the journal.

    Without a journal (unit tests, library use) the order is the same, without crash recovery.
    ``apply_options`` go to ``store.apply`` (vectors embedded ahead, file stamps).
    """
    base = live_version(store) if journal is not None else None
    pending = PendingIngest(base, rows, list(deletes), registry.to_dict())
    stage = journal.stage if journal is not None else (lambda _name: None)
    if journal is not None:
        journal.begin(pending)
    stage("journal_written")
    if upserts or deletes:
        store.apply(upserts, deletes, **apply_options)  # the commit point; on an exception the old version stays live
    stage("index_swapped")
    _write_rows_and_registry(pending, sink, registry_path, stage)
    if journal is not None:
        journal.finish()
    stage("done")


def _write_rows_and_registry(pending: PendingIngest, sink: Any, registry_path: Path | None,
                             stage: StageHook) -> None:
    """Both writes replace whole units (a source's rows, the registry file), so repeating them is safe."""
    if sink is not None:
        total = len(pending.rows) + len(pending.deletes)
        for i, (source, records) in enumerate(pending.rows.items(), start=1):
            sink.replace_source(source, records)
            stage(f"rows {i}/{total}")
        for source in pending.deletes:
            sink.delete_source(source)
    stage("rows_written")
    if registry_path is not None:
        Path(registry_path).parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(Path(registry_path), pending.registry)
    stage("registry_saved")


def live_version(store: Any) -> str | None:
    """The version folder ``CURRENT`` names, read from disk (not the store's cached snapshot)."""
    pointer = Path(store.path) / "CURRENT"
    try:
        return pointer.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None
