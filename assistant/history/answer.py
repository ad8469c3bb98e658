"""Answers fault-history questions with a structured query and cites the rows it counted.

    parser = HistoryQueryParser(registry, store=store)
    query = parser.parse("when did Chiller 7 last have a sensor failure?")
    result = HistoryAnswerer(store, max_cited=10).answer(query)
    result.text  # "The last work order for Chiller 7 matching 'sensor failure' was WO123 on 2019-03-02 [1]. ..."

Every figure in ``result.text`` is computed from the rows; every cited row is in ``result.citations`` (the record
whole, as the index holds it) in the order of its ``[n]`` marker. Nothing matching means saying so.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Callable

from assistant.history.fields import group_label, hours, technician
from assistant.history.query import HistoryQuery, HistoryQueryParser, asset_label, describe_scope
from assistant.history.store import WorkOrder, WorkOrderStore, matches_stems, normalise_record_id, row_text
from assistant.textutil import two_decimals
from assistant.types import TRACE_GROUPS, Citation, computed_citation
from ingest.tables.workorders import work_order_text
from ingest.types import WorkOrderRecord

__all__ = ["HistoryAnswerer", "HistoryCitation", "HistoryQuery", "HistoryQueryParser", "HistoryResult",
           "WorkOrder", "WorkOrderStore", "normalise_record_id"]


@dataclass
class HistoryCitation:
    n: int
    record_id: str
    source: str
    asset: str | None
    date: str | None
    excerpt: str

    def to_citation(self) -> Citation:
        """The chain's ``Citation`` for this work order (shown and audited like any source)."""
        name = self.source.rsplit("/", 1)[-1]
        return Citation(n=self.n, chunk_id=f"wo:{self.record_id}", source=self.source,
                        doc_type="work_order", label=f"{name} · {self.record_id}", excerpt=self.excerpt,
                        record_id=self.record_id, asset=self.asset, cited=True)


@dataclass
class HistoryResult:
    query: HistoryQuery
    text: str
    total: int  # matching work orders (after dedupe)
    figure: float | int | None = None  # the count, the total hours / cost; None for latest / list
    rows: list[WorkOrderRecord] = field(default_factory=list)  # the rows cited, in citation order
    ranking: list[tuple[str, int | float]] = field(default_factory=list)  # (asset label, value)
    citations: list[HistoryCitation] = field(default_factory=list)
    answered: bool = True  # False when nothing matched or the asked figure is not recorded
    declined: str | None = None  # the jobs were found but the records do not hold what was asked about them
    # how the figures were computed, one line a step, cited after the rows as [len(citations) + 1]
    trace: list[str] = field(default_factory=list)

    def all_citations(self) -> list[Citation]:
        """The rows' citations, then the computation's: a count or a total is written in no row."""
        cites = [c.to_citation() for c in self.citations]
        if self.trace:
            source = Counter(r.source for r in self.rows).most_common(1)[0][0] if self.rows else ""
            cites.append(computed_citation(len(cites) + 1, source, "\n".join(self.trace)))
        return cites


def _excerpt(record: WorkOrderRecord, limit: int = 240) -> str:
    text = " ".join((record.description or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def _when(record: WorkOrderRecord) -> str:
    return f" on {record.date}" if record.date else " (no date)"


class HistoryAnswerer:
    """Runs a ``HistoryQuery`` against a ``WorkOrderStore``. ``max_cited`` bounds the rows cited."""

    def __init__(self, store: WorkOrderStore, max_cited: int):
        if max_cited < 1:
            raise ValueError("max_cited must be at least 1")
        self._store = store
        self._max = max_cited

    def answer(self, query: HistoryQuery) -> HistoryResult:
        rows = self._store.search(
            assets=query.assets, asset_names=query.asset_names, asset_class=query.asset_class,
            date_from=query.date_from, date_to=query.date_to, stems=query.groups or query.stems,
            kind=query.work_kind, failure=query.failure)
        if not rows:
            return HistoryResult(query=query, text=self._nothing(query), total=0, figure=0, answered=False)
        handler = {"count": self._count, "latest": self._latest, "first": self._first,
                   "list": self._list, "rank": self._rank, "top": self._top, "total": self._total}[query.kind]
        return handler(query, rows)

    # --- per kind ---------------------------------------------------------------
    def _count(self, q: HistoryQuery, rows: list[WorkOrderRecord]) -> HistoryResult:
        cited = rows[: self._max]
        cites = self._cite(cited)
        subject = asset_label(q) or "All assets together"
        noun = "work order" if len(rows) == 1 else "work orders"
        scope = describe_scope(_without_asset(q))
        computed = f"[{len(cites) + 1}]"
        text = f"{subject} had {len(rows)} {noun}{' ' + scope if scope else ''} {computed}"
        text += f"; the latest was {rows[0].record_id}{_when(rows[0])} [1]."
        shown = "All counted" if len(rows) <= self._max else f"The {len(cited)} most recent of {len(rows)}"
        if len(rows) > 1:
            text += f" {shown}: {' '.join(f'[{c.n}]' for c in cites)}"
        trace = [_matching(q, rows), f"{shown}, cited, the latest first: {rows[0].record_id}{_when(rows[0])}."]
        return HistoryResult(query=q, text=text, total=len(rows), figure=len(rows), rows=cited, citations=cites,
                             trace=trace)

    def _latest(self, q: HistoryQuery, rows: list[WorkOrderRecord], first: bool = False) -> HistoryResult:
        dated = [r for r in rows if r.date] or rows
        pick = min(dated, key=lambda r: r.date or "") if first else dated[0]
        cites = self._cite([pick])
        word = "first" if first else "last"
        what = _excerpt(pick, 160) + (f"; action: {_clip(pick.action, 160)}" if pick.action else "")
        who = technician(pick)
        text = (f"The {word} work order {describe_scope(q)} was {pick.record_id}{_when(pick)}"
                f"{f', done by {who}' if who else ''}: {what} [1]. "
                f"{len(rows)} matching work order{'s' if len(rows) != 1 else ''} in total [2].")
        trace = [_matching(q, rows), f"The {word} by date: {pick.record_id}{_when(pick)}"
                 f"{f', done by {who}' if who else ''}."]
        if q.asks_who and not who:
            # asked who did the job: the row is shown, but the export names no one (no invented name from a manual)
            return HistoryResult(query=q, text="Your work orders do not record who did the job. " + text,
                                 total=len(rows), rows=[pick], citations=cites, answered=False,
                                 declined="the work orders record no technician", trace=trace)
        return HistoryResult(query=q, text=text, total=len(rows), rows=[pick], citations=cites, trace=trace)

    def _first(self, q: HistoryQuery, rows: list[WorkOrderRecord]) -> HistoryResult:
        return self._latest(q, rows, first=True)

    def _list(self, q: HistoryQuery, rows: list[WorkOrderRecord]) -> HistoryResult:
        cited = rows[: self._max]
        cites = self._cite(cited)
        head = f"{len(rows)} work order{'s' if len(rows) != 1 else ''} {describe_scope(q)}".rstrip()
        head += f" [{len(cites) + 1}]"
        if len(rows) > len(cited):
            head += f"; the {len(cited)} most recent"
        lines = [f"- {r.record_id}{_when(r)}: {_excerpt(r, 120)} [{c.n}]" for r, c in zip(cited, cites)]
        trace = [_matching(q, rows), f"Listed: the {len(cited)} most recent."]
        return HistoryResult(query=q, text=head + ":\n" + "\n".join(lines), total=len(rows), figure=len(rows),
                             rows=cited, citations=cites, trace=trace)

    def _rank(self, q: HistoryQuery, rows: list[WorkOrderRecord]) -> HistoryResult:
        groups: dict[str, list[WorkOrderRecord]] = defaultdict(list)
        for r in rows:
            label = group_label(r, q.group_by)
            if label is not None:  # a row without a failure code is not an instance of any code
                groups[label].append(r)
        if not groups:
            field_label = q.group_by.replace("_", " ")
            return HistoryResult(query=q, total=len(rows), answered=False, text=(
                f"{len(rows)} work orders {describe_scope(q)} were found, but none records a {field_label}."))
        values = {label: self._metric(q, rs) for label, rs in groups.items()}
        order = sorted(values, key=lambda k: (values[k] if q.lowest else -values[k], k))
        top = order[: q.top_n or 5]
        # Cite the latest row of each ranked asset so each figure points at evidence.
        cited = [groups[label][0] for label in top]
        cites = self._cite(cited)
        unit = {"count": "", "downtime": " h downtime", "cost": " cost"}[q.metric]
        lead = top[0]
        what = "fewest" if q.lowest else "most"
        scope = describe_scope(replace(q, asset_class=None))  # the subject already names the class
        computed = f"[{len(cites) + 1}]"  # each figure is a count or a sum: the computation holds it
        if q.group_by == "asset":
            text = (f"{lead} had the {what} {'work orders' if q.metric == 'count' else q.metric}"
                    f"{' ' + scope if scope else ''}: {_fmt(values[lead])}{unit} [1] {computed}.")
        else:
            field_label = q.group_by.replace("_", " ")
            text = (f"The {'most' if not q.lowest else 'least'} frequent {field_label} in the work orders"
                    f"{' ' + scope if scope else ''} is {lead}: {_fmt(values[lead])}{unit or ' work orders'} [1] "
                    f"{computed}.")
        kinds = "assets" if q.group_by == "asset" else q.group_by.replace("_", " ") + " values"
        counted = f"{sum(map(len, groups.values()))} matching work orders over {len(groups)} {kinds}"
        if len(top) > 1:
            # in order, unnumbered: a rank's number is no figure any source states
            text += " Ranking: " + "; ".join(f"{label} — {_fmt(values[label])}{unit} [{c.n}]"
                                             for label, c in zip(top, cites))
            text += f" ({counted}) {computed}."
        ranking = [(label, values[label]) for label in top]
        trace = [_matching(q, rows), f"By {q.group_by.replace('_', ' ')} ({counted}), {what} first: "
                 + "; ".join(f"{label} {_fmt(values[label])}{unit}" for label in order[:TRACE_GROUPS])
                 + (f"; {len(order) - TRACE_GROUPS} more." if len(order) > TRACE_GROUPS else ".")]
        return HistoryResult(query=q, text=text, total=len(rows), figure=values[lead], rows=cited,
                             ranking=ranking, citations=cites, trace=trace)

    def _top(self, q: HistoryQuery, rows: list[WorkOrderRecord]) -> HistoryResult:
        """The job with the highest (or lowest) cost or downtime, or the top N when asked; figures as recorded."""
        value, what = _measure(q)
        known = sorted((r for r in rows if value(r) is not None),  # the first is the answer, high or low end
                       key=lambda r: value(r) if q.lowest else -value(r))  # type: ignore[operator]
        if not known:
            return self._unrecorded(q, rows, what)
        cited = known[: min(self._max, q.top_n or 1)]
        cites = self._cite(cited)
        unit, pick = ("" if q.metric == "cost" else " h"), cited[0]
        adjective = {"cost": ("most expensive", "cheapest")}.get(q.metric, ("longest", "shortest"))[q.lowest]
        subject = " ".join(filter(None, (adjective, "work order", describe_scope(q))))
        text = (f"The {subject} was {pick.record_id}{_when(pick)}: "
                f"{what} {two_decimals(value(pick))}{unit}; {_excerpt(pick, 160)} [1].")  # type: ignore[arg-type]
        if len(cited) > 1:
            text += " Next: " + "; ".join(f"{r.record_id}{_when(r)}: {two_decimals(value(r))}{unit} [{c.n}]"
                                          for r, c in zip(cited[1:], cites[1:])) + "."  # type: ignore[arg-type]
        ties = 0 if q.top_n else sum(value(r) == value(pick) for r in known)  # "the cheapest" of 184 at cost 0
        share = f"; {ties} share it" if ties > 1 else ""
        text += f" {len(known)} matching work orders record a {what}{share} [{len(cites) + 1}]."
        trace = [_matching(q, rows), f"{len(known)} of them record a {what}{share}; {adjective} first: "
                 + "; ".join(f"{r.record_id} {two_decimals(value(r))}{unit}"  # type: ignore[arg-type]
                             for r in known[:TRACE_GROUPS]) + "."]
        return HistoryResult(query=q, text=text, total=len(rows), figure=value(pick), rows=cited, citations=cites,
                             trace=trace)

    def _total(self, q: HistoryQuery, rows: list[WorkOrderRecord]) -> HistoryResult:
        value, what = _measure(q)
        known = [r for r in rows if value(r) is not None]
        if not known:
            return self._unrecorded(q, rows, what)
        total = sum(value(r) for r in known) / (len(known) if q.average else 1)  # the mean when asked
        cites = self._cite(cited := known[: self._max])
        label, unit = f"{('Total', 'Average')[q.average]} {q.metric}", "" if q.metric == "cost" else " h"
        summed = _fmt(sum(value(r) for r in known))  # type: ignore[misc]
        trace = [_matching(q, rows), f"{len(known)} of them record a {what}; their sum {summed}{unit}"
                 + (f"; the average {summed} / {len(known)} = {_fmt(total)}{unit}." if q.average else ".")]
        text = f"{label} {describe_scope(q)}: {_fmt(total)}{unit} over {len(known)} work orders [{len(cites) + 1}]"
        if len(known) < len(rows):
            text += f" ({len(rows) - len(known)} more matching work orders record none)"
        text += ". " + (f"{('Summed', 'Averaged')[q.average]}: " if len(known) <= self._max
                        else f"The {len(cited)} most recent: ")
        text += " ".join(f"[{c.n}]" for c in cites)
        return HistoryResult(query=q, text=text, total=len(rows), figure=total, rows=cited, citations=cites,
                             trace=trace)

    # --- helpers ----------------------------------------------------------------
    def _unrecorded(self, q: HistoryQuery, rows: list[WorkOrderRecord], what: str) -> HistoryResult:
        """The jobs were found but none records the figure asked for: say so, cite them, answer nothing."""
        cites = self._cite(rows[: self._max])
        text = (f"{len(rows)} work orders {describe_scope(q)} were found [{len(cites) + 1}], but none records a "
                f"{what}, so your work-order data cannot tell. {' '.join(f'[{c.n}]' for c in cites)}")
        return HistoryResult(query=q, text=text, total=len(rows), rows=rows[: self._max], citations=cites,
                             answered=False, trace=[_matching(q, rows), f"None of them records a {what}."])

    @staticmethod
    def _metric(q: HistoryQuery, rows: list[WorkOrderRecord]) -> float:
        if q.metric == "downtime":
            return sum(hours(r) or 0.0 for r in rows)
        if q.metric == "cost":
            return sum(r.cost or 0.0 for r in rows)
        return len(rows)

    @staticmethod
    def _cite(rows: list[WorkOrderRecord]) -> list[HistoryCitation]:
        return [HistoryCitation(n=i, record_id=r.record_id, source=r.source, asset=r.asset, date=r.date,
                                excerpt=work_order_text(r)) for i, r in enumerate(rows, 1)]

    @staticmethod
    def _nothing(q: HistoryQuery) -> str:
        scope = describe_scope(q) or "at all"
        return (f"I found no work orders {scope} in the work-order history. "
                "Check the asset name, the spelling of the fault or the period, or whether that "
                "site's work-order export has been ingested.")


def _matching(q: HistoryQuery, rows: list[WorkOrderRecord]) -> str:
    """The computation's first step: which work orders were read (each job once)."""
    scope = describe_scope(q)
    line = f"Work orders{' ' + scope if scope else ''}: {len(rows)} (each job counted once)."
    stems = q.groups or q.stems
    linked = [r.record_id for r in rows if stems and not matches_stems(row_text(r, q.assets is None), stems)]
    if linked:  # store.linked_by_parts
        line += (f" Of them {', '.join(linked)} {'lacks' if len(linked) == 1 else 'lack'} one of the words but used "
                 "a part the jobs holding them all used on the same machine.")
    return line


def _measure(q: HistoryQuery) -> tuple[Callable[[WorkOrderRecord], float | None], str]:
    """The figure a cost or downtime question reads from a row, and its name."""
    return ((lambda r: r.cost), "cost") if q.metric == "cost" else (hours, "duration / downtime")


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _without_asset(q: HistoryQuery) -> HistoryQuery:
    """The same query with no asset, so the scope text does not repeat the subject."""
    return replace(q, assets=None, asset_names=[])
