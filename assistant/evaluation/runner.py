"""Run QA items through the same chain the chat uses and grade each one.

The runner records raw per-question facts (rank of the first expected source,
cited markers, facts found, timings); ``report.build_report`` aggregates them::

    runner = EvalRunner(container.chain, ks=(1, 5, 10), retrieval_only=True)
    results = runner.run(load_qa(Path("qa.jsonl")))
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence

from assistant.evaluation import metrics
from assistant.evaluation.qa import QAItem
from assistant.types import Answer, Citation

RetrievalMode = Literal["hybrid", "dense", "bm25", "hybrid-raw"]
RETRIEVAL_MODES: tuple[str, ...] = ("hybrid", "dense", "bm25", "hybrid-raw")


@dataclass
class RetrievedRef:
    """Where a retrieved chunk came from: enough to show and to match, JSON-friendly."""

    source: str
    page: int | None = None
    record_id: str | None = None
    score: float | None = None


@dataclass
class QuestionResult:
    """What happened to one question. Answer fields stay ``None`` in retrieval-only mode."""

    item: QAItem
    retrieved: list[RetrievedRef] = field(default_factory=list)
    first_hit_rank: int | None = None
    answer_text: str | None = None
    abstained: bool | None = None
    route: str | None = None
    decline_reason: str | None = None  # why it declined (the gate's or the composer's reason)
    declined_by: str | None = None  # the stage that declined (``Answer.declined_by``)
    p_yes: float | None = None  # the answerability judge's score, when it ran
    p_value: float | None = None  # the judge's P(the question asks for a value), when it was asked
    # the evidence gate's measures (best cosine, term coverage, asked value kind) and the judge's P(yes) without the
    # documents: studies of when to decline
    evidence: dict[str, object] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # the answer's flag kinds, in order, once each
    markers: list[int] = field(default_factory=list)  # unique cited numbers, in order
    precise_markers: list[int] = field(default_factory=list)
    invalid_markers: list[int] = field(default_factory=list)
    sentences_cited: int = 0
    sentences_total: int = 0
    facts_found: list[str] = field(default_factory=list)
    # Where facts get lost: share of expected facts in the retrieved chunks, in the model's prompt
    # (None when the answer had no prompt: routes without a model, declines before generation).
    facts_in_retrieved: float | None = None
    facts_in_prompt: float | None = None
    facts_in_reply: float | None = None
    # numbers the answer states that none of its cited passages holds (the target: none, for answers from
    # documents; a work-order count or a sensor mean is computed, so those routes state new numbers)
    numbers_absent: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    output_tokens: int = 0
    model_id: str | None = None
    adapter_id: str | None = None
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.answer_text is not None


def retrieval_rank(item: QAItem, retrieved: Sequence[RetrievedRef]) -> int | None:
    """1-based rank of the first retrieved chunk matching any expected source."""
    return metrics.first_hit_rank(
        [any(e.matches(r.source, r.page, r.record_id) for e in item.expected_sources) for r in retrieved]
    )


def grade_answer(item: QAItem, answer: Answer, chunk_text: Callable[[str], str | None] | None = None,
                 result: QuestionResult | None = None) -> QuestionResult:
    """Fill the grounding fields of ``result`` from ``answer`` (pure apart from ``chunk_text``).

    A cited marker is precise when its citation is an expected source or its chunk text
    (full text via ``chunk_text(chunk_id)``, else the excerpt) contains an expected fact.
    A marker whose number is not among the answer's citations is invalid (and imprecise).
    """
    result = result or QuestionResult(item=item)
    by_number: dict[int, Citation] = {c.n: c for c in answer.citations}
    result.answer_text = answer.text
    result.abstained = bool(answer.abstained)
    result.route = answer.route
    result.flags = list(dict.fromkeys(f.kind for f in answer.flags))
    result.decline_reason = next((f.detail for f in answer.flags if f.kind == "abstained"), None)
    result.declined_by = answer.declined_by if answer.abstained else None
    evidence = (answer.extra or {}).get("evidence") or {}
    result.p_yes, result.p_value = evidence.get("p_yes"), evidence.get("p_value")
    result.evidence = {k: v for k, v in evidence.items()
                       if k in ("best_dense", "coverage", "value_kind", "p_prior", "bound_value",
                                "p_number", "p_probe")}
    result.model_id, result.adapter_id = answer.model_id, answer.adapter_id
    result.markers = metrics.unique_in_order(metrics.citation_markers(answer.text))
    result.invalid_markers = [n for n in result.markers if n not in by_number]
    result.precise_markers = [
        n for n in result.markers if n in by_number and _is_precise(item, by_number[n], chunk_text)
    ]
    result.sentences_cited, result.sentences_total = metrics.citation_coverage(answer.text)
    # An abstention states no facts, even if its wording happens to repeat one.
    result.facts_found = [] if answer.abstained else metrics.facts_found(item.answer_must_include, answer.text)
    cited = "\n".join(_full_text(by_number[n], chunk_text) for n in result.markers if n in by_number)
    result.numbers_absent = [] if answer.abstained else metrics.numbers_absent(answer.text, cited)
    if item.answerable and item.answer_must_include:
        facts = item.answer_must_include
        retrieved = "\n".join(_full_text(c, chunk_text) for c in answer.citations)
        result.facts_in_retrieved = len(metrics.facts_found(facts, retrieved)) / len(facts)
        prompt = answer.extra.get("prompt_sources") if answer.extra else None
        if prompt is not None:
            result.facts_in_prompt = len(metrics.facts_found(facts, "\n".join(prompt))) / len(facts)
        reply = answer.extra.get("reply") if answer.extra else None
        if reply is not None:
            result.facts_in_reply = len(metrics.facts_found(facts, reply)) / len(facts)
    return result


def _full_text(citation: Citation, chunk_text: Callable[[str], str | None] | None) -> str:
    """The cited chunk's whole text where the index has it, else the citation's excerpt."""
    return (chunk_text(citation.chunk_id) if chunk_text and citation.chunk_id else None) or citation.excerpt or ""


def _is_precise(item: QAItem, citation: Citation, chunk_text: Callable[[str], str | None] | None) -> bool:
    if any(e.matches(citation.source, citation.page, citation.record_id) for e in item.expected_sources):
        return True
    text = _full_text(citation, chunk_text)
    return bool(item.answer_must_include) and bool(metrics.facts_found(item.answer_must_include, text))


class EvalRunner:
    """Runs questions one by one; an exception in one question is recorded, not raised.

    ``retrieval_mode`` picks the ranking graded for recall/MRR: ``hybrid`` goes through
    ``chain.retrieve`` (asset filter and follow-up condensation included, as in the chat);
    ``dense``, ``bm25`` and ``hybrid-raw`` query ``retriever`` directly with the question.
    Answers (full mode) always come from ``chain.answer``. ``chain`` may be ``None`` for a
    retrieval-only run of a raw mode, so comparing retrievers never builds the LLM.
    """

    def __init__(self, chain: Any | None, *, ks: Sequence[int] = (1, 5, 10), retrieval_only: bool = False,
                 retrieval_mode: RetrievalMode = "hybrid", retriever: Any = None,
                 chunk_text: Callable[[str], str | None] | None = None,
                 progress: Callable[[int, int, QuestionResult], None] | None = None):
        if not ks or any(k < 1 for k in ks):
            raise ValueError(f"k values must be positive integers, got {list(ks)}")
        if retrieval_mode not in RETRIEVAL_MODES:
            raise ValueError(f"retrieval mode must be one of {', '.join(RETRIEVAL_MODES)}, got {retrieval_mode!r}")
        if retrieval_mode != "hybrid" and retriever is None:
            raise ValueError(f"retrieval mode {retrieval_mode!r} needs a retriever")
        if chain is None and (retrieval_mode == "hybrid" or not retrieval_only):
            raise ValueError("answers and hybrid (chain) retrieval need an answer chain")
        self.chain = chain
        self.ks = sorted(set(ks))
        self.retrieval_only = retrieval_only
        self.retrieval_mode = retrieval_mode
        self.retriever = retriever
        self.chunk_text = chunk_text
        self.progress = progress
        self._chain_takes_k: bool | None = None

    def run(self, items: Sequence[QAItem]) -> list[QuestionResult]:
        if items:
            self.warm_up(items[0])
        results = []
        for i, item in enumerate(items, start=1):
            result = self.run_one(item)
            results.append(result)
            if self.progress:
                self.progress(i, len(items), result)
        return results

    def warm_up(self, item: QAItem) -> None:
        """Retrieve once, untimed, so loading the embedder is not reported as query latency."""
        try:
            self._retrieve(item, max(self.ks))
        except Exception:  # noqa: BLE001 - the timed run records the same error for this question
            pass

    def run_one(self, item: QAItem) -> QuestionResult:
        result = QuestionResult(item=item)
        try:
            started = time.perf_counter()
            result.retrieved = self._retrieve(item, max(self.ks))
            if self.retrieval_only:
                result.timings = {"sources_s": time.perf_counter() - started}
            result.first_hit_rank = retrieval_rank(item, result.retrieved)
            if not self.retrieval_only:
                self._answer(item, result)
        except Exception as exc:  # noqa: BLE001 - one failing question must not end the run
            result.error = f"{type(exc).__name__}: {exc}"
        return result

    def _retrieve(self, item: QAItem, k: int) -> list[RetrievedRef]:
        if self.retrieval_mode == "hybrid":
            scored = self._chain_retrieve(item, k)
        elif self.retrieval_mode == "dense":
            scored = self.retriever.dense(item.question, k, None)
        elif self.retrieval_mode == "bm25":
            scored = self.retriever.keyword(item.question, k, None)
        else:
            scored = self.retriever.retrieve(item.question, k, None)
        return [
            RetrievedRef(s.chunk.source, s.chunk.page, s.chunk.record_id, _float(s.score)) for s in scored[:k]
        ]

    def _chain_retrieve(self, item: QAItem, k: int) -> list[Any]:
        if self._chain_takes_k is None:
            # recall@10 needs 10 candidates; the chain's own k (what the LLM sees) may be smaller.
            self._chain_takes_k = "k" in inspect.signature(self.chain.retrieve).parameters
        kwargs: dict[str, Any] = {"asset": item.asset, "conversation": list(item.history)}
        if self._chain_takes_k:
            kwargs["k"] = k
        return list(self.chain.retrieve(item.question, **kwargs))

    def _answer(self, item: QAItem, result: QuestionResult) -> None:
        clock: dict[str, float] = {}
        tokens = 0

        def on_sources(*_: Any, **__: Any) -> None:
            clock.setdefault("sources", time.perf_counter())

        def on_token(*_: Any, **__: Any) -> None:
            nonlocal tokens
            tokens += 1
            clock.setdefault("first_token", time.perf_counter())

        started = time.perf_counter()
        answer = self.chain.answer(item.question, asset=item.asset, conversation=list(item.history),
                                   on_sources=on_sources, on_token=on_token)
        ended = time.perf_counter()
        grade_answer(item, answer, self.chunk_text, result)
        # The chain's own timings are authoritative; ours fill gaps (e.g. a fake chain).
        measured = {"total_s": ended - started}
        if "sources" in clock:
            measured["sources_s"] = clock["sources"] - started
        if "first_token" in clock:
            measured["first_token_s"] = clock["first_token"] - started
        result.timings = {**measured, **{k: float(v) for k, v in (answer.timings or {}).items()}}
        result.output_tokens = answer.output_tokens or tokens


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
