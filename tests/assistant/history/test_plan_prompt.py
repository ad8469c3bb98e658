"""The work-order planner (issue 13): prompt and grammar with a scripted generator; one slow test with the
real bundled 0.5B model, whose plans must execute to the right figures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.llm.base import parse_grammar
from assistant.llm.fake import FakeGenerator
from assistant.history.plan import Catalog, PlanError, WorkOrderPlan, check_plan
from assistant.history.plan_exec import PlanExecutor
from assistant.history.plan_prompt import WorkOrderPlanner, examples, plan_schema, uncopied
from tests.assistant.history.workorder_table import TODAY, work_order_table

ROWS_CITED = Settings().answer.work_order_rows_cited


@pytest.fixture
def factory(tmp_path):
    with work_order_table("sqlite", tmp_path) as factory:
        yield factory


@pytest.fixture
def catalog(factory) -> Catalog:
    return Catalog.read(factory)


class TestSchema:
    def test_worked_examples_fit_the_schema(self, catalog):
        jsonschema = pytest.importorskip("jsonschema")
        schema = plan_schema(catalog)
        for _, plan in examples(catalog, TODAY):
            jsonschema.validate(json.loads(plan.model_dump_json(exclude_defaults=True)), schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"aggregate": "sum", "column": "price"}, schema)



class TestPlanner:
    def test_passes_the_grammar_and_parses_the_plan_or_says_why_not(self, catalog):
        gen = FakeGenerator('{"aggregate": "count", "group_by": "asset", "limit": 1, "text": ["bucket"]}')
        plan = WorkOrderPlanner(gen, catalog, today=TODAY).plan("which asset had the most bucket jobs")
        assert plan == WorkOrderPlan(aggregate="count", group_by="asset", limit=1, text=["bucket"])
        call = gen.calls[0]
        assert parse_grammar(call["grammar"]) == ("json_schema", plan_schema(catalog))
        assert call["messages"][-1].content == "which asset had the most bucket jobs"
        assert "EX-A (Excavator A)" in call["messages"][0].content and "Today is 2026-12-05" in call["messages"][0].content
        with pytest.raises(PlanError, match=r"the model's plan does not parse \(aggregate: "):
            WorkOrderPlanner(FakeGenerator('{"aggregate": "median"}'), catalog).plan("q")


    def test_values_copied_from_an_example_are_dropped_named_ones_kept(self, catalog):
        shown = [p for _, p in examples(catalog, TODAY)]
        copied = shown[0].model_copy(update={"text": ["pump", "bucket"], "column": "cost"})  # asset, work type, year
        plan = uncopied(copied, "total cost of bucket work", shown)
        assert (plan.asset, plan.work_type, plan.date_from, plan.date_to, plan.text) == (None, None, None, None, ["bucket"])
        assert uncopied(copied, f"pump jobs on {copied.asset} {copied.work_type} in {copied.date_from[:4]}", shown) == copied

QUESTIONS = [  # (question, what the answer of a right plan gives)
    ("which asset had the most bucket work orders", lambda r: r.ranking[0][0] == "Excavator B (EX-B)"),
    ("the single most expensive work order and what it was for", lambda r: r.rows[0].record_id == "W14"),
    ("how many hydraulic leaks across all assets", lambda r: r.figure == 3),
    ("total cost of PM01 jobs on excavator B in 2006", lambda r: r.figure == 6700),
    ("latest engine job on excavator A", lambda r: r.rows[0].record_id == "W05"),
]


@pytest.fixture(scope="module")
def qwen_gguf():
    pytest.importorskip("llama_cpp")
    from assistant.models import llm_gguf_path

    # the persistent cache of tests/assistant/llm/conftest.py: the 490 MB assembly happens once per machine
    cache = os.environ.get("MAINTASSIST_TEST_MODEL_CACHE", Path.home() / ".cache" / "maintassist-test-models")
    return llm_gguf_path("qwen2.5-0.5b", Path(cache))


@pytest.mark.slow
@pytest.mark.llm
@pytest.mark.timeout(900)  # ~30 s on a quiet 2-core box; 5 plans took ~50 s each at load 12
def test_bundled_model_plans_execute_to_the_right_figures(factory, catalog, qwen_gguf):
    from assistant.config import Settings
    from assistant.llm.llamacpp import LlamaCppGenerator

    llm = Settings().llm  # the product's generation settings, as the wiring passes them
    generator = LlamaCppGenerator(qwen_gguf, threads=2, n_ctx=llm.n_ctx, temperature=llm.temperature, seed=llm.seed,
                                  max_tokens=llm.max_tokens, flash_attn=llm.flash_attn)
    planner = WorkOrderPlanner(generator, catalog, today=TODAY)
    right = []
    for question, ok in QUESTIONS:
        try:
            result = PlanExecutor(factory, max_cited=ROWS_CITED).run(check_plan(planner.plan(question), catalog), question, catalog)
        except PlanError:
            continue
        if result.answered and ok(result):
            right.append(question)
    # The 0.5B model's measured rate on these (benchmarks/bench_workorder_plan.py has the wider set).
    assert len(right) >= 3, right
