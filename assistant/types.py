"""The Answer record shared by the CLI, the chat UI, the audit log and the evaluation harness."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Literal, Protocol, Sequence


@dataclass
class ChatMessage:
    role: str  # system | user | assistant
    content: str


class Generator(Protocol):
    """An LLM backend. ``stream`` yields text pieces; greedy when temperature is 0."""

    model_id: str
    adapter_id: str | None

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int | None = None,
               grammar: str | None = None) -> Iterator[str]: ...


@dataclass
class Citation:
    """Source ``[n]`` as shown to the user: where it is and what it says."""

    n: int
    chunk_id: str
    source: str
    doc_type: str
    label: str  # "thermostat.md · Thermostat > Inspection"
    excerpt: str
    page: int | None = None
    section: str | None = None
    record_id: str | None = None
    asset: str | None = None
    score: float | None = None
    cited: bool = False  # True when the answer text actually cites it
    title: str | None = None  # the document's title, for labels that name it instead of the file


# The doc_type of a citation showing how an answer's figures were computed over a table (what was read, the filters,
# every group's figure): a count, a sum or a ranking is written in no row, so its computation is its source.
COMPUTED = "computed"
TRACE_GROUPS = 30  # a computation's source lists this many groups of a ranking (the answer names the first few)


def computed_citation(n: int, source: str, trace: str) -> Citation:
    """Source ``[n]``: the computation ``trace`` over the table in ``source`` (its lines, each figure as stated)."""
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    digest = hashlib.sha1(f"{source}\n{trace}".encode()).hexdigest()[:12]
    return Citation(n=n, chunk_id=f"computed:{digest}", source=source, doc_type=COMPUTED, label=f"{name} · computed",
                    excerpt=trace, cited=True)


@dataclass
class Flag:
    """Something a reader must see: an unsupported sentence, an unverified number, missing safety."""

    kind: str  # unsupported_sentence | unverified_number | invalid_citation | no_safety | abstained | ambiguous_asset
    detail: str


# The stages of answering that decline: the evidence gate or a route's records ("before the model"), no quoted line
# stating the asked kind of value, the answerability judge, a question for a number answered without one.
DeclineStage = Literal["before the model", "asked kind of value", "judge", "number asked, none given"]


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    abstained: bool = False
    asset: str | None = None
    standalone_query: str | None = None
    route: str = "rag"  # rag | history | procedure | abstain | clarify
    # the stage that declined, when one did; the reason itself is the "abstained" flag's detail
    declined_by: DeclineStage | None = None
    retrieval_scores: list[float] = field(default_factory=list)
    model_id: str | None = None
    adapter_id: str | None = None
    prompt_version: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # sources_s, first_token_s, total_s
    output_tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def cited_numbers(self) -> list[int]:
        return [c.n for c in self.citations if c.cited]
