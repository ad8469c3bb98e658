"""The persisted, versioned index folder.

Layout::

    path/CURRENT            name of the live version folder (swapped atomically with os.replace)
    path/v-<n>/chunks.jsonl one Chunk per line, in row order
    path/v-<n>/vectors.npy  float32 (rows, dim): kinds can be rebuilt and unchanged texts never re-embedded
    path/v-<n>/faiss.index
    path/v-<n>/bm25/
    path/v-<n>/manifest.json

``apply`` builds a complete new version beside the live one and flips ``CURRENT`` only once
everything is on disk, so a crash or an exception mid-way leaves the previous version live.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import numpy as np

from index.bm25 import BM25Index
from index.faiss_index import FaissIndex, IndexParams
from index.fusion import CANDIDATES, CONVEX_ALPHA, RRF_K
from index.hybrid import HybridRetriever
from index.store_io import (
    PendingEmbeddings,
    assemble_vectors,
    built_with_other,
    check_built_with,
    embed_progress,
    write_version,
)
from index.types import Embedder, IndexMismatchError  # noqa: F401  (IndexMismatchError: also imported from here)
from index.versions import (
    Snapshot,
    current_dir,
    empty_snapshot,
    load_snapshot,
    make_manifest,
    next_version,
    pointer_stat,
    prune,
)
from ingest.atomic import fsync_dir, write_json_atomic
from ingest.types import Chunk

log = logging.getLogger(__name__)
OnMismatch = Literal["error", "reembed"]


class IndexStore:
    """Versioned chunk + vector + FAISS + BM25 store with atomic updates.

    >>> store = IndexStore.open(data_dir / "index", embedder)                    # doctest: +SKIP
    >>> store.apply({"/abs/manual.pdf": (file_hash, chunks)}, deletes=[])        # doctest: +SKIP
    >>> store.retriever(rrf_k=60, candidates=40).retrieve("E-204", k=6)           # doctest: +SKIP

    A ``HybridRetriever`` reads the snapshot it was made from; call ``retriever()`` again after
    ``apply`` to see the new version. Reads are thread-safe; ``apply`` calls are serialised.
    ``refresh()`` picks up a version another process (an ingest) swapped in; the live retriever
    calls it before every query, so a running server answers from the newest version.
    """

    def __init__(self, path: Path, embedder: Embedder, params: IndexParams, chunking: dict | None):
        self.path = Path(path)
        self.embedder = embedder
        self.params = params
        self.chunking = dict(chunking or {})
        self._write_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._pointer_seen: tuple[int, int, int] | None = None  # CURRENT's (inode, mtime, size) last read
        self._listeners: list[Callable[[], None]] = []
        self._snapshot: Snapshot = empty_snapshot(self.embedder, self.chunking)

    @classmethod
    def open(
        cls,
        path: Path,
        embedder: Embedder,
        *,
        kind: str = "auto",
        approx_threshold: int = 200_000,
        hnsw_m: int = 32,
        hnsw_ef_search: int = 128,
        ivf_nlist: int = 1024,
        ivf_nprobe: int = 32,
        use_gpu: str = "auto",
        chunking: dict | None = None,
        index_kind: str | None = None,  # alias of `kind` (the name used in DESIGN.md)
        on_mismatch: OnMismatch = "error",
    ) -> "IndexStore":
        """Open (or start) the index at ``path``.

        An index built with another embedder raises ``IndexMismatchError`` (reading it would compare
        vectors of two models), unless ``on_mismatch="reembed"`` (ingest): then it opens, must not be
        searched, and ``reembed_if_stale`` embeds its stored chunk texts again (no file is re-read).
        """
        params = IndexParams(kind=index_kind or kind, approx_threshold=approx_threshold,  # type: ignore[arg-type]
                             hnsw_m=hnsw_m, hnsw_ef_search=hnsw_ef_search, ivf_nlist=ivf_nlist,
                             ivf_nprobe=ivf_nprobe, use_gpu=use_gpu)  # type: ignore[arg-type]
        params.resolve_kind(0)  # validates the kind now, not at first ingest
        store = cls(path, embedder, params, chunking)
        store._pointer_seen = pointer_stat(store.path)
        current = current_dir(store.path)
        if current is not None:
            store._snapshot = load_snapshot(current, store.embedder, store.params, check=on_mismatch == "error")
        return store

    @staticmethod
    def check_embedder(path: Path, embedder: Embedder) -> None:
        """Raise ``IndexMismatchError`` now if the index at ``path`` was built with another embedder.

        Reads only the live manifest: ``serve`` checks before it starts the app, not at the first question.
        """
        pointer = Path(path) / "CURRENT"
        if pointer.exists():
            folder = Path(path) / pointer.read_text(encoding="utf-8").strip()
            check_built_with(folder, json.loads((folder / "manifest.json").read_text(encoding="utf-8")), embedder)

    def refresh(self) -> bool:
        """Load the version ``CURRENT`` names when another process swapped it since we last looked.

        Costs one ``stat`` when nothing changed. ``CURRENT`` only ever names a complete version
        (written, fsynced, renamed before the flip), and the new snapshot replaces the old one in
        a single assignment, so a reader sees the old version or the new one, never a mix. True
        when a new version was loaded; listeners (``on_refresh``) are then called.
        """
        seen = pointer_stat(self.path)
        if seen is None or seen == self._pointer_seen:
            return False
        with self._refresh_lock:
            if seen == self._pointer_seen:
                return False  # another thread loaded it meanwhile
            self._pointer_seen = seen
            try:
                folder = current_dir(self.path)
                if folder is None or folder.name == self._snapshot.manifest.get("version_dir"):
                    return False
                snapshot = load_snapshot(folder, self.embedder, self.params)
            except (OSError, ValueError, KeyError, IndexMismatchError) as exc:
                # e.g. the version was pruned by a newer ingest while we read it: keep serving this one
                log.warning("index %s: keeping version %s, the new one did not load: %s", self.path,
                            self._snapshot.manifest.get("version_dir"), exc)
                return False
            self._snapshot = snapshot
        log.info("index %s: now serving %s", self.path, folder.name)
        for listener in list(self._listeners):
            listener()
        return True

    def on_refresh(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after ``refresh`` loaded a newer version (e.g. to reload the asset registry)."""
        self._listeners.append(listener)

    # -- reading ------------------------------------------------------------------------------
    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self._snapshot.manifest)

    def chunks(self) -> list[Chunk]:
        return list(self._snapshot.chunks)

    def source_hashes(self) -> dict[str, str]:
        return dict(self._snapshot.manifest.get("source_hashes", {}))

    def source_stamps(self) -> dict[str, tuple[int, int]]:
        """source -> (size, mtime_ns) of the file when its hash was taken (the pipeline's fast path)."""
        return {s: (int(v[0]), int(v[1])) for s, v in self._snapshot.manifest.get("source_stamps", {}).items()}

    def pending_embeddings(self, on_embedded=None) -> PendingEmbeddings:
        """A queue that embeds texts ahead of ``apply`` (skipping those already indexed); pass it to ``apply``."""
        return PendingEmbeddings(self.embedder, known={c.content_hash for c in self._snapshot.chunks},
                                 on_embedded=on_embedded)

    def __len__(self) -> int:
        return len(self._snapshot.chunks)

    def retriever(
        self, rrf_k: int = RRF_K, candidates: int = CANDIDATES, dense_weight: float = 1.0, bm25_weight: float = 1.0,
        fusion: str = "convex", alpha: float = CONVEX_ALPHA,
    ) -> HybridRetriever:
        """A retriever that follows this store: after ``apply`` its next call sees the new version."""
        config = dict(rrf_k=rrf_k, candidates=candidates, dense_weight=dense_weight, bm25_weight=bm25_weight,
                      fusion=fusion, alpha=alpha)
        from index.live import LiveRetriever

        return LiveRetriever(self, config)  # type: ignore[return-value]  # same API as HybridRetriever

    def snapshot_retriever(self, **config: Any) -> HybridRetriever:
        """A HybridRetriever frozen on the current version (what ``retriever()`` delegates to)."""
        snap = self._snapshot
        return HybridRetriever(snap.chunks, self.embedder, snap.faiss, snap.bm25, vectors=snap.vectors, **config)

    # -- writing ------------------------------------------------------------------------------
    def reembed_if_stale(self) -> int:
        """If the live version was built with another embedder, embed all its chunk texts again with
        this store's embedder into a new version (same chunks, hashes and stamps); the number of
        texts embedded. The ingest pipeline calls it first, under the data dir's ingest lock."""
        with self._write_lock:
            old = self._snapshot
            if not built_with_other(old.manifest, self.embedder):
                return 0
            texts = len({c.content_hash for c in old.chunks})
            log.warning("the index in %s was built with embedder %s; re-embedding its %d chunk texts with %s",
                        self.path, old.manifest.get("embedding_model_id"), texts, self.embedder.model_id)
            with embed_progress(texts, f"re-embedding {texts} chunk texts") as advance:
                pending = PendingEmbeddings(self.embedder, on_embedded=advance)
                vectors = assemble_vectors(old.chunks, old.vectors[:0], {}, pending)
            self._write(list(old.chunks), vectors, old.manifest.get("source_hashes", {}),
                        old.manifest.get("source_stamps", {}), old.manifest)
            return texts

    def apply(self, upserts: dict[str, tuple[str, list[Chunk]]], deletes: Sequence[str] = (), *,
              pending: PendingEmbeddings | None = None, stamps: dict[str, tuple[int, int]] | None = None) -> None:
        """Replace the chunks of each upserted source, drop deleted sources, then swap atomically.

        ``upserts`` maps source path -> (file hash, its complete new chunk list). Vectors of texts
        already in the index are reused; new texts come from ``pending`` (embedded ahead by the
        caller) or are embedded here. ``stamps`` (source -> size, mtime_ns) are recorded with the hashes.
        """
        with self._write_lock:
            old = self._snapshot
            removed = set(deletes) | set(upserts)
            keep = [i for i, c in enumerate(old.chunks) if c.source not in removed]
            chunks = [old.chunks[i] for i in keep]
            seen = {c.chunk_id for c in chunks}
            for source, (_, new_chunks) in upserts.items():
                for chunk in new_chunks:
                    if chunk.source != source:
                        raise ValueError(f"chunk {chunk.chunk_id} has source {chunk.source!r}, upserted under {source!r}")
                    if chunk.chunk_id not in seen:  # identical chunk ids carry identical text
                        seen.add(chunk.chunk_id)
                        chunks.append(chunk)
            known = {c.content_hash: i for i, c in enumerate(old.chunks)}
            vectors = assemble_vectors(chunks, old.vectors, known, pending or PendingEmbeddings(self.embedder, known))

            source_hashes = {s: h for s, h in old.manifest.get("source_hashes", {}).items() if s not in removed}
            source_hashes.update({s: h for s, (h, _) in upserts.items()})
            source_stamps = {s: v for s, v in old.manifest.get("source_stamps", {}).items()
                             if s not in removed and s in source_hashes}
            source_stamps.update({s: list(v) for s, v in (stamps or {}).items() if s in source_hashes})
            self._write(chunks, vectors, source_hashes, source_stamps, old.manifest)

    # -- internals ----------------------------------------------------------------------------
    def _write(self, chunks: list[Chunk], vectors: np.ndarray, source_hashes: dict[str, str],
               source_stamps: dict[str, list[int]], old_manifest: dict[str, Any]) -> None:
        """Build FAISS + BM25 for ``chunks``, write a complete new version, flip CURRENT (the swap)."""
        faiss_index = FaissIndex.build(vectors, self.params, dim=self.embedder.dim)
        bm25 = BM25Index.build([c.text for c in chunks])
        manifest = make_manifest(self.embedder, self.chunking, chunks, faiss_index.kind, source_hashes,
                                 old_manifest.get("version", 0) + 1)
        manifest["source_stamps"] = dict(sorted(source_stamps.items()))

        self.path.mkdir(parents=True, exist_ok=True)
        name = f"v-{next_version(self.path)}"
        manifest["version_dir"] = name
        write_version(self.path / name, chunks, vectors, faiss_index, bm25, manifest)
        # The flip: after this line the new version is live, before it the old one is.
        write_json_atomic(self.path / "CURRENT", name, raw=True)
        fsync_dir(self.path)
        self._pointer_seen = pointer_stat(self.path)
        self._snapshot = load_snapshot(self.path / name, self.embedder, self.params, reuse=(faiss_index, bm25))
        prune(self.path, keep={name, old_manifest.get("version_dir")})
