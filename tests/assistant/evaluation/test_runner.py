import json

import pytest

from assistant.evaluation import EvalRunner, build_report, grade_answer, write_report
from assistant.evaluation.fake import FakeAnswerChain, FakeRetriever
from assistant.evaluation.qa import ExpectedSource, QAItem
from assistant.types import Answer, ChatMessage, Citation, Flag, computed_citation
from index.types import ScoredChunk
from ingest.types import Chunk

MANUAL = "/corpus/manuals/press_hp200_manual.pdf"
WORK_ORDERS = "/corpus/work_orders.csv"


def chunk(cid, source, text="", page=None, record_id=None):
    return Chunk(chunk_id=cid, text=text, source=source, doc_type="manual", page=page, record_id=record_id)


def scored(c, score=1.0):
    return ScoredChunk(chunk=c, score=score)


def cite(n, c, cited=True):
    return Citation(n=n, chunk_id=c.chunk_id, source=c.source, doc_type=c.doc_type, label=c.source,
                    excerpt=c.text[:40], page=c.page, record_id=c.record_id, cited=cited)


P41 = chunk("c41", MANUAL, "If the pump whines, check the suction strainer first.", page=41)
P12 = chunk("c12", MANUAL, "Keep the oil level between the marks on the sight glass.", page=12)
P99 = chunk("c99", MANUAL, "Safety notes for the press guard.", page=99)
WO = chunk("wo", WORK_ORDERS, "Pump whine; cleaned strainer.", record_id="WO-1043")

Q_FACT = QAItem(id="q1", question="Pump whines, what first?", kind="fact",
                expected_sources=[ExpectedSource("press_hp200_manual.pdf", 41)],
                answer_must_include=["suction strainer", "oil level"])
Q_HIST = QAItem(id="q2", question="Last fix of the pump?", kind="history",
                expected_sources=[ExpectedSource("work_orders.csv", record="WO-1043")],
                answer_must_include=["strainer"])
Q_NONE = QAItem(id="q3", question="What is the CEO's birthday?", kind="fact", answerable=False)
Q_FOLLOW = QAItem(id="q4", question="And after that?", kind="followup", asset="PRESS-04",
                  history=[ChatMessage("user", "Pump whines"), ChatMessage("assistant", "Check strainer [1].")],
                  expected_sources=[ExpectedSource("press_hp200_manual.pdf", 12)], answer_must_include=["oil level"])
ITEMS = [Q_FACT, Q_HIST, Q_NONE, Q_FOLLOW]


def fake_chain():
    answers = {
        # [1] expected source, [2] contains a fact, [3] neither, [7] does not exist; [1] repeated.
        Q_FACT.question: Answer(
            question=Q_FACT.question,
            text="Check the suction strainer first [1][1]. Then check the oil level [2]. Guard it [3]. See [7].",
            citations=[cite(1, P41), cite(2, P12), cite(3, P99)],
            timings={"sources_s": 0.1, "first_token_s": 1.0, "total_s": 3.0}, output_tokens=41,
            model_id="fake-model"),
        Q_HIST.question: RuntimeError("generator crashed"),
        Q_NONE.question: Answer(question=Q_NONE.question, text="I could not find this.", abstained=True,
                                timings={"sources_s": 0.2, "first_token_s": 0.1, "total_s": 0.2}),
        Q_FOLLOW.question: Answer(question=Q_FOLLOW.question, text="I can't tell; the oil level [1] is unclear.",
                                  citations=[cite(1, P12)], abstained=True,
                                  timings={"first_token_s": 0.5, "total_s": 1.0}),
    }
    retrievals = {Q_FACT.question: [scored(P12), scored(P41)], Q_HIST.question: [scored(WO)],
                  Q_NONE.question: [scored(P99)], Q_FOLLOW.question: [scored(P99)]}
    return FakeAnswerChain(answers=answers, retrievals=retrievals)


class TestGradeAnswer:
    def test_duplicates_once_invalid_and_precision(self):
        chain = fake_chain()
        r = grade_answer(Q_FACT, chain.answers[Q_FACT.question])
        assert r.markers == [1, 2, 3, 7]
        assert r.invalid_markers == [7]
        assert r.precise_markers == [1, 2]  # 1: expected page; 2: its text holds "oil level"
        assert (r.sentences_cited, r.sentences_total) == (4, 4)
        assert r.facts_found == ["suction strainer", "oil level"]

    def test_full_chunk_text_is_used_when_excerpt_is_short(self):
        long_chunk = chunk("long", MANUAL, "x" * 100 + " keep the oil level high", page=3)
        answer = Answer(question="q", text="Top it up [1].", citations=[cite(1, long_chunk)])
        assert grade_answer(Q_FACT, answer).precise_markers == []
        texts = {"long": long_chunk.text}
        assert grade_answer(Q_FACT, answer, chunk_text=texts.get).precise_markers == [1]

    def test_fact_path_says_where_facts_were_lost(self):
        answer = Answer(question=Q_FACT.question, text="Check the suction strainer [1].",
                        citations=[cite(1, P41), cite(2, P12)])
        r = grade_answer(Q_FACT, answer, chunk_text={"c41": P41.text, "c12": P12.text}.get)
        # both facts were retrieved, no prompt recorded (a route without a model), one made it
        assert (r.facts_in_retrieved, r.facts_in_prompt, r.facts_found) == (1.0, None, ["suction strainer"])
        answer.extra["prompt_sources"] = ["If the pump whines, check the suction strainer first.", "Sight glass."]
        assert grade_answer(Q_FACT, answer, chunk_text={"c41": P41.text, "c12": P12.text}.get).facts_in_prompt == 0.5
        summary = build_report([r], ks=[1], mode="full")["grounding"]
        assert (summary["facts_in_retrieved"], summary["facts_in_prompt"]) == (1.0, None)

    def test_fact_path_counts_the_reply_before_the_checks(self):
        # the model said both facts; a check dropped the sentence holding the oil level
        answer = Answer(question=Q_FACT.question, text="Check the suction strainer [1].", citations=[cite(1, P41)])
        answer.extra["reply"] = "Check the suction strainer [1]. Keep the oil level at the mark [7]."
        r = grade_answer(Q_FACT, answer, chunk_text={"c41": P41.text}.get)
        assert (r.facts_in_reply, r.facts_found) == (1.0, ["suction strainer"])
        report = build_report([r], ks=[1], mode="full")
        assert report["grounding"]["facts_in_reply"] == 1.0 and report["grounding"]["fact_recall"] == 0.5
        assert report["per_question"][0]["facts_in_reply"] == 1.0
        del answer.extra["reply"]  # a route without a model has no reply
        assert grade_answer(Q_FACT, answer).facts_in_reply is None

    def test_abstention_states_no_facts(self):
        r = grade_answer(Q_FOLLOW, fake_chain().answers[Q_FOLLOW.question])
        assert r.abstained and r.facts_found == []

    def test_a_decline_records_its_reason_and_an_answer_none(self):
        declined = Answer(question="q", text="Not in your documents.", abstained=True, declined_by="before the model",
                          flags=[Flag("unsupported_sentence", "x"), Flag("abstained", "no source mentions E-999")])
        r = grade_answer(Q_NONE, declined)
        assert (r.decline_reason, r.declined_by) == ("no source mentions E-999", "before the model")
        row = build_report([r], ks=(1,), mode="full")["per_question"][0]
        assert (row["decline_reason"], row["declined_by"]) == (r.decline_reason, r.declined_by)
        assert grade_answer(Q_FACT, Answer(question="q", text="Top it up.")).decline_reason is None

    def test_the_judge_s_scores_are_reported(self):
        judged = Answer(question="q", text="Top it up.",
                        extra={"evidence": {"best_dense": 0.5, "p_yes": 0.81, "p_value": 0.33}})
        r = grade_answer(Q_FACT, judged)
        record = build_report([r], ks=(1,), mode="full")["per_question"][0]
        assert (r.p_yes, r.p_value) == (0.81, 0.33) and (record["p_yes"], record["p_value"]) == (0.81, 0.33)
        plain = grade_answer(Q_FACT, Answer(question="q", text="Top it up."))
        assert plain.p_yes is None and plain.p_value is None

    def test_the_gate_s_measures_and_the_flag_kinds_are_reported(self):
        flagged = Answer(question="q", text="Top it up.",
                         flags=[Flag("model_declined", "a"), Flag("unsupported_sentence", "b"),
                                Flag("model_declined", "c")],
                         extra={"evidence": {"best_dense": 0.5, "coverage": 1.0, "value_kind": None, "reason": "",
                                             "p_yes": 0.81, "p_prior": 0.2}})
        record = build_report([grade_answer(Q_FACT, flagged)], ks=(1,), mode="full")["per_question"][0]
        assert record["evidence"] == {"best_dense": 0.5, "coverage": 1.0, "value_kind": None, "p_prior": 0.2}
        assert record["flags"] == ["model_declined", "unsupported_sentence"]

    def test_a_number_none_of_the_cited_passages_holds_is_reported(self):
        tension = chunk("c7", MANUAL, "Belt tension: " + "x " * 40 + "142 Hz on the free span.", page=7)
        text = ("Tension the belt to 142 Hz [1], then torque the bolts to 99 N·m [1]. "
                "Step 3: keep the oil level between the marks [2].")
        answer = Answer(question="q", text=text, citations=[cite(1, tension), cite(2, P12), cite(3, P99)],
                        route="rag")
        # the whole chunk is read, not the 40-character excerpt; an uncited passage does not count
        r = grade_answer(Q_FACT, answer, chunk_text={"c7": tension.text}.get)
        assert r.numbers_absent == ["99", "3"]
        assert build_report([r], ks=(1,), mode="full")["grounding"]["answers_with_absent_numbers"] == 1
        # a work-order count is computed: held by the computation it cites, not by a row
        counted = grade_answer(Q_HIST, Answer(question="q", text="4 work orders [1].", citations=[cite(1, WO)],
                                              route="history"))
        assert counted.numbers_absent == ["4"]
        assert build_report([counted], ks=(1,), mode="full")["grounding"]["answers_with_absent_numbers"] == 1
        computed = computed_citation(2, WO.source, "Work orders for PRESS-04: 4 (each job counted once).")
        held = grade_answer(Q_HIST, Answer(question="q", text="4 work orders [2] ([1]).", route="history",
                                           citations=[cite(1, WO), computed]))
        assert held.numbers_absent == [] and held.markers == [2, 1]
        declined = grade_answer(Q_NONE, Answer(question="q", text="Not in the 2 manuals.", abstained=True))
        assert declined.numbers_absent == []


class TestEvalRunner:
    def test_full_run_records_errors_and_passes_history(self):
        chain = fake_chain()
        results = EvalRunner(chain, ks=(1, 5)).run(ITEMS)
        assert [r.first_hit_rank for r in results] == [2, 1, None, None]
        assert results[1].error == "RuntimeError: generator crashed" and results[1].answer_text is None
        assert chain.calls[-1] == (Q_FOLLOW.question, "PRESS-04", Q_FOLLOW.history)
        # The chain's timings win; the runner's own measurements fill the gaps.
        assert results[0].timings["first_token_s"] == 1.0 and results[0].output_tokens == 41
        assert "sources_s" in results[3].timings and results[2].output_tokens == 3

    def test_retrieval_only_never_calls_answer(self):
        chain = fake_chain()
        results = EvalRunner(chain, retrieval_only=True).run(ITEMS)
        assert chain.calls == []
        assert all(r.answer_text is None and "sources_s" in r.timings for r in results)

    def test_dense_and_bm25_modes_use_the_retriever(self):
        retriever = FakeRetriever({"dense": {Q_FACT.question: [scored(P41)]},
                                   "keyword": {Q_FACT.question: [scored(P99), scored(P12), scored(P41)]}})
        dense = EvalRunner(fake_chain(), retrieval_only=True, retrieval_mode="dense", retriever=retriever)
        bm25 = EvalRunner(fake_chain(), retrieval_only=True, retrieval_mode="bm25", retriever=retriever)
        assert dense.run_one(Q_FACT).first_hit_rank == 1
        assert bm25.run_one(Q_FACT).first_hit_rank == 3

    def test_bad_configuration(self):
        with pytest.raises(ValueError, match="needs a retriever"):
            EvalRunner(fake_chain(), retrieval_mode="dense")
        with pytest.raises(ValueError, match="need an answer chain"):
            EvalRunner(None, retrieval_only=True)
        raw = EvalRunner(None, retrieval_only=True, retrieval_mode="bm25", retriever=FakeRetriever({}))
        assert raw.run_one(Q_FACT).first_hit_rank is None  # zero hits, no chain needed
        with pytest.raises(ValueError, match="positive"):
            EvalRunner(fake_chain(), ks=(0, 5))


class TestReport:
    def full_report(self):
        results = EvalRunner(fake_chain(), ks=(1, 5)).run(ITEMS)
        return build_report(results, ks=(5, 1), mode="full", config={"qa_file": "qa.jsonl"})

    def test_shape_has_the_stable_keys(self, tmp_path):
        report = self.full_report()
        for key in ("questions", "mode", "retrieval", "grounding", "abstention", "latency_s", "per_kind",
                    "per_question", "config", "answers_with_citations"):
            assert key in report
        assert set(report["retrieval"]) >= {"recall@1", "recall@5", "mrr"}
        assert set(report["grounding"]) >= {"citation_precision", "citation_coverage", "fact_recall",
                                            "invalid_citations"}
        assert set(report["abstention"]) == {"correct_decline_rate", "false_decline_rate"}
        assert set(report["latency_s"]) >= {f"{n}_{p}" for n in ("sources", "first_token", "total")
                                            for p in ("p50", "p95")}
        write_report(report, tmp_path / "out" / "report.json")
        assert json.loads((tmp_path / "out" / "report.json").read_text())["questions"] == 4

    def test_figures(self):
        report = self.full_report()
        assert report["questions"] == 4 and report["mode"] == "full" and report["errors"] == 1
        retrieval = report["retrieval"]  # graded: q1 (rank 2), q2 (rank 1), q4 (miss)
        assert retrieval["graded_questions"] == 3 and retrieval["depth"] == 2
        assert retrieval["recall@1"] == pytest.approx(1 / 3) and retrieval["recall@5"] == pytest.approx(2 / 3)
        assert retrieval["mrr"] == pytest.approx((0.5 + 1.0 + 0.0) / 3)
        g = report["grounding"]
        assert g["citation_precision"] == pytest.approx(3 / 5)  # q1: 2 of 4 markers; q4: 1 of 1 (holds "oil level")
        assert g["invalid_citations"] == 1
        assert g["citation_coverage"] == pytest.approx(1.0)  # only q1 answered without abstaining
        assert g["fact_recall"] == pytest.approx((1.0 + 0.0 + 0.0) / 3)  # q2 failed, q4 abstained
        assert report["abstention"] == {"correct_decline_rate": 1.0, "false_decline_rate": pytest.approx(1 / 3)}
        assert report["answers_with_citations"] == 2
        assert report["latency_s"]["total_p50"] == pytest.approx(1.0)
        assert report["latency_s"]["output_tokens_per_s"] == pytest.approx((40 + 2 + 2) / (2.0 + 0.1 + 0.5))

    def test_per_kind_grouping_and_per_question(self):
        report = self.full_report()
        assert sorted(report["per_kind"]) == ["fact", "followup", "history"]
        fact = report["per_kind"]["fact"]
        assert fact["questions"] == 2 and fact["retrieval"]["graded_questions"] == 1
        assert fact["abstention"]["correct_decline_rate"] == 1.0
        assert report["per_kind"]["history"]["errors"] == 1
        q1 = report["per_question"][0]
        assert q1["id"] == "q1" and q1["hit@1"] is False and q1["hit@5"] is True
        assert q1["cited"] == [1, 2, 3, 7] and q1["invalid_citations"] == [7]
        assert q1["retrieved"][1] == {"source": "press_hp200_manual.pdf", "page": 41, "record_id": None,
                                      "score": 1.0}
        assert report["config"]["k"] == [1, 5] and report["config"]["qa_file"] == "qa.jsonl"

    def test_retrieval_only_leaves_answer_metrics_undefined(self):
        results = EvalRunner(fake_chain(), retrieval_only=True).run(ITEMS)
        report = build_report(results, ks=(1, 5, 10), mode="retrieval-only")
        assert report["grounding"]["fact_recall"] is None
        assert report["abstention"]["correct_decline_rate"] is None
        assert report["latency_s"]["sources_p50"] is not None and report["latency_s"]["total_p50"] is None
        assert report["retrieval"]["recall@10"] == pytest.approx(2 / 3)

    def test_no_unanswerable_questions_gives_none_not_zero(self):
        results = EvalRunner(fake_chain()).run([Q_FACT])
        report = build_report(results, ks=(1,), mode="full")
        assert report["abstention"]["correct_decline_rate"] is None
        assert report["abstention"]["false_decline_rate"] == 0.0
