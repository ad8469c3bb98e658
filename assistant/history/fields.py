"""What a work order records beyond the mapped columns (its downtime in hours, who did the job: read from an
export's own column names, ``extra``, where the ingest mapped none) and the value a ranking counts it under."""

from __future__ import annotations

import re

from ingest.types import WorkOrderRecord

_TECH_KEYS = re.compile(r"technician|performed_by|done_by|mechanic|engineer|assigned_to|craft|worker|fitter", re.I)


def technician(record: WorkOrderRecord) -> str | None:
    """Who did the job, when the export has such a column (kept in ``extra`` by the loader)."""
    for key, value in (record.extra or {}).items():
        if _TECH_KEYS.search(str(key)) and value not in (None, ""):
            return str(value)
    return None


_HOURS_KEYS = re.compile(r"^(downtime|duration|down_?time)(_?h|_?hrs?|_?hours)?$", re.I)


def hours(record: WorkOrderRecord) -> float | None:
    """Recorded downtime in hours; falls back to an unmapped 'downtime_h'-like column in ``extra``."""
    if record.duration_hours is not None:
        return record.duration_hours
    for key, value in (record.extra or {}).items():
        if _HOURS_KEYS.match(str(key).strip()):
            try:
                return float(str(value).replace(",", "."))
            except ValueError:
                return None
    return None


def group_label(record: WorkOrderRecord, group_by: str) -> str | None:
    """The value a ranking counts a work order under: its asset ("Chiller 9 (CWC04009)") or another field."""
    if group_by == "asset":
        if record.asset_name and record.asset and record.asset_name != record.asset:
            return f"{record.asset_name} ({record.asset})"
        return record.asset_name or record.asset or "(no asset)"
    value = getattr(record, group_by, None)
    return " ".join(str(value).split()) if value else None
