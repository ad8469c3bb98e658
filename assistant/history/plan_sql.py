"""A checked work-order plan as SQLAlchemy Core expressions (valid on SQLite and PostgreSQL), and the
nearer plans to try when its text terms match nothing.

    select(WorkOrder).where(*plan_conditions(checked))
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from typing import Any

from sqlalchemy import Float, cast, func, select

from assistant.db.models import WorkOrder
from assistant.history.store import TEXT_COLUMNS
from assistant.history.plan import Catalog, CheckedPlan, Condition

# Text a term is matched in. The work type is its own filter ("pm" must not hit every PM01 job).
MATCH_COLUMNS = tuple(c for c in TEXT_COLUMNS if c != "work_type")
# Characters that end a word: replaced by spaces so "leak" starts a word in "L/H CYL-LEAK" but not in "bleak".
_SEPARATORS = "/-_.,;:()[]'\"#+&*\n\t"
REAL_COLUMNS = ("cost", "duration_hours", "date", "asset", "work_type", "failure_code", "failure_mode", "component")


def _words(expr: Any) -> Any:
    for ch in _SEPARATORS:
        expr = func.replace(expr, ch, " ")
    return func.lower(expr)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def column(name: str, numeric: bool = False) -> Any:
    """A real column, or a key the ingest kept in the ``extra`` JSON (as text, or cast to a number)."""
    if name in REAL_COLUMNS:
        return getattr(WorkOrder, name)
    value = WorkOrder.extra[name].as_string()
    return cast(value, Float) if numeric else value


def plan_conditions(checked: CheckedPlan) -> list[Any]:
    """The WHERE clauses of a plan's filters (Core expressions, valid on SQLite and PostgreSQL)."""
    plan = checked.plan
    norm_id = func.lower(WorkOrder.record_id)
    for ch in "- _/.":
        norm_id = func.replace(norm_id, ch, "")
    # The same work order seen in two files is counted once (the first row stored).
    conds: list[Any] = [WorkOrder.id.in_(select(func.min(WorkOrder.id)).group_by(norm_id))]
    if checked.assets:
        conds.append(func.lower(WorkOrder.asset).in_([a.lower() for a in checked.assets]))
    for name, value in (("work_type", plan.work_type), ("failure_code", plan.failure_code)):
        if value is not None:
            conds.append(func.lower(getattr(WorkOrder, name)) == value.strip().lower())
    for cond in plan.where:
        conds.append(func.lower(column(cond.column)) == cond.value.strip().lower())
    if checked.terms:
        text = func.coalesce(getattr(WorkOrder, MATCH_COLUMNS[0]), "")
        for name in MATCH_COLUMNS[1:]:
            text = text + " " + func.coalesce(getattr(WorkOrder, name), "")
        haystack = " " + _words(text)
        for term in checked.terms:
            word = " ".join(term.translate({ord(c): " " for c in _SEPARATORS}).split())
            conds.append(haystack.like(f"% {_like_escape(word)}%", escape="\\"))
    if plan.date_from:
        conds.append(WorkOrder.date >= plan.date_from)
    if plan.date_to:
        conds.append(WorkOrder.date <= plan.date_to)
    return conds


def relaxations(checked: CheckedPlan, catalog: Catalog) -> list[list[tuple[CheckedPlan, str]]]:
    """Nearer plans for a plan whose text terms match nothing, in stages, each with the note that says so.

    1. A term that is exactly a listed value of some column ("r. patel", "over temp") becomes that
       column's condition: the value is not in the job's text, it is in its own column.
    2. Plans with one term fewer ("boom crack repair" -> "boom crack", "boom repair", "crack repair"), then
       two fewer, down to one term; in each stage the caller keeps the plan with the fewest (but some)
       rows, the closest to what was asked.
    """
    terms = list(checked.terms)
    stages: list[list[tuple[CheckedPlan, str]]] = []
    moved, kept = [], []
    for term in terms:
        hit = next(((c, v) for c, values in catalog.categories.items() for v in values if v.lower() == term), None)
        (moved if hit else kept).append((term, hit))
    if moved:
        where = [*checked.plan.where, *(Condition(column=c, value=v) for _, (c, v) in moved)]
        plan = checked.plan.model_copy(update={"where": where})
        note = "; ".join(f"'{t}' read as {c} '{v}'" for t, (c, v) in moved)
        stages.append([(replace(checked, plan=plan, terms=tuple(t for t, _ in kept)), note)])
    for size in range(len(terms) - 1, 0, -1):  # fewer and fewer terms, never none
        stages.append([(replace(checked, terms=keep), f"no work order matches all of '{' '.join(terms)}'; "
                        f"without '{' '.join(t for t in terms if t not in keep)}'") for keep in combinations(terms, size)])
    return stages
