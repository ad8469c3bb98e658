"""Work on the next items in a background thread while the caller handles the current one.

The ingest pipeline parses and chunks files here (pure Python, holding the GIL) while its main
thread embeds the previous files' chunks (onnxruntime releases the GIL), so on two cores the
parser rarely waits for the embedder or the other way round.

>>> with ReadAhead(str.upper, depth=2) as ahead:
...     list(ahead.map(["a", "b", "c"]))
['A', 'B', 'C']
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, Iterable, Iterator, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

_DONE = object()


class _Failed:
    """An exception raised by ``work`` in the thread, handed over to be raised in the caller."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


class ReadAhead(Generic[In, Out]):
    """``map(items)`` yields ``work(item)`` in input order, computed at most ``depth`` items ahead.

    ``work`` should turn expected per-item problems (a bad file) into values; an exception that
    escapes it stops the thread and is raised again in the caller at that item. Leaving the
    ``with`` block early (an error in the caller, a closed generator) stops the thread too.
    """

    def __init__(self, work: Callable[[In], Out], depth: int) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.work = work
        self.depth = depth
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def map(self, items: Iterable[In]) -> Iterator[Out]:
        if self._thread is not None:
            raise RuntimeError("ReadAhead.map runs once per instance")
        # The bound is what keeps memory flat: the thread blocks once `depth` results wait unread.
        results: queue.Queue = queue.Queue(maxsize=self.depth)
        self._thread = threading.Thread(target=self._produce, args=(items, results), name="ingest-read-ahead",
                                        daemon=True)
        self._thread.start()
        while True:
            item = results.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def _produce(self, items: Iterable[In], results: queue.Queue) -> None:
        try:
            for item in items:
                if self._stop.is_set():
                    return
                self._put(results, self.work(item))
        except BaseException as exc:  # handed to the caller, which raises it; nothing is swallowed
            self._put(results, _Failed(exc))
            return
        self._put(results, _DONE)

    def _put(self, results: queue.Queue, value: object) -> None:
        # A full queue whose reader has gone away must not block the thread for ever.
        while not self._stop.is_set():
            try:
                results.put(value, timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> "ReadAhead[In, Out]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
