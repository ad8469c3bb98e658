"""Sensor time series -> per-asset, per-signal text summaries a technician would write.

Accepts wide tables (``timestamp, [asset], signal_a, signal_b, ...``) and long ones
(``timestamp, asset, signal, value, [unit]``) from CSV or JSON Lines, with ISO or epoch
timestamps. For each asset+signal it writes one summary per window (day/week/month) plus one
for the whole period: range (and when each extreme happened), mean, trend, limit crossings and
3-sigma outliers, numbers exact. The figures are also kept in the metadata for
``assistant.sensors``.

Usage::

    summarizer = SensorSummarizer(window="week", limits=[SensorLimit("*", "supply_temperature", None, 48.0, "°F")])
    # result = summarizer.load(read_table(Path("chiller6.jsonl")), layout)
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.tables.sensor_stats import (cadence, crossings, extreme_times, fitted_change, fmt_time, fmt_value,
                                 signed, times_word)
from ingest.tables.columns import SENSOR_FIELDS, find_column, norm_key
from ingest.tables.table import Table, parse_datetime, parse_float, read_table
from ingest.types import IngestError, LoadResult, SourceDocument

OUTLIER_SIGMA = 3.0  # the usual control-chart bound: ~0.3 % of normal readings fall outside it
FLAT_FRACTION = 0.5  # a fitted change smaller than half a standard deviation is noise, not a trend
MAX_LISTED = 5  # crossings/outliers listed by timestamp before "and N more"


@dataclass
class SensorLayout:
    time: str
    asset: str | None
    signals: list[str]  # wide: the numeric columns; long: empty
    signal: str | None = None  # long layout columns
    value: str | None = None
    unit: str | None = None


@dataclass
class SensorLimit:
    asset: str  # asset id or name, "*" for any
    signal: str
    low: float | None
    high: float | None
    unit: str | None = None


def _share(table: Table, column: str, parse, sample: int = 200) -> float:
    """Share of the first ``sample`` filled cells of a column that ``parse`` accepts.

    Filled cells are searched through the whole table: wide exports often gain a column
    late (the chiller file's "Run Status" first appears on line 2881)."""
    filled = []
    for _, row in table.rows:
        value = row.get(column)
        if value not in (None, ""):
            filled.append(value)
            if len(filled) >= sample:
                break
    return sum(parse(v) is not None for v in filled) / len(filled) if filled else 0.0


def detect_layout(table: Table) -> SensorLayout | None:
    """A sensor series has a timestamp column and otherwise numbers (wide) or signal/value (long)."""
    time_col = find_column(table.columns, SENSOR_FIELDS["time"])
    if time_col is None or _share(table, time_col, lambda v: parse_datetime(v, table.day_first(time_col))) < 0.9:
        return None
    asset, unit = find_column(table.columns, SENSOR_FIELDS["asset"]), find_column(table.columns, SENSOR_FIELDS["unit"])
    signal, value = find_column(table.columns, SENSOR_FIELDS["signal"]), find_column(table.columns, SENSOR_FIELDS["value"])
    if signal and value and _share(table, value, parse_float) >= 0.9:
        return SensorLayout(time_col, asset, [], signal, value, unit)
    rest = [c for c in table.columns if c and c not in (time_col, asset, unit)]
    numeric = [c for c in rest if _share(table, c, parse_float) >= 0.9]
    if numeric and len(numeric) == len(rest):
        return SensorLayout(time_col, asset, numeric, unit=unit)
    return None


def load_limits(path: Path) -> list[SensorLimit]:
    """Alarm limits from YAML (a list of mappings) or CSV with columns asset, signal, low, high, unit."""
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if isinstance(data, dict):
            data = data.get("limits", [])
        rows = list(enumerate(data, start=1))
    else:
        rows = read_table(path).rows
    limits = []
    for line, row in rows:
        row = {norm_key(k): v for k, v in (row or {}).items()}
        if not row.get("signal"):
            raise IngestError(f"{path.name} line {line}: limit without a signal")
        low, high = parse_float(row.get("low")), parse_float(row.get("high"))
        if low is None and high is None:
            raise IngestError(f"{path.name} line {line}: limit for {row['signal']!r} has neither low nor high")
        limits.append(SensorLimit(str(row.get("asset") or "*"), str(row["signal"]), low, high,
                                  str(row["unit"]) if row.get("unit") else None))
    return limits


def window_bounds(t: datetime, window: str) -> tuple[datetime, datetime]:
    """[start, end) of the day / ISO week (Monday first) / calendar month holding t."""
    day = datetime(t.year, t.month, t.day)
    if window == "day":
        return day, day + timedelta(days=1)
    if window == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    if window == "month":
        start = day.replace(day=1)
        return start, (start + timedelta(days=32)).replace(day=1)
    raise ValueError(f"unknown sensor window {window!r}; use day, week, month or all")


class SensorSummarizer:
    """Config (window, limits) in __init__; ``load(table, layout)`` makes the summary documents."""

    def __init__(self, window: str = "week", limits: list[SensorLimit] | None = None) -> None:
        if window not in ("day", "week", "month", "all"):
            raise ValueError(f"unknown sensor window {window!r}; use day, week, month or all")
        self.window = window
        self.limits = list(limits or [])

    def load(self, table: Table, layout: SensorLayout) -> LoadResult:
        result = LoadResult(warnings=list(table.warnings))
        series, units, file_named = self._series(table, layout, result.warnings)
        source = table.path.resolve().as_posix()
        for (asset, signal), points in sorted(series.items()):
            points.sort(key=lambda p: p[0])
            limit = self._limit(asset, signal)
            unit = (limit.unit if limit and limit.unit else None) or units.get((asset, signal))
            if self.window != "all":
                groups: dict[datetime, list] = {}
                for p in points:
                    groups.setdefault(window_bounds(p[0], self.window)[0], []).append(p)
                for start, group in sorted(groups.items()):
                    end = window_bounds(start, self.window)[1] - timedelta(days=1)
                    result.documents.append(self._document(source, asset, signal, group, unit, limit, start, end))
            result.documents.append(self._document(source, asset, signal, points, unit, limit, None, None))
        for doc in result.documents:
            doc.metadata["asset_from_file_name"] = doc.asset in file_named
        return result

    def _series(self, table: Table, layout: SensorLayout, warnings: list[str]):
        series: dict[tuple[str, str], list[tuple[datetime, float, int]]] = {}
        units: dict[tuple[str, str], str] = {}
        file_named: set[str] = set()
        for line, row in table.rows:
            t = parse_datetime(row.get(layout.time), table.day_first(layout.time))
            if t is None:
                warnings.append(f"{table.name} line {line}: unreadable timestamp {row.get(layout.time)!r}; row skipped")
                continue
            asset = str(row.get(layout.asset) or "").strip() if layout.asset else ""
            if not asset:
                asset = table.path.stem  # no asset column: the file names the series
                file_named.add(asset)
            if layout.signal:
                pairs = [(str(row.get(layout.signal) or "").strip(), row.get(layout.value))]
            else:
                pairs = [(c, row.get(c)) for c in layout.signals]
            for signal, raw in pairs:
                if raw in (None, "") or not signal:
                    continue  # a missing reading is normal in wide exports
                value = parse_float(raw)
                if value is None:
                    warnings.append(f"{table.name} line {line}: {signal} value {raw!r} is not a number; ignored")
                    continue
                series.setdefault((asset, signal), []).append((t, value, line))
                if layout.unit and row.get(layout.unit):
                    units[(asset, signal)] = str(row[layout.unit]).strip()
        return series, units, file_named

    def _limit(self, asset: str, signal: str) -> SensorLimit | None:
        """An asset-specific limit wins over a wildcard one for the same signal."""
        same = [lim for lim in self.limits if norm_key(lim.signal) == norm_key(signal)]
        specific = [lim for lim in same if norm_key(lim.asset) == norm_key(asset)]
        return (specific or [lim for lim in same if lim.asset in ("*", "")] or [None])[0]

    def _document(self, source, asset, signal, points, unit, limit, start, end) -> SourceDocument:
        times = [p[0] for p in points]
        values = [p[1] for p in points]
        u = f" {unit}" if unit else ""
        first, last = times[0], times[-1]
        if start is None:
            period = f"whole period {first.date()} to {last.date()}"
        elif self.window == "day":
            period = f"on {start.date()}"
        else:
            period = f"{self.window} of {start.date()} to {end.date()}"
        mean = statistics.fmean(values)
        std = statistics.pstdev(values) if len(values) > 1 else 0.0
        low, high = min(values), max(values)
        low_at, high_at = extreme_times(times, values)  # the first reading at each extreme
        parts = [f"range {fmt_value(low)}–{fmt_value(high)}{u}",
                 f"lowest {fmt_value(low)}{u} at {fmt_time(low_at)}, "
                 f"highest {fmt_value(high)}{u} at {fmt_time(high_at)}",
                 f"mean {fmt_value(mean)}{u}"]
        change = fitted_change(times, values)
        span = "the period" if start is None else f"the {self.window}"
        if len(values) > 2:
            if abs(change) < FLAT_FRACTION * std or change == 0:
                parts.append(f"no clear trend over {span} (fitted change {signed(change)})")
            else:
                parts.append(f"trend {'rising' if change > 0 else 'falling'} {signed(change)} over {span}")
        meta: dict[str, Any] = {"signal": signal, "window": self.window if start else "all", "readings": len(values),
                                "min": low, "max": high, "mean": mean, "unit": unit,
                                "min_at": low_at.isoformat(), "max_at": high_at.isoformat(),
                                "first_at": first.isoformat(), "last_at": last.isoformat()}
        if limit is not None:
            for kind, bound in (("high", limit.high), ("low", limit.low)):
                if bound is None:
                    continue
                hits = crossings(times, values, bound, above=kind == "high")
                meta[f"{kind}_limit"], meta[f"{kind}_crossings"] = bound, len(hits)
                verb = "crossed the high limit" if kind == "high" else "fell below the low limit"
                if hits:
                    parts.append(f"{verb} {fmt_value(bound)}{u} {times_word(len(hits))} "
                                 f"(first {fmt_time(hits[0])}, last {fmt_time(hits[-1])})")
                else:
                    parts.append(f"stayed {'below the high' if kind == 'high' else 'above the low'} limit {fmt_value(bound)}{u}")
        outliers = [(t, v) for t, v in zip(times, values) if std > 0 and abs(v - mean) > OUTLIER_SIGMA * std]
        meta["outliers"] = len(outliers)
        if outliers:
            listed = ", ".join(f"{fmt_time(t)} = {fmt_value(v)}" for t, v in outliers[:MAX_LISTED])
            more = f" and {len(outliers) - MAX_LISTED} more" if len(outliers) > MAX_LISTED else ""
            parts.append(f"outliers (>3σ): {listed}{more}")
        else:
            parts.append("no outliers beyond 3σ")
        text = (f"{asset} — {signal}, {period} ({len(values)} readings, {cadence(times)}, "
                f"{fmt_time(first)} to {fmt_time(last)}): " + "; ".join(parts) + ".")
        key = start.date().isoformat() if start else "all"
        return SourceDocument(
            text=text, source=source, doc_type="sensor", title=f"{asset} {signal} sensor summary",
            record_id=f"sensor:{asset}:{signal}:{key}", asset=asset,
            date=(start or first).date().isoformat(), metadata=meta,
        )
