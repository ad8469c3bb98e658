"""File-level helpers of the index store: durable writes, chunk files, embedding only what is new."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Sequence

import numpy as np

from index.types import Embedder, IndexMismatchError
from ingest.atomic import fsync_dir, fsync_file, fsync_handle, write_json_atomic
from ingest.types import Chunk, content_hash

EMBED_GROUP = 256  # texts per embed_batch call: big enough to batch well, small enough for a live progress bar


def corpus_hash(chunks: Sequence[Chunk]) -> str:
    """Order-independent hash of the corpus (chunk ids and text hashes)."""
    digest = hashlib.sha256()
    for line in sorted(f"{c.chunk_id}:{c.content_hash}" for c in chunks):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


class PendingEmbeddings:
    """Texts waiting for vectors, embedded in groups as they arrive; vectors kept by content hash.

    The ingest pipeline adds each file's chunk texts as soon as the file is chunked, so the main
    thread embeds while the next files are parsed; ``IndexStore.apply`` takes the vectors from here
    and embeds only what is still missing. Texts in ``known`` (already in the index) and repeated
    texts are embedded never and once. Each group goes to the embedder in one call, which sorts it
    by length, so a larger group pads less; EMBED_GROUP keeps the progress bar moving.

    >>> pending = PendingEmbeddings(FakeHashEmbedder(), known={"3f2a..."})   # doctest: +SKIP
    >>> pending.add(["pump whines", "belt slips"]); pending.flush()          # doctest: +SKIP
    """

    def __init__(self, embedder: Embedder, known: Collection[str] = (), group: int = EMBED_GROUP,
                 on_embedded: Callable[[int], None] | None = None) -> None:
        self.embedder = embedder
        self.known = known
        self.group = group
        self.on_embedded = on_embedded
        self.seconds = 0.0  # wall time inside the embedder
        self._waiting: dict[str, str] = {}  # content hash -> text, in arrival order
        self._vectors: dict[str, np.ndarray] = {}

    def add(self, texts: Iterable[str]) -> None:
        """Queue texts; embeds full groups at once (call ``flush`` for the rest)."""
        for text in texts:
            h = content_hash(text)
            if h not in self.known and h not in self._vectors:
                self._waiting.setdefault(h, text)
        while len(self._waiting) >= self.group:
            self._embed(self.group)

    def flush(self) -> None:
        while self._waiting:
            self._embed(self.group)

    def get(self, text_hash: str) -> np.ndarray | None:
        return self._vectors.get(text_hash)

    def _embed(self, n: int) -> None:
        hashes = list(itertools.islice(self._waiting, n))
        t0 = time.perf_counter()
        vectors = np.asarray(self.embedder.embed_batch([self._waiting[h] for h in hashes]), dtype=np.float32)
        self.seconds += time.perf_counter() - t0
        if vectors.shape != (len(hashes), self.embedder.dim):
            raise ValueError(f"embedder returned shape {vectors.shape}, expected ({len(hashes)}, {self.embedder.dim})")
        for h, vector in zip(hashes, vectors):
            self._vectors[h] = vector
            del self._waiting[h]
        if self.on_embedded is not None:
            self.on_embedded(len(hashes))


def assemble_vectors(chunks: Sequence[Chunk], old_vectors: np.ndarray, known: dict[str, int],
                     pending: PendingEmbeddings) -> np.ndarray:
    """Vectors for ``chunks`` in order: rows of ``old_vectors`` for texts already indexed (``known``
    maps a content hash to its row), the rest from ``pending``, which embeds what it lacks."""
    pending.add(c.text for c in chunks if c.content_hash not in known)
    pending.flush()
    out = np.empty((len(chunks), pending.embedder.dim), dtype=np.float32)
    for row, chunk in enumerate(chunks):
        h = chunk.content_hash
        out[row] = old_vectors[known[h]] if h in known else pending.get(h)
    return out


class embed_progress:
    """A rich progress bar on a terminal (``with embed_progress(n, what) as advance``); silent otherwise
    (logs, tests, CI)."""

    def __init__(self, total: int, description: str):
        self.total = total
        self.description = description
        self._bar = None

    def __enter__(self) -> Callable[[int], None]:
        if sys.stderr.isatty() and self.total > EMBED_GROUP:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
            task = self._bar.add_task(self.description, total=self.total)
            return lambda n: self._bar.advance(task, n)
        return lambda n: None

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()


def built_with_other(manifest: dict[str, Any], embedder: Embedder) -> bool:
    return (manifest.get("embedding_model_id"), manifest.get("embedding_dim")) != (embedder.model_id, embedder.dim)


def check_built_with(folder: Path, manifest: dict[str, Any], embedder: Embedder) -> None:
    """Refuse, in one line that says what to run, an index version built with another embedder."""
    if built_with_other(manifest, embedder):
        raise IndexMismatchError(
            f"the index in {folder.parent} was built with embedder {manifest.get('embedding_model_id')!r}, "
            f"not the configured {embedder.model_id!r}: run `maintassist ingest --reembed` to re-embed "
            f"its {manifest.get('chunk_count', '?')} stored chunks (no file is re-read), or configure "
            "the embedder it was built with (embedding.backend, embedding.mode)"
        )


def read_chunks(path: Path) -> list[Chunk]:
    chunks = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                chunks.append(Chunk.from_dict(json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{path} line {number}: not a valid chunk ({exc})") from exc
    return chunks


def write_version(
    folder: Path, chunks: Sequence[Chunk], vectors: np.ndarray, faiss_index, bm25, manifest: dict[str, Any]
) -> None:
    """Write a complete version into ``folder`` (via a temp folder, every file fsynced, then renamed)."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
            fsync_handle(handle)
        with open(tmp / "vectors.npy", "wb") as handle:
            np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32))
            fsync_handle(handle)
        faiss_index.save(tmp / "faiss.index")
        bm25.save(tmp / "bm25")
        for path in [tmp / "faiss.index", *sorted((tmp / "bm25").iterdir())]:
            fsync_file(path)
        fsync_dir(tmp / "bm25")
        write_json_atomic(tmp / "manifest.json", manifest)  # last: a folder with a manifest is complete
        fsync_dir(tmp)
        os.replace(tmp, folder)
        fsync_dir(folder.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
