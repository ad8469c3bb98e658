"""Runs of a question's words that spell values of a record table's category columns.

Language-blind: it compares words, a plural's or inflection's ending aside, with the values the table holds, and
reads the table itself to judge a match (no word list says what a brand or a fault type is):

- a value written out exactly wins over one only a plural's stem reaches ("henry hoovers": brand Henry, not Hoover);
- either half of a slashed value names it ("printer" of "Printer/scanner");
- a one-word value that opens other values of its column holding more rows names them all ("iphones": iPhone,
  iPhone 6, iPhone 6s ...);
- a value the table's free text mostly uses for something else is no filter: "phones" is not the model "Phone" of 4
  rows when 70 other rows' problem texts say "phone" (``OTHER_USE``).
"""

from __future__ import annotations

import os

from assistant.records.table import RecordTable, norm, words

PLURAL_CHARS = 2  # "dysons", "hoovers", "faults": a word may run this far past a value's last word
OTHER_USE = 0.25  # least share of the rows using a value's words that hold it in its column, for a filter

Hit = tuple[int, int, bool, str, str]  # start, end, exact, column, value (as ``norm`` writes it)


def related(word: str, other: str) -> bool:
    """One word is the other plus at most ``PLURAL_CHARS`` letters ("faults" / "fault"), or both share a stem of
    five letters or more that each runs at most one letter further past ("anomaly" / "anomalies")."""
    short, long = sorted((word, other), key=len)
    if any(ch.isdigit() for ch in word + other):  # codes and numbers match exactly: RUL0099 is not RUL0012
        return word == other
    stem = len(os.path.commonprefix([word, other]))
    if stem == len(short):
        return stem >= 3 and len(long) - stem <= PLURAL_CHARS
    return stem >= 5 and len(long) - stem <= PLURAL_CHARS + 1


def find(q: list[str], value: list[str]) -> tuple[int, bool] | None:
    """Where ``value``'s words stand in a row in ``q``, and whether exactly: the last may carry an ending, never
    lose one ("came" is not "camera")."""
    n = len(value)
    for i in range(len(q) - n + 1):
        if q[i:i + n - 1] != value[:-1]:
            continue
        last, word = value[-1], q[i + n - 1]
        if word == last:
            return i, True
        if len(word) > len(last) and related(word, last):
            return i, False
    return None


def value_hits(q: list[str], table: RecordTable, stop: frozenset[str]) -> list[Hit]:
    """Every value of every category column that a run of ``q`` spells (see the module doc)."""
    found: list[Hit] = []
    for col in table.columns.values():
        if col.kind != "category":
            continue
        hits = []
        for low in col.values:
            for v in [words(low)] + ([words(alt) for alt in low.split("/")] if "/" in low else []):
                if not v or (len(v) == 1 and (len(v[0]) < 2 or v[0] in stop or v[0].isdigit())):
                    continue
                at = find(q, v)
                if at is not None:
                    hits.append((at[0], at[0] + len(v), at[1], col.name, low))
        if any(h[2] for h in hits):  # "henry hoovers": the brand spelled out wins over a plural's stem
            hits = [h for h in hits if h[2]]
        for start, end, exact, name, low in list(hits):
            family = [other for other in col.values if other != low and words(other)[:1] == words(low)[:1]]
            # "iphone" opens "iPhone 6", "iPhone 6s" ... that hold most of its rows: a family name, read as all of
            # them; "Dyson" beside two "Dyson Upright" rows stays the brand as written
            if end - start == 1 and len(words(low)) == 1 and sum(col.counts[o] for o in family) > col.counts[low]:
                hits += [(start, end, exact, name, other) for other in family]
        found.extend(h for h in hits if _own_use(table, h[3], h[4]) >= OTHER_USE)
    return found


def _own_use(table: RecordTable, column: str, value: str) -> float:
    """Of the rows that hold ``value`` in ``column`` or write its words in a free-text cell, the share that hold it."""
    phrase = f" {' '.join(words(value))} "
    holding = other = 0
    for row, text in zip(table.rows, table.free_text):
        if norm(row.cells.get(column, "")) == value:
            holding += 1
        elif phrase in text:
            other += 1
    return holding / (holding + other) if holding else 0.0
