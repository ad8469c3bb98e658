"""File -> loader dispatch: manuals by extension, tables by what their columns hold.

A table is a sensor series when it has a timestamp column and otherwise numbers (wide) or
signal/value columns (long); a work-order log when it has a description-like and an
asset-like column; anything else (FMEA sheets, code catalogues, alert rules) is generic records.
"""

from __future__ import annotations

from pathlib import Path

from ingest.manuals.loader import MANUAL_EXTENSIONS, ManualLoader
from ingest.tables.records import RecordLoader
from ingest.tables.sensors import SensorSummarizer, detect_layout
from ingest.tables.table import TABLE_EXTENSIONS, Table, read_table
from ingest.types import IngestError, LoadResult
from ingest.tables.workorders import WorkOrderLoader, check_override, is_work_order_table, map_columns

SUPPORTED_EXTENSIONS = set(MANUAL_EXTENSIONS) | TABLE_EXTENSIONS


def classify(table: Table, column_mapping: dict[str, str] | None = None) -> str:
    """``sensor`` | ``work_order`` | ``records`` for a table (see module docstring)."""
    mapping = map_columns(table.columns, column_mapping)
    overridden = column_mapping and any(c in mapping.values() for c in column_mapping.values())
    if not overridden and detect_layout(table) is not None:
        return "sensor"
    return "work_order" if is_work_order_table(mapping) else "records"


class Router:
    """Chooses and runs the loader for one file. Config in __init__, one file per ``load`` call."""

    def __init__(self, max_file_mb: float, column_mapping: dict[str, str] | None = None,
                 sensor_window: str = "week", sensor_limits=None) -> None:
        if max_file_mb <= 0:
            raise ValueError("max_file_mb must be positive")
        self.max_file_mb = max_file_mb
        self.column_mapping = dict(column_mapping or {})
        self.sensors = SensorSummarizer(sensor_window, sensor_limits)
        self._manual_loader = None

    @staticmethod
    def supports(path: Path) -> bool:
        return path.suffix.lower() in SUPPORTED_EXTENSIONS

    def check_size(self, path: Path) -> None:
        size_mb = path.stat().st_size / 1e6
        if size_mb > self.max_file_mb:
            raise IngestError(f"{path.name}: {size_mb:.1f} MB is over the {self.max_file_mb:g} MB limit")

    def load(self, path: Path) -> tuple[str, LoadResult]:
        """(kind, result) where kind is manual | work_order | sensor | records."""
        suffix = path.suffix.lower()
        if not self.supports(path):
            raise IngestError(f"{path.name}: unknown extension {suffix or '(none)'}")
        self.check_size(path)
        if suffix in MANUAL_EXTENSIONS:
            return "manual", self._manuals().load(path)
        table = read_table(path)
        check_override(table, self.column_mapping)
        kind = classify(table, self.column_mapping)
        if kind == "sensor":
            return kind, self.sensors.load(table, detect_layout(table))
        if kind == "work_order":
            return kind, WorkOrderLoader(self.column_mapping).load(table)
        return kind, RecordLoader().load(table)

    def _manuals(self):
        if self._manual_loader is None:
            self._manual_loader = ManualLoader(self.max_file_mb)
        return self._manual_loader
