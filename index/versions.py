"""The versions inside an index folder: the ``CURRENT`` pointer, loading one version, its manifest.

``IndexStore`` (index/store.py) writes a version and flips the pointer; these functions find,
read, describe and prune versions.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from index.bm25 import BM25Index
from index.faiss_index import FaissIndex, IndexParams
from index.store_io import check_built_with, corpus_hash, read_chunks
from index.types import Embedder
from ingest.text import SEARCH_TERMS_VERSION
from ingest.types import Chunk

FORMAT_VERSION = 1
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    """One immutable loaded version; readers keep using theirs while a new one is swapped in."""

    chunks: list[Chunk]
    vectors: np.ndarray
    faiss: FaissIndex
    bm25: BM25Index
    manifest: dict[str, Any]


def pointer_stat(path: Path) -> tuple[int, int, int] | None:
    """(inode, mtime, size) of ``path/CURRENT``, or None: os.replace gives every flip a new inode."""
    try:
        st = os.stat(path / "CURRENT")
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def current_dir(path: Path) -> Path | None:
    """The version folder ``CURRENT`` names (None before the first version)."""
    pointer = path / "CURRENT"
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    folder = path / name
    if not name or not (folder / "manifest.json").exists():
        raise FileNotFoundError(f"{pointer} names {name!r}, but {folder}/manifest.json is missing")
    return folder


def load_snapshot(folder: Path, embedder: Embedder, params: IndexParams,
                  reuse: tuple[FaissIndex, BM25Index] | None = None, check: bool = True) -> Snapshot:
    """Read one version; ``reuse`` skips loading the FAISS and BM25 indexes just written."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if check:
        check_built_with(folder, manifest, embedder)
    chunks = read_chunks(folder / "chunks.jsonl")
    # Memory-mapped: opening is instant and only the rows a query touches are read.
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    if len(chunks) != manifest.get("chunk_count") or vectors.shape[0] != len(chunks):
        raise ValueError(f"{folder}: chunks.jsonl, vectors.npy and manifest.json disagree on the chunk count")
    if reuse is not None:
        faiss_index, bm25 = reuse
    else:
        bm25 = BM25Index.load(folder / "bm25")
        if bm25.terms_version != SEARCH_TERMS_VERSION:  # saved by an older tokeniser: its terms would not match
            log.info("index %s: rebuilding BM25 (terms version %s -> %s)", folder, bm25.terms_version,
                     SEARCH_TERMS_VERSION)
            bm25 = BM25Index.build([c.text for c in chunks])
        wanted = params.resolve_kind(len(chunks))
        if wanted == manifest["index_kind"] or len(chunks) == 0:
            faiss_index = FaissIndex.load(folder / "faiss.index", manifest["index_kind"], vectors.shape[1], params)
        else:  # Settings now ask for another kind: rebuild from the stored vectors, no re-embedding
            faiss_index = FaissIndex.build(np.asarray(vectors), params, dim=vectors.shape[1])
    return Snapshot(chunks, vectors, faiss_index, bm25, manifest)


def make_manifest(embedder: Embedder, chunking: dict, chunks: list[Chunk], kind: str,
                  source_hashes: dict[str, str], version: int) -> dict:
    """What built a version and from which sources (checked when it is opened again)."""
    return {
        "format_version": FORMAT_VERSION,
        "version": version,
        "embedding_model_id": embedder.model_id,
        "embedding_dim": embedder.dim,
        "chunking": chunking,
        "index_kind": kind,
        "chunk_count": len(chunks),
        "corpus_hash": corpus_hash(chunks),
        "source_hashes": dict(sorted(source_hashes.items())),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def empty_snapshot(embedder: Embedder, chunking: dict) -> Snapshot:
    """The snapshot of an index with no version yet."""
    dim = embedder.dim
    empty = np.zeros((0, dim), np.float32)
    manifest = make_manifest(embedder, chunking, [], "flat", {}, 0)
    return Snapshot([], empty, FaissIndex.build(empty, IndexParams(kind="flat", use_gpu="never"), dim),
                    BM25Index.build([]), manifest)


def next_version(path: Path) -> int:
    numbers = [int(p.name[2:]) for p in path.glob("v-*") if p.name[2:].isdigit()]
    return max(numbers, default=0) + 1


def prune(path: Path, keep: set[str | None]) -> None:
    """Remove versions older than the previous one, and leftovers of failed builds."""
    for entry in path.iterdir():
        if entry.is_dir() and entry.name.startswith("v-") and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
