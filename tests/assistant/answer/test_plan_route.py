"""WorkOrderPlanRoute: only questions whose nearest chunks are mostly work orders reach the plan."""

from __future__ import annotations

from assistant.answer.routes import WorkOrderPlanRoute
from assistant.history.answer import HistoryCitation, HistoryResult
from assistant.history.query import HistoryQuery
from index.types import ScoredChunk
from ingest.types import Chunk


class FakeSearch:
    def __init__(self, doc_types):
        self.doc_types = doc_types

    def retrieve(self, query, k, filters=None):
        return [ScoredChunk(Chunk(f"c{i}", "text", "/d/f", t), 1.0) for i, t in enumerate(self.doc_types[:k])]

    def keyword(self, query, k, filters=None):
        return []

    def dense_scores(self, query, chunk_ids):
        return {}


class FakeAnalytics:
    def __init__(self, result):
        self.result, self.asked = result, []

    def run(self, question):
        self.asked.append(question)
        return self.result


def _result(answered=True):
    cite = HistoryCitation(1, "WO-7", "/d/wo.csv", "B", "2003-02-01", "bucket cylinder leak")
    return HistoryResult(HistoryQuery(kind="count", question="q"), "3 work orders matched [1].", 3, 3, citations=[cite],
                         answered=answered)


def test_mostly_work_orders_go_to_the_plan_and_cite_its_records():
    plan = FakeAnalytics(_result())
    route = WorkOrderPlanRoute(plan, FakeSearch(["work_order"] * 3 + ["manual"]), probe_k=4, min_share=0.5)
    text, cites, declined = route.answer("how many bucket jobs on B", ["B"])
    assert text == "3 work orders matched [1]." and cites[0].record_id == "WO-7" and declined is None
    assert plan.asked == ["how many bucket jobs on B"]


def test_manual_questions_never_pay_for_a_plan():
    plan = FakeAnalytics(_result())
    route = WorkOrderPlanRoute(plan, FakeSearch(["manual"] * 3 + ["work_order"]), probe_k=4, min_share=0.5)
    assert route.answer("torque of the cover bolts", []) is None
    assert plan.asked == []


def test_unanswered_or_refused_plans_fall_through_to_retrieval():
    for result in (None, _result(answered=False)):
        route = WorkOrderPlanRoute(FakeAnalytics(result), FakeSearch(["work_order"] * 4), probe_k=4, min_share=0.5)
        assert route.answer("which asset had the most bucket work orders", []) is None


def test_the_setting_puts_the_plan_route_after_the_parser(tmp_path):
    from assistant.config import Settings
    from assistant.wiring import Container

    def names(on, tables=True):
        s = Settings(data_dir=tmp_path / f"{on}{tables}", llm={"mode": "fake"}, embedding={"mode": "fake"},
                     answer={"work_order_plan": on, "record_tables": tables})
        return [type(r).__name__ for r in Container(s).chain.routes]

    assert names(False) == ["WorkOrderRoute", "SensorRoute", "RecordsRoute"]
    assert names(True) == ["WorkOrderRoute", "WorkOrderPlanRoute", "SensorRoute", "RecordsRoute"]
    assert names(False, tables=False) == ["WorkOrderRoute", "SensorRoute"]


def test_the_records_route_looks_as_deep_as_its_setting(tmp_path):
    """A count over an alarm table whose rows rank below the retrieval's k (sensor and work-order chunks first)."""
    from assistant.config import Settings
    from assistant.wiring import Container

    s = Settings(data_dir=tmp_path, llm={"mode": "fake"}, embedding={"mode": "fake"},
                 answer={"record_tables_depth": 17}, retrieval={"k": 5})
    assert Container(s).chain.routes[-1].probe_k == 17
