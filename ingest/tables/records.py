"""Generic table rows (FMEA sheets, failure-code catalogues, alert rules, alert episodes ...).

Anything that is neither a work-order log nor a sensor series becomes one ``record``
document per row: a short header naming the table, then ``Column: value`` pairs, so its words
stay searchable as written. A row is cited by the table's own key when it has one (the leftmost
column whose values are all present, distinct, short, single tokens, and neither numbers nor dates:
``restart_41``, ``RUL0012``, ``ODRIVE_ERROR_DC_BUS_UNDER_VOLTAGE``), else by ``<file stem>-L<line>``.
The key is found from the values, not from column names, so it works whatever the header's language.
"""

from __future__ import annotations

from typing import Any

from ingest.tables.columns import RECORD_FIELDS, find_column
from ingest.tables.table import Table, iso_date, parse_float
from ingest.types import LoadResult, SourceDocument

def record_document(table: Table, line: int, row: dict[str, Any], record_id: str | None = None) -> SourceDocument:
    """One row as a document. Empty cells and unnamed index columns are left out of the text."""
    asset_col = find_column(table.columns, RECORD_FIELDS["asset"])
    date_col = find_column(table.columns, RECORD_FIELDS["date"])
    pairs = [f"{k}: {_cell(v)}" for k, v in row.items() if k and v not in (None, "")]
    title = table.path.stem.replace("_", " ")
    rid = record_id or f"{table.path.stem}-L{line}"
    asset = str(row.get(asset_col) or "").strip() or None if asset_col else None
    return SourceDocument(
        text=f"{title} ({table.name}, line {line}):\n" + " | ".join(pairs),
        source=table.path.resolve().as_posix(),
        doc_type="record",
        title=title,
        record_id=rid,
        asset=asset,
        date=iso_date(row.get(date_col), table.day_first(date_col)) if date_col else None,
        # the cells as read, so the answer side can count and rank rows without parsing the text back
        metadata={"table": table.name, "line": line,
                  "cells": {k: _cell(v) for k, v in row.items() if k and v not in (None, "")}},
    )


def _cell(value: Any) -> str:
    return str(value).strip() if not isinstance(value, (list, dict)) else repr(value)


def key_column(columns: list[str], rows: list[dict[str, Any]], max_chars: int = 64) -> str | None:
    """The leftmost column that identifies each row, judged by its values alone (see the module doc)."""
    for col in columns:
        values = [_cell(r.get(col)) if r.get(col) is not None else "" for r in rows]
        if not col or not values or len(set(values)) != len(values):
            continue
        # single tokens: a name column that is distinct by chance ("Fuel Tank", "Fuel Cooler") is no key
        if all(v and len(v) <= max_chars and not any(ch.isspace() for ch in v) and parse_float(v) is None
               and iso_date(v) is None for v in values):
            return col
    return None


class RecordLoader:
    """Loads every row of a table as a ``record`` document."""

    def load(self, table: Table) -> LoadResult:
        result = LoadResult(warnings=list(table.warnings))
        rows = [(line, row) for line, row in table.rows if any(v not in (None, "") for k, v in row.items() if k)]
        key = key_column(list(table.columns), [row for _, row in rows]) if len(rows) > 1 else None
        for line, row in rows:
            result.documents.append(record_document(table, line, row, record_id=_cell(row[key]) if key else None))
        return result
