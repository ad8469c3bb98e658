"""The retrieval route: retrieve → gate → generate → check.

Hybrid retrieval scoped to the question's asset, the evidence gate (similarity floor, term
coverage, a value bound to its subject, words the corpus never mentions), generation from the
numbered sources, citation and number checks with quoted source lines, then the answerability
judge (a second model's P(yes) on the same prompt). When the evidence, the checks or the judge
find no answer, it declines in one line and shows the nearest sources.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Mapping

from assistant.answer.compose import AnswerComposer
from assistant.answer.generate import SourcedGenerator, TokenCallback
from assistant.answer.grounding.bound_value import added_numbers
from assistant.answer.grounding.decline import decline_for
from assistant.answer.grounding.evidence import (EvidenceGate, EvidenceReport, copied_literals, squash_code,
                                                 subject_terms)
from assistant.answer.grounding.steps import is_howto
from assistant.answer.grounding.judge import AnswerabilityJudge, Verdict
from assistant.answer.grounding.question_focus import asked_noun, respelled
from assistant.answer.protocols import Assets, Search, Sections
from assistant.answer.routes import whole_procedure
from assistant.answer.scope import ScopedRetriever, ambiguous_assets
from assistant.prompts import sanitize, strip_conversation, strip_framing
from assistant.textutil import clip_words, content_terms, named_apart
from assistant.types import Answer, ChatMessage, Citation, DeclineStage, Flag
from index.types import ScoredChunk

SourcesCallback = Callable[[list[Citation]], None]


class EvidenceCheck:
    """Is there evidence for an answer? The evidence gate on the hits, then the vocabulary check."""

    def __init__(self, gate: EvidenceGate, search: Search, registry: Assets | None, *,
                 paraphrase_score: float) -> None:
        self.gate = gate
        self.search = search
        self.registry = registry
        self.paraphrase_score = paraphrase_score

    def assess(self, query: str, asked: str, hits: list[ScoredChunk], assets: list[str]) -> EvidenceReport:
        # the gate's similarity floor is calibrated on the question as asked
        dense = self._dense_scores(query, hits, exact=asked == query)
        # a mistyped value word ("torqe") still asks for its kind; the corpus's own words are never respelled
        question = respelled(query, lambda word: bool(self.search.keyword(word, 1)))
        return self.gate.assess(question, [h.chunk.text for h in hits], dense, ignore_terms=self._asset_terms(assets))

    def never_mentioned(self, report: EvidenceReport) -> list[str]:
        """Question words absent from the whole corpus, when the best source is only loosely similar.

        "How long is the warranty?" over manuals that never say "warranty" retrieves the
        machine's introduction; quoting it would pretend to answer. A close paraphrase (high
        cosine) is let through, since the documents may use another word for the same thing.
        """
        if not self.gate.word_checks or report.best_dense >= self.paraphrase_score or not report.missing_terms \
                or report.value_sources:
            # (a passage binding the asked value to its subject outweighs one unknown word
            # elsewhere in a compound question: "how heavy is X and how do I secure it")
            return []
        unknown = [w for w in report.missing_terms if not self.search.keyword(w, 1)]
        # the noun asked about ("how long is the *warranty*") decides alone; an odd word in a
        # chatty question ("squirted some oil in ...") only when it is a third of the subject
        head = asked_noun(report.question)
        terms = max(1, len(subject_terms(report.question)))
        if any(content_terms(w)[:1] == [head] for w in unknown) or len(unknown) / terms >= 1 / 3:
            return unknown
        return []

    def unwritten(self, question: str, depth: int = 50) -> list[str]:
        """Identifiers and messages the question copies ("FT_DEVICE_NOT_FOUND") that no passage writes, letters and
        digits compared in any case (looked for among the ``depth`` passages the keyword search ranks first for them).

        Verification against the documents, in any language: a technician who copied an error string from a screen
        asks about that string, and documents that never write it do not explain it, however close their wording.
        """
        # an asset's id or name is the plant's own ("PUMP_07"), known to the asset list if no document writes it
        return [lit for lit in copied_literals(question) if not (self.registry and self.registry.resolve(lit))
                and not any(squash_code(lit) in squash_code(h.chunk.text) for h in self.search.keyword(lit, depth))]

    def _dense_scores(self, query: str, hits: list[ScoredChunk], exact: bool) -> list[float]:
        """Cosines of the hits with ``query``. The hybrid retriever returns them on every hit of
        the query it ranked (``exact``); otherwise they cost a second query embedding."""
        missing = [h.chunk.chunk_id for h in hits if h.dense_score is None or not exact]
        scores = self.search.dense_scores(query, missing) if missing else {}
        return [h.dense_score if exact and h.dense_score is not None else float(scores.get(h.chunk.chunk_id, 0.0))
                for h in hits]

    def _asset_terms(self, assets: list[str]) -> set[str]:
        """The assets' ids and names: scope, not content, so the coverage check ignores them."""
        words: list[str] = []
        for a in assets:
            words.append(a)
            name = self.registry.name(a) if self.registry is not None else None
            if name:
                words.append(name)
        return set(content_terms(" ".join(words)))


class RagAnswerer:
    """Answers from retrieved passages with checked citations, or declines."""

    def __init__(self, retriever: ScopedRetriever, evidence: EvidenceCheck, writer: SourcedGenerator,
                 composer: AnswerComposer, *, registry: Assets | None, sections: Sections | None, k: int,
                 judge: AnswerabilityJudge | None = None, judge_source_chars: int | None = None,
                 judge_skips_bound: bool = False, prompt_score_share: float = 0.0,
                 quote_terms: Callable[[], Mapping[str, float]] | None = None) -> None:
        self.judge = judge
        # the corpus's term statistics: with them, the quoted lines are ranked by meaning fused with the question's
        # rarer words (``ContextSelector.quote_ranking``); without, by the composer's word ranking
        self.quote_terms = quote_terms
        # a reply whose number a cited sentence states next to every question word stands without the judge
        self.judge_skips_bound = judge_skips_bound
        self.judge_source_chars = judge_source_chars
        # sources scored far below the first are not read by the answer model (still quoted, still judged)
        self.prompt_score_share = prompt_score_share
        self.retriever = retriever
        self.evidence = evidence
        self.writer = writer
        self.composer = composer
        self.registry = registry
        self.sections = sections
        self.k = k

    def retrieve(self, query: str, assets: list[str], k: int | None = None,
                 alone: str | None = None) -> list[ScoredChunk]:
        """``alone``: the question as asked, when ``query`` is its condensed form (both rankings fused)."""
        return self.retriever.retrieve(query, k or self.k, assets, alone)

    def answer(self, answer: Answer, conversation: list[ChatMessage], assets: list[str],
               on_sources: SourcesCallback | None, on_token: TokenCallback | None, t0: float) -> Answer:
        """Fill ``answer`` (question, standalone query and ids already set) from the retrieved sources."""
        question, query = answer.question, answer.standalone_query or answer.question
        hits = self.retrieve(query, assets, alone=question)
        answer.citations = named_apart([citation_for(n, h) for n, h in enumerate(hits, start=1)])
        answer.retrieval_scores = [round(h.score, 4) for h in hits]
        answer.timings["sources_s"] = time.perf_counter() - t0
        if on_sources is not None:
            on_sources(answer.citations)
        # quoted lines are matched on what is asked, without the asset's name (scope, not content)
        asked = self.retriever.retrieval_query(query, assets)
        report = self.evidence.assess(query, asked, hits, assets)
        answer.extra["evidence"] = {"best_dense": round(report.best_dense, 3), "coverage": round(report.coverage, 3),
                                    "value_kind": report.value_kind, "reason": report.reason}
        if report.ok:
            unknown = self.evidence.never_mentioned(report) or self.evidence.unwritten(question)
            if unknown:
                report.ok, report.reason = False, "your documents never mention " + ", ".join(repr(w) for w in unknown)
                report.subject, answer.extra["never_mentioned"] = ", ".join(unknown), True
        if not report.ok:
            answer.extra["evidence"]["reason"] = report.reason
            answer.extra["never_mentioned"] = answer.extra.get("never_mentioned") or report.coverage == 0.0
            answer.extra["evidence"]["missing"] = report.missing_terms if report.coverage < 1 else []
            return self._abstain(answer, report.reason, report.subject, on_token, t0, stage="before the model")

        citations = answer.citations
        sources: dict[int, str] = {}
        for c, h in zip(citations, hits):
            sources[c.n], removed = sanitize(h.chunk.text)
            if removed:
                answer.flags.append(Flag("instruction_in_document", f"[{c.n}] ignored: {removed[0][:120]}"))
        # what the model reads of each source is chosen by the question as asked: a follow-up's sources came with
        # the earlier question's words, which would pick the lines already answered (benchmarks/README.md,
        # "A follow-up's excerpts")
        read = read_sources(citations, [h.score for h in hits], self.prompt_score_share)
        texts = self.writer.budget(question, read, sources)
        answer.extra["prompt_sources"] = texts  # what the model read (evaluation: where facts get lost)
        raw = self.writer.write(question, conversation, read, texts, answer, on_token, t0)
        raw, copied = strip_framing(raw, [c.label for c in read], texts)
        if copied:  # what it copied is checked like any reply; the sources' layout is not a claim
            answer.flags.append(Flag("model_echoed", "the reply copied the source list's labels or headings"))
        raw, copied = strip_conversation(raw, [(m.role, m.content) for m in conversation])
        if copied:  # an earlier turn copied under a heading of the model's own is the prompt's layout too
            answer.flags.append(Flag("model_echoed", "the reply copied earlier turns of the conversation"))
        answer.extra["reply"] = raw  # the model's reply before the checks (evaluation: facts the checks drop)
        sections = whole_procedure(asked, hits, answer.citations, sources, self.sections, citation_for) \
            if is_howto(asked) else None
        documents = {c.n: (c.source, c.page) for c in answer.citations if c.doc_type == "manual"}
        selector = self.writer.selector
        by_meaning = selector.quote_ranking(asked, sources, self.quote_terms) if selector is not None else []
        scores, read_numbers = [h.score for h in hits], {c.n for c in read}
        text, flags, cited = self.composer.compose(asked, raw, sources, report, sections, question,
                                                   documents=documents, by_meaning=by_meaning, scores=scores,
                                                   read=read_numbers)
        verdict = None
        if not text and report.value_kind and self.judge is not None and self.judge.value_probe is not None:
            # the asked kind is read from English unit words ("r/min" reworded, a unit only in a table's header):
            # where the judge reads the sources as answering, the answer stands, flagged (benchmarks/README.md,
            # "The asked kind of value, judged")
            verdict = self._verdict(question, conversation, texts, sources, answer)
            if self.judge.keeps(verdict):  # composed as for a question that asks for no kind of value
                unkind = replace(report, value_kind=None, value_sources=[])
                text, flags, cited = self.composer.compose(asked, raw, sources, unkind, sections, question,
                                                           documents=documents, by_meaning=by_meaning,
                                                           scores=scores, read=read_numbers)
                flags.append(Flag("value_unverified", f"no quoted line states a {report.value_kind.replace('_', ' ')}"
                                                      f" (judge's probe reading {verdict.p_probe:.2f})"))
        answer.flags.extend(flags)
        if not text:
            return self._abstain(answer, f"no source states the {report.value_kind or 'answer'} asked for",
                                 report.subject or f"the {report.value_kind or 'answer'} you asked for", None, t0,
                                 stage="asked kind of value")
        bound = self.composer.bound_value(text, asked, sources, cited) \
            if self.judge is not None and self.judge_skips_bound and verdict is None else None
        if bound is not None:
            answer.extra["evidence"]["bound_value"] = f"{bound.number} in [{bound.source}]: {bound.sentence[:160]}"
        elif self.judge is not None:
            # after the reply, not before: the first token keeps its time; a declined draft is replaced
            verdict = verdict or self._verdict(question, conversation, texts, sources, answer)
            if verdict.error:  # flagged; a judge that cannot run does not take the answer down
                pass
            elif not verdict.answerable:
                read = f"probe reading {verdict.p_probe:.2f}" if verdict.p_probe is not None \
                    else f"P(yes) {verdict.p_yes:.2f}"
                return self._abstain(answer, f"the judge's {read} is below {verdict.threshold:.2f}",
                                     report.subject, None, t0, stage="judge")
            elif self.judge.number_share is not None and not added_numbers(text, question):
                # answer-then-verify: a question for a number answered without one was not answered
                p_number = answer.extra["evidence"]["p_number"] = self.judge.asks_number(question)
                if p_number is not None and p_number >= self.judge.number_share:
                    return self._abstain(answer, f"the question asks for a number (P {p_number:.2f}) and the "
                                         "answer states none", report.subject, None, t0,
                                         stage="number asked, none given")
        answer.text = text
        choices = ambiguous_assets(question, self.registry, hits) if not assets else []
        if choices and self.registry is not None:
            names = ", ".join(self.registry.name(a) or a for a in choices[:8])
            answer.text += f"\n\nWhich one do you mean ({names}{', …' if len(choices) > 8 else ''})? " \
                           "Select the asset to see its own manual and history."
            answer.flags.append(Flag("ambiguous_asset", f"the question fits {len(choices)} assets"))
        for c in answer.citations:
            c.cited = c.n in cited
        answer.timings["total_s"] = time.perf_counter() - t0
        return answer

    def _verdict(self, question: str, conversation: list[ChatMessage], texts: list[str], sources: dict[int, str],
                 answer: Answer) -> Verdict:
        """The judge's verdict on the answer's prompt, its readings kept in the answer's evidence."""
        assert self.judge is not None
        verdict = self.judge.judge(self._judge_prompt(question, conversation, texts, sources, answer), question)
        evidence = answer.extra["evidence"]
        evidence["p_yes"] = verdict.p_yes
        for key in ("p_value", "p_prior", "p_probe"):
            if getattr(verdict, key) is not None:
                evidence[key] = getattr(verdict, key)
        if verdict.error:
            answer.flags.append(Flag("judge_failed", verdict.error))
        return verdict

    def _judge_prompt(self, question: str, conversation: list[ChatMessage], texts: list[str],
                      sources: dict[int, str], answer: Answer) -> list[ChatMessage]:
        """The answer's prompt, its sources read at ``judge_source_chars`` when set: an answerable question
        whose fact the answer model's shorter excerpts cut looks unanswerable to the judge."""
        citations = answer.citations[:len(answer.retrieval_scores)]  # not the section chunks a how-to appended
        if self.judge_source_chars or len(texts) < len(citations):  # it reads every source, if the model did not
            texts = self.writer.budget(question, citations, sources, self.judge_source_chars)
        return self.writer.prompt(question, conversation, citations, texts)

    def _abstain(self, answer: Answer, reason: str, subject: str, on_token: TokenCallback | None,
                 t0: float, *, stage: DeclineStage) -> Answer:
        # the technical reason stays in the flags and ``extra`` for the audit record
        answer.text = decline_for(answer, subject, self.registry)
        answer.abstained = True
        answer.route = "abstain"
        answer.declined_by = stage
        answer.flags.append(Flag("abstained", reason))
        for c in answer.citations:
            c.cited = False
        if on_token:
            on_token(answer.text)
        answer.timings.setdefault("first_token_s", time.perf_counter() - t0)
        answer.timings["total_s"] = time.perf_counter() - t0
        return answer


def read_sources(citations: list[Citation], scores: list[float], share: float) -> list[Citation]:
    """The citations up to the first whose retrieval score is below ``share`` of the first one's (all when 0): the
    prompt numbers its sources in order, so the model reads a leading run of them.

    >>> cites = [Citation(n, f"c{n}", "a.md", "manual", "a.md", "") for n in (1, 2, 3, 4)]
    >>> [c.n for c in read_sources(cites, [0.8, 0.6, 0.5, 0.7], 0.7)], len(read_sources(cites, [0.8] * 4, 0))
    ([1, 2], 4)
    """
    if not share or not scores or scores[0] <= 0:
        return citations
    kept = next((i for i, s in enumerate(scores) if s < share * scores[0]), len(scores))
    return citations[:max(1, kept)]


def citation_for(n: int, hit: ScoredChunk) -> Citation:
    c = hit.chunk
    return Citation(n=n, chunk_id=c.chunk_id, source=c.source, doc_type=c.doc_type, label=c.citation_label(),
                    excerpt=clip_words(c.text, 2000), title=c.title, page=c.page, section=c.section,
                    record_id=c.record_id, asset=c.asset, score=round(hit.score, 4))
