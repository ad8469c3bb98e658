"""Generic table rows (FMEA sheets, failure-code catalogues, alert rules, alert episodes ...).

Anything that is neither a work-order log nor a sensor series becomes one ``record``
document per row: a short header naming the table, then ``Column: value`` pairs, so every
row is citable by ``<file stem>-L<line>`` and its words stay searchable as written.
"""

from __future__ import annotations

from typing import Any

from ingest.tables.columns import RECORD_FIELDS, find_column
from ingest.tables.table import Table, iso_date
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
        date=iso_date(row.get(date_col)) if date_col else None,
        metadata={"table": table.name, "line": line},
    )


def _cell(value: Any) -> str:
    return str(value).strip() if not isinstance(value, (list, dict)) else repr(value)


class RecordLoader:
    """Loads every row of a table as a ``record`` document."""

    def load(self, table: Table) -> LoadResult:
        result = LoadResult(warnings=list(table.warnings))
        for line, row in table.rows:
            if not any(v not in (None, "") for k, v in row.items() if k):
                continue
            result.documents.append(record_document(table, line, row))
        return result
