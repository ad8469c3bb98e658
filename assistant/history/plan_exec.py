"""Runs a checked work-order plan as SQL (SQLAlchemy Core, so SQLite and PostgreSQL alike) and words
the answer: every figure comes from the query, every row it rests on is cited as ``[n]``, and a count, a sum or a
ranking cites the computation's trace (``HistoryResult.trace``), the one source that states it.

    result = PlanExecutor(session_factory, max_cited=10).run(check_plan(plan, catalog), question)
    result.text, result.figure, [c.record_id for c in result.citations]

The result is the history route's ``HistoryResult``, so the chain shows and audits it the same way.
"""

from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.db.models import WorkOrder
from assistant.history.answer import HistoryCitation, HistoryResult
from assistant.history.query import HistoryQuery
from assistant.history.plan import Catalog, CheckedPlan
from assistant.history.plan_sql import REAL_COLUMNS, column as _column, plan_conditions, relaxations
from assistant.types import TRACE_GROUPS
from ingest.tables.workorders import work_order_text
from ingest.types import WorkOrderRecord

_KIND = {"count": "count", "sum": "total", "latest": "latest", "first": "first", "list": "list",
         "min": "rank", "max": "rank", "top": "rank"}


def _record(row: WorkOrder) -> WorkOrderRecord:
    values = {name: getattr(row, name) for name in WorkOrderRecord.__dataclass_fields__}
    values["extra"] = dict(row.extra or {})
    return WorkOrderRecord(**values)


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value != int(value):
        return f"{value:,.2f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


def _round(value: Any) -> Any:
    """A SQL sum of floats carries binary noise (2015505.3300000008); six decimals is below any unit here."""
    return round(value, 6) if isinstance(value, float) else value


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlanExecutor:
    """Executes ``CheckedPlan``s on the work-order table. ``max_cited`` bounds the rows cited."""

    def __init__(self, session_factory: Callable[[], Session], max_cited: int):
        if max_cited < 1:
            raise ValueError("max_cited must be at least 1")
        self._session_factory = session_factory
        self._max = max_cited

    def run(self, checked: CheckedPlan, question: str, catalog: Catalog | None = None) -> HistoryResult:
        """The answer to the plan. With the ``catalog``, a plan whose text terms match nothing is answered
        for the nearest plan that matches (``relaxations``), and the answer says so first."""
        plan = checked.plan
        query = self._query(checked, question)
        conds = plan_conditions(checked)
        with self._session_factory() as session:
            total = session.scalar(select(func.count()).select_from(WorkOrder).where(*conds)) or 0
            for stage in relaxations(checked, catalog) if total == 0 and catalog is not None else ():
                counted = [(self._count_of(session, alt), alt, note) for alt, note in stage]
                found = [c for c in counted if c[0]]
                if found:
                    _, alt, note = min(found, key=lambda c: c[0])
                    result = self.run(alt, question)
                    result.text = f"{note[:1].upper()}{note[1:]}: {result.text}"
                    return result
            if total == 0:
                return HistoryResult(query=query, total=0, figure=0, answered=False, text=(
                    f"No work orders{self._scope(checked)} in the work-order history."))
            if plan.group_by != "none":
                return self._grouped(session, checked, query, conds, total)
            if checked.measure is not None and plan.aggregate not in ("latest", "first"):
                measured = [*conds, _column(checked.measure, checked.measure != "date").is_not(None)]
                known = session.scalar(select(func.count()).select_from(WorkOrder).where(*measured)) or 0
                if known == 0:
                    return self._unrecorded(session, checked, query, conds, total, checked.measure)
                conds = measured
            if plan.aggregate == "sum":
                return self._sum(session, checked, query, conds, total)
            if plan.aggregate in ("min", "max", "top", "latest", "first"):
                return self._extreme(session, checked, query, conds, total)
            rows = self._rows(session, conds, WorkOrder.date.desc(), self._max)
            return self._count(checked, query, rows, total)

    # --- answers ------------------------------------------------------------------
    def _count(self, checked: CheckedPlan, query: HistoryQuery, rows: list[WorkOrderRecord], total: int) -> HistoryResult:
        cites = _cite(rows)
        noun = "work order" if total == 1 else "work orders"
        head = f"{total} {noun}{self._scope(checked)} [{len(cites) + 1}]"
        if checked.plan.aggregate == "list":
            more = f"; the {len(rows)} most recent" if total > len(rows) else ""
            lines = [f"- {r.record_id}{_when(r)}: {_clip(r.description, 120)} [{c.n}]" for r, c in zip(rows, cites)]
            text = head + more + ":\n" + "\n".join(lines)
        else:
            shown = "All counted" if total <= len(rows) else f"The {len(rows)} most recent"
            text = f"{head}. {shown}: " + " ".join(f"[{c.n}]" for c in cites)
        trace = [self._matching(checked, total), f"Cited: the {len(rows)} most recent, the latest first."]
        return HistoryResult(query=query, text=text, total=total, figure=total, rows=rows, citations=cites,
                             trace=trace)

    def _sum(self, session, checked, query, conds, total) -> HistoryResult:
        measure = _column(checked.measure, True)
        value, known = session.execute(select(func.sum(measure), func.count(measure)).where(*conds)).one()
        rows = self._rows(session, conds, WorkOrder.date.desc(), self._max)
        cites = _cite(rows)
        what = checked.measure.replace("_", " ")
        text = f"Total {what}{self._scope(checked)}: {_fmt(value)} over {known} work orders [{len(cites) + 1}]"
        if known < total:
            text += f" ({total - known} more matching work orders record none)"
        text += ". " + ("Summed: " if known <= len(rows) else f"The {len(rows)} most recent: ")
        text += " ".join(f"[{c.n}]" for c in cites)
        trace = [self._matching(checked, total), f"{known} of them record a {what}; their sum {_fmt(value)}."]
        return HistoryResult(query=query, text=text, total=total, figure=_round(value), rows=rows, citations=cites,
                             trace=trace)

    def _extreme(self, session, checked, query, conds, total) -> HistoryResult:
        plan = checked.plan
        measure = _column(checked.measure, checked.measure != "date")
        low = plan.aggregate in ("min", "first") or (plan.aggregate == "top" and plan.order == "asc")
        count = checked.limit if plan.aggregate == "top" else 1
        rows = self._rows(session, conds, measure.asc() if low else measure.desc(), count)
        cites = _cite(rows)
        word = {"latest": "latest", "first": "first"}.get(plan.aggregate, "lowest" if low else "highest")
        what = "" if checked.measure == "date" else f" {checked.measure.replace('_', ' ')}"
        values = [_value(r, checked.measure) for r in rows]
        computed = f"[{len(cites) + 1}]"
        if len(rows) == 1:
            r = rows[0]
            figure = "" if checked.measure == "date" else f" ({checked.measure.replace('_', ' ')} {_fmt(values[0])})"
            subject = f"{word} work order" if checked.measure == "date" else f"work order with the {word}{what}"
            text = (f"The {subject}{self._scope(checked)} is {r.record_id}{_when(r)}"
                    f"{_on(r)}: {_describe(r)}{figure} [1]{' ' + computed if figure else ''}. "
                    f"{total} matching work orders in all {computed}.")
        else:
            lines = [f"- {r.record_id}{_when(r)}{_on(r)}: {_clip(r.description, 100)} — {_fmt(v)} [{c.n}]"
                     for r, v, c in zip(rows, values, cites)]  # in order, unnumbered, as a ranking
            text = (f"The {len(rows)} work orders with the {word}{what}{self._scope(checked)} "
                    f"(of {total}) {computed}:\n" + "\n".join(lines))
        figure_value = values[0] if checked.measure != "date" else None
        picked = "; ".join(f"{r.record_id}{_when(r)}" + ("" if checked.measure == "date" else f" {_fmt(v)}")
                           for r, v in zip(rows, values))
        first = "earliest" if plan.aggregate == "first" else word  # "latest first", not "highest first", for dates
        trace = [self._matching(checked, total), f"Ordered by {checked.measure.replace('_', ' ')}, {first} first; "
                 f"the {len(rows)} cited: {picked}."]
        return HistoryResult(query=query, text=text, total=total, figure=figure_value, rows=rows, citations=cites,
                             ranking=[(r.record_id, v) for r, v in zip(rows, values)], trace=trace)

    def _grouped(self, session, checked, query, conds, total) -> HistoryResult:
        plan = checked.plan
        key, found = _column(plan.group_by), conds
        conds = [*conds, key.is_not(None)]
        measure = _column(checked.measure, checked.measure != "date") if checked.measure else None
        if measure is not None:
            conds.append(measure.is_not(None))
        agg = plan.aggregate
        # latest / first rank by date in their own direction; the others as the plan orders
        low = agg == "first" if agg in ("latest", "first") else plan.order == "asc"
        value = {"sum": lambda: func.sum(measure), "min": lambda: func.min(measure), "max": lambda: func.max(measure),
                 "top": lambda: (func.min if low else func.max)(measure), "latest": lambda: func.max(measure),
                 "first": lambda: func.min(measure)}.get(agg, func.count)()
        stmt = select(key, value, func.count()).where(*conds).group_by(key)
        # every group up to TRACE_GROUPS for the computation's trace; the answer names checked.limit of them
        cap = max(checked.limit, TRACE_GROUPS)
        every = session.execute(stmt.order_by(value.asc() if low else value.desc(), key).limit(cap + 1)).all()
        more, every = len(every) > cap, every[:cap]
        groups = every[: checked.limit]
        if not groups:
            what = plan.group_by + ("" if measure is None else " and a " + checked.measure)
            return self._unrecorded(session, checked, query, found, total, what)
        # Each group cites the row that gives its figure (its extreme row, else its latest row).
        pick_low = agg in ("min", "first") or (agg == "top" and low)
        order = (measure.asc() if pick_low else measure.desc()) if agg in ("min", "max", "top", "latest", "first") \
            else WorkOrder.date.desc()
        rows = [self._rows(session, [*conds, key == k], order, 1)[0] for k, _, _ in groups]
        cites = _cite(rows)
        labels = [_label(r, plan.group_by, k) for (k, _, _), r in zip(groups, rows)]
        what = {"count": "work orders", "list": "work orders", "sum": f"total {checked.measure}",
                "latest": "latest work order", "first": "earliest work order"}.get(agg, checked.measure or "")
        rank = ("fewest" if low else "most") if agg in ("count", "list") else ("lowest" if low else "highest")
        if agg in ("latest", "first"):
            rank = ""
        by, computed = plan.group_by.replace("_", " "), f"[{len(cites) + 1}]"
        text = (f"By {by}, {labels[0]} has the {rank + ' ' if rank else ''}{what.replace('_', ' ')}"
                f"{self._scope(checked)}: {_fmt(groups[0][1])} [1] {computed}.")
        rows_of = (lambda n: "") if agg in ("count", "list") else (lambda n: f" ({n} work orders)")
        if len(groups) > 1:
            # in order, unnumbered: a rank's number is no figure any source states
            text += " Ranking: " + "; ".join(f"{label} — {_fmt(v)}{rows_of(n)} [{c.n}]"
                                             for label, (_, v, n), c in zip(labels, groups, cites)) + f" {computed}."
        trace = [self._matching(checked, total), f"By {by} ({agg} of {checked.measure or 'work orders'}), "
                 f"{rank or ('earliest' if low else 'latest')} first: "
                 + "; ".join(f"{label} {_fmt(v)}{rows_of(n)}" for label, (_, v, n) in zip(labels, groups))
                 + "".join(f"; {k} {_fmt(v)}{rows_of(n)}" for k, v, n in every[len(groups):])  # the key, unlabelled
                 + ("; more not listed." if more else ".")]
        return HistoryResult(query=query, text=text, total=total, figure=_round(groups[0][1]), rows=rows, citations=cites,
                             ranking=[(label, _round(v)) for label, (_, v, _) in zip(labels, groups)], trace=trace)

    def _unrecorded(self, session, checked, query, conds, total, what: str) -> HistoryResult:
        """The jobs were found but none records what was asked about them: say so and cite the latest few."""
        rows, what = self._rows(session, conds, WorkOrder.date.desc(), self._max), what.replace("_", " ")
        cites = _cite(rows)
        text = (f"{total} work orders{self._scope(checked)} were found [{len(cites) + 1}], but none records a "
                f"{what}. " + " ".join(f"[{c.n}]" for c in cites))
        return HistoryResult(query=query, total=total, answered=False, text=text, rows=rows, citations=cites,
                             trace=[self._matching(checked, total), f"None of them records a {what}."])

    def _matching(self, checked: CheckedPlan, total: int) -> str:
        """The computation's first step: the plan's filters and the rows they leave."""
        return f"Work orders{self._scope(checked)}: {total}."

    # --- SQL ----------------------------------------------------------------------
    @staticmethod
    def _count_of(session, checked: CheckedPlan) -> int:
        return session.scalar(select(func.count()).select_from(WorkOrder).where(*plan_conditions(checked))) or 0

    @staticmethod
    def _rows(session, conds, order, limit: int) -> list[WorkOrderRecord]:
        stmt = select(WorkOrder).where(*conds).order_by(order.nulls_last(), WorkOrder.id).limit(limit)
        return [_record(r) for r in session.scalars(stmt)]

    @staticmethod
    def _scope(checked: CheckedPlan) -> str:
        """' for B of type PM01 matching "hydraulic leak" in 2006', naming every filter applied."""
        plan = checked.plan
        parts = [f"for {', '.join(checked.asset_names)}"] if checked.assets else []
        if plan.work_type:
            parts.append(f"of type {plan.work_type}")
        if plan.failure_code:
            parts.append(f"with failure code {plan.failure_code}")
        parts += [f"with {c.column} '{c.value}'" for c in plan.where]
        if checked.terms:
            parts.append("matching '" + " ".join(checked.terms) + "'")
        start, end = plan.date_from, plan.date_to
        if start and end and start[:4] == end[:4] and start[4:] == "-01-01" and end[4:] == "-12-31":
            parts.append(f"in {start[:4]}")
        else:
            parts += [f"from {start}"] * bool(start) + [f"to {end}"] * bool(end)
        return (" " + " ".join(parts)) if parts else ""

    @staticmethod
    def _query(checked: CheckedPlan, question: str) -> HistoryQuery:
        plan = checked.plan
        kind = "rank" if plan.group_by != "none" else _KIND[plan.aggregate]
        metric = {"cost": "cost", "duration_hours": "downtime"}.get(checked.measure or "", "count")
        return HistoryQuery(kind=kind, question=question, assets=list(checked.assets) or None,  # type: ignore[arg-type]
                            asset_names=list(checked.asset_names), date_from=plan.date_from, date_to=plan.date_to,
                            topic=" ".join(checked.terms), top_n=checked.limit, metric=metric,  # type: ignore[arg-type]
                            group_by=plan.group_by if plan.group_by != "none" else "asset")  # type: ignore[arg-type]


def _cite(rows: list[WorkOrderRecord]) -> list[HistoryCitation]:
    return [HistoryCitation(n=i, record_id=r.record_id, source=r.source, asset=r.asset, date=r.date,
                            excerpt=work_order_text(r)) for i, r in enumerate(rows, 1)]


def _value(record: WorkOrderRecord, measure: str) -> Any:
    if measure in REAL_COLUMNS:
        return getattr(record, measure)
    raw = record.extra.get(measure)
    try:
        return float(raw)
    except (TypeError, ValueError):
        return raw


def _when(record: WorkOrderRecord) -> str:
    return f" on {record.date}" if record.date else " (no date)"


def _on(record: WorkOrderRecord) -> str:
    return f" ({record.asset_name or record.asset})" if record.asset or record.asset_name else ""


def _describe(record: WorkOrderRecord) -> str:
    """What the job was for: its description, and the action when one is recorded."""
    what = _clip(record.description, 160) or "(no description)"
    return what + (f"; action: {_clip(record.action, 120)}" if record.action else "")


def _label(record: WorkOrderRecord, group_by: str, key: Any) -> str:
    if group_by == "asset" and record.asset_name and record.asset_name != record.asset:
        return f"{record.asset_name} ({record.asset})"
    return str(key)
