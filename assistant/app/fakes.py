"""Stand-ins for unit tests of the app's logic (never used by ``maintassist serve``)."""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from assistant.types import Answer, Citation, Flag


class FakeAnswerChain:
    """Answers every question with one cited sentence, calling the callbacks like the real chain."""

    def __init__(self, delay_s: float = 0.0, flags: Sequence[Flag] = ()) -> None:
        self.delay_s = delay_s
        self.flags = list(flags)
        self.calls: list[dict[str, Any]] = []

    def answer(self, question: str, *, asset: str | None = None, conversation: Sequence[Any] = (),
               on_sources: Callable[[list[Citation]], None] | None = None,
               on_token: Callable[[str], None] | None = None) -> Answer:
        self.calls.append({"question": question, "asset": asset, "conversation": list(conversation)})
        t0 = time.perf_counter()
        citations = [Citation(n=1, chunk_id="fake-1", source="/corpus/press.md", doc_type="manual",
                              label="press.md · Hydraulics", excerpt="Check the pump bearing for wear.",
                              page=3, asset=asset, cited=True)]
        if on_sources:
            on_sources(citations)
        text = "Check the pump bearing [1]."
        for piece in ("Check ", "the pump ", "bearing [1]."):
            time.sleep(self.delay_s)
            if on_token:
                on_token(piece)
        return Answer(question=question, text=text, citations=citations, flags=list(self.flags), asset=asset,
                      model_id="fake", prompt_version="fake-v1",
                      timings={"total_s": round(time.perf_counter() - t0, 3)})
