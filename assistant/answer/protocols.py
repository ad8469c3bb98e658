"""What the answer chain needs from its collaborators, as small Protocols (real parts and Fake* test
parts both fit them; nothing is probed with ``getattr``)."""

from __future__ import annotations

from typing import NamedTuple, Protocol, Sequence

from assistant.history.answer import HistoryResult
from assistant.types import Citation
from index.types import Filters, ScoredChunk
from ingest.types import Chunk


class RouteResult(NamedTuple):
    """The answer text and the sources it cites; ``declined``: why the records cannot answer (the text then says
    so and shows what was found: "your work orders record no technician")."""

    text: str
    citations: list[Citation]
    declined: str | None = None


class Route(Protocol):
    """A structured route tried before retrieval (work-order counts, sensor figures). ``None`` lets
    retrieval and the evidence gate decide: a count of zero is not stated as fact."""

    name: str  # recorded as Answer.route

    def answer(self, query: str, assets: list[str]) -> RouteResult | None: ...


class Search(Protocol):
    """The hybrid index as answering uses it (``index.hybrid.HybridRetriever``, ``index.live.LiveRetriever``)."""

    def retrieve(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]: ...

    def keyword(self, query: str, k: int, filters: Filters | None = None) -> list[ScoredChunk]: ...

    def dense_scores(self, query: str, chunk_ids: Sequence[str]) -> dict[str, float]: ...


class PlanRunner(Protocol):
    """Work-order analytics from a question (``assistant.history.plan_prompt.WorkOrderAnalytics``);
    ``None`` when the question is not one it can answer."""

    def run(self, question: str) -> HistoryResult | None: ...


class NamedAsset(Protocol):
    id: str
    name: str | None


class Assets(Protocol):
    """The asset registry as answering uses it (``ingest.assets.AssetRegistry``)."""

    def resolve(self, text: str) -> list[str]: ...

    def phrases(self, asset_id: str) -> list[str]: ...

    def name(self, asset_id: str) -> str | None: ...

    def all(self) -> Sequence[NamedAsset]: ...


class Sections(Protocol):
    """A manual section's chunks in document order (``assistant.answer.scope.SectionIndex``)."""

    def siblings(self, chunk: Chunk) -> list[Chunk]: ...
