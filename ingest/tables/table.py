"""Reading tabular files (CSV, JSON, JSON Lines) into rows, and the value parsers they share.

Everything downstream (work orders, sensor series, generic records) sees a :class:`Table`:
column names plus ``(line, row)`` pairs, where ``line`` is the 1-based line of the row in the
file (the item number for a JSON array) so that every warning can name it.

Usage::

    from pathlib import Path
    # read_table(Path("wo.csv")).rows[0]  ->  (2, {"wo_id": "WO1", ...})
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ingest.tables.columns import WORK_ORDER_FIELDS, norm_key
from ingest.types import IngestError

TABLE_EXTENSIONS = {".csv", ".tsv", ".json", ".jsonl", ".ndjson"}
_DELIMITERS = [",", ";", "\t", "|"]
# Keys under which a JSON object may hold its list of rows ({"records": [...]}).
_JSON_LIST_KEYS = ("records", "rows", "data", "items", "work_orders", "workorders", "events")


@dataclass
class Table:
    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, Any]]]
    warnings: list[str] = field(default_factory=list)
    _day_first: dict[str, bool] = field(default_factory=dict, init=False, repr=False, compare=False)  # per column

    @property
    def name(self) -> str:
        return self.path.name

    def day_first(self, column: str) -> bool:
        """Does ``column`` write its slash dates day first ("13/04/2025")? (``day_first``)"""
        if column not in self._day_first:
            self._day_first[column] = day_first(row.get(column) for _, row in self.rows)
        return self._day_first[column]


def read_table(path: Path) -> Table:
    """Read a CSV/TSV, JSON or JSONL file. Raises IngestError for an empty or unreadable file."""
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(f"{path.name}: file is empty")
    warnings: list[str] = []
    text = _decode(path, data, warnings)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        table = _read_jsonl(path, text, warnings)
    elif suffix == ".json":
        table = _read_json(path, text, warnings)
    else:
        table = _read_csv(path, text, warnings)
    if not table.rows:
        raise IngestError(f"{path.name}: no data rows" + (f" ({warnings[0]})" if warnings else ""))
    return table


def _decode(path: Path, data: bytes, warnings: list[str]) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Spreadsheets exported on Windows are the usual culprit; cp1252 reads them faithfully.
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc2:
            raise IngestError(f"{path.name} line {line}: not UTF-8 and not cp1252 text ({exc2.reason})") from exc2
        warnings.append(f"{path.name} line {line}: not valid UTF-8; read as Windows-1252 (cp1252)")
        return text


def _read_csv(path: Path, text: str, warnings: list[str]) -> Table:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    if path.suffix.lower() == ".tsv":
        delimiter = "\t"
    else:
        # Count candidates in the header line: more robust than csv.Sniffer on quoted prose.
        delimiter = max(_DELIMITERS, key=lambda d: (first_line.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, Any]]] = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # blank line
        if header is None:
            header = _unique([f.strip() for f in fields])
            continue
        if len(fields) > len(header) and not any(f.strip() for f in fields[len(header):]):
            fields = fields[: len(header)]  # trailing empty cells (e.g. "a,b,,") carry nothing
        if len(fields) != len(header):
            warnings.append(
                f"{path.name} line {line}: {len(fields)} fields, header has {len(header)}; row skipped"
            )
            continue
        rows.append((line, dict(zip(header, (f.strip() for f in fields)))))
    if header is None:
        raise IngestError(f"{path.name}: file is empty")
    return Table(path, header, rows, warnings)


def _unique(names: list[str]) -> list[str]:
    """Repeated header names ("Notes", "Notes") would overwrite each other: number the repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 or not name else f"{name} ({seen[name]})")
    return out


def _rows_from_objects(path: Path, items: list[Any], warnings: list[str], unit: str) -> Table:
    columns: dict[str, None] = {}
    rows: list[tuple[int, dict[str, Any]]] = []
    for line, item in items:
        if not isinstance(item, dict):
            warnings.append(f"{path.name} {unit} {line}: not a JSON object; row skipped")
            continue
        for key in item:
            columns.setdefault(str(key))
        rows.append((line, {str(k): v for k, v in item.items()}))
    return Table(path, list(columns), rows, warnings)


def _read_jsonl(path: Path, text: str, warnings: list[str]) -> Table:
    items = []
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            items.append((line, json.loads(raw)))
        except json.JSONDecodeError as exc:
            warnings.append(f"{path.name} line {line}: invalid JSON ({exc.msg}); row skipped")
    return _rows_from_objects(path, items, warnings, "line")


def _read_json(path: Path, text: str, warnings: list[str]) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"{path.name} line {exc.lineno}: invalid JSON ({exc.msg})") from exc
    if isinstance(data, dict):
        key = next((k for k in data if norm_key(k) in _JSON_LIST_KEYS and isinstance(data[k], list)), None)
        if key is None:
            raise IngestError(f"{path.name}: expected a list of objects or {{\"records\": [...]}}")
        data = data[key]
    if not isinstance(data, list):
        raise IngestError(f"{path.name}: expected a list of objects or {{\"records\": [...]}}")
    return _rows_from_objects(path, list(enumerate(data, start=1)), warnings, "item")


def load_mapping(path: Path) -> dict[str, str]:
    """Read a YAML column-mapping file ``{field: column}`` (our field names on the left)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise IngestError(f"{path}: invalid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise IngestError(f"{path}: column mapping must be a mapping of field: column")
    unknown = sorted(set(data) - set(WORK_ORDER_FIELDS))
    if unknown:
        raise IngestError(f"{path}: unknown field(s) {unknown}; known: {sorted(WORK_ORDER_FIELDS)}")
    return {str(k): str(v) for k, v in data.items()}


# ---- value parsers shared by the loaders -------------------------------------------------

_DATE_FORMATS = (
    # US month-first, as exported by Maximo/SAP spreadsheets in the AssetOpsBench data ("4/6/16 14:00").
    "%m/%d/%y %H:%M", "%m/%d/%Y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%Y %H:%M:%S",
    "%m/%d/%y", "%m/%d/%Y", "%d.%m.%Y", "%d.%m.%Y %H:%M", "%Y/%m/%d", "%Y/%m/%d %H:%M",
)
# The same, day first ("13/04/2025"), for a column whose dates show it (``day_first``).
_DAY_FIRST_FORMATS = tuple(f.replace("%m/%d", "%d/%m") for f in _DATE_FORMATS)
_SLASH_DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/\d{2,4}\b")
# Epoch values between 1973 and 2286 in seconds; larger ones are taken as milliseconds.
_EPOCH_S = (1e8, 1e10)
_EPOCH_MS = (1e11, 1e13)


def day_first(values: Iterable[Any]) -> bool:
    """Do ``values`` (one column's) write slash dates day first? Yes when one's first field is above 12 and no
    one's second field is; month first otherwise, as Maximo and SAP exports write them ("4/6/16 14:00"). A plant's
    log written "03/04/2025 ... 13/04/2025" is read as April, not as March and an unreadable date.

    >>> day_first(["03/04/2025", "13/04/2025"]), day_first(["4/6/16 14:00", "4/13/16"]), day_first(["03/04/2025"])
    (True, False, False)
    """
    first = second = False
    for value in values:
        match = _SLASH_DATE.match(str(value or ""))
        if match:
            first, second = first or int(match.group(1)) > 12, second or int(match.group(2)) > 12
    return first and not second


def parse_datetime(value: Any, day_first: bool = False) -> datetime | None:
    """Parse ISO text, common spreadsheet formats or epoch seconds/ms; None when not a date. ``day_first``: slash
    dates are day / month / year (``day_first`` of the column)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_epoch(float(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _from_epoch(float(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _DAY_FIRST_FORMATS if day_first else _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is not None and parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _from_epoch(x: float) -> datetime | None:
    if _EPOCH_MS[0] <= x < _EPOCH_MS[1]:
        x /= 1000.0
    if not _EPOCH_S[0] <= x < _EPOCH_S[1]:
        return None
    return datetime.fromtimestamp(x, tz=timezone.utc).replace(tzinfo=None)


def iso_date(value: Any, day_first: bool = False) -> str | None:
    parsed = parse_datetime(value, day_first)
    return parsed.date().isoformat() if parsed else None


def parse_float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")  # thousands separators: "1,234.5"
    try:
        return float(text)
    except ValueError:
        return None


def parse_hours(value: Any) -> float | None:
    """Durations: ``3:00`` / ``1:30:00`` (h:mm[:ss]) or a plain number of hours."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", text)
    if match:
        h, m, s = (int(g or 0) for g in match.groups())
        return round(h + m / 60 + s / 3600, 4)
    return parse_float(text)
