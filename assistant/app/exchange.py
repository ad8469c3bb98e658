"""Run the (blocking) answer chain off the event loop and stream its callbacks back as events.

The chain runs on a small FIFO thread pool: with one worker (the default, since a CPU LLM uses
every core) questions are answered strictly in arrival order, and the event loop stays free to
serve pings, logins and other users' streams meanwhile.

    runner = ExchangeRunner(chain, workers=1)
    async for kind, value in runner.stream("Why is press 4 whining?", asset="PRESS-04"):
        ...  # ("queued", n_ahead) | ("sources", [Citation]) | ("token", str) | ("answer", Answer)
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, AsyncIterator, Sequence

_DONE = object()


class ExchangeRunner:
    def __init__(self, chain: Any, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.chain = chain
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self._workers = workers
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        """Questions submitted and not yet finished (running + waiting)."""
        return self._pending

    async def stream(self, question: str, *, asset: str | None = None,
                     history: Sequence[Any] = ()) -> AsyncIterator[tuple[str, Any]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

        def emit(kind: str, value: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        def work() -> None:
            try:
                answer = self.chain.answer(question, asset=asset, history=list(history),
                                           on_sources=lambda cites: emit("sources", list(cites)),
                                           on_token=lambda piece: emit("token", piece))
                emit("answer", answer)
            except Exception as exc:  # noqa: BLE001 - surfaced to the user as an error event
                emit("error", exc)
            finally:
                with self._lock:
                    self._pending -= 1
                emit("done", _DONE)

        with self._lock:
            ahead = max(0, self._pending - self._workers + 1)
            self._pending += 1
        if ahead:
            yield ("queued", ahead)
        self._pool.submit(work)
        while True:
            kind, value = await queue.get()
            if kind == "done":
                return
            yield (kind, value)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
