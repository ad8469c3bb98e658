"""The answerability judge in the answer chain, with fake scorers (named as such); the real
llama.cpp scorer is tested in tests/assistant/llm/test_yes_no.py."""

from __future__ import annotations

import pytest

from assistant.answer.grounding.evidence import EvidenceGate
from assistant.answer.grounding.judge import AnswerabilityJudge, Verdict
from assistant.config import Settings
from assistant.llm.fake import FakeGenerator
from assistant.prompts import JUDGE_QUESTION, NUMBER_QUESTION, VALUE_QUESTION, VALUE_SYSTEM
from assistant.textutil import content_terms
from assistant.types import ChatMessage
from ingest.types import Chunk
from tests.assistant.answer.parts import build_chain
from tests.assistant.answer.test_chain import CHUNKS, FakeRetriever

THRESHOLD = Settings().answer.judge_threshold


class FakeScorer:
    """Returns a fixed P(yes) and records the messages it was given."""

    def __init__(self, p: float | Exception) -> None:
        self.p = p
        self.seen: list[list[ChatMessage]] = []

    def p_yes(self, messages):
        self.seen.append(list(messages))
        if isinstance(self.p, Exception):
            raise self.p
        return self.p


def chain_with(p: float | Exception, reply: str = "Tighten the water inlet nuts to 8.8 N·m [1].",
               prompt_score_share: float | None = None):
    scorer, gen = FakeScorer(p), FakeGenerator(reply)
    chain = build_chain(FakeRetriever(CHUNKS), gen, gate=EvidenceGate(0.3, 0.5), k=3,
                        judge=AnswerabilityJudge(scorer, threshold=THRESHOLD), prompt_score_share=prompt_score_share)
    return chain, scorer, gen


class TestJudge:
    def test_threshold_is_inclusive(self):
        assert AnswerabilityJudge(FakeScorer(0.5), threshold=0.5).judge([ChatMessage("user", "q")]) \
            == Verdict(True, 0.5, threshold=0.5)
        assert not AnswerabilityJudge(FakeScorer(0.4999), threshold=0.5).judge([ChatMessage("user", "q")]).answerable

    def test_asks_its_question_after_the_prompt(self):
        scorer = FakeScorer(0.9)
        AnswerabilityJudge(scorer, threshold=0.5).judge([ChatMessage("system", "S"), ChatMessage("user", "Docs Q")])
        assert scorer.seen == [[ChatMessage("system", "S"), ChatMessage("user", f"Docs Q\n\n{JUDGE_QUESTION}")]]
        AnswerabilityJudge(scorer, threshold=0.5, question="Stated? yes or no").judge([ChatMessage("user", "Docs Q")])
        assert scorer.seen[-1] == [ChatMessage("user", "Docs Q\n\nStated? yes or no")]  # a wording to compare

    def test_an_open_question_gets_the_open_threshold(self):
        class ByPrompt(FakeScorer):
            """P(yes) 0.5 for the answer's prompt; P(asks for a value) from the question."""

            def p_yes(self, messages):
                self.seen.append(list(messages))
                text = messages[-1].content
                return (0.9 if "torque" in text else 0.1) if text.endswith(VALUE_QUESTION) else 0.5

        scorer = ByPrompt(0.0)
        judge = AnswerabilityJudge(scorer, threshold=0.59, open_threshold=0.45)
        value = judge.judge([ChatMessage("user", "Docs Q")], "what torque for the cover bolts?")
        assert (value.answerable, value.threshold, value.p_value) == (False, 0.59, 0.9)
        advice = judge.judge([ChatMessage("user", "Docs Q")], "pump is noisy, what do i check?")
        assert (advice.answerable, advice.threshold, advice.p_value) == (True, 0.45, 0.1)
        asked = f"Question: pump is noisy, what do i check?\n\n{VALUE_QUESTION}"
        assert scorer.seen[-1] == [ChatMessage("system", VALUE_SYSTEM), ChatMessage("user", asked)]
        one = AnswerabilityJudge(scorer, threshold=0.59).judge([ChatMessage("user", "Docs Q")], "pump is noisy?")
        assert (one.answerable, one.p_value) == (False, None)  # no open threshold: not asked

    def test_the_answer_without_the_documents_is_weighed_in(self):
        class ByPrompt(FakeScorer):
            """P(yes) 0.7 with the documents, 0.2 with "(none)" for them."""

            def p_yes(self, messages):
                self.seen.append(list(messages))
                return 0.2 if "(none)" in messages[-1].content else 0.7

        scorer, system = ByPrompt(0.0), ChatMessage("system", "S")
        prompt = [system, ChatMessage("user", "Documents:\n[1] (a.md)\nOil: 2 l\n\nQuestion: oil capacity?")]
        verdict = AnswerabilityJudge(scorer, threshold=0.36, prior_weight=1.0).judge(prompt)
        # log-odds added: logit(0.7) + logit(0.2) = -0.539, P 0.3684
        assert (verdict.answerable, verdict.p_yes, verdict.p_prior) == (True, 0.3684, 0.2)
        bare = f"Documents:\n(none)\n\nQuestion: oil capacity?\n\n{JUDGE_QUESTION}"
        assert scorer.seen[-1] == [system, ChatMessage("user", bare)]
        assert not AnswerabilityJudge(scorer, threshold=0.37, prior_weight=1.0).judge(prompt).answerable
        half = AnswerabilityJudge(scorer, threshold=0.0, prior_weight=0.5).judge(prompt)
        assert half.p_yes == pytest.approx(0.5385, abs=1e-4)  # logit(0.7) + 0.5 * logit(0.2)
        asked = len(scorer.seen)
        off = AnswerabilityJudge(scorer, threshold=0.36).judge(prompt)
        assert (off.p_yes, off.p_prior, len(scorer.seen)) == (0.7, None, asked + 1)  # weight 0: not asked

    def test_a_failing_scorer_gives_no_verdict(self):
        verdict = AnswerabilityJudge(FakeScorer(RuntimeError("model gone")), threshold=0.5).judge(
            [ChatMessage("user", "q")])
        assert verdict.answerable and verdict.p_yes is None and "model gone" in verdict.error

    def test_needs_a_user_message_last(self):
        with pytest.raises(ValueError, match="ends with the user's message"):
            AnswerabilityJudge(FakeScorer(0.9), threshold=0.5).judge([ChatMessage("system", "S")])


class TestInTheChain:
    def test_low_p_yes_declines_after_the_reply(self):
        chain, scorer, gen = chain_with(THRESHOLD - 0.01, prompt_score_share=0.0)  # the model reads every source
        answer = chain.answer("What torque for the water inlet nuts?")
        assert answer.abstained and answer.text.startswith("Not in your documents")
        assert "8.8" not in answer.text and not any(c.cited for c in answer.citations)
        assert any(f.kind == "abstained" and "P(yes)" in f.detail for f in answer.flags)
        assert answer.declined_by == "judge"
        assert answer.extra["evidence"]["p_yes"] == pytest.approx(THRESHOLD - 0.01)
        # the judge read the answer's own prompt (the model read every source), its question appended to the user's
        (sent,) = scorer.seen
        assert sent[:-1] == gen.calls[0]["messages"][:-1]
        assert sent[-1].content == gen.calls[0]["messages"][-1].content + "\n\n" + JUDGE_QUESTION
        assert "first_token_s" in answer.timings  # the reply streamed before the verdict

    def test_high_p_yes_keeps_the_answer(self):
        chain, scorer, _ = chain_with(THRESHOLD)
        answer = chain.answer("What torque for the water inlet nuts?")
        assert not answer.abstained and "8.8 N·m" in answer.text
        assert answer.extra["evidence"]["p_yes"] == THRESHOLD and len(scorer.seen) == 1

    def test_a_failing_judge_keeps_the_answer_and_says_so(self):
        chain, _, _ = chain_with(RuntimeError("judge model missing"))
        answer = chain.answer("What torque for the water inlet nuts?")
        assert not answer.abstained and "8.8 N·m" in answer.text
        assert [f.detail for f in answer.flags if f.kind == "judge_failed"] == ["RuntimeError: judge model missing"]

    def test_the_judge_reads_longer_excerpts_when_set(self):
        chunk = Chunk("c9", "Pump > Service\n" + "\n".join(f"Line {i}: check pump seal {i} for wear." for i in range(30)),
                      "/m/pump.md", "manual")
        scorer, gen = FakeScorer(0.9), FakeGenerator("Check the pump seal [1].")
        chain = build_chain(FakeRetriever([chunk]), gen, gate=EvidenceGate(0.3, 0.5), k=1,
                            judge=AnswerabilityJudge(scorer, threshold=THRESHOLD), judge_source_chars=3000)
        chain.answer("check the pump seal for wear")
        model_docs, judge_docs = gen.calls[0]["messages"][-1].content, scorer.seen[0][-1].content
        assert "Line 29" in judge_docs and "Line 29" not in model_docs  # the model's excerpt stays short
        assert scorer.seen[0][:-1] == gen.calls[0]["messages"][:-1]  # same system message

    @pytest.mark.parametrize("share", [0.7, 0.0])
    def test_the_model_reads_the_sources_near_the_first_and_the_judge_reads_all(self, share):
        # the strainer's passage shares 2 of the question's words against the thermostat's 3 (retrieval scores 2
        # and 3): below 0.7 of the first, so the answer model does not read it; the judge reads every source
        scorer, gen = FakeScorer(0.9), FakeGenerator("Tighten the water inlet nuts to 8.8 N·m [1].")
        chain = build_chain(FakeRetriever(CHUNKS), gen, gate=EvidenceGate(0.3, 0.5), k=3,
                            judge=AnswerabilityJudge(scorer, threshold=THRESHOLD), prompt_score_share=share)
        answer = chain.answer("what torque for the water inlet nuts?")
        model_docs, judge_docs = gen.calls[0]["messages"][-1].content, scorer.seen[0][-1].content
        assert [c.source for c in answer.citations] == ["/m/thermostat.md", "/m/press.md"]
        assert ("[2]" in model_docs) is (share == 0.0) and "suction strainer" in judge_docs
        assert "8.8 N·m [1]" in answer.text and answer.extra["prompt_sources"][0].startswith("Thermostat")
        assert len(answer.extra["prompt_sources"]) == (1 if share else 2)

    def test_the_judge_reads_the_retrieved_sources_not_a_how_tos_appended_section_chunks(self):
        # a how-to's section continues in a chunk retrieval did not return: appended as source [2] for its steps,
        # it was never in the answer's prompt, so the judge's prompt stays the model's
        first = Chunk("s1", "Strainer > Replace\n1. Close suction valve BV-2.\n2. Unscrew the strainer.",
                      "/m/press.md", "manual", section="Strainer > Replace")
        rest = Chunk("s2", "Strainer > Replace\n3. Screw in the new strainer P/N 4471-22.\n4. Open valve BV-2.",
                     "/m/press.md", "manual", section="Strainer > Replace")

        class Sections:  # a fake SectionIndex: the chunks of the hit's section, in order
            def siblings(self, chunk):
                return [first, rest]

        class OnlyFirst(FakeRetriever):  # retrieval returns the section's first chunk only
            def retrieve(self, query, k, filters=None):
                return [h for h in super().retrieve(query, k, filters) if h.chunk is first]

        scorer, gen = FakeScorer(0.9), FakeGenerator("Close suction valve BV-2 [1].")
        chain = build_chain(OnlyFirst([first, rest]), gen, gate=EvidenceGate(0.3, 0.5), k=3, sections=Sections(),
                            judge=AnswerabilityJudge(scorer, threshold=THRESHOLD))
        answer = chain.answer("how do i replace the strainer")
        assert [c.chunk_id for c in answer.citations] == ["s1", "s2"] and "4471-22 [2]" in answer.text
        assert scorer.seen[0][-1].content == gen.calls[0]["messages"][-1].content + "\n\n" + JUDGE_QUESTION

    def test_a_number_read_where_the_source_names_the_question_needs_no_judge(self):
        # corpus statistics for every word of the chunks: the strainer's sentence holds each question word
        shares = {t: 0.3 for c in CHUNKS for t in content_terms(c.text)}
        answers = {}
        for skips in (True, False):
            scorer = FakeScorer(THRESHOLD - 0.1)
            chain = build_chain(FakeRetriever(CHUNKS), FakeGenerator("Clean it every 500 h [1]."),
                                gate=EvidenceGate(0.3, 0.5), k=3, term_shares=lambda: shares,
                                judge=AnswerabilityJudge(scorer, threshold=THRESHOLD), judge_skips_bound=skips)
            answers[skips] = chain.answer("when do I clean the pump suction strainer?"), len(scorer.seen)
        (kept, judged), (declined, judged_off) = answers[True], answers[False]
        assert not kept.abstained and "500 h" in kept.text and judged == 0
        assert kept.extra["evidence"]["bound_value"].startswith("500 in [")
        assert declined.abstained and judged_off == 1  # the setting off: the judge decides as before

    def test_a_number_from_a_line_that_does_not_name_the_question_is_still_judged(self):
        # 8.8 N·m sits under "Torque:", two lines below the water inlet nuts: not bound, the judge declines
        shares = {t: 0.3 for c in CHUNKS for t in content_terms(c.text)}
        scorer = FakeScorer(THRESHOLD - 0.1)
        chain = build_chain(FakeRetriever(CHUNKS), FakeGenerator("Tighten the water inlet nuts to 8.8 N·m [1]."),
                            gate=EvidenceGate(0.3, 0.5), k=3, term_shares=lambda: shares,
                            judge=AnswerabilityJudge(scorer, threshold=THRESHOLD))
        answer = chain.answer("What torque for the water inlet nuts?")
        assert answer.abstained and len(scorer.seen) == 1 and "bound_value" not in answer.extra["evidence"]

    def test_the_gate_still_declines_first(self):
        chain, scorer, gen = chain_with(0.99)
        answer = chain.answer("What is the warranty period of the flux capacitor?")
        assert answer.abstained and scorer.seen == [] and gen.calls == []

    def test_without_word_checks_the_judge_decides(self):
        question = "What is the warranty period of the water inlet nuts?"  # 'warranty': in no source
        for word_checks, p, declined, asked in ((True, 0.9, True, 0), (False, 0.1, True, 1), (False, 0.9, False, 1)):
            scorer, gen = FakeScorer(p), FakeGenerator("Tighten the water inlet nuts to 8.8 N·m [1].")
            chain = build_chain(FakeRetriever(CHUNKS), gen, gate=EvidenceGate(0.3, 0.5, word_checks=word_checks),
                                k=3, paraphrase_score=0.9, judge=AnswerabilityJudge(scorer, threshold=THRESHOLD))
            answer = chain.answer(question)
            # with the word checks, 'warranty' (never in the corpus) declines before the model is asked
            assert answer.abstained is declined and len(scorer.seen) == len(gen.calls) == asked


FAILSAFE = Chunk("c7", "Failsafe > RC loss\nThe RC loss failsafe triggers when the transmitter link is lost.\n"
                 "Set the RC loss timeout on the safety page.", "/m/failsafe.md", "manual")


class ByQuestion(FakeScorer):
    """A fake scorer: P(yes) 0.9 that the documents answer; P(asks for a number) ``p_number``."""

    def __init__(self, p_number: float) -> None:
        super().__init__(0.9)
        self.p_number = p_number

    def p_yes(self, messages):
        super().p_yes(messages)
        return self.p_number if messages[-1].content.endswith(NUMBER_QUESTION) else 0.9


class TestANumberAsked:
    def ask(self, p_number: float, reply: str, share: float | None = 0.65, chunk: Chunk = FAILSAFE):
        scorer = ByQuestion(p_number)
        chain = build_chain(FakeRetriever([chunk, *CHUNKS]), FakeGenerator(reply), gate=EvidenceGate(0.3, 0.5),
                            k=1, judge=AnswerabilityJudge(scorer, threshold=THRESHOLD, number_share=share))
        return chain.answer("rc loss timeout default, how many secs?"), scorer

    def test_the_question_alone_is_asked(self):
        scorer = FakeScorer(0.8)
        assert AnswerabilityJudge(scorer, threshold=0.5).asks_number("how many secs?") == 0.8
        assert scorer.seen == [[ChatMessage("system", VALUE_SYSTEM),
                                ChatMessage("user", f"Question: how many secs?\n\n{NUMBER_QUESTION}")]]
        assert AnswerabilityJudge(FakeScorer(RuntimeError("x")), threshold=0.5).asks_number("q") is None

    def test_an_answer_without_a_number_to_a_question_for_one_is_declined(self):
        answer, scorer = self.ask(0.9, "Set the RC loss timeout on the safety page [1].")
        assert answer.abstained and answer.extra["evidence"]["p_number"] == 0.9 and len(scorer.seen) == 2
        assert any(f.kind == "abstained" and "asks for a number" in f.detail for f in answer.flags)
        assert answer.declined_by == "number asked, none given"
        kept, _ = self.ask(0.6, "Set the RC loss timeout on the safety page [1].")  # below the share: kept
        assert not kept.abstained and "safety page" in kept.text and kept.extra["evidence"]["p_number"] == 0.6

    def test_not_asked_when_the_answer_states_a_number_or_the_setting_is_unset(self):
        stated_in = Chunk("c8", FAILSAFE.text + "\nThe RC loss timeout is 0.5 s by default.", "/m/failsafe.md", "manual")
        stated, scorer = self.ask(0.9, "The RC loss timeout is 0.5 s by default [1].", chunk=stated_in)
        assert not stated.abstained and "0.5 s" in stated.text
        assert len(scorer.seen) == 1 and "p_number" not in stated.extra["evidence"]  # a number given: judge only
        unset, scorer = self.ask(0.9, "Set the RC loss timeout on the safety page [1].", share=None)
        assert not unset.abstained and len(scorer.seen) == 1


class TestWiring:
    def container(self, tmp_path, **answer):
        from assistant.config import Settings
        from assistant.wiring import Container

        return Container(Settings(data_dir=tmp_path, llm={"mode": "fake", "base_url": "http://127.0.0.1:9/v1",
                                                          "server_model": "judge"},
                                  embedding={"mode": "fake"}, answer=answer))

    def test_on_in_the_product_without_the_word_checks(self, tmp_path):
        from assistant.config import AnswerSettings
        from assistant.llm.yes_no import LlamaCppYesNo

        fields = AnswerSettings.model_fields
        assert (fields["judge"].default, fields["word_checks"].default) == ("llamacpp", None)
        stub = tmp_path / "judge.gguf"
        stub.write_bytes(b"GGUF")  # the scorer loads its model lazily
        c = self.container(tmp_path, judge="llamacpp", judge_model=str(stub))
        assert isinstance(c.judge.scorer, LlamaCppYesNo) and c.judge.scorer.model_path == stub
        assert c.chain.judge is c.judge and not c.chain.rag.evidence.gate.word_checks
        assert c.judge.number_share == AnswerSettings().judge_number_share == 0.65
        assert c.judge.value_probe == AnswerSettings().judge_value_probe == 0.6

    def test_off_brings_the_word_checks_back(self, tmp_path):
        c = self.container(tmp_path, judge="off")
        assert c.judge is None and c.chain.judge is None and c.chain.rag.evidence.gate.word_checks
        assert not self.container(tmp_path / "x", judge="off", word_checks=False).chain.rag.evidence.gate.word_checks

    def test_openai_judge_with_its_threshold_and_no_word_checks(self, tmp_path):
        from assistant.llm.yes_no import OpenAIYesNo

        c = self.container(tmp_path, judge="openai", judge_threshold=0.6, word_checks=False)
        assert c.chain.judge is c.judge and c.judge.threshold == 0.6
        assert isinstance(c.judge.scorer, OpenAIYesNo) and c.judge.scorer.model == "judge"
        assert not c.chain.rag.evidence.gate.word_checks

    def test_a_missing_judge_model_fails_at_start_with_its_name(self, tmp_path):
        from assistant.models import ModelNotAvailable

        with pytest.raises(ModelNotAvailable, match="nope.gguf"):
            self.container(tmp_path, judge="llamacpp", judge_model=str(tmp_path / "nope.gguf")).judge
