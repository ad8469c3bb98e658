"""Structured routes the answer chain tries before retrieval (work-order history, sensor figures),
and the whole-procedure expansion of how-to answers.

Each returns ``(text, citations)`` or None; None lets retrieval and the evidence gate decide
(a count of zero or a figure that is not recorded is not stated as fact).
"""

from __future__ import annotations

from typing import Any

from assistant.answer.grounding.extractive import best_step_source
from assistant.prompts import sanitize
from assistant.types import Citation
from index.types import ScoredChunk


def history_route(history: Any, query: str, assets: list[str]) -> tuple[str, list[Citation]] | None:
    """Counting / latest / ranking / listing questions over the work-order table."""
    if history is None:
        return None
    parser, answerer = history
    parsed = parser.parse(query, asset=assets[0] if len(assets) == 1 else None)
    if parsed is None:
        return None
    result = answerer.answer(parsed)
    if not getattr(result, "answered", True):
        return None
    return result.text, [c.to_citation() for c in result.citations]


def sensor_route(sensors: Any, query: str, assets: list[str]) -> tuple[str, list[Citation]] | None:
    """Highest / lowest / mean / limit-crossing figures read from the sensor summaries."""
    if sensors is None:
        return None
    result = sensors.answer(query, assets)
    return None if result is None else (result.text, result.citations)


def whole_procedure(query: str, hits: list[Any], citations: list[Citation], sources: dict[int, str],
                    sections: Any, make_citation: Any) -> dict[int, list[int]] | None:
    """The best procedure's section, all its chunks in document order, as source numbers.

    Chunks of the section that retrieval did not return are appended to ``citations`` and
    ``sources`` (sanitised like any source), so every quoted step cites what it copies.
    """
    n = best_step_source(query, sources)
    if n is None or sections is None:
        return None
    numbers = {h.chunk.chunk_id: i for i, h in enumerate(hits, start=1)}
    order = []
    for chunk in sections.siblings(hits[n - 1].chunk):
        if chunk.chunk_id not in numbers:
            numbers[chunk.chunk_id] = len(citations) + 1
            citations.append(make_citation(numbers[chunk.chunk_id], ScoredChunk(chunk, 0.0)))
            sources[numbers[chunk.chunk_id]] = sanitize(chunk.text)[0]
        order.append(numbers[chunk.chunk_id])
    return {n: order} if n in order else None
