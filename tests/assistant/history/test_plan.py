"""Work-order plans (issue 13): catalog, schema, checks and SQL execution on real SQLite / PostgreSQL tables."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from assistant.config import Settings
from assistant.evaluation.metrics import numbers_absent
from assistant.db.models import WorkOrder
from assistant.llm.base import parse_grammar
from assistant.history.plan import Catalog, Condition, PlanError, WorkOrderPlan, check_plan, resolve_asset
from assistant.history.plan_exec import PlanExecutor
from assistant.history.plan_prompt import plan_schema
from assistant.history.plan_sql import plan_conditions
from ingest.assets import AssetRegistry
from tests.assistant.history.workorder_table import ROWS, work_order_table

ROWS_CITED = Settings().answer.work_order_rows_cited


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request, tmp_path):
    """The table made by the product's migration, on SQLite, and on PostgreSQL when one is configured."""
    with work_order_table(request.param, tmp_path) as factory:
        yield factory


@pytest.fixture
def catalog(factory) -> Catalog:
    return Catalog.read(factory)


def run(factory, catalog, question="q", resolver=None, **plan):
    return PlanExecutor(factory, max_cited=5).run(check_plan(WorkOrderPlan(**plan), catalog, resolver), question)


def assert_cited(result):
    """Rows [1].., the computation last and cited; every figure the answer states is in a source it cites."""
    cites = result.all_citations()
    assert [c.n for c in cites] == list(range(1, len(cites) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", result.text)} == {c.n for c in cites}
    assert [c.record_id for c in result.citations] == [r.record_id for r in result.rows]
    assert [c.doc_type for c in cites[len(result.citations):]] == ["computed"]
    assert numbers_absent(result.text, "\n".join(c.excerpt for c in cites)) == []


class TestCatalog:
    def test_reads_assets_columns_and_extra_keys(self, catalog):
        assert [a for a, _ in catalog.assets] == ["EX-A", "EX-B", "PRESS-04"]
        assert catalog.values("work_type") == ("PM01", "PM02")  # most frequent first
        assert catalog.values("failure_code") == ("LEK", "NOI", "OHE")  # LEK 6 times (+1 copy), then ties by name
        assert catalog.measures == {"cost": "number", "duration_hours": "number", "date": "date", "labour_cost": "number"}
        assert catalog.values("shift") == ("day", "night") and "line" not in catalog.categories  # loader bookkeeping
        assert catalog.groups == ("asset", "work_type", "failure_code", "component", "shift")
        assert catalog.rows == 21

    def test_many_values_become_free_text(self, factory):
        catalog = Catalog.read(factory, max_values=3)
        assert catalog.values("component") == () and "component" in catalog.categories
        assert "component" not in catalog.groups


class TestSchema:
    def test_parse_grammar_takes_it_as_a_json_schema(self, catalog):
        schema = plan_schema(catalog)
        assert parse_grammar(schema) == ("json_schema", schema)
        assert parse_grammar(json.dumps(schema)) == ("json_schema", schema)
        assert list(schema["properties"]) == list(WorkOrderPlan.model_fields)
        assert schema["properties"]["column"]["enum"] == ["cost", "duration_hours", "date", "labour_cost", None]

    def test_llama_cpp_compiles_it_to_a_grammar(self, catalog):
        pytest.importorskip("llama_cpp")
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        gbnf = json_schema_to_gbnf(json.dumps(plan_schema(catalog)))
        assert '"\\"PM01\\""' in gbnf and "root ::=" in gbnf

class TestCheck:
    @pytest.mark.parametrize("plan, reason", [
        (dict(aggregate="latest", asset="truck 3"), "no asset 'truck 3' in the work orders (known: Excavator A"),
        (dict(aggregate="count", asset="excavator"), "more than one asset matches 'excavator'"),
        (dict(aggregate="count", where=[{"column": "colour", "value": "red"}]), "no column 'colour'"),
        (dict(aggregate="count", work_type="PM99"), "no work type 'PM99' in the work orders (known: PM01, PM02)"),
        (dict(aggregate="count", where=[{"column": "shift", "value": "late"}]), "no shift 'late'"),
        (dict(aggregate="sum", column="date"), "cannot add up 'date'"),
        (dict(aggregate="max"), "'max' needs a column"),
        (dict(aggregate="max", column="price"), "no numeric or date column 'price'"),
        (dict(aggregate="count", date_from="2006-13-01"), "date_from '2006-13-01' is not a date"),
        (dict(aggregate="count", date_from="2007-01-01", date_to="2006-01-01"), "is empty"),
        (dict(aggregate="count", group_by="colour"), "cannot group by 'colour'"),
        (dict(aggregate="list", not_a_work_order_question=True), "not about the work-order history"),
    ])
    def test_one_line_reason_and_no_execution(self, catalog, plan, reason):
        with pytest.raises(PlanError) as info:
            check_plan(WorkOrderPlan(**plan), catalog)
        assert reason in str(info.value) and "\n" not in str(info.value)

    @pytest.mark.parametrize("named, asset", [("EX-B", "EX-B"), ("excavator b", "EX-B"), ("ex b", "EX-B"),
                                              ("press 4", "PRESS-04"), ("hydraulic press", "PRESS-04")])
    def test_asset_as_the_question_names_it(self, catalog, named, asset):
        assert check_plan(WorkOrderPlan(aggregate="count", asset=named), catalog).assets == (asset,)

    def test_a_qualifier_before_a_short_id_but_never_a_lone_number(self):
        catalog = Catalog(assets=(("A", None), ("B", None), ("CONV-03", "Belt conveyor 3")))
        assert resolve_asset("asset b", catalog) == (("B",), ("B",))
        assert resolve_asset("conveyor 3", catalog) == (("CONV-03",), ("Belt conveyor 3",))
        for named in ("truck 3", "3", "asset c"):
            with pytest.raises(PlanError, match=f"no asset '{named}'"):
                resolve_asset(named, catalog)

    def test_registry_alias_resolves(self, catalog):
        registry = AssetRegistry()
        registry.add("EX-B", "Excavator B", aliases=["big digger"])
        assert check_plan(WorkOrderPlan(aggregate="count", asset="the big digger"), catalog, registry).assets == ("EX-B",)

    def test_a_work_type_put_in_text_becomes_the_filter(self, catalog):
        checked = check_plan(WorkOrderPlan(aggregate="count", text=["pm02", "service"]), catalog)
        assert checked.plan.work_type == "PM02" and checked.terms == ("service",)
        checked = check_plan(WorkOrderPlan(aggregate="count", where=[{"column": "component", "value": "pm01"},
                                                                     {"column": "work_type", "value": "night"}]), catalog)
        assert checked.plan.work_type == "PM01" and checked.plan.where == [Condition(column="shift", value="night")]
        checked = check_plan(WorkOrderPlan(aggregate="count", text=["hydraulic", "EX-B"]), catalog)
        assert checked.assets == ("EX-B",) and checked.terms == ("hydraulic",)  # "hydraulic" alone is no asset
        checked = check_plan(WorkOrderPlan(aggregate="top", text=["Cost", "hose"]), catalog)
        assert checked.measure == "cost" and checked.terms == ("hose",)

    def test_limit_is_clamped_and_unused_column_ignored(self, catalog):
        checked = check_plan(WorkOrderPlan(aggregate="count", column="cost", limit=500), catalog)
        assert checked.limit == 20 and checked.measure is None


class TestExecute:
    def test_which_asset_had_the_most_bucket_work_orders(self, factory, catalog):
        result = run(factory, catalog, aggregate="count", group_by="asset", limit=3, text=["bucket"])
        bucket = [r for r in ROWS if "bucket" in (r[4] + " " + (r[5] or "")).lower()]
        assert result.figure == sum(r[1] == "EX-B" for r in bucket) == 6
        assert result.ranking == [("Excavator B (EX-B)", 6), ("Excavator A (EX-A)", 3)]
        lead = "By asset, Excavator B (EX-B) has the most work orders matching 'bucket': 6 [1] [3]."
        assert result.text.startswith(lead)
        assert "Ranking: Excavator B (EX-B) — 6 [1]; Excavator A (EX-A) — 3 [2] [3]." in result.text  # no rank numbers
        trace = result.all_citations()[-1].excerpt
        assert trace == ("Work orders matching 'bucket': 9.\n"
                         "By asset (count of work orders), most first: Excavator B (EX-B) 6; Excavator A (EX-A) 3.")
        assert result.rows[0].record_id == "W14"  # the group's latest row is its evidence
        assert_cited(result)

    def test_the_single_most_expensive_work_order_and_what_it_was_for(self, factory, catalog):
        result = run(factory, catalog, aggregate="max", column="cost")
        assert result.figure == max(r[7] or 0 for r in ROWS) == 9800.0 and result.rows[0].record_id == "W14"
        assert "W14 on 2008-03-03 (Excavator B): Bucket rebuild (cost 9,800) [1] [2]." in result.text
        excerpt = result.citations[0].excerpt  # the cited record whole: its date and cost can be checked there
        assert excerpt.startswith("Work order W14 — ") and "2008-03-03" in excerpt and "cost 9800.00" in excerpt
        assert_cited(result)

    def test_how_many_hydraulic_leaks_word_starts_only(self, factory, catalog):
        result = run(factory, catalog, aggregate="count", text=["hyd", "leak"])
        assert result.figure == 3  # W08 (and its copy, once), W09, W17; not W18's "bleak"
        assert sorted(r.record_id for r in result.rows) == ["W08", "W09", "W17"]
        assert result.text.startswith("3 work orders matching 'hyd leak' [4]. All counted: [1] [2] [3]")
        assert_cited(result)
        assert run(factory, catalog, aggregate="count", text=["leak"]).figure == 6

    def test_total_cost_of_pm01_jobs_on_asset_b_in_2006(self, factory, catalog):
        result = run(factory, catalog, aggregate="sum", column="cost", asset="excavator b", work_type="PM01",
                     date_from="2006-01-01", date_to="2006-12-31")
        expected = sum(r[7] for r in ROWS if r[1] == "EX-B" and r[3] == "PM01" and (r[2] or "")[:4] == "2006")
        assert result.figure == expected == 650 + 1500 + 4200 + 350
        assert result.text.startswith("Total cost for Excavator B of type PM01 in 2006: 6,700 over 4 work orders [5].")
        assert result.all_citations()[-1].excerpt.endswith("4 of them record a cost; their sum 6,700.")
        assert_cited(result)

    def test_latest_engine_job_on_a_named_asset(self, factory, catalog):
        result = run(factory, catalog, aggregate="latest", asset="excavator a", text=["engine"])
        assert result.rows[0].record_id == "W05" and "W05 on 2008-05-02" in result.text and result.total == 2
        assert "2 matching work orders in all [2]." in result.text
        trace = result.all_citations()[-1].excerpt
        assert trace.endswith("Ordered by date, latest first; the 1 cited: W05 on 2008-05-02.")  # not "highest first"
        assert_cited(result)
        assert run(factory, catalog, aggregate="first", asset="EX-A").rows[0].record_id == "W01"  # undated W20 last

    def test_top_n_lowest(self, factory, catalog):
        result = run(factory, catalog, aggregate="top", column="cost", order="asc", limit=3, asset="EX-A")
        assert [r.record_id for r in result.rows] == ["W20", "W01", "W03"] and result.figure == 10.0
        assert_cited(result)

    def test_grouped_sum_by_failure_code_and_an_extra_measure(self, factory, catalog):
        result = run(factory, catalog, aggregate="sum", column="cost", group_by="failure_code", limit=2)
        assert result.ranking == [("LEK", 900 + 450 + 1500 + 4200 + 1100 + 300), ("OHE", 600)]
        assert_cited(result)
        extra = run(factory, catalog, aggregate="max", column="labour_cost")
        assert extra.figure == 3000.0 and extra.rows[0].record_id == "W14"  # a number, not the text '80'

    def test_where_on_an_extra_column_is_case_insensitive(self, factory, catalog):
        result = run(factory, catalog, aggregate="count", where=[{"column": "shift", "value": "DAY"}])
        assert result.figure == 4
        grouped = run(factory, catalog, aggregate="sum", column="labour_cost", group_by="asset", limit=2)
        assert grouped.ranking == [("Excavator B (EX-B)", 3200.0), ("Excavator A (EX-A)", 80.0)]
        assert run(factory, catalog, aggregate="count", group_by="shift").ranking == [("day", 4), ("night", 1)]

    def test_nothing_matching_is_said_and_not_answered(self, factory, catalog):
        result = run(factory, catalog, aggregate="count", asset="EX-B", date_from="2020-01-01")
        assert not result.answered and result.figure == 0 and result.text.startswith("No work orders for Excavator B")
        result = run(factory, catalog, aggregate="sum", column="cost", asset="press 4", work_type="PM02")
        assert not result.answered and "none records a cost" in result.text
        assert_cited(result)  # the jobs found are cited, their count with the computation

    def test_terms_matching_nothing_are_relaxed_and_the_answer_says_so(self, factory, catalog):
        ask = lambda **plan: PlanExecutor(factory, max_cited=ROWS_CITED).run(check_plan(WorkOrderPlan(**plan), catalog), "q", catalog)
        result = ask(aggregate="latest", text=["bucket", "crack", "repair"])
        assert result.text.startswith("No work order matches all of 'bucket crack repair'; without 'repair': The ")
        assert result.rows[0].record_id == "W06"
        assert ask(aggregate="count", text=["night"]).figure == 1  # a value of the extra column 'shift'
        assert not run(factory, catalog, aggregate="count", text=["night"]).answered  # without the catalog

    def test_list_cites_most_recent(self, factory, catalog):
        result = run(factory, catalog, aggregate="list", asset="EX-B")
        assert result.figure == 10 and len(result.rows) == 5 and result.rows[0].record_id == "W14"
        assert "- W14 on 2008-03-03: Bucket rebuild [1]" in result.text
        assert result.text.startswith("10 work orders for Excavator B [6]; the 5 most recent:")
        assert_cited(result)

    def test_conditions_compile_for_postgresql(self, catalog):
        checked = check_plan(WorkOrderPlan(aggregate="max", column="labour_cost", text=["hyd_leak"], asset="EX-B",
                                           where=[{"column": "shift", "value": "day"}]), catalog)
        sql = str(select(WorkOrder).where(*plan_conditions(checked)).compile(dialect=postgresql.dialect()))
        assert "extra ->> " in sql and "LIKE" in sql and "ESCAPE" in sql
