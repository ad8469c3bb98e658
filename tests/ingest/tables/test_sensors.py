"""Sensor summaries: exact numbers on hand-made series, layouts, windows, limits."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ingest.router import Router, classify
from ingest.tables.sensors import SensorLimit, SensorSummarizer, crossings, detect_layout, load_limits
from ingest.tables.table import read_table
from ingest.types import IngestError

# 2020-06-03 is a Wednesday: its ISO week runs 2020-06-01 .. 2020-06-07.
VALUES = [45, 46, 49, 47, 49.5, 50, 46, 45]


def long_csv(tmp_path: Path, values=VALUES, name="press.csv") -> Path:
    lines = ["timestamp,asset,signal,value,unit"]
    for i, v in enumerate(values):
        lines.append(f"2020-06-03T{i // 4:02d}:{(i % 4) * 15:02d}:00,CH-6,supply_temperature,{v},°F")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def summarize(path: Path, window="week", limits=None):
    table = read_table(path)
    return SensorSummarizer(window, limits).load(table, detect_layout(table))


class TestSummaries:
    def test_timestamps_written_day_first_are_read_day_first(self, tmp_path):
        # "13/06/2020" shows day / month: "03/06/2020" is 3 June (not 6 March), so the period runs 3 to 13 June
        path = tmp_path / "log.csv"
        path.write_text("timestamp,asset,signal,value\n03/06/2020 10:00,CH-6,temp,45\n13/06/2020 10:00,CH-6,temp,47\n",
                        encoding="utf-8")
        table = read_table(path)
        overall = SensorSummarizer("week", None).load(table, detect_layout(table)).documents[-1]
        assert "whole period 2020-06-03 to 2020-06-13" in overall.text, overall.text

    def test_long_layout_exact_numbers_and_crossings(self, tmp_path):
        limits = [SensorLimit("*", "Supply Temperature", None, 48.0)]
        result = summarize(long_csv(tmp_path), limits=limits)
        week, overall = result.documents
        assert week.text == (
            "CH-6 — supply_temperature, week of 2020-06-01 to 2020-06-07 (8 readings, 15-min, "
            "2020-06-03 00:00 to 2020-06-03 01:45): range 45–50 °F; "
            "lowest 45 °F at 2020-06-03 00:00, highest 50 °F at 2020-06-03 01:15; mean 47.19 °F; "
            "no clear trend over the week (fitted change +0.458); "
            "crossed the high limit 48 °F twice (first 2020-06-03 00:30, last 2020-06-03 01:00); "
            "no outliers beyond 3σ."
        )
        assert (week.doc_type, week.asset, week.date) == ("sensor", "CH-6", "2020-06-01")
        assert week.record_id == "sensor:CH-6:supply_temperature:2020-06-01"
        assert week.metadata["high_crossings"] == 2 and week.metadata["mean"] == 47.1875
        assert week.metadata["high_limit"] == 48.0 and "low_limit" not in week.metadata
        # 45 is read twice (00:00 and 01:45): the first time is the one reported
        assert (week.metadata["min_at"], week.metadata["max_at"]) == ("2020-06-03T00:00:00", "2020-06-03T01:15:00")
        assert (week.metadata["first_at"], week.metadata["last_at"]) == ("2020-06-03T00:00:00", "2020-06-03T01:45:00")
        assert overall.record_id == "sensor:CH-6:supply_temperature:all"
        assert "whole period 2020-06-03 to 2020-06-03" in overall.text

    def test_low_limit_and_asset_specific_limit_wins(self, tmp_path):
        limits = [SensorLimit("*", "supply_temperature", 40, 60, "°C"),
                  SensorLimit("ch-6", "supply_temperature", 46, None, "°F")]
        text = summarize(long_csv(tmp_path), window="all", limits=limits).documents[0].text
        assert "fell below the low limit 46 °F twice (first 2020-06-03 00:00, last 2020-06-03 01:45)" in text
        assert "high limit" not in text

    def test_stayed_within_limit(self, tmp_path):
        text = summarize(long_csv(tmp_path), window="all", limits=[SensorLimit("*", "supply_temperature", None, 55)]).documents[0].text
        assert "stayed below the high limit 55" in text

    def test_outlier_named_with_timestamp(self, tmp_path):
        values = [10.0] * 19 + [30.0]
        values[7], values[19] = 30.0, 10.0  # the spike is the 8th reading, 01:45
        text = summarize(long_csv(tmp_path, values), window="all").documents[0].text
        assert "outliers (>3σ): 2020-06-03 01:45 = 30" in text
        assert "mean 11 °F" in text

    def test_rising_trend_is_the_fitted_change(self, tmp_path):
        text = summarize(long_csv(tmp_path, list(range(10))), window="all").documents[0].text
        assert "trend rising +9 over the period" in text

    def test_crossings_count_runs_not_readings(self):
        t = [datetime(2020, 1, 1, h) for h in range(6)]
        assert crossings(t, [50, 50, 10, 50, 10, 10], 48, above=True) == [t[0], t[3]]
        assert crossings(t, [50, 50, 10, 50, 10, 10], 20, above=False) == [t[2], t[4]]

    def test_wide_jsonl_epoch_seconds_daily_windows(self, tmp_path):
        path = tmp_path / "chiller.jsonl"
        start = int(datetime(2020, 6, 1, tzinfo=timezone.utc).timestamp())
        rows = [{"asset_id": "Chiller 6", "timestamp": start + i * 3600, "tonnage": 100 + i, "power": 5.0}
                for i in range(30)]
        rows[3].pop("power")  # missing readings are normal in wide exports
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
        kind, result = Router(10, sensor_window="day").load(path)
        assert kind == "sensor"
        ids = [d.record_id for d in result.documents]
        assert ids == ["sensor:Chiller 6:power:2020-06-01", "sensor:Chiller 6:power:2020-06-02", "sensor:Chiller 6:power:all",
                       "sensor:Chiller 6:tonnage:2020-06-01", "sensor:Chiller 6:tonnage:2020-06-02", "sensor:Chiller 6:tonnage:all"]
        assert "power, on 2020-06-01 (23 readings, 1-h, 2020-06-01 00:00 to 2020-06-01 23:00): range 5–5" in result.documents[0].text
        assert "(6 readings, 1-h" in result.documents[4].text and "range 124–129" in result.documents[4].text
        assert "lowest 124 at 2020-06-02 00:00, highest 129 at 2020-06-02 05:00" in result.documents[4].text
        assert result.documents[5].metadata["max_at"] == "2020-06-02T05:00:00"

    def test_monthly_window_and_bad_rows(self, tmp_path):
        path = tmp_path / "s.csv"
        good = [f"2024-0{1 if d < 2 else 2}-{31 if d == 1 else d - 1:02d} 10:00,{150 - d}" for d in range(1, 11)]
        path.write_text("time,pressure\n" + "\n".join(good[:2]) + "\nnever,1\n2024-02-02 10:00,n/a\n"
                        + "\n".join(good[2:]) + "\n", encoding="utf-8")
        result = summarize(path, window="month")
        assert [d.record_id for d in result.documents] == ["sensor:s:pressure:2024-01-01", "sensor:s:pressure:2024-02-01",
                                                         "sensor:s:pressure:all"]
        assert "s.csv line 4: unreadable timestamp 'never'; row skipped" in result.warnings
        assert "s.csv line 5: pressure value 'n/a' is not a number; ignored" in result.warnings

    def test_unknown_window_refused(self):
        with pytest.raises(ValueError, match="unknown sensor window 'year'"):
            SensorSummarizer("year")


class TestLayoutAndLimits:
    def test_event_table_with_text_columns_is_not_a_sensor_series(self, tmp_path):
        path = tmp_path / "anomaly_events.csv"
        path.write_text("timestamp,KPI,asset_name,value,upper_bound\n4/26/20 14:14,Cooling Load,chiller 9,2,3\n")
        assert classify(read_table(path)) == "records"

    def test_limits_from_yaml_and_csv(self, tmp_path):
        yml = tmp_path / "limits.yaml"
        yml.write_text("- {asset: PRESS-04, signal: hydraulic_pressure, low: 150, unit: bar}\n")
        csv_file = tmp_path / "limits.csv"
        csv_file.write_text("asset,signal,low,high,unit\n*,oil_temp,,60,°C\n", encoding="utf-8")
        assert load_limits(yml) == [SensorLimit("PRESS-04", "hydraulic_pressure", 150.0, None, "bar")]
        assert load_limits(csv_file) == [SensorLimit("*", "oil_temp", None, 60.0, "°C")]

    def test_limit_without_bounds_names_line(self, tmp_path):
        bad = tmp_path / "limits.csv"
        bad.write_text("asset,signal,low,high\nP1,oil_temp,,\n")
        with pytest.raises(IngestError, match="limits.csv line 2: limit for 'oil_temp' has neither low nor high"):
            load_limits(bad)
