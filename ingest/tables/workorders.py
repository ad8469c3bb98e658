"""Work orders and fault logs: column auto-mapping, one citable document per work order.

Header names differ per CMMS export (Maximo ``wo_id``/``actual_finish``, SAP ``BscStartDate``/
``OriginalShorttext``/``PMType`` ...). ``map_columns`` matches them case/space/underscore-
insensitively against ``ingest.tables.columns.WORK_ORDER_FIELDS``; a YAML mapping file (``{field: column}``) overrides it.

Usage::

    loader = WorkOrderLoader()
    # result = loader.load(read_table(Path("wo.csv")))  ->  LoadResult(documents, work_orders, warnings)
"""

from __future__ import annotations

from typing import Any

from ingest.tables.records import record_document
from ingest.tables.columns import WORK_ORDER_FIELDS, norm_key
from ingest.tables.table import Table, iso_date, parse_float, parse_hours
from ingest.types import IngestError, LoadResult, SourceDocument, WorkOrderRecord

_TRUE = {"true", "yes", "y", "1", "t"}
_WO_GROUPS = {"workorder", "wo", "order"}


def map_columns(columns: list[str], override: dict[str, str] | None = None) -> dict[str, str]:
    """Our field -> the file's column. Override entries whose column the file lacks are ignored here."""
    by_norm = {norm_key(c): c for c in columns if c}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for fieldname, column in (override or {}).items():
        if norm_key(column) in by_norm:
            mapping[fieldname] = by_norm[norm_key(column)]
            used.add(mapping[fieldname])
    for fieldname, aliases in WORK_ORDER_FIELDS.items():
        if fieldname in mapping:
            continue
        for alias in aliases:
            column = by_norm.get(norm_key(alias))
            if column is not None and column not in used:
                mapping[fieldname] = column
                used.add(column)
                break
    return mapping


def check_override(table: Table, override: dict[str, str] | None) -> None:
    """A file that uses the mapping file (has some of its columns) must have all of them."""
    if not override:
        return
    present = {norm_key(c) for c in table.columns}
    missing = [f"{f}={c!r}" for f, c in override.items() if norm_key(c) not in present]
    if missing and len(missing) < len(override):
        raise IngestError(
            f"{table.name}: column(s) named in the mapping file are missing: {', '.join(missing)}; "
            f"file has {table.columns}"
        )


def is_work_order_table(mapping: dict[str, str]) -> bool:
    return "description" in mapping and ("asset" in mapping or "asset_name" in mapping)


class WorkOrderLoader:
    """Turns a table of work orders / fault-log rows into documents and ``WorkOrderRecord`` rows."""

    def __init__(self, column_mapping: dict[str, str] | None = None) -> None:
        self.column_mapping = dict(column_mapping or {})

    def load(self, table: Table) -> LoadResult:
        check_override(table, self.column_mapping)
        cols = map_columns(table.columns, self.column_mapping)
        if not is_work_order_table(cols):
            raise IngestError(f"{table.name}: no description and asset columns; columns are {table.columns}")
        result = LoadResult(warnings=list(table.warnings))
        source = table.path.resolve().as_posix()
        seen: set[str] = set()
        for line, row in table.rows:
            group = norm_key(row.get(cols.get("event_group", ""), "") or "")
            if "event_group" in cols and group not in _WO_GROUPS:
                # Event logs mix work orders with alerts and anomalies. Those are not maintenance
                # work: counting them as work orders would inflate "how many repairs" answers,
                # so they stay searchable as plain records of the event log.
                rid = str(row.get(cols.get("record_id", ""), "") or "") or None
                result.documents.append(record_document(table, line, row, record_id=rid))
                continue
            record = self._record(table, cols, line, row, source, result.warnings)
            if record is None:
                continue
            if record.record_id in seen:
                result.warnings.append(f"{table.name} line {line}: duplicate id {record.record_id}; kept both")
            seen.add(record.record_id)
            result.work_orders.append(record)
            result.documents.append(self._document(record, cols))
        return result

    def _record(self, table: Table, cols: dict[str, str], line: int, row: dict[str, Any],
                source: str, warnings: list[str]) -> WorkOrderRecord | None:
        def get(fieldname: str) -> str | None:
            value = row.get(cols[fieldname]) if fieldname in cols else None
            text = "" if value is None else str(value).strip()
            return text or None

        description = get("description")
        if description is None:
            warnings.append(f"{table.name} line {line}: empty {cols['description']!r}; row skipped")
            return None
        record_id = get("record_id")
        if record_id is None:
            record_id = f"{table.path.stem}-L{line}"
        elif cols.get("record_id") and norm_key(cols["record_id"]) == "id" and record_id.isdigit():
            # A bare row number ("17") is not citable on its own; prefix it with the file.
            record_id = f"{table.path.stem}-{record_id}"
        date = None
        if get("date"):
            date = iso_date(get("date"), table.day_first(cols["date"]))
            if date is None:
                warnings.append(f"{table.name} line {line}: unreadable date {get('date')!r}; kept without date")
        work_type = get("work_type")
        if work_type is None and get("preventive") is not None:
            work_type = "preventive" if get("preventive").lower() in _TRUE else "corrective"
        duration = parse_hours(get("duration_hours"))
        labor = parse_hours(get("labor_hours"))
        if duration is None and labor is not None and "duration_hours" not in cols:
            duration, labor = labor, None
        mapped = set(cols.values())
        extra = {k: v for k, v in row.items() if k and k not in mapped and v not in (None, "")}
        for key, value in (("priority", get("priority")), ("labor_hours", labor),
                           ("secondary_code", get("secondary_code")),
                           ("secondary_description", get("secondary_description")),
                           ("date_column", cols.get("date")), ("line", line),
                           ("event_log", True if "event_group" in cols else None)):
            if value is not None:
                extra[key] = value
        return WorkOrderRecord(
            record_id=record_id, source=source, description=description, asset=get("asset") or get("asset_name"),
            asset_name=get("asset_name"), date=date, failure_code=get("failure_code"),
            failure_description=get("failure_description"), failure_mode=get("failure_mode"),
            component=get("component"), cause=get("cause"), action=get("action"), parts=get("parts"),
            work_type=work_type, duration_hours=duration, cost=parse_float(get("cost")), extra=extra,
        )

    def _document(self, r: WorkOrderRecord, cols: dict[str, str]) -> SourceDocument:
        return SourceDocument(
            text=work_order_text(r, cols), source=r.source, doc_type="work_order", title=f"Work order {r.record_id}",
            record_id=r.record_id, asset=r.asset, date=r.date,
            metadata={k: v for k, v in {
                "asset_name": r.asset_name, "failure_code": r.failure_code, "failure_mode": r.failure_mode,
                "secondary_code": r.extra.get("secondary_code"), "component": r.component,
                "work_type": r.work_type, "line": r.extra.get("line"),
            }.items() if v is not None},
        )


def work_order_text(r: WorkOrderRecord, cols: dict[str, str] | None = None) -> str:
    """Natural text for search and for the LLM; technician shorthand is kept verbatim. ``cols``: the column
    mapping (the date column's name picks the date's verb); None: the record's own note of its date column."""
    cols = cols if cols is not None else {"date": str(r.extra.get("date_column") or "")}
    if r.asset_name and r.asset and r.asset_name != r.asset:
        where = f"{r.asset_name} ({r.asset})"
    else:
        where = r.asset_name or (f"asset {r.asset}" if r.asset else "unknown asset")
    head = [f"Work order {r.record_id} — {where}"]
    if r.date:
        column = norm_key(cols.get("date", ""))
        verb = "finished" if "finish" in column or "complet" in column else (
            "started" if "start" in column else "dated")
        head.append(f"{verb} {r.date}")
    if r.work_type:
        head.append(r.work_type)
    if r.extra.get("priority"):
        head.append(f"priority {r.extra['priority']}")
    lines = [", ".join(head) + ".", f"Description: {r.description}"]
    details = []
    if r.failure_code or r.failure_description:
        code = " ".join(x for x in (r.failure_code, r.failure_description) if x)
        second = " ".join(x for x in (r.extra.get("secondary_code"), r.extra.get("secondary_description")) if x)
        details.append(f"Failure code: {code}" + (f" / {second}" if second else "") + ".")
    for label, value in (("Failure mode", r.failure_mode), ("Component", r.component), ("Cause", r.cause),
                         ("Action", r.action), ("Parts", r.parts)):
        if value:
            details.append(f"{label}: {value}.")
    amounts = []
    if r.duration_hours is not None:
        amounts.append(f"Duration {_hours(r.duration_hours)} h")
    if r.extra.get("labor_hours") is not None:
        amounts.append(f"labour {_hours(r.extra['labor_hours'])} h")
    if r.cost is not None:
        amounts.append(f"cost {r.cost:.2f}")
    if amounts:
        details.append(", ".join(amounts) + ".")
    if details:
        lines.append(" ".join(details))
    # Unmapped columns stay searchable; bare numbers (row indexes, scores) mean nothing without a label.
    others = [f"{k}: {v}" for k, v in r.extra.items()
              if k not in _INTERNAL and parse_float(v) is None]
    if others:
        lines.append("Details: " + "; ".join(others) + ".")
    return "\n".join(lines)


_INTERNAL = {"priority", "labor_hours", "secondary_code", "secondary_description", "date_column", "line",
             "event_log"}


def _hours(x: float) -> str:
    return f"{x:.1f}" if round(x, 1) == x else f"{x:.2f}"
