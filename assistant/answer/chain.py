"""The answer chain: question -> route -> evidence -> cited answer (or an honest decline).

Routes:
- ``history``: counting / latest / ranking questions over work orders go to a structured
  query (similarity search cannot count);
- ``sensor``: highest / lowest / mean / limit-crossing questions about one asset's signal are
  read from the sensor summaries' figures (``assistant/sensors.py``);
- ``rag``: hybrid retrieval, an evidence gate, generation with numbered sources through a
  LangChain LCEL pipeline, then citation and number checks;
- ``abstain``: the evidence gate or the model found no answer; say what was searched and
  show the nearest sources.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from assistant.answer.grounding.answer_style import drop_echo, second_person, unnumbered
from assistant.answer.routes import history_route, sensor_route, whole_procedure
from assistant.answer.scope import ScopedRetriever, ambiguous_assets, condense
from assistant.answer.grounding.citations import CitationChecker, parse_markers
from assistant.answer.grounding.decline import decline_for
from assistant.answer.grounding.evidence import EvidenceGate, EvidenceReport, subject_terms, value_pattern
from assistant.answer.grounding.question_focus import asked_noun
from assistant.answer.grounding.extractive import extractive_lines, is_howto, step_lines
from assistant.prompts import (PROMPT_VERSION, SYSTEM_PROMPT, USER_TEMPLATE, compress, format_history,
                               format_sources, sanitize, says_not_found)
from assistant.types import Answer, ChatMessage, Citation, Flag
from assistant.textutil import clip_words, content_terms
from index.types import ScoredChunk

TokenCallback = Callable[[str], None]
SourcesCallback = Callable[[list[Citation]], None]


class AnswerChain:
    """Answer maintenance questions from the indexed documents with checked citations.

    >>> chain = AnswerChain(retriever, generator, gate=EvidenceGate(0.3, 0.5))  # doctest: +SKIP
    >>> chain.answer("What torque for the water inlet nuts?").text              # doctest: +SKIP
    'Tighten the two nuts to 8.8 N·m (5S-FE) [1].'
    """

    def __init__(self, retriever: Any, generator: Any, *, gate: EvidenceGate,
                 checker: CitationChecker | None = None, registry: Any = None, history: Any = None,
                 sensors: Any = None, sections: Any = None,
                 k: int = 6, candidates: int = 40, rrf_k: int = 60, max_history_turns: int = 4,
                 max_tokens: int = 320, source_chars: int = 250, quote_lines: int = 2,
                 paraphrase_score: float = 0.6, prompt_version: str = PROMPT_VERSION) -> None:
        self.retriever = retriever
        self.scoped = ScopedRetriever(retriever, candidates=candidates, rrf_k=rrf_k, registry=registry)
        self.generator = generator
        self.gate = gate
        self.checker = checker or CitationChecker(drop_unsupported=True)
        self.registry = registry
        self.history = history  # (parser, answerer) pair or None
        self.sensors = sensors  # SensorAnswerer or None
        self.sections = sections  # chain_retrieval.SectionIndex or None
        self.k = k
        self.max_history_turns = max_history_turns
        self.max_tokens = max_tokens
        self.source_chars = source_chars
        self.quote_lines = quote_lines
        self.paraphrase_score = paraphrase_score
        self.prompt_version = prompt_version
        self._lcel = None

    # ---- retrieval -------------------------------------------------------------------
    def resolve_assets(self, question: str, asset: str | None, history: Sequence[ChatMessage] = ()) -> list[str]:
        if asset:
            return [asset]
        if self.registry is None:
            return []
        found = list(self.registry.resolve(question))
        if not found:
            for msg in reversed([m for m in history if m.role == "user"]):
                found = list(self.registry.resolve(msg.content))
                if found:
                    break
        return found

    def retrieve(self, question: str, asset: str | None = None, history: Sequence[Any] = (),
                 k: int | None = None) -> list[ScoredChunk]:
        """The chunks ``answer`` would use (``k`` overrides the number, for recall@10 in evaluation)."""
        history = _as_messages(history)
        query = condense(question, history, self.max_history_turns)
        return self.scoped.retrieve(query, k or self.k, self.resolve_assets(question, asset, history))

    # ---- answering -------------------------------------------------------------------
    def answer(self, question: str, *, asset: str | None = None, history: Sequence[Any] = (),
               on_sources: SourcesCallback | None = None, on_token: TokenCallback | None = None) -> Answer:
        t0 = time.perf_counter()
        history = _as_messages(history)
        query = condense(question, history, self.max_history_turns)
        assets = self.resolve_assets(question, asset, history)
        base = dict(question=question, asset=assets[0] if len(assets) == 1 else asset, standalone_query=query,
                    model_id=getattr(self.generator, "model_id", None),
                    adapter_id=getattr(self.generator, "adapter_id", None), prompt_version=self.prompt_version)

        route, found = "history", history_route(self.history, query, assets)
        if found is None:
            route, found = "sensor", sensor_route(self.sensors, query, assets)
        if found is not None:
            answer = Answer(text=found[0], citations=found[1], route=route, **base)
            answer.timings["sources_s"] = answer.timings["first_token_s"] = time.perf_counter() - t0
            _notify(on_sources, answer.citations)
            if on_token:
                on_token(answer.text)
            answer.timings["total_s"] = time.perf_counter() - t0
            return answer

        hits = self.scoped.retrieve(query, self.k, assets)
        citations = [_citation(n, h) for n, h in enumerate(hits, start=1)]
        sources_s = time.perf_counter() - t0
        _notify(on_sources, citations)
        # the gate's similarity floor is calibrated on the question as asked; quoted lines are
        # matched on what is asked, without the asset's name (scope, not content)
        asked = self.scoped.retrieval_query(query, assets)
        dense = self._dense_scores(query, hits, exact=asked == query)
        ignore = self._asset_terms(assets)
        report = self.gate.assess(query, [h.chunk.text for h in hits], dense, ignore_terms=ignore)
        answer = Answer(text="", citations=citations, retrieval_scores=[round(h.score, 4) for h in hits], **base)
        answer.timings["sources_s"] = sources_s
        answer.extra["evidence"] = {"best_dense": round(report.best_dense, 3), "coverage": round(report.coverage, 3),
                                    "value_kind": report.value_kind, "reason": report.reason}
        if report.ok:
            unknown = self._never_mentioned(report)
            if unknown:
                report.ok, report.reason = False, "your documents never mention " + ", ".join(repr(w) for w in unknown)
                report.subject, answer.extra["never_mentioned"] = ", ".join(unknown), True
        if not report.ok:
            answer.extra["evidence"]["reason"] = report.reason
            answer.extra["never_mentioned"] = answer.extra.get("never_mentioned") or report.coverage == 0.0
            answer.extra["evidence"]["missing"] = report.missing_terms if report.coverage < 1 else []
            return self._abstain(answer, report.reason, report.subject, on_token, t0)

        sources: dict[int, str] = {}
        for c, h in zip(citations, hits):
            sources[c.n], removed = sanitize(h.chunk.text)
            if removed:
                answer.flags.append(Flag("instruction_in_document", f"[{c.n}] ignored: {removed[0][:120]}"))
        # the prompt budget leans towards the best-ranked sources (same total, same first-token time)
        weights = _RANK_WEIGHTS[:len(citations)] + [0.6] * max(0, len(citations) - len(_RANK_WEIGHTS))
        scale = len(weights) / sum(weights) if weights else 1.0
        texts = [compress(sources[c.n], query, int(self.source_chars * w * scale)) for c, w in zip(citations, weights)]
        answer.extra["prompt_sources"] = texts  # what the model read (evaluation: where facts get lost)
        raw = self._generate(question, history, citations, texts, answer, on_token, t0)
        sections = whole_procedure(asked, hits, answer.citations, sources, self.sections, _citation) \
            if is_howto(asked) else None
        text, flags, cited = self._compose(asked, raw, sources, report, sections, question)
        answer.flags.extend(flags)
        if not text:
            return self._abstain(answer, f"no source states the {report.value_kind or 'answer'} asked for",
                                 report.subject or f"the {report.value_kind or 'answer'} you asked for", None, t0)
        answer.text = text
        choices = ambiguous_assets(question, self.registry, hits) if not assets else []
        if choices:
            names = ", ".join(self.registry.name(a) or a for a in choices[:8])
            answer.text += f"\n\nWhich one do you mean ({names}{', …' if len(choices) > 8 else ''})? " \
                           "Select the asset to see its own manual and history."
            answer.flags.append(Flag("ambiguous_asset", f"the question fits {len(choices)} assets"))
        for c in answer.citations:
            c.cited = c.n in cited
        answer.timings["total_s"] = time.perf_counter() - t0
        return answer

    def _compose(self, query: str, raw: str, sources: dict[int, str], report: EvidenceReport,
                 sections: dict[int, list[int]] | None = None,
                 question: str = "") -> tuple[str, list[Flag], list[int]]:
        """Checked model answer plus the best quoted source lines it does not already say.

        The quoted lines carry the exact values a technician needs even when a small model
        paraphrases; a quantity question whose final text states no verified value of the
        asked kind yields no answer (the caller abstains).
        """
        flags: list[Flag] = []
        if says_not_found(raw):
            flags.append(Flag("model_declined", "the model found no answer; quoting the closest passages"))
            raw = ""
        # spoken to the technician; an opening that restates the question is not a cited fact
        checked = self.checker.check(second_person(raw), sources) if raw else None
        lead = drop_echo(checked.text, question or query) if checked else ""
        if checked:
            flags.extend(checked.flags)
        allowed = {i + 1 for i in report.value_sources} if report.value_kind else None
        steps = step_lines(query, sources, sections=sections) if is_howto(query) else []
        if steps:
            quoted = "\n".join(f"{line.rstrip('.')} [{n}]." for line, n in steps)
        else:
            lines = extractive_lines(query, sources, value_kind=report.value_kind, max_lines=self.quote_lines,
                                     exclude=lead, allowed=allowed)
            quoted = "\n".join(f"- {unnumbered(line.rstrip('.'))} [{n}]." for line, n in lines)
        text = lead
        if quoted:
            text = f"{lead}\n\nFrom your documents:\n{quoted}" if lead else f"From your documents:\n{quoted}"
        if report.value_kind and not _has_verified_value(text, report):
            return "", flags, []
        return text.strip(), flags, list(dict.fromkeys(parse_markers(text)))

    # ---- helpers ---------------------------------------------------------------------
    def _generate(self, question: str, history: list[ChatMessage], citations: list[Citation], texts: list[str],
                  answer: Answer, on_token: TokenCallback | None, t0: float) -> str:
        turns = [(m.role, m.content) for m in history[-2 * self.max_history_turns:]][-4:]
        inputs = {"sources": format_sources([c.label for c in citations], texts),
                  "history": format_history(turns), "question": question}
        pieces: list[str] = []
        for piece in self._pipeline().stream(inputs):
            if not pieces:
                answer.timings["first_token_s"] = time.perf_counter() - t0
            pieces.append(piece)
            if on_token:
                on_token(piece)
        answer.output_tokens = len(pieces)
        return "".join(pieces).strip()

    def _pipeline(self):
        """prompt | chat model | string parser, built once (LangChain LCEL)."""
        if self._lcel is None:
            from langchain_core.output_parsers import StrOutputParser
            from langchain_core.prompts import ChatPromptTemplate

            from assistant.llm.langchain_chat import GeneratorChatModel

            prompt = ChatPromptTemplate.from_messages([("system", SYSTEM_PROMPT), ("human", USER_TEMPLATE)])
            model = GeneratorChatModel(generator=self.generator, max_tokens=self.max_tokens)
            self._lcel = prompt | model | StrOutputParser()
        return self._lcel

    def _abstain(self, answer: Answer, reason: str, subject: str, on_token: TokenCallback | None,
                 t0: float) -> Answer:
        # the technical reason stays in the flags and ``extra`` for the audit record
        answer.text = decline_for(answer, subject, self.registry)
        answer.abstained = True
        answer.route = "abstain"
        answer.flags.append(Flag("abstained", reason))
        for c in answer.citations:
            c.cited = False
        if on_token:
            on_token(answer.text)
        answer.timings.setdefault("first_token_s", time.perf_counter() - t0)
        answer.timings["total_s"] = time.perf_counter() - t0
        return answer

    def _never_mentioned(self, report: EvidenceReport) -> list[str]:
        """Question words absent from the whole corpus, when the best source is only loosely similar.

        "How long is the warranty?" over manuals that never say "warranty" retrieves the
        machine's introduction; quoting it would pretend to answer. A close paraphrase (high
        cosine) is let through, since the documents may use another word for the same thing.
        """
        if report.best_dense >= self.paraphrase_score or not report.missing_terms or report.value_sources:
            # (a passage binding the asked value to its subject outweighs one unknown word
            # elsewhere in a compound question: "how heavy is X and how do I secure it")
            return []
        keyword = getattr(self.retriever, "keyword", None)
        if keyword is None:
            return []
        unknown = [w for w in report.missing_terms if not keyword(w, 1)]
        # the noun asked about ("how long is the *warranty*") decides alone; an odd word in a
        # chatty question ("squirted some oil in ...") only when it is a third of the subject
        head = asked_noun(report.question)
        terms = max(1, len(subject_terms(report.question)))
        if any(content_terms(w)[:1] == [head] for w in unknown) or len(unknown) / terms >= 1 / 3:
            return unknown
        return []

    def _dense_scores(self, query: str, hits: list[ScoredChunk], exact: bool = True) -> list[float]:
        """Cosines of the hits with ``query``. The hybrid retriever returns them on every hit of
        the query it ranked (``exact``); otherwise they cost a second query embedding."""
        fn = getattr(self.retriever, "dense_scores", None)
        own = exact or fn is None  # without a way to re-score, the ranked query's cosines stand
        missing = [h.chunk.chunk_id for h in hits if h.dense_score is None or not own]
        scores = fn(query, missing) if fn is not None and missing else {}
        return [h.dense_score if own and h.dense_score is not None else float(scores.get(h.chunk.chunk_id, 0.0))
                for h in hits]

    def _asset_terms(self, assets: list[str]) -> set[str]:
        words: list[str] = []
        for a in assets:
            words.append(a)
            name = self.registry.name(a) if self.registry is not None else None
            if name:
                words.append(name)
        return set(content_terms(" ".join(words)))


_RANK_WEIGHTS = [1.6, 1.3, 1.0, 0.8, 0.7, 0.6]


def _has_verified_value(text: str, report: EvidenceReport) -> bool:
    return bool(value_pattern(report.value_kind).search(text)) if report.value_kind else True


def _citation(n: int, hit: ScoredChunk) -> Citation:
    c = hit.chunk
    return Citation(n=n, chunk_id=c.chunk_id, source=c.source, doc_type=c.doc_type, label=c.citation_label(),
                    excerpt=clip_words(c.text, 2000), title=c.title, page=c.page, section=c.section,
                    record_id=c.record_id, asset=c.asset, score=round(hit.score, 4))


def _notify(cb: SourcesCallback | None, citations: list[Citation]) -> None:
    if cb is not None:
        cb(citations)


def _as_messages(history: Sequence[Any]) -> list[ChatMessage]:
    out = []
    for m in history or ():
        out.append(m if isinstance(m, ChatMessage) else ChatMessage(m["role"], m["content"]))
    return out
