"""Question -> ``WorkOrderPlan`` with the LLM, under the plan's JSON-schema grammar.

The prompt describes the table from its ``Catalog`` (assets, columns, the commonest values) and
shows worked examples built from that same catalog, so the model copies real column names.

    planner = WorkOrderPlanner(generator, catalog, today=date(2026, 12, 5))
    plan = planner.plan("which asset had the most bucket work orders")   # raises PlanError
"""

from __future__ import annotations

import json
from datetime import date
from typing import Callable, Sequence

from pydantic import ValidationError
from sqlalchemy.orm import Session

from assistant.history.answer import HistoryResult
from assistant.history.plan import (AGGREGATES, MAX_LIMIT, MAX_TERMS, AssetResolver, Catalog, PlanError,
                                    WorkOrderPlan, check_plan)
from assistant.history.plan_exec import PlanExecutor
from assistant.types import ChatMessage, Generator
from ingest.assets import alias_key

SHOWN_VALUES = 10  # values listed per column in the prompt; the grammar still allows every listed one

_INSTRUCTIONS = """You turn a technician's question about past work orders into a JSON query plan. Reply with JSON only.

The work-order table ({rows} rows), one row per job:
{table}

Plan fields:
- aggregate: count = how many; sum = total of a number column; max / min = the one job with the highest / lowest column; top = the `limit` jobs with the highest (order desc) or lowest (order asc) column; latest / first = the newest / oldest job; list = show the jobs
- column: the number or date column for sum, max, min, top; else null
- group_by: "none", or what is compared ("which asset had the most ..." -> "asset")
- order: "desc" for most / highest, "asc" for fewest / lowest
- limit: how many jobs or groups to show (1 for "which ..." or "the single ...")
- asset: the asset as the question names it, else null (all assets)
- work_type, failure_code: only a value listed above that the question names, else null
- text: 0 to 3 words the job's text must contain: short word starts ("leak" matches leaks and leaking, "hyd" matches hydraulic); never asset names, dates, or words like job, work order, how many, cost
- date_from, date_to: the period asked, YYYY-MM-DD, both ends included ("in 2019" -> 2019-01-01 and 2019-12-31); else null. Today is {today}.
- where: other conditions column = value, using a column and value listed above, else []
- not_a_work_order_question: true only when the question is not about past jobs (how-to, specifications)
Leave out every field that does not apply. Use only filters the question itself states: never carry an asset, work type or date over from an earlier question."""


class WorkOrderPlanner:
    """Asks the generator for a plan; ``max_tokens`` bounds the JSON (a plan is ~60-120 tokens)."""

    def __init__(self, generator: Generator, catalog: Catalog, *, today: date | None = None, max_tokens: int = 220):
        if max_tokens < 32:
            raise ValueError("max_tokens must be at least 32: a plan is one JSON object of ~13 fields")
        self._generator = generator
        self._catalog = catalog
        self._today = today
        self._max_tokens = max_tokens
        self.grammar = json.dumps(plan_schema(catalog))

    def messages(self, question: str) -> list[ChatMessage]:
        today = self._today or date.today()
        system = _INSTRUCTIONS.format(rows=self._catalog.rows, table=describe_table(self._catalog), today=today)
        out = [ChatMessage("system", system)]
        for q, plan in examples(self._catalog, today):
            out += [ChatMessage("user", q), ChatMessage("assistant", plan.model_dump_json(exclude_defaults=True))]
        return out + [ChatMessage("user", " ".join(question.split()))]

    def plan(self, question: str) -> WorkOrderPlan:
        """The model's plan, less any filter value it copied from a worked example (``uncopied``)."""
        raw = "".join(self._generator.stream(self.messages(question), max_tokens=self._max_tokens, grammar=self.grammar))
        try:
            plan = WorkOrderPlan.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "plan"
            raise PlanError(f"the model's plan does not parse ({where}: {first['msg']}): {raw[:120]!r}") from None
        shown = [p for _, p in examples(self._catalog, self._today or date.today())]
        return uncopied(plan, question, shown)


def uncopied(plan: WorkOrderPlan, question: str, shown: Sequence[WorkOrderPlan]) -> WorkOrderPlan:
    """Drop filter values that a worked example used and the question does not name.

    Small models carry an example's asset, work type, year or text words into unrelated questions
    (both bundled models did, in ~1 of 4 plans). A value counts as named when all its words are
    among the question's words (a year: its four digits; a text term: it starts a question word).
    """
    words = set(alias_key(question))
    named = lambda value: set(alias_key(value)) <= words  # noqa: E731
    update: dict[str, object] = {}
    for field in ("asset", "work_type", "failure_code"):
        value = getattr(plan, field)
        if value and any(getattr(ex, field) == value for ex in shown) and not named(value):
            update[field] = None
    for field in ("date_from", "date_to"):
        value = getattr(plan, field)
        if value and any(value in (ex.date_from, ex.date_to) for ex in shown) and not named(value[:4]):
            update[field] = None
    seen = {t.lower() for ex in shown for t in ex.text}
    text = [t for t in plan.text if t.lower() not in seen or any(w.startswith(t.lower()) for w in words)]
    if text != plan.text:
        update["text"] = text
    return plan.model_copy(update=update) if update else plan


def plan_schema(catalog: Catalog) -> dict:
    """The JSON schema (a grammar for ``Generator.stream``) of a plan over this table.

    Only ``aggregate`` is required: a plan leaves out what it does not narrow (half the tokens of a full
    object, and less for a small model to get wrong). Properties come in the order the model should decide
    them, intent first, then filters. Columns, groups and small value sets are enums, so the model can
    only name what exists.
    """

    def nullable(schema: dict) -> dict:
        return {"anyOf": [schema, {"type": "null"}]}

    def values_or_text(column: str) -> dict:
        values = catalog.values(column)
        if values:
            return {"enum": [*values, None]}
        return nullable({"type": "string", "maxLength": 40}) if column in catalog.categories else {"type": "null"}

    day = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    filterable = [c for c in catalog.categories if c not in ("work_type", "failure_code")]
    condition = {"type": "object", "additionalProperties": False, "required": ["column", "value"],
                 "properties": {"column": {"enum": filterable}, "value": {"type": "string", "maxLength": 40}}}
    props = {
        "aggregate": {"enum": list(AGGREGATES)},
        "not_a_work_order_question": {"type": "boolean"},
        "column": {"enum": [*catalog.measures, None]},
        "group_by": {"enum": ["none", *catalog.groups]},
        "order": {"enum": ["desc", "asc"]},
        "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        "asset": nullable({"type": "string", "maxLength": 40}),
        "work_type": values_or_text("work_type"),
        "failure_code": values_or_text("failure_code"),
        "text": {"type": "array", "items": {"type": "string", "minLength": 2, "maxLength": 30}, "maxItems": MAX_TERMS},
        "date_from": nullable(day),
        "date_to": nullable(day),
        "where": {"type": "array", "items": condition, "maxItems": 3 if filterable else 0},
    }
    return {"type": "object", "additionalProperties": False, "required": ["aggregate"], "properties": props}


def describe_table(catalog: Catalog) -> str:
    """One line per column the plan may use, with its commonest values."""
    lines = []
    if catalog.assets:
        names = [f"{i} ({n})" if n and n != i else i for i, n in catalog.assets[:20]]
        lines.append("- asset: " + ", ".join(names) + (" …" if len(catalog.assets) > 20 else ""))
    for column, kind in catalog.measures.items():
        lines.append(f"- {column}: {'YYYY-MM-DD' if kind == 'date' else 'number'}")
    for column, values in catalog.categories.items():
        shown = ", ".join(values[:SHOWN_VALUES]) + (" …" if len(values) > SHOWN_VALUES else "")
        lines.append(f"- {column}: {shown if values else 'free text'}")
    lines.append("- text of each job: description, failure, cause, action, component, parts (abbreviations common)")
    return "\n".join(lines)


def examples(catalog: Catalog, today: date) -> Sequence[tuple[str, WorkOrderPlan]]:
    """Worked examples over this table's own names (an asset, a work type, a number column), so the
    model sees real values in each slot and none is invented."""
    asset = (catalog.assets[-1][1] or catalog.assets[-1][0]) if catalog.assets else None
    number = next((c for c, kind in catalog.measures.items() if kind == "number"), None)
    kinds = catalog.values("work_type")
    year = today.year - 3
    out: list[tuple[str, WorkOrderPlan]] = []
    named = (asset.lower() if len(asset) > 2 else f"asset {asset.lower()}") if asset else "all assets"
    if number:
        what = number.replace("_", " ")
        out.append((f"total {what} of {kinds[-1] if kinds else 'all'} work on {named} in {year}", WorkOrderPlan(
            aggregate="sum", column=number, asset=asset, work_type=kinds[-1] if kinds else None,
            date_from=f"{year}-01-01", date_to=f"{year}-12-31")))
    if asset:
        out.append((f"last time {named} had a pump fault?", WorkOrderPlan(
            aggregate="latest", limit=1, asset=asset, text=["pump", "fault"])))
    out.append(("how many oil leaks since march last year", WorkOrderPlan(
        aggregate="count", text=["oil", "leak"], date_from=f"{today.year - 1}-03-01")))
    if number:
        out.append((f"highest {number.replace('_', ' ')} wo and what was done",
                    WorkOrderPlan(aggregate="max", column=number, limit=1)))
    out.append(("how do i bleed air from the pump", WorkOrderPlan(aggregate="list", not_a_work_order_question=True)))
    out.append(("which unit had the most seal jobs", WorkOrderPlan(aggregate="count", group_by="asset", limit=1,
                                                                   text=["seal"])))
    return out


class WorkOrderAnalytics:
    """Question → plan → check → SQL, or ``None``. The catalog is read per question (about 50 ms
    on 5,000 rows), so work orders an ingest just added are planned over at once."""

    def __init__(self, generator: Generator, session_factory: Callable[[], Session], resolver: AssetResolver | None,
                 *, max_tokens: int, max_cited: int) -> None:
        self._generator = generator
        self._session_factory = session_factory
        self._resolver = resolver
        self._max_tokens = max_tokens
        self._executor = PlanExecutor(session_factory, max_cited=max_cited)

    def run(self, question: str) -> HistoryResult | None:
        catalog = Catalog.read(self._session_factory)
        if not catalog.rows:
            return None
        try:
            plan = WorkOrderPlanner(self._generator, catalog, max_tokens=self._max_tokens).plan(question)
            if plan.not_a_work_order_question:
                return None
            checked = check_plan(plan, catalog, self._resolver)
        except PlanError:
            return None
        return self._executor.run(checked, question, catalog)
