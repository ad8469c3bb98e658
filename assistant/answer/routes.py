"""Structured routes the answer chain tries before retrieval (work-order history, sensor figures),
and the whole-procedure expansion of how-to answers.

Each route returns ``(text, citations)`` or None; None lets retrieval and the evidence gate decide
(a count of zero or a figure that is not recorded is not stated as fact).
"""

from __future__ import annotations

from typing import Callable, Sequence

from assistant.answer.grounding.steps import best_step_source
from assistant.answer.protocols import PlanRunner, RouteResult, Search, Sections
from assistant.history.answer import HistoryAnswerer
from assistant.history.query import HistoryQueryParser
from assistant.prompts import sanitize
from assistant.records.answer import RecordAnswerer
from assistant.records.query import RecordQueryParser
from assistant.records.table import RecordTables
from assistant.sensors import SensorAnswerer
from assistant.types import Citation
from index.types import ScoredChunk
from ingest.types import Chunk


class WorkOrderRoute:
    """Counting / latest / ranking / listing questions over the work-order table."""

    name = "history"  # the route name audits and evaluation reports already use

    def __init__(self, parser: HistoryQueryParser, answerer: HistoryAnswerer) -> None:
        self.parser = parser
        self.answerer = answerer

    def answer(self, query: str, assets: list[str]) -> RouteResult | None:
        parsed = self.parser.parse(query, asset=assets[0] if len(assets) == 1 else None)
        if parsed is None:
            return None
        result = self.answerer.answer(parsed)
        if result.declined:
            return RouteResult(result.text, result.all_citations(), result.declined)
        if not result.answered:
            return None
        return RouteResult(result.text, result.all_citations())


class WorkOrderPlanRoute:
    """Work-order analytics the rule parser does not know, as a typed plan the LLM fills (issue 13).

    Runs only when most of the question's nearest chunks are work orders (no word list decides
    what is an analytics question), then plan → check against the table's catalog → SQL. A plan
    the model marks as not about work orders, or that the check or the table cannot answer,
    falls through to retrieval.
    """

    name = "history"

    def __init__(self, planner: PlanRunner, search: Search, *, probe_k: int, min_share: float) -> None:
        self.planner = planner
        self.search = search
        self.probe_k = probe_k
        self.min_share = min_share

    def answer(self, query: str, assets: list[str]) -> RouteResult | None:
        hits = self.search.retrieve(query, self.probe_k)
        if not hits or sum(h.chunk.doc_type == "work_order" for h in hits) / len(hits) < self.min_share:
            return None
        result = self.planner.run(query)
        if result is None or not result.answered:
            return None
        return RouteResult(result.text, result.all_citations())


class SensorRoute:
    """Highest / lowest / mean / limit-crossing figures read from the sensor summaries."""

    name = "sensor"

    def __init__(self, sensors: SensorAnswerer) -> None:
        self.sensors = sensors

    def answer(self, query: str, assets: list[str]) -> RouteResult | None:
        result = self.sensors.answer(query, assets)
        return None if result is None else RouteResult(result.text, result.citations)


class RecordsRoute:
    """Counts, latest / oldest and most-common values over a record table (a repair log, an FMEA sheet).

    Tried on the tables among the question's nearest chunks, best-ranked first, so a question the
    manuals answer better is left to them; the first table that reads the question as a count or a
    ranking (``assistant/records/query.py``) and holds matching rows answers it.
    """

    name = "records"

    def __init__(self, tables: RecordTables, parser: RecordQueryParser, answerer: RecordAnswerer, search: Search,
                 *, probe_k: int) -> None:
        self.tables = tables
        self.parser = parser
        self.answerer = answerer
        self.search = search
        self.probe_k = probe_k

    def warm(self) -> None:
        """Read the tables now (the chat's start-up), not on the first counting question."""
        self.tables.all()

    def answer(self, query: str, assets: list[str]) -> RouteResult | None:
        tables = self.tables.all() if self.parser.asks(query) else None
        if not tables:
            return None
        for source in dict.fromkeys(h.chunk.source for h in self.search.retrieve(query, self.probe_k)):
            parsed = self.parser.parse(query, tables[source]) if source in tables else None
            result = self.answerer.answer(parsed) if parsed is not None else None
            if result is not None:
                return RouteResult(result.text, result.citations)
        return None


def records_route(chunks: Callable[[], Sequence[Chunk]], search: Search, *, max_cited: int, k: int) -> RecordsRoute:
    """The record-table route over the live index version's chunks."""
    return RecordsRoute(RecordTables(chunks), RecordQueryParser(), RecordAnswerer(max_cited), search, probe_k=k)


def whole_procedure(query: str, hits: list[ScoredChunk], citations: list[Citation], sources: dict[int, str],
                    sections: Sections | None,
                    make_citation: Callable[[int, ScoredChunk], Citation]) -> dict[int, list[int]] | None:
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
