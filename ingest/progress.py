"""What an ingest run shows while it works (a progress bar) and says at the end (where the time went)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text


@dataclass
class StageTimes:
    """Wall seconds per stage of one run. Parsing and chunking run in the read-ahead thread while
    the main thread embeds, so the stages add up to more than ``total``."""

    parse: float = 0.0
    chunk: float = 0.0
    embed: float = 0.0
    index_write: float = 0.0  # FAISS + BM25 build, version write, swap (store.apply minus its embedding)
    total: float = 0.0
    pages: int = 0  # PDF pages among the ingested documents
    chunks: int = 0

    def line(self) -> str:
        """``time: parse 0.8 s, chunk 0.1 s, embed 7.9 s, index write 0.3 s; 9.2 s in all, 21.7 pages/s, ...``"""
        rate = [f"{self.pages / self.total:.1f} pages/s"] if self.pages and self.total else []
        if self.chunks and self.total:
            rate.append(f"{self.chunks / self.total:.1f} chunks/s")
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in (
            ("parse", self.parse), ("chunk", self.chunk), ("embed", self.embed), ("index write", self.index_write)))
        overlap = " (parsing and chunking overlap embedding)" if self.parse + self.chunk and self.embed else ""
        return f"time: {stages}; {', '.join([f'{self.total:.1f} s in all', *rate])}{overlap}"


class _Rate(ProgressColumn):
    """``12.3 pages/s`` from a task field counted since the task started."""

    def __init__(self, field_name: str, unit: str) -> None:
        super().__init__()
        self.field_name, self.unit = field_name, unit

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        value = task.fields.get(self.field_name, 0)
        return Text(f"{value / elapsed:5.1f} {self.unit}/s" if elapsed > 0 else f"  -   {self.unit}/s")


class IngestProgress:
    """A live bar on a terminal: files done, pages/s parsed, chunks/s embedded. Silent elsewhere.

    >>> with IngestProgress(total_files=40) as progress:           # doctest: +SKIP
    ...     progress.file_done("manual.pdf", pages=20)
    ...     progress.embedded(64)
    """

    def __init__(self, total_files: int) -> None:
        self._pages = 0
        self._chunks = 0
        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
            _Rate("pages", "pages"), _Rate("chunks", "chunks"), TimeElapsedColumn(),
            disable=not sys.stderr.isatty(), transient=True,
        )
        self._task = self._bar.add_task("ingesting", total=total_files, pages=0, chunks=0)

    def file_done(self, name: str, pages: int) -> None:
        self._pages += pages
        self._bar.update(self._task, advance=1, description=f"ingesting {name}", pages=self._pages)

    def embedded(self, n: int) -> None:
        self._chunks += n
        self._bar.update(self._task, chunks=self._chunks)

    def __enter__(self) -> "IngestProgress":
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()
