"""A question about a record table read as a small query: what to compute, over which rows.

The filters come from the table, not from word lists: a run of the question's words that spells a
value of a category column ("dyson", "end of life", "fixit clinic") keeps the rows holding it; a year
or an ISO date keeps the rows of the table's date column that fall on it; a column the question
names ("which brand", "most common fault type") is what a ranking counts by. Only what to compute,
and which named value to leave out ("not counting unknown"), is read from English signal phrases (``phrases.py``,
data in one place).

    parser = RecordQueryParser()
    query = parser.parse("how many dysons got fixed in 2019", table)
    query.intent, [f.values for f in query.filters], query.year     # 'count', [{'dyson'}, {'fixed'}], '2019'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from assistant.records import phrases
from assistant.records.match import Hit, find, related, value_hits
from assistant.records.table import RecordTable, norm, words
from ingest.text.words import word_set

Intent = Literal["count", "latest", "first", "most", "least", "mean", "max", "min", "sum"]


@dataclass(frozen=True)
class Filter:
    """Rows where one of ``columns`` holds one of ``values`` (lower case, as ``table.norm`` writes them; a run of
    words that spells a value of two columns, "electrical system" as subsystem and as component, reads both);
    ``words``: the question's words it read; ``exclude``: the rows that hold none of them ("not counting unknown")."""

    columns: tuple[str, ...]
    values: frozenset[str]
    start: int
    words: str
    exclude: bool = False

    def keeps(self, cells: dict[str, str]) -> bool:
        """Whether a row with these cells passes the filter."""
        return any(norm(cells.get(c, "")) in self.values for c in self.columns) != self.exclude


@dataclass
class RecordQuery:
    table: RecordTable
    intent: Intent
    filters: list[Filter] = field(default_factory=list)
    year: str | None = None  # "2019": rows of the date column in that year (or "2021-09-26": that day)
    group_by: str | None = None
    measure: str | None = None  # the number column of "mean", "max", "min", "sum"
    year_also: tuple[str, ...] = ()  # columns of years holding ``year`` too ("made in 2015"): counted beside
    words: frozenset[str] = frozenset()  # the question's words: a blank's stand-in it names is ranked as asked


def _detect(question: str, measured: bool = False) -> Intent | None:
    q = question.lower()
    for intent, pattern in phrases.MEASURES if measured else ():
        if pattern.search(q):
            return intent
    if phrases.BLOCK.search(q):
        return None
    for intent, pattern in phrases.INTENTS:
        if pattern.search(q):
            return intent
    return None


class RecordQueryParser:
    """Reads one question against one table; None when the table cannot answer it as a count or a ranking."""

    def __init__(self, lang: str = "en") -> None:
        self.stop = word_set("question_stop", lang)

    @staticmethod
    def asks(question: str) -> bool:
        """Whether the question asks for a count, a date or a ranking at all (before any table is read)."""
        return _detect(question, measured=True) is not None

    def parse(self, question: str, table: RecordTable) -> RecordQuery | None:
        q = words(question)
        # "fault type" names the category fault_type before the number column fault_type_id
        measure = None if self._named_column(q, table) else self._named_column(q, table, "number")
        intent = _detect(question, measured=measure is not None)
        if intent is None:
            return None
        if intent in ("mean", "max", "min", "sum"):
            return self._finish(question, q, RecordQuery(table, intent, measure=measure))
        group_by = self._named_column(q, table) or (self._value_column(q, table) if intent in ("most", "least")
                                                     else None)
        if intent in ("most", "least") and group_by is None:
            intent = "count" if phrases.COUNT.search(question.lower()) else None
            if intent is None:
                return None
        if intent in ("latest", "first") and table.date_column() is None:
            return None
        return self._finish(question, q, RecordQuery(table, intent, group_by=group_by if intent in ("most", "least")
                                                     else None))

    def _finish(self, question: str, q: list[str], query: RecordQuery) -> RecordQuery | None:
        """The filters and the year; None when nothing of the table is named or a word belongs elsewhere."""
        table = query.table
        query.words = frozenset(q)
        query.filters = self._filters(q, table, query.group_by)
        date = re.search(r"\b(?:19|20)\d\d(?:-\d\d-\d\d)?\b", question)
        query.year = date.group(0) if date and table.date_column() else None
        query.year_also = tuple(c for c in table.year_columns if query.year and query.year.isdigit()
                                and any(r.cells.get(c, "").split(".")[0] == query.year for r in table.rows))
        narrows = query.year or query.group_by or query.measure or any(
            not all(f.keeps(r.cells) for r in table.rows) for f in query.filters)
        # a filter every row passes ("mobiles" in a log of mobiles) answers nothing when other words stay unread
        # ("how many mobiles came from norway")
        if not (query.filters or narrows) or not narrows and self._unread(question, table, anywhere=True):
            return None
        return query if not self._unread(question, table) and not self._loose_numbers(q, query) else None

    @staticmethod
    def _loose_numbers(q: list[str], query: RecordQuery) -> list[str]:
        """Numbers and codes of the question that no filter or year reads ("chiller 6" where the table has only
        chiller 9, "severity 8 or more", an alarm code it does not list): the table would answer another question."""
        taken = {w for f in query.filters for w in f.words.split()} | set((query.year or "").split("-"))
        return [w for w in q if any(ch.isdigit() for ch in w) and w not in taken]

    def _unread(self, question: str, table: RecordTable, anywhere: bool = False) -> list[str]:
        """The question's words that other documents use and this table never does (nor a word it holds plus a
        plural's ending): "the last major overhaul on chiller 9" is not about the alarm list that names chiller 9.
        ``anywhere``: every word the table does not hold, used elsewhere or not."""
        own = [w for w in table.own_words if len(w) >= 3]
        out = []
        for w in words(phrases.EXCLUDE.sub(" ", phrases.SIGNAL_WORDS.sub(" ", question.lower()))):
            if len(w) < 3 or w.isdigit() or w in self.stop or table.own_words[w]:
                continue
            if not anywhere and not table.elsewhere(w):
                continue
            if not any(related(w, v) for v in own):
                out.append(w)
        return out

    def _named_column(self, q: list[str], table: RecordTable, kind: str = "category") -> str | None:
        """The column of ``kind`` whose name's words all stand in the question (the longest name wins)."""
        best: tuple[int, int, str] | None = None
        for col in table.columns.values():
            name = [w for w in words(col.name) if w not in self.stop and len(w) >= 3]  # "rule_id" is named "rule"
            at = [find(q, [w]) for w in name]
            if col.kind != kind or not name or any(a is None for a in at):
                continue
            key = (-len(name), min(a[0] for a in at if a), col.name)
            best = key if best is None or key < best else best
        return best[2] if best else None

    def _value_column(self, q: list[str], table: RecordTable) -> str | None:
        """The category column most of whose values open with a word of the question: "which chiller had the most
        alerts" ranks the column holding "Chiller 1" ... "Chiller 14"."""
        best: tuple[int, str] | None = None
        asked = {w for w in q if len(w) >= 3 and w not in self.stop}
        for col in table.columns.values():
            firsts = [ws[0] for v in col.values if len(ws := words(v)) > 1]
            shared = max((firsts.count(w) for w in asked), default=0) if col.kind == "category" else 0
            if shared >= 2 and shared * 2 >= len(col.values) and (best is None or shared > best[0]):
                best = (shared, col.name)
        return best[1] if best else None

    def _filters(self, q: list[str], table: RecordTable, group_by: str | None) -> list[Filter]:
        found = value_hits(q, table, self.stop)
        # a value inside a longer one ("parts" in "spare parts not available") is not a filter of its own
        kept = [f for f in found if not any(g[0] <= f[0] and f[1] <= g[1] and g[1] - g[0] > f[1] - f[0] for g in found)]
        # words naming a value of the column ranked by ("which brand ... dyson") filter no other column; they leave
        # that value out of the ranking only when the question says so ("not counting unknown")
        ranked = [(f[0], f[1]) for f in kept if f[3] == group_by]
        out = self._left_out(q, kept)
        kept = [f for f in kept
                if (f[3] == group_by and f[0] in out) or not any(a < f[1] and f[0] < b for a, b in ranked)]
        spans: dict[tuple[int, int], tuple[set[str], set[str]]] = {}
        for start, end, _, column, low in kept:
            spans.setdefault((start, end), (set(), set()))[0].add(column)
            spans[(start, end)][1].add(low)
        # the same columns named twice ("dyson or vax") keep the rows holding either value
        merged: dict[tuple[tuple[str, ...], bool], Filter] = {}
        order = list(table.columns)
        for (start, end), (columns, lows) in sorted(spans.items()):
            key = (tuple(sorted(columns, key=order.index)), start in out)
            old, text = merged.get(key), " ".join(q[start:end])
            merged[key] = Filter(key[0], frozenset(lows) | (old.values if old else frozenset()),
                                 old.start if old else start, f"{old.words} / {text}" if old else text, key[1])
        return sorted(merged.values(), key=lambda f: f.start)

    @staticmethod
    def _left_out(q: list[str], hits: list[Hit]) -> set[int]:
        """The starts of the values to leave out: those the words right before say so of ("not counting",
        "except"), and the values of the same column listed after one of them ("not counting unknown or dyson";
        in "except dysons fixed in 2019" the status is still asked for)."""
        out: set[int] = set()
        last: tuple[int, set[str]] = (-1, set())  # the end and the columns of the latest value left out
        for start, end, _, column, _ in sorted(hits, key=lambda h: h[0]):
            before = " ".join(q[max(0, start - 3):start])
            listed = column in last[1] and 0 <= last[0] <= start \
                and all(phrases.JOIN.fullmatch(w) for w in q[last[0]:start])
            if listed or any(m.end() == len(before) for m in phrases.EXCLUDE.finditer(before)):
                out.add(start)
                last = (end, last[1] | {column}) if last[0] == end else (end, {column})
        return out
