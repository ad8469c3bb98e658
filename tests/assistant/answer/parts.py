"""An AnswerChain wired the way ``assistant.wiring`` wires it, around test parts (a Fake* retriever
and generator), with the Settings defaults for every value a test does not set."""

from __future__ import annotations

from assistant.answer.chain import AnswerChain
from assistant.answer.compose import AnswerComposer
from assistant.answer.generate import SourcedGenerator
from assistant.answer.grounding.citations import CitationChecker
from assistant.answer.grounding.evidence import EvidenceGate
from assistant.answer.rag import EvidenceCheck, RagAnswerer
from assistant.answer.scope import QuestionScope, ScopedRetriever
from assistant.config import Settings


def build_chain(retriever, generator, *, gate: EvidenceGate, registry=None, routes=(), sections=None,
                k: int | None = None, paraphrase_score: float | None = None, judge=None,
                judge_source_chars: int | None = None, term_shares=None,
                judge_skips_bound: bool | None = None, prompt_score_share: float | None = None) -> AnswerChain:
    s = Settings()
    a, r = s.answer, s.retrieval
    rag = RagAnswerer(
        ScopedRetriever(retriever, candidates=r.candidates, rrf_k=r.rrf_k, registry=registry),
        EvidenceCheck(gate, retriever, registry, paraphrase_score=paraphrase_score or a.paraphrase_score),
        SourcedGenerator(generator, max_tokens=s.llm.max_tokens, source_chars=a.source_chars,
                         prompt_turns=a.prompt_turns),
        AnswerComposer(CitationChecker(a.support_threshold, drop_unsupported=True), quote_lines=a.quote_lines,
                       quote_following=a.quote_following, support_quotes=a.support_quotes,
                       second_source_margin=a.second_source_margin, document_passages=a.document_passages,
                       reply_source_margin=a.reply_source_margin, term_shares=term_shares),
        registry=registry, sections=sections, k=k or r.k, judge=judge,
        judge_source_chars=judge_source_chars if judge_source_chars is not None else a.judge_source_chars,
        judge_skips_bound=a.judge_skips_bound if judge_skips_bound is None else judge_skips_bound,
        prompt_score_share=a.prompt_score_share if prompt_score_share is None else prompt_score_share,
        quote_terms=term_shares if a.quote_selection == "meaning_and_terms" else None,
    )
    return AnswerChain(QuestionScope(registry, conversation_turns=a.conversation_turns), routes, rag,
                       prompt_version=a.prompt_version)
