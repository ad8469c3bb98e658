"""Reading one file for the ingest pipeline: skip it if unchanged, else parse and chunk it.

``FileReader.read`` touches no shared state, so the pipeline runs it in its read-ahead thread;
every outcome, a bad file included, comes back as a ``FileRead`` value for the main thread to
book in file order.
"""

from __future__ import annotations

import csv
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.chunking import restamp
from ingest.router import Router
from ingest.types import Chunk, IngestError, LoadResult, SourceDocument


@dataclass
class LoadedFile:
    file_hash: str
    kind: str
    result: LoadResult
    chunked: list[tuple[SourceDocument, list[Chunk]]]  # each document with the chunks made from it

    @property
    def pages(self) -> int:
        """PDF pages among the file's documents (the unit of the pages/s figure)."""
        return sum(1 for doc in self.result.documents if doc.page is not None)


@dataclass
class FileRead:
    """One file's outcome: unchanged, failed (with a message naming the file) or loaded."""

    path: Path
    source: str
    stamp: tuple[int, int] | None = None  # (size, mtime_ns), taken before the bytes were read
    loaded: LoadedFile | None = None
    failure: str | None = None
    unchanged: bool = False
    parse_s: float = 0.0
    chunk_s: float = 0.0


# Bump when a loader or the chunker changes what a file turns into: every file is then read again at
# its next ingest (most chunk texts come out the same, and those are not embedded again).
READER_VERSION = 7


class FileReader:
    """Hashes, parses (``router.load``) and chunks one file.

    >>> read = FileReader(router, chunker).read(Path("manual.pdf"), existing={}, stamps={})  # doctest: +SKIP
    >>> read.loaded.chunked[0][1][0].page                                                    # doctest: +SKIP
    1

    Unchanged means: the index holds this source, read by this reader version with these chunk
    settings (``key``, recorded with the hash), and either its size and mtime (ns) equal the stamp
    recorded when its hash was taken, or its sha256 equals the recorded hash. Writing a file
    changes its mtime; only a tool that puts back an old mtime on new content of the same size
    could slip past the stamp (``touch`` the file, or delete and re-ingest it, to force a re-read).
    """

    def __init__(self, router: Router, chunker: Any) -> None:
        self.router = router
        self.chunker = chunker
        # recorded before the file's sha256 ("r3/320-40-80-MiniLMTokenCounter:<sha256>")
        self.key = f"r{READER_VERSION}/{getattr(chunker, 'settings_key', '')}"

    def read(self, path: Path, existing: dict[str, str], stamps: dict[str, tuple[int, int]]) -> FileRead:
        read = FileRead(path, path.resolve().as_posix())
        try:
            self.router.check_size(path)
            stat = path.stat()
            read.stamp = (stat.st_size, stat.st_mtime_ns)
            recorded = existing.get(read.source, "")
            if recorded.startswith(self.key + ":") and stamps.get(read.source) == read.stamp:
                read.unchanged = True
                return read
            file_hash = f"{self.key}:{hashlib.sha256(path.read_bytes()).hexdigest()}"
            if recorded == file_hash:
                read.unchanged = True
                return read
            t0 = time.perf_counter()
            kind, result = self.router.load(path)
            read.parse_s = time.perf_counter() - t0
            if not result.documents:
                raise IngestError(f"{path.name}: nothing to index")
        except (IngestError, UnicodeError, csv.Error, OSError, ValueError) as exc:
            read.failure = f"failed: {path}: {exc}"
            return read
        t0 = time.perf_counter()
        try:
            read.loaded = LoadedFile(file_hash, kind, result, self.chunk(result.documents))
        except (IngestError, ValueError) as exc:
            read.failure = f"failed: {path.name}: chunking error: {exc}"
        finally:
            read.chunk_s = time.perf_counter() - t0
        return read

    def chunk(self, documents: list[SourceDocument]) -> list[tuple[SourceDocument, list[Chunk]]]:
        """Chunk a file's documents in order; chunk ordinals run on across documents."""
        out: list[tuple[SourceDocument, list[Chunk]]] = []
        ordinal = 0
        for doc in documents:
            chunks = self.chunker.split(doc, ordinal_start=ordinal)
            ordinal += len(chunks)
            out.append((doc, chunks))
        return out

    def final_chunks(self, item: LoadedFile) -> list[Chunk]:
        """The file's chunks with the asset tags the pipeline decided after every file was read.

        A file that lost documents since (event-log duplicates) is chunked again, so the ordinals
        in its chunk ids stay consecutive; its texts are unchanged, so nothing is embedded twice.
        """
        documents = item.result.documents
        if len(documents) != len(item.chunked) or any(a is not b for (a, _), b in zip(item.chunked, documents)):
            item.chunked = self.chunk(documents)
        for doc, chunks in item.chunked:
            restamp(chunks, doc)
        return [c for _, chunks in item.chunked for c in chunks]
