"""Record tables rebuilt from the index, and what kind of values each column holds.

The ingest keeps every row of a table that is neither a work-order log nor a sensor series as one
``record`` document whose metadata carries the row's cells (``ingest/tables/records.py``). Counting,
latest / oldest and most-common questions over such a table (a repair log, an FMEA sheet, an alarm
list) need the rows, not the nearest few: this module regroups the record chunks into tables and
profiles each column from its values alone, so it works whatever the header's language.

    tables = RecordTables(store.chunks)
    table = tables.all()["/data/vacuum-repairs.csv"]
    table.columns["brand"].kind     # 'category'
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Literal, Sequence

from ingest.tables.table import day_first, iso_date, parse_float
from ingest.types import Chunk

ColumnKind = Literal["category", "date", "number", "text"]
TYPED_SHARE = 0.8  # a column is dates (numbers) when this share of its filled cells parse as such
MAX_CATEGORY_CHARS = 60  # longer values are prose (a problem description), not a label to filter on
# a value that stands in this many category columns ("Unknown" as a fault, a brand and a status) fills blanks
PLACEHOLDER_COLUMNS = 3


@dataclass(frozen=True)
class Row:
    """One table row: its line in the file, the id it is cited by, its cells, and its chunk."""

    line: int
    record_id: str
    cells: dict[str, str]
    chunk: Chunk


@dataclass
class Column:
    """A column's kind and, for a category, its values: lower case -> as most often written."""

    name: str
    kind: ColumnKind
    values: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # rows holding each value (lower case)
    day_first: bool = False  # a date column writing its slash dates day first (``ingest.tables.table.day_first``)


def norm(value: str) -> str:
    """A cell as compared: lower case, runs of spaces as one ("Mechanical  failure" is "mechanical failure")."""
    return " ".join(value.lower().split())


def words(text: str) -> list[str]:
    """Lower-case words; underscores and slashes split ("fault_type", "power/battery")."""
    return re.findall(r"[^\W_]+", text.lower())


@dataclass
class RecordTable:
    source: str
    name: str
    rows: list[Row]
    columns: dict[str, Column]
    # how many of its chunks use each word, and how many of all the index's chunks do (shared by every table):
    # a question word the other documents use and this table never does is about something else
    own_words: Counter[str] = field(default_factory=Counter)
    corpus_words: Counter[str] = field(default_factory=Counter)

    def elsewhere(self, word: str) -> bool:
        return self.corpus_words[word] > self.own_words[word]

    def date_column(self) -> str | None:
        """The first date column, the one "latest" and "in 2019" read."""
        return next((c.name for c in self.columns.values() if c.kind == "date"), None)

    def day(self, row: Row) -> str | None:
        """The row's ISO date in the date column, read in the order that column writes its dates."""
        column = self.date_column()
        return iso_date(row.cells.get(column), self.columns[column].day_first) if column else None

    @cached_property
    def free_text(self) -> list[str]:
        """Each row's free-text cells (columns of kind ``text``) as " word word ... ", for phrase search."""
        text = [c.name for c in self.columns.values() if c.kind == "text"]
        return [" " + " ".join(words(" ".join(r.cells.get(c, "") for c in text))) + " " for r in self.rows]

    @cached_property
    def placeholders(self) -> set[str]:
        """Values (lower case) written in ``PLACEHOLDER_COLUMNS`` or more category columns: a log's word for a blank
        ("Unknown" as a fault type, a brand and a repair status), found from the table alone in any language. A
        ranking does not name one as the most common value of a column. Values that are all of some column (a
        yes / no flag written in several columns) are its values, not blanks."""
        seen: Counter[str] = Counter(v for c in self.columns.values() if c.kind == "category" for v in c.values)
        filling = {v for v, n in seen.items() if n >= PLACEHOLDER_COLUMNS}
        return {v for v in filling if not any(c.kind == "category" and v in c.values and set(c.values) <= filling
                                              for c in self.columns.values())}

    @cached_property
    def year_columns(self) -> list[str]:
        """Columns of years ("year_of_manufacture", placeholders like "????" aside): "in 2015" may mean them rather
        than the date column."""
        out = []
        for c in self.columns.values():
            numbers = [v for r in self.rows if (v := parse_float(r.cells.get(c.name))) is not None]
            years = [v for v in numbers if v.is_integer() and 1900 <= v <= 2100]
            if c.kind != "date" and years and len(years) >= TYPED_SHARE * len(numbers):
                out.append(c.name)
        return out


def profile(name: str, cells: Sequence[str]) -> Column:
    """The kind of a column from its filled cells.

    A category repeats its values (at most half as many distinct values as filled cells) and keeps them
    short; dates and numbers parse in at least ``TYPED_SHARE`` of the cells; anything else is text.

    >>> profile("brand", ["Dyson", "dyson", "Vax", "Dyson"]).values
    {'dyson': 'Dyson', 'vax': 'Vax'}
    >>> [profile("c", v).kind for v in (["2019-01-02", "2020-05-06"], ["1.5", "2"], ["a b", "c d"])]
    ['date', 'number', 'text']
    """
    filled = [c.strip() for c in cells if c and c.strip()]
    if not filled:
        return Column(name, "text")
    first = day_first(filled)
    if sum(iso_date(c, first) is not None and parse_float(c) is None for c in filled) >= TYPED_SHARE * len(filled):
        return Column(name, "date", day_first=first)
    if sum(parse_float(c) is not None for c in filled) >= TYPED_SHARE * len(filled):
        return Column(name, "number")
    spellings: dict[str, dict[str, int]] = {}
    for c in filled:
        seen = spellings.setdefault(norm(c), {})
        seen[c] = seen.get(c, 0) + 1
    if len(spellings) * 2 > len(filled) or max(len(c) for c in filled) > MAX_CATEGORY_CHARS:
        return Column(name, "text")
    return Column(name, "category", {low: max(s, key=s.__getitem__) for low, s in sorted(spellings.items())},
                  {low: sum(s.values()) for low, s in sorted(spellings.items())})


def build_table(source: str, chunks: Sequence[Chunk]) -> RecordTable:
    """One table from its record chunks (a long row split over chunks counts once)."""
    by_line: dict[int, Row] = {}
    for chunk in chunks:
        line = chunk.metadata.get("line")
        if isinstance(line, int) and line not in by_line:
            by_line[line] = Row(line, chunk.record_id or f"line {line}", dict(chunk.metadata["cells"]), chunk)
    rows = [by_line[line] for line in sorted(by_line)]
    names: list[str] = []
    for row in rows:
        names.extend(n for n in row.cells if n not in names)
    columns = {n: profile(n, [r.cells.get(n, "") for r in rows]) for n in names}
    name = str(chunks[0].metadata.get("table") or source.rsplit("/", 1)[-1])
    own = Counter(w for c in chunks for w in set(words(c.text)))
    own.update(w for n in names for w in set(words(n)))
    return RecordTable(source, name, rows, columns, own)


class RecordTables:
    """The record tables of the live index version, rebuilt when the index changes.

    ``chunks`` is called per question (the index swaps versions under a running chat, and returns a copy of its
    list); the tables are rebuilt only when the chunk ids differ (ids are content hashes: any change shows).
    """

    def __init__(self, chunks: Callable[[], Sequence[Chunk]]) -> None:
        self._chunks = chunks
        self._seen: int | None = None
        self._tables: dict[str, RecordTable] = {}

    def all(self) -> dict[str, RecordTable]:
        chunks = self._chunks()
        key = hash(tuple(c.chunk_id for c in chunks))
        if key != self._seen:
            grouped: dict[str, list[Chunk]] = {}
            for c in chunks:
                if c.doc_type == "record" and isinstance(c.metadata.get("cells"), dict):
                    grouped.setdefault(c.source, []).append(c)
            self._tables = {s: build_table(s, cs) for s, cs in grouped.items() if len(cs) > 1}
            corpus: Counter[str] = Counter()
            beside: dict[str, Counter[str]] = {}  # words of the other documents of each folder
            for c in chunks if self._tables else ():
                found = set(words(c.text))
                corpus.update(found)
                if c.doc_type != "record":
                    beside.setdefault(c.source.rsplit("/", 1)[0], Counter()).update(found)
            for source, table in self._tables.items():
                table.corpus_words = corpus
                # a README or SOURCE file next to the table says what it is about ("a mining haul truck's FMEA")
                table.own_words.update(beside.get(source.rsplit("/", 1)[0], Counter()))
            self._seen = key
        return self._tables
