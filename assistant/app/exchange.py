"""Run the (blocking) answer chain off the event loop and stream its progress back as events.

The chain runs on a small FIFO thread pool: with one worker (the default, since a CPU LLM uses
every core) questions are answered strictly in arrival order, and the event loop stays free to
serve pings, logins and other users' streams meanwhile. A waiting question hears its place in
line each time it moves up, so the technician always sees a state:

    runner = ExchangeRunner(chain, workers=1)
    async for kind, value in runner.stream("Why is press 4 whining?", asset="PRESS-04"):
        ...  # ("queued", place in line) ... ("started", None) | ("sources", [Citation])
             # | ("token", str) | ("answer", Answer) | ("error", Exception)

``estimate_s()`` is the median time recent answers spent writing (after their sources were
found), for the "writing the answer, about N s" line; None until one has been measured.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Callable, Sequence

_DONE = object()
Emit = Callable[[str, Any], None]


class ExchangeRunner:
    def __init__(self, chain: Any, workers: int = 1, timing_window: int = 20) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.chain = chain
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self._workers = workers
        self._pending = 0
        self._waiting: list[tuple[int, Emit]] = []  # not started yet, in arrival order
        self._tickets = itertools.count()
        self._writing: deque[float] = deque(maxlen=timing_window)
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Questions submitted and not yet finished (running + waiting)."""
        return self._pending

    def estimate_s(self) -> float | None:
        """Median seconds recent generated answers took from sources to the last word."""
        with self._lock:
            return statistics.median(self._writing) if self._writing else None

    def _record(self, answer: Any) -> None:
        timings = getattr(answer, "timings", {}) or {}
        if getattr(answer, "route", "") == "rag" and "total_s" in timings:
            with self._lock:
                self._writing.append(max(0.0, timings["total_s"] - timings.get("sources_s", 0.0)))

    def _start(self, ticket: int) -> None:
        """A worker picked up ``ticket``: everyone behind it moves up one place."""
        with self._lock:
            self._waiting = [(t, e) for t, e in self._waiting if t != ticket]
            waiting = list(self._waiting)
        for place, (_, emit) in enumerate(waiting, start=1):
            emit("queued", place)

    async def stream(self, question: str, *, asset: str | None = None,
                     conversation: Sequence[Any] = ()) -> AsyncIterator[tuple[str, Any]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        ticket = next(self._tickets)

        def emit(kind: str, value: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        def work() -> None:
            self._start(ticket)
            emit("started", None)
            try:
                answer = self.chain.answer(question, asset=asset, conversation=list(conversation),
                                           on_sources=lambda cites: emit("sources", list(cites)),
                                           on_token=lambda piece: emit("token", piece))
                self._record(answer)
                emit("answer", answer)
            except Exception as exc:  # noqa: BLE001 - surfaced to the user as an error event
                emit("error", exc)
            finally:
                with self._lock:
                    self._pending -= 1
                emit("done", _DONE)

        with self._lock:
            busy = self._pending >= self._workers
            self._pending += 1
            if busy:
                self._waiting.append((ticket, emit))
                place = len(self._waiting)
        if busy:
            yield ("queued", place)
        self._pool.submit(work)
        while True:
            kind, value = await queue.get()
            if kind == "done":
                return
            yield (kind, value)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
