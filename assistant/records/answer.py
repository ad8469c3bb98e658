"""A ``RecordQuery`` computed over its table's rows: the figure, said plainly, citing the rows it counted and,
last, the computation itself.

    result = RecordAnswerer(max_cited=5).answer(query)
    result.text   # '179 rows of vacuum-repairs.csv have brand Dyson; 89 of them have repair_status Fixed [6] (...'

Nothing is generated: the counts and dates are computed, and every value named is a cell of a cited
row, a column's name or a figure of the cited computation (``computed_citation``: its trace). No
matching row is not stated as a count of zero (the filters may have read the question wrongly); the
chain then falls back to retrieval.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from assistant.records.query import Filter, RecordQuery
from assistant.records.table import PLACEHOLDER_COLUMNS, RecordTable, Row, norm, words
from assistant.textutil import clip_words, two_decimals
from assistant.types import TRACE_GROUPS, Citation, computed_citation
from ingest.tables.table import parse_float

TOP_GROUPS = 3  # a ranking names this many values with their counts: the runner-up is often what was meant


@dataclass
class RecordResult:
    text: str
    figure: int | str | None = None  # the count, the date, or the top value
    rows: list[Row] = field(default_factory=list)  # the rows cited, in citation order
    citations: list[Citation] = field(default_factory=list)  # the rows', then the computation's (its trace)


def _spelled(table: RecordTable, f: Filter) -> str:
    """``brand VAX``, ``Subsystem / Component Electrical System``, ``brand other than Unknown``: the columns and values
    as the table writes them."""
    spelled = sorted({table.columns[c].values.get(v) for c in f.columns for v in f.values} - {None})
    shown = " / ".join(spelled[:4]) + (f" and {len(spelled) - 4} more" if len(spelled) > 4 else "")
    return " / ".join(f.columns) + (" other than " if f.exclude else " ") + shown


def _row_text(row: Row, skip: str) -> str:
    return "; ".join(f"{k}: {v}" for k, v in row.cells.items() if k != skip)


def _rows(n: int) -> str:
    return f"{n} row{'s' if n != 1 else ''}"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def _marks(citations: list[Citation]) -> str:
    return " ".join(f"[{c.n}]" for c in citations)


class RecordAnswerer:
    """Counts, latest / first, and most / least common values over one record table."""

    def __init__(self, max_cited: int) -> None:
        if max_cited < 1:
            raise ValueError("max_cited must be at least 1")
        self.max_cited = max_cited

    def answer(self, query: RecordQuery) -> RecordResult | None:
        """The figure, its sentence citing the computation (the last source: its trace) and the rows beside it."""
        table, date_col = query.table, query.table.date_column()
        rows = table.rows
        trace = [f"{table.name}: {_rows(len(rows))} read."]
        if query.year:
            rows = [r for r in rows if (table.day(r) or "").startswith(query.year)]
            trace.append(f"With {date_col} in {query.year}: {_rows(len(rows))}.")
        narrowed = [rows]
        for f in query.filters:
            narrowed.append([r for r in narrowed[-1] if f.keeps(r.cells)])
            trace.append(f"With {_spelled(table, f)}: {_rows(len(narrowed[-1]))}.")
        rows = narrowed[-1]
        if not rows:
            return None
        if query.intent == "count":
            result = self._count(query, narrowed, trace)
        elif query.intent in ("latest", "first"):
            result = self._dated(query, rows, date_col, trace)
        elif query.measure:
            result = self._measure(query, rows, query.measure, trace)
        else:
            result = self._rank(query, rows, trace)
        if result is not None:
            result.citations.append(computed_citation(len(result.citations) + 1, table.source, "\n".join(trace)))
        return result

    def _scope(self, query: RecordQuery, filters: list[Filter] | None = None) -> str:
        parts = [_spelled(query.table, f) for f in (query.filters if filters is None else filters)]
        if query.year:
            parts.append(f"{query.table.date_column()} in {query.year}")
        return " and ".join(parts)

    def _count(self, query: RecordQuery, narrowed: list[list[Row]], trace: list[str]) -> RecordResult:
        rows, name = narrowed[-1], query.table.name
        cites = self._cite(rows)
        computed = f"[{len(cites) + 1}]"
        first = query.filters[:1] if len(query.filters) > 1 else query.filters
        head = narrowed[1] if len(query.filters) > 1 else rows
        scope = self._scope(query, first) if len(query.filters) > 1 else self._scope(query)
        text = f"{_rows(len(head))} of {name} {_have(len(head))} {scope}" if scope else f"{name} has {_rows(len(head))}"
        for f, step in zip(query.filters[1:], narrowed[2:]):
            text += f"; {len(step)} of them {_have(len(step))} {_spelled(query.table, f)}"
        shown = "all counted" if len(rows) <= len(cites) else f"{len(cites)} of the {len(rows)}"
        text += f" {computed} ({shown}: {_marks(cites)})."
        trace.append(f"Cited: {shown}, the last in the file first.")
        for col in query.year_also:  # the year read against another column of years: both counts, named
            also = [r for r in query.table.rows if (parse_float(r.cells.get(col)) or 0) == float(query.year or 0)
                    and all(f.keeps(r.cells) for f in query.filters)]
            if also:  # no row at all under the other reading: not what was meant
                text += f" Read as {col} {query.year} instead: {_rows(len(also))} {computed}."
                trace.append(f"Read as {col} {query.year} instead: {_rows(len(also))}.")
        return RecordResult(text, len(rows), self._pick(rows), cites)

    def _dated(self, query: RecordQuery, rows: list[Row], date_col: str | None,
               trace: list[str]) -> RecordResult | None:
        day_of = query.table.day
        dated = [r for r in rows if day_of(r)]
        if not dated:  # the rows are there, their dates are not: retrieval and the judge say so
            return None
        pick = (max if query.intent == "latest" else min)(dated, key=lambda r: (day_of(r), r.line))
        day = day_of(pick)
        same = sum(1 for r in dated if day_of(r) == day) - 1
        cites = self._cite([pick])
        word = "latest" if query.intent == "latest" else "oldest"
        scope = f" with {self._scope(query)}" if self._scope(query) else ""
        cells = _row_text(pick, date_col or "")
        # the cell as the row writes it, where it differs: a slash date shows which way it was read
        written = pick.cells.get(date_col or "", "").strip()
        day_as = f"{day} (written {written})" if written and not written.startswith(day) else day
        text = (f"The {word} row of {query.table.name}{scope} is {pick.record_id}, {date_col} {day_as}"
                f"{f' ({same} more that day)' if same else ''}: {clip_words(cells, 400)} [1]. "
                f"{len(rows)} matching row{'s' if len(rows) != 1 else ''} in all [2].")
        # which way a slash date was read, where the row writes one ("03/04/2025")
        column = query.table.columns.get(date_col or "")
        order = " (day first)" if column is not None and column.day_first else " (month first)"
        trace.append(f"{date_col} read as a date in {_rows(len(dated))}{order if '/' in written else ''}; the "
                     f"{word}: {day_as}, {pick.record_id}" + (f", and {same} more that day." if same else "."))
        return RecordResult(text, day, [pick], cites)

    def _rank(self, query: RecordQuery, rows: list[Row], trace: list[str]) -> RecordResult | None:
        col = query.group_by or ""
        counts = Counter(norm(r.cells[col]) for r in rows if r.cells.get(col, "").strip())
        if not counts:
            return None
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1] if query.intent == "most" else kv[1], kv[0]))
        values = query.table.columns[col].values
        # a blank's stand-in ("Unknown") is named beside the ranking, not as its winner (``RecordTable.placeholders``)
        stand_ins = {v for v in query.table.placeholders if not set(words(v)) <= query.words}
        kept = [(v, n) for v, n in ranked if v not in stand_ins] or ranked
        blanks = [(v, n) for v, n in ranked[:TOP_GROUPS] if (v, n) not in kept]  # those that would have been named
        ranked = kept
        aside = "".join(f"; {values.get(v, v)} {n} not ranked, a blank's stand-in" for v, n in blanks)
        top = ranked[:TOP_GROUPS]
        best = [r for r in rows if norm(r.cells.get(col, "")) == top[0][0]]
        cites = self._cite(best)
        scope = f" with {self._scope(query)}" if self._scope(query) else ""
        listed = ", ".join(f"{values.get(v, v)} {n}" for v, n in top)
        word = "Most" if query.intent == "most" else "Fewest"
        text = (f"{word} rows of {query.table.name}{scope} by {col}: {listed} "
                f"({len(counts)} values, {sum(counts.values())} rows{aside}) [{len(cites) + 1}]. "
                f"{values.get(top[0][0], top[0][0])}: {_marks(cites)}.")
        shown = ranked[:TRACE_GROUPS]
        trace.append(f"Counted by {col} ({len(counts)} values, {sum(counts.values())} rows): "
                     + "; ".join(f"{values.get(v, v)} {n}" for v, n in shown)
                     + (f"; {len(ranked) - len(shown)} more values" if len(ranked) > len(shown) else "")
                     + (f"; {aside[2:]} (written in {PLACEHOLDER_COLUMNS} or more columns)." if aside else "."))
        return RecordResult(text, values.get(top[0][0], top[0][0]), self._pick(best), cites)

    def _measure(self, query: RecordQuery, rows: list[Row], col: str, trace: list[str]) -> RecordResult | None:
        """Mean / total over the rows that record ``col``; highest / lowest: the rows at the top, with their values."""
        valued = [(v, r) for r in rows if (v := parse_float(r.cells.get(col))) is not None]
        if not valued:
            return None
        scope = f" with {self._scope(query)}" if self._scope(query) else ""
        of = f"{len(valued)} row{'s' if len(valued) != 1 else ''} of {query.table.name}{scope} that record {col}"
        if query.intent in ("mean", "sum"):
            figure = sum(v for v, _ in valued) / (len(valued) if query.intent == "mean" else 1)
            cites = self._cite([r for _, r in valued])
            word = "Mean" if query.intent == "mean" else "Total"
            shown = two_decimals(figure)  # 3.39, 2, 1866.82: the precision a log is kept in
            total = two_decimals(sum(v for v, _ in valued))
            trace.append(f"{col} recorded in {_rows(len(valued))}; their sum {total}"
                         + (f"; the mean {total} / {len(valued)} = {shown}." if query.intent == "mean" else "."))
            return RecordResult(f"{word} {col} over the {of}: {shown} [{len(cites) + 1}] ({_marks(cites)}).",
                                round(figure, 4), self._pick([r for _, r in valued]), cites)
        ranked = sorted(valued, key=lambda vr: (-vr[0] if query.intent == "max" else vr[0], vr[1].line))
        top = [r for _, r in ranked[:min(TOP_GROUPS, self.max_cited)]]  # each listed row is cited
        cites = self._cite(top, ranked=True)
        best = ranked[0][0]
        share = sum(1 for v, _ in valued if v == best)
        listed = "; ".join(f"{r.cells[col]}: {clip_words(_row_text(r, col), 160)} [{i}]" for i, r in enumerate(top, 1))
        word = "Highest" if query.intent == "max" else "Lowest"
        text = (f"{word} {col} among the {of} [{len(cites) + 1}]: {listed}."
                + (f" {share} rows share {ranked[0][1].cells[col]} [{len(cites) + 1}]." if share > 1 else ""))
        trace.append(f"{col} recorded in {_rows(len(valued))}, {word.lower()} first: "
                     + "; ".join(f"{r.cells[col]} ({r.record_id})" for _, r in ranked[:TRACE_GROUPS])
                     + (f"; {share} rows share {ranked[0][1].cells[col]}." if share > 1 else "."))
        return RecordResult(text, ranked[0][1].cells[col], top, cites)

    def _pick(self, rows: list[Row]) -> list[Row]:
        """The rows cited: the last in the file first (logs are mostly kept in date order), at most ``max_cited``."""
        return sorted(rows, key=lambda r: -r.line)[: self.max_cited]

    def _cite(self, rows: list[Row], ranked: bool = False) -> list[Citation]:
        """Citations of the rows picked by ``_pick``, or of ``rows`` in their order when they are ``ranked``."""
        return [Citation(n=i, chunk_id=r.chunk.chunk_id, source=r.chunk.source, doc_type=r.chunk.doc_type,
                         label=r.chunk.citation_label(), excerpt=clip_words(r.chunk.text, 2000), title=r.chunk.title,
                         record_id=r.chunk.record_id, asset=r.chunk.asset, cited=True)
                for i, r in enumerate(rows[: self.max_cited] if ranked else self._pick(rows), 1)]
