"""Shared helpers for the index tests: a tiny hand-written corpus and a counting fake embedder."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from index.embedder import FakeHashEmbedder
from ingest.types import Chunk, make_chunk_id


class FakeCountingEmbedder(FakeHashEmbedder):
    """FakeHashEmbedder that records every text it embeds (to prove vectors are reused)."""

    def __init__(self, dim: int = 64):
        super().__init__(dim)
        self.embedded: list[str] = []

    def embed_batch(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        if not query:
            self.embedded.extend(texts)
        return super().embed_batch(texts, query=query)


def make_chunk(source: str, ordinal: int, text: str, **meta) -> Chunk:
    meta.setdefault("doc_type", "manual")
    return Chunk(chunk_id=make_chunk_id(source, ordinal, text), text=text, source=source, **meta)


PRESS_MANUAL = "/plant/manuals/press.md"
MILL_MANUAL = "/plant/manuals/mill.md"
WORK_ORDERS = "/plant/wo/work_orders.csv"


def corpus() -> dict[str, list[Chunk]]:
    """source -> chunks: two manuals and some work orders with assets and dates."""
    press = [
        make_chunk(PRESS_MANUAL, 0, "Alarm E-204 hydraulic pressure low: check the pump inlet filter", asset="PRESS-04"),
        make_chunk(PRESS_MANUAL, 1, "Replace the main seal P/N 4471-22 and torque the bolts to 45 Nm", asset="PRESS-04"),
        make_chunk(PRESS_MANUAL, 2, "Lock-out procedure: isolate the electrical supply before opening the guard", asset="PRESS-04"),
    ]
    mill = [
        make_chunk(MILL_MANUAL, 0, "Spindle overheating: check the coolant flow and the spindle bearings", asset="MILL-02"),
        make_chunk(MILL_MANUAL, 1, "Fault 0x1F means the axis servo drive lost its encoder signal", asset="MILL-02"),
    ]
    wos = [
        make_chunk(WORK_ORDERS, 0, "WO259747 press 4 hydraulic leak at cylinder, replaced seal", asset="PRESS-04",
                   doc_type="work_order", record_id="WO259747", date="2024-03-02"),
        make_chunk(WORK_ORDERS, 1, "WO259800 mill spindle noisy, bearings greased", asset="MILL-02",
                   doc_type="work_order", record_id="WO259800", date="2024-05-10"),
        make_chunk(WORK_ORDERS, 2, "WO259900 press 4 pressure low alarm E-204, cleaned filter", asset="PRESS-04",
                   doc_type="work_order", record_id="WO259900", date="2024-07-21"),
    ]
    return {PRESS_MANUAL: press, MILL_MANUAL: mill, WORK_ORDERS: wos}


def upserts(sources: dict[str, list[Chunk]], file_hash: str = "h1") -> dict[str, tuple[str, list[Chunk]]]:
    return {source: (f"{file_hash}-{source}", chunks) for source, chunks in sources.items()}


@pytest.fixture
def embedder() -> FakeCountingEmbedder:
    return FakeCountingEmbedder()
