"""Hand-made chunks in the layouts the ingest pipeline produces (manual text, work orders, sensor summaries)."""

from __future__ import annotations

import pytest

from ingest.types import Chunk, make_chunk_id


def _chunk(source: str, text: str, doc_type: str, **kw) -> Chunk:
    return Chunk(chunk_id=make_chunk_id(source, 0, text), text=text, source=source, doc_type=doc_type, **kw)


def make_corpus() -> list[Chunk]:
    chunks = []
    for i in range(6):
        src = f"/plant/manuals/m{i}_manual.md"
        title = f"MX-{i}00 Pump: Service Manual"
        chunks.append(_chunk(src, f"{title} > 2 Specifications\nRelief valve: {200 + i} bar\n"
                                  f"Oil volume: {40 + i}.5 L\nMotor power: {11 + i} kW", "manual",
                             title=title, section=f"{title} > 2 Specifications"))
        chunks.append(_chunk(src + "", f"{title} > 4 Troubleshooting\n"
                                  f"Problem: Pump whines at {100 + i} bar | Possible cause: strainer P/N 44{i}1-22 clogged"
                                  " | Remedy: Replace the strainer", "manual", title=title,
                             section=f"{title} > 4 Troubleshooting", page=None))
        chunks.append(_chunk(src, f"{title} > 5.{i} Replace filter\n1. Lock out the pump.\n"
                                  f"2. Open drain valve V{i} and drain {3 + i} L.\n3. Fit filter P/N 77{i}0-01.",
                             "manual", title=title, section=f"{title} > 5 Repair > 5.{i} Replace filter"))
    for i in range(12):
        chunks.append(_chunk("/plant/work_orders.csv",
                             f"Work order WO-10{i:02d} \u2014 Press {i % 3} (PRESS-0{i % 3}), dated 2025-01-{i + 1:02d}, "
                             f"corrective, priority high.\nDescription: ram slow {i}\n"
                             f"Failure code: HYD. Cause: valve {i} sticking. Action: cleaned valve {i}.",
                             "work_order", record_id=f"WO-10{i:02d}", asset=f"PRESS-0{i % 3}"))
    for i in range(8):
        chunks.append(_chunk(f"/plant/sensors/s{i % 2}.csv",
                             f"PRESS-0{i % 2} oil_temp sensor summary\nPRESS-0{i % 2} \u2014 oil_temp, week of "
                             f"2026-09-{i + 1:02d} to 2026-09-{i + 7:02d} (672 readings): range 41.{i}–48.9; "
                             f"mean 4{i}.01; no outliers.", "sensor", record_id=f"sensor:P{i}", asset=f"PRESS-0{i % 2}"))
    return chunks


@pytest.fixture
def corpus() -> list[Chunk]:
    return make_corpus()
