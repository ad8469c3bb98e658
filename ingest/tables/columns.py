"""Column names seen in the wild, per field, in order of preference: the one alias table.

Header names differ per CMMS, historian and spreadsheet export (Maximo ``wo_id``/``actual_finish``,
SAP ``BscStartDate``/``OriginalShorttext``, historians ``ts``/``tag``/``val``). Names match with
``norm_key``: case, spaces, dashes and underscores do not count. Which date a table is dated by
depends on what a row is: a work order by its finish, a reading by its timestamp, a generic
record by its event date; so each kind of table has its own date field, all kept here.

>>> find_column(["Equipment ID", "Reading Time", "Val"], SENSOR_FIELDS["time"])
'Reading Time'
"""

from __future__ import annotations

import re
from typing import Iterable

# The asset a row is about, and its display name (used as the asset when no id column exists).
ASSET = ("equipment_id", "asset_id", "asset", "equipment", "machine_id", "machine", "asset_tag")
ASSET_NAME = ("equipment_name", "asset_name", "machine_name")

# Our work-order field -> header names (a YAML column mapping may override them, `ingest --mapping`).
WORK_ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "record_id": ("wo_id", "work_order", "work_order_id", "workorder", "wo", "wo_number", "wonum",
                  "order_id", "order", "event_id", "ticket", "id"),
    "description": ("description", "wo_description", "problem", "problem_description", "originalshorttext",
                    "short_text", "shorttext", "text", "fault", "fault_description", "complaint", "symptom"),
    "asset": ASSET,
    "asset_name": ASSET_NAME,
    "date": ("actual_finish", "finish", "finish_date", "date", "bscstartdate", "event_time", "start_date",
             "completed", "completion_date", "reported", "created", "timestamp"),
    "failure_code": ("primary_code", "failure_code", "code", "fault_code", "event_type"),
    "failure_description": ("primary_code_description", "failure_code_description", "code_description",
                            "failure_description"),
    "secondary_code": ("secondary_code",),
    "secondary_description": ("secondary_code_description",),
    "failure_mode": ("fm", "failure_mode"),
    "component": ("component", "collection", "majorsystem", "major_system", "subsystem", "system"),
    "cause": ("cause", "root_cause", "failure_cause"),
    "action": ("action", "remedy", "corrective_action", "resolution", "repair"),
    "parts": ("part", "parts", "part_number", "parts_used"),
    "work_type": ("work_type", "pmtype", "pm_type", "order_type", "wo_type", "event_category", "type"),
    "preventive": ("preventive", "is_preventive"),
    "priority": ("work_priority", "priority"),
    "duration_hours": ("duration", "duration_hours", "runningtime", "downtime", "downtime_hours", "downtime_h",
                       "duration_h", "hours_down"),
    "labor_hours": ("actual_labor_hours", "labor_hours", "labour_hours", "labor", "labour"),
    "cost": ("cost", "total_cost", "actual_cost"),
    "event_group": ("event_group", "record_type", "event_class"),
}

# A sensor series: a timestamp, then signal/value pairs (long) or one column per signal (wide).
SENSOR_FIELDS: dict[str, tuple[str, ...]] = {
    "time": ("timestamp", "time", "datetime", "ts", "date", "event_time", "reading_time"),
    "asset": ("asset_id", "asset", "equipment_id", "equipment", "machine_id", "machine", "asset_name",
              "equipment_name"),
    "signal": ("signal", "sensor", "tag", "metric", "variable", "point", "channel", "parameter", "signal_name"),
    "value": ("value", "reading", "measurement", "val"),
    "unit": ("unit", "units", "uom"),
}

# Any other table (FMEA sheets, failure-code catalogues, alert episodes): one record per row.
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "asset": ("equipment_id", "asset_id", "asset", "equipment", "machine_id", "machine") + ASSET_NAME,
    "date": ("date", "timestamp", "event_time", "start_time", "time", "start", "created", "reported"),
}


def norm_key(name: str) -> str:
    """Header normalisation for matching: case, spaces, dashes and underscores do not count."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def find_column(columns: Iterable[str], aliases: Iterable[str]) -> str | None:
    """The file's column for the first alias it has (None when it has none)."""
    by_norm = {norm_key(c): c for c in columns if c}
    return next((by_norm[norm_key(a)] for a in aliases if norm_key(a) in by_norm), None)
