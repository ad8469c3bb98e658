"""Work-order analytics as a typed query plan (issue 13): the plan, its JSON schema, its checks.

An LLM fills a ``WorkOrderPlan`` under a JSON-schema grammar built from the table's own
``Catalog`` (the columns, assets and values that exist; ``plan_prompt.plan_schema``);
``check_plan`` then resolves the asset and rejects anything the table cannot answer with one
line, before any SQL runs.

    catalog = Catalog.read(session_factory)
    plan = WorkOrderPlan(aggregate="count", group_by="asset", order="desc", limit=1, text=["bucket"])
    checked = check_plan(plan, catalog)          # raises PlanError("no asset 'truck 3' ...")
    PlanExecutor(session_factory, max_cited=10).run(checked, question)   # assistant/history/plan_exec.py
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Literal, Protocol, Sequence

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db.models import WorkOrder
from ingest.assets import QUALIFIERS, alias_key
from ingest.tables.table import parse_float

Aggregate = Literal["count", "sum", "min", "max", "latest", "first", "top", "list"]
AGGREGATES: tuple[str, ...] = Aggregate.__args__  # type: ignore[attr-defined]
MAX_LIMIT = 20  # the most groups or rows one answer ranks; more is a report, not a chat answer
MAX_TERMS = 4
# Columns a plan may filter on by value or group by, when the table fills them.
CATEGORY_COLUMNS = ("work_type", "failure_code", "failure_mode", "component")
NUMBER_COLUMNS = ("cost", "duration_hours")
# Keys the work-order loader writes into ``extra`` about the file, not about the job.
BOOKKEEPING_KEYS = frozenset({"date_column", "line", "event_log"})


class PlanError(ValueError):
    """The plan asks for something the table does not have; the message is one line for the user."""


class Condition(BaseModel):
    """``column`` equals ``value`` (case-insensitive): a category column or a key the ingest kept in ``extra``."""

    model_config = ConfigDict(extra="forbid")
    column: str
    value: str


class WorkOrderPlan(BaseModel):
    """What the LLM fills. Filters narrow the rows; ``aggregate`` (over ``column``), per ``group_by``, answers.

    count: how many rows (per group); sum/min/max: of ``column``; latest/first: by date;
    top: the ``limit`` rows (or groups) with the highest (``order=desc``) or lowest ``column``;
    list: the rows, newest first. ``text`` terms must all start a word of the job's text.
    """

    model_config = ConfigDict(extra="forbid")
    aggregate: Aggregate
    not_a_work_order_question: bool = False
    column: str | None = None
    group_by: str = "none"
    order: Literal["desc", "asc"] = "desc"
    limit: int = 5
    asset: str | None = None
    work_type: str | None = None
    failure_code: str | None = None
    text: list[str] = Field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    where: list[Condition] = Field(default_factory=list)


class AssetResolver(Protocol):
    """``ingest.assets.AssetRegistry.resolve``: asset ids mentioned in a text (aliases, 'press 4')."""

    def resolve(self, text: str) -> list[str]: ...


@dataclass(frozen=True)
class Catalog:
    """What the work-order table holds: the vocabulary a plan may use.

    ``categories`` maps a filterable column (or ``extra`` key) to its distinct values, or to ``()``
    when it has more than ``max_values`` (then any value may be asked for). ``measures`` maps a
    column to ``number`` or ``date``.
    """

    assets: tuple[tuple[str, str | None], ...] = ()
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    extra_keys: frozenset[str] = frozenset()
    rows: int = 0

    @property
    def groups(self) -> tuple[str, ...]:
        """Columns worth grouping by: the asset and every category with a listable set of values."""
        return ("asset", *(c for c, values in self.categories.items() if values))

    def values(self, column: str) -> tuple[str, ...]:
        return self.categories.get(column, ())

    @classmethod
    def read(cls, session_factory: Callable[[], Session], max_values: int = 40) -> "Catalog":
        """Distinct assets and values from the table (one pass over ``extra``, whose key set is per row)."""
        with session_factory() as session:
            rows = session.scalar(select(func.count()).select_from(WorkOrder)) or 0
            assets = tuple(sorted({(a or n, n) for a, n in session.execute(
                select(WorkOrder.asset, WorkOrder.asset_name).distinct()) if a or n}, key=lambda p: p[0]))
            categories: dict[str, tuple[str, ...]] = {}
            for name in CATEGORY_COLUMNS:
                col = getattr(WorkOrder, name)  # most frequent first: the prompt shows the head of the list
                values = list(session.scalars(select(col).where(col.is_not(None)).group_by(col)
                                              .order_by(func.count().desc(), col).limit(max_values + 1)))
                if values:
                    categories[name] = tuple(values) if len(values) <= max_values else ()
            measures = {name: "number" for name in NUMBER_COLUMNS
                        if session.scalar(select(func.count(getattr(WorkOrder, name))))}
            if session.scalar(select(func.count(WorkOrder.date))):
                measures["date"] = "date"
            seen: dict[str, Counter[str]] = {}
            for extra in session.scalars(select(WorkOrder.extra).where(WorkOrder.extra.is_not(None))):
                for key, value in (extra or {}).items():
                    if key not in BOOKKEEPING_KEYS and value not in (None, "") and not isinstance(value, (dict, list)):
                        seen.setdefault(str(key), Counter())[str(value)] += 1
        for key, counts in sorted(seen.items()):
            if all(parse_float(v) is not None for v in counts):
                measures.setdefault(key, "number")
            else:
                values = tuple(v for v, _ in counts.most_common())
                categories.setdefault(key, values if len(values) <= max_values else ())
        return cls(assets=assets, categories=categories, measures=measures, extra_keys=frozenset(seen), rows=rows)


@dataclass(frozen=True)
class CheckedPlan:
    """A plan every name of which exists in the table; the executor trusts it."""

    plan: WorkOrderPlan
    assets: tuple[str, ...] = ()  # resolved asset ids (empty: all assets)
    asset_names: tuple[str, ...] = ()  # display names, same order
    terms: tuple[str, ...] = ()  # lower-cased text terms
    measure: str | None = None  # the column aggregated (date for latest / first)
    limit: int = 1
    extra_keys: frozenset[str] = frozenset()  # which names live in ``extra`` (not real columns)


def check_plan(plan: WorkOrderPlan, catalog: Catalog, resolver: AssetResolver | None = None) -> CheckedPlan:
    """Resolve the asset and check every name against the catalog; raise ``PlanError`` (one line) on the first problem."""
    if plan.not_a_work_order_question:
        raise PlanError("the question is not about the work-order history")
    plan = _terms_as_filters(plan, catalog, resolver)
    ids, names = resolve_asset(plan.asset, catalog, resolver) if plan.asset and plan.asset.strip() else ((), ())
    for column, value in (("work_type", plan.work_type), ("failure_code", plan.failure_code)):
        if value is not None:
            _check_value(catalog, column, value)
    for cond in plan.where:
        if cond.column not in catalog.categories:
            raise PlanError(f"no column '{cond.column}' in the work orders (filterable: {_names(catalog.categories)})")
        _check_value(catalog, cond.column, cond.value)
    terms = tuple(t for t in (" ".join(t.lower().split()) for t in plan.text) if t)
    if any(len(t) < 2 for t in terms):
        raise PlanError(f"text terms must be at least 2 characters: {list(terms)}")
    start, end = _day(plan.date_from, "date_from"), _day(plan.date_to, "date_to")
    if start and end and start > end:
        raise PlanError(f"the date range {start} .. {end} is empty")
    if plan.group_by not in catalog.groups and plan.group_by != "none":
        raise PlanError(f"cannot group by '{plan.group_by}' (groups: {', '.join(catalog.groups)})")
    measure = _measure(plan, catalog)
    return CheckedPlan(plan=plan, assets=ids, asset_names=names, terms=terms, measure=measure,
                       limit=max(1, min(plan.limit, MAX_LIMIT)), extra_keys=catalog.extra_keys)


def resolve_asset(text: str, catalog: Catalog, resolver: AssetResolver | None = None,
                  loose: bool = True) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Asset ids (and names) a plan's ``asset`` names: the registry's aliases first, then the table's own
    ids and names, whole or after a qualifier ("asset B" -> B), then as a trailing match ("press 4" ->
    Hydraulic press 4), then (``loose``) as a subset of a name's words ("compressor" -> Rotary screw air
    compressor 1); only a unique match counts."""
    known = dict(catalog.assets)
    key = alias_key(text)
    bare = key[next((n for n, t in enumerate(key) if t not in QUALIFIERS), len(key)):]  # "asset b" -> ("b",)
    keys = [(i, (alias_key(i), alias_key(n or ""))) for i, n in catalog.assets]
    found = [i for i in (resolver.resolve(text) if resolver else []) if i in known]
    rules = (lambda k: k in (key, bare),
             lambda k: len(key) >= 2 and k[-len(key):] == key,  # one trailing token alone ("3") is too weak
             lambda k: loose and any(t.isalpha() and len(t) > 2 for t in key) and set(key) <= set(k))
    for rule in rules if key and not found else ():
        found = [i for i, pair in keys if any(k and rule(k) for k in pair)]
        if found:
            break
    if len(found) != 1:
        listed = ", ".join(n or i for i, n in catalog.assets[:12]) + (" …" if len(catalog.assets) > 12 else "")
        what = "more than one asset matches" if found else "no asset"
        raise PlanError(f"{what} '{text}' in the work orders (known: {listed or 'none'})")
    return tuple(found), tuple(known[i] or i for i in found)


def _terms_as_filters(plan: WorkOrderPlan, catalog: Catalog, resolver: AssetResolver | None) -> WorkOrderPlan:
    """A text term naming an asset becomes the asset; one that is exactly a listed work type or failure
    code ("pm01") becomes that filter, and
    one that names a number column ("cost") becomes the missing ``column``: small models put them in
    ``text``, where they would only match by accident."""
    update: dict[str, object] = {}
    terms = list(plan.text)
    for term in list(terms):  # an asset's own id or name ("CNC-02") is the asset, not a word of the job's text
        try:
            ids = resolve_asset(term, catalog, resolver, loose=False)[0]
        except PlanError:
            continue
        if not plan.asset or ids == _try_resolve(plan.asset, catalog, resolver):
            update["asset"] = plan.asset or term
            terms.remove(term)
    named = next((t for t in terms if t.strip().lower().replace(" ", "_") in catalog.measures), None)
    if named is not None and plan.column is None and plan.aggregate in ("sum", "min", "max", "top"):
        update["column"] = named.strip().lower().replace(" ", "_")
        terms.remove(named)
    where = []
    for cond in plan.where:  # a value asked of the wrong column ("failure_mode = PM02") goes to its own
        owner = _owner(catalog, cond.value) if cond.value.lower() not in map(str.lower, catalog.values(cond.column)) else None
        if owner in ("work_type", "failure_code") and getattr(plan, owner) is None:
            update[owner] = _listed(catalog, owner, cond.value)
        else:
            where.append(cond if owner is None else Condition(column=owner, value=cond.value))
    if len(where) != len(plan.where) or where != plan.where:
        update["where"] = where
    for column in ("work_type", "failure_code"):
        hit = next((t for t in terms if _listed(catalog, column, t)), None)
        if hit is not None and getattr(plan, column) is None and column not in update:
            update[column] = _listed(catalog, column, hit)
            terms.remove(hit)
    return plan.model_copy(update={**update, "text": terms}) if update else plan


def _try_resolve(text: str, catalog: Catalog, resolver: AssetResolver | None) -> tuple[str, ...] | None:
    try:
        return resolve_asset(text, catalog, resolver)[0]
    except PlanError:
        return None


def _listed(catalog: Catalog, column: str, value: str) -> str | None:
    """The column's listed value equal to ``value`` (case-insensitive), as the table spells it."""
    return next((v for v in catalog.values(column) if v.lower() == value.strip().lower()), None)


def _owner(catalog: Catalog, value: str) -> str | None:
    """The one column that lists ``value``, if exactly one does."""
    owners = [c for c in catalog.categories if _listed(catalog, c, value)]
    return owners[0] if len(owners) == 1 else None


def _check_value(catalog: Catalog, column: str, value: str) -> None:
    if column not in catalog.categories:
        raise PlanError(f"the work orders record no {column.replace('_', ' ')}")
    values = catalog.values(column)
    if values and value.strip().lower() not in {v.lower() for v in values}:
        listed = ", ".join(values[:8]) + (" …" if len(values) > 8 else "")
        raise PlanError(f"no {column.replace('_', ' ')} '{value}' in the work orders (known: {listed})")


def _measure(plan: WorkOrderPlan, catalog: Catalog) -> str | None:
    agg, column = plan.aggregate, plan.column
    if agg in ("latest", "first"):
        if "date" not in catalog.measures:
            raise PlanError("the work orders record no dates")
        return "date"
    if agg in ("count", "list"):
        return None
    if column is None:
        raise PlanError(f"'{agg}' needs a column (one of: {_names(catalog.measures)})")
    if column not in catalog.measures:
        raise PlanError(f"no numeric or date column '{column}' in the work orders (have: {_names(catalog.measures)})")
    if agg == "sum" and catalog.measures[column] == "date":
        raise PlanError(f"cannot add up '{column}'")
    return column


def _day(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise PlanError(f"{name} '{value}' is not a date (YYYY-MM-DD)") from None


def _names(columns: Sequence[str] | dict) -> str:
    return ", ".join(columns) or "none"
