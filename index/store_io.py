"""File-level helpers of the index store: durable writes, chunk files, embedding only what is new."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from index.types import Embedder
from ingest.types import Chunk

EMBED_GROUP = 256  # texts per embed_batch call: big enough to batch well, small enough for a live progress bar


def corpus_hash(chunks: Sequence[Chunk]) -> str:
    """Order-independent hash of the corpus (chunk ids and text hashes)."""
    digest = hashlib.sha256()
    for line in sorted(f"{c.chunk_id}:{c.content_hash}" for c in chunks):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


def embed_missing(
    chunks: Sequence[Chunk], old_vectors: np.ndarray, known: dict[str, int], embedder: Embedder
) -> np.ndarray:
    """Vectors for ``chunks`` in order, copying rows of ``old_vectors`` for texts already embedded.

    ``known`` maps a text's content hash to its row in ``old_vectors``. Each new distinct text is
    embedded once, however many chunks share it.
    """
    out = np.empty((len(chunks), embedder.dim), dtype=np.float32)
    todo: dict[str, list[int]] = {}
    texts: dict[str, str] = {}
    for row, chunk in enumerate(chunks):
        h = chunk.content_hash
        if h in known:
            out[row] = old_vectors[known[h]]
        else:
            todo.setdefault(h, []).append(row)
            texts.setdefault(h, chunk.text)
    if not todo:
        return out
    hashes = list(todo)
    with _progress(len(hashes)) as advance:
        for start in range(0, len(hashes), EMBED_GROUP):
            group = hashes[start : start + EMBED_GROUP]
            vectors = np.asarray(embedder.embed_batch([texts[h] for h in group]), dtype=np.float32)
            if vectors.shape != (len(group), embedder.dim):
                raise ValueError(f"embedder returned shape {vectors.shape}, expected ({len(group)}, {embedder.dim})")
            for h, vector in zip(group, vectors):
                out[todo[h]] = vector
            advance(len(group))
    return out


class _progress:
    """A rich progress bar on a terminal; silent otherwise (logs, tests, CI)."""

    def __init__(self, total: int):
        self.total = total
        self._bar = None

    def __enter__(self):
        if sys.stderr.isatty() and self.total > EMBED_GROUP:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
            task = self._bar.add_task("embedding new chunks", total=self.total)
            return lambda n: self._bar.advance(task, n)
        return lambda n: None

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.stop()


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
            _fsync(handle)
        with open(tmp / "vectors.npy", "wb") as handle:
            np.save(handle, np.ascontiguousarray(vectors, dtype=np.float32))
            _fsync(handle)
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


def write_json_atomic(path: Path, value: Any, raw: bool = False) -> None:
    """Write ``value`` (JSON, or the raw string when ``raw``) to ``path`` via temp + fsync + os.replace."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(value if raw else json.dumps(value, indent=2, ensure_ascii=False))
        _fsync(handle)
    os.replace(tmp, path)


def _fsync(handle) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    # Directory fsync makes renames durable on POSIX; not supported everywhere (e.g. Windows).
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
