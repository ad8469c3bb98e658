"""Generate the sample sensor files under ``data/sample/sensors/``.

Run: ``python data/sample/src/make_sensors.py``. Deterministic (seeded NumPy generator).
Four weeks, 2026-09-07 (a Monday) to 2026-10-04, so weekly summary windows line up with
calendar weeks. Normal readings are clipped well inside the alarm limits in
``sensors/limits.yaml``; the only limit crossings are the anomalies placed below, each of
which matches a work order in ``work_orders.csv``:

- PRESS-04 hydraulic pressure dips below 150 bar four times (single readings) on
  2026-09-21..23, before the suction strainer work order of 2026-09-24.
- CNC-02 spindle temperature above 68 °C twice on 2026-09-14 (belt glazed, WO of 2026-09-15).
- CONV-03 motor current above 9.5 A twice on 2026-09-09 (belt tracking, WO of 2026-09-10) and
  belt speed below 0.68 m/s once on 2026-09-25 (belt slipping, F-05 WO of the same day).
- IMM-05 barrel zone 3 falls from 235 °C to 161.4 °C on 2026-09-29 (heater band, same-day WO).
- COMP-01 discharge temperature creeps up from 2026-09-24 to a 105.8 °C trip on 2026-10-01
  (oil cooler cleaned on 2026-10-02).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "sensors"
START = dt.datetime(2026, 9, 7)
DAYS = 28
SEED = 4711


def _times(step_min: int) -> list[dt.datetime]:
    return [START + dt.timedelta(minutes=step_min * i) for i in range(DAYS * 24 * 60 // step_min)]


def _daily(times: list[dt.datetime], amplitude: float) -> np.ndarray:
    """Day/night swing (warm hall in the afternoon)."""
    hours = np.array([t.hour + t.minute / 60 for t in times])
    return amplitude * np.sin((hours - 9) / 24 * 2 * np.pi)


def _at(times: list[dt.datetime], stamp: str) -> int:
    return times.index(dt.datetime.fromisoformat(stamp))


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _write_wide(path: Path, asset: str, times, signals: dict[str, np.ndarray], fmt: dict[str, str],
                skip: set[int] = frozenset()) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "asset", *signals])
        for i, t in enumerate(times):
            if i not in skip:
                w.writerow([_iso(t), asset, *(format(v[i], fmt[k]) for k, v in signals.items())])


def _write_long(path: Path, asset: str, times, signals: dict[str, tuple[np.ndarray, str, str]],
                epoch: bool = False) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["timestamp", "asset", "signal", "value", "unit"])
        for i, t in enumerate(times):
            stamp = str(int(t.replace(tzinfo=dt.timezone.utc).timestamp())) if epoch else _iso(t)
            for name, (values, unit, fmt) in signals.items():
                w.writerow([stamp, asset, name, format(values[i], fmt), unit])


def press(rng: np.random.Generator) -> None:
    t = _times(15)
    n = len(t)
    pressure = np.clip(209.5 + rng.normal(0, 1.3, n), 205.0, 213.5)
    # strainer loading up: pressure sags in the days before the work order
    sag = slice(_at(t, "2026-09-19T00:00:00"), _at(t, "2026-09-24T08:00:00"))
    pressure[sag] -= 3.0
    for stamp, value in [("2026-09-21T10:15:00", 142.6), ("2026-09-22T03:45:00", 146.9),
                         ("2026-09-22T14:30:00", 138.4), ("2026-09-23T09:00:00", 131.7)]:
        pressure[_at(t, stamp)] = value
    oil = np.clip(46 + _daily(t, 3.0) + rng.normal(0, 0.8, n), 38.0, 55.0)
    current = np.clip(37.8 + rng.normal(0, 0.9, n), 35.0, 40.5)
    downtime = set(range(_at(t, "2026-09-24T08:00:00"), _at(t, "2026-09-24T11:45:00")))
    _write_wide(OUT / "press04_hydraulics.csv", "PRESS-04", t,
                {"hydraulic_pressure": pressure, "oil_temp": oil, "pump_current": current},
                {"hydraulic_pressure": ".1f", "oil_temp": ".1f", "pump_current": ".1f"}, downtime)


def mill(rng: np.random.Generator) -> None:
    t = _times(15)
    n = len(t)
    temp = 39 + _daily(t, 2.5) + rng.normal(0, 0.7, n)
    # belt glazing: friction heat builds up over five days
    a, b = _at(t, "2026-09-10T00:00:00"), _at(t, "2026-09-15T10:00:00")
    temp[a:b] += np.linspace(0, 22, b - a)
    temp = np.clip(temp, 33.0, 67.0)
    temp[_at(t, "2026-09-14T11:30:00")] = 68.9
    temp[_at(t, "2026-09-14T15:45:00")] = 70.2
    load = np.clip(48 + rng.normal(0, 12, n), 8.0, 92.0)
    coolant = np.clip(24 + _daily(t, 1.5) + rng.normal(0, 0.5, n), 20.0, 29.0)
    _write_wide(OUT / "cnc02_spindle.csv", "CNC-02", t,
                {"spindle_temp": temp, "spindle_load": load, "coolant_temp": coolant},
                {"spindle_temp": ".1f", "spindle_load": ".0f", "coolant_temp": ".1f"})


def moulding(rng: np.random.Generator) -> None:
    t = _times(15)
    n = len(t)
    zone2 = np.clip(225 + rng.normal(0, 0.8, n), 222.0, 228.0)
    zone3 = np.clip(235 + rng.normal(0, 0.8, n), 232.0, 238.0)
    fall = [228.4, 219.0, 207.5, 196.2, 186.9, 179.3, 173.8, 169.5, 166.2, 164.0, 162.7, 161.9,
            161.4, 161.8, 175.2, 196.8, 214.1, 226.3, 233.1]  # heater dead 05:30, repaired ~09:00
    start = _at(t, "2026-09-29T05:30:00")
    zone3[start:start + len(fall)] = fall
    oil = np.clip(45 + _daily(t, 2.0) + rng.normal(0, 0.6, n), 41.0, 50.0)
    _write_wide(OUT / "imm05_barrel.csv", "IMM-05", t,
                {"zone2_temp": zone2, "zone3_temp": zone3, "oil_temp": oil},
                {"zone2_temp": ".1f", "zone3_temp": ".1f", "oil_temp": ".1f"})


def compressor(rng: np.random.Generator) -> None:
    t = _times(60)
    n = len(t)
    temp = 86 + _daily(t, 2.5) + rng.normal(0, 0.6, n)
    a, b = _at(t, "2026-09-24T00:00:00"), _at(t, "2026-10-02T09:00:00")
    temp[a:b] += np.linspace(0, 15, b - a)  # oil cooler clogging
    temp = np.clip(temp, 78.0, 103.9)
    temp[_at(t, "2026-10-01T14:00:00")] = 105.8  # S-14 trip, restarted after cooling
    temp[_at(t, "2026-10-01T15:00:00")] = 71.3
    pressure = np.clip(7.15 + rng.normal(0, 0.18, n), 6.8, 7.5)
    current = np.clip(91 + rng.normal(0, 2.5, n), 84.0, 97.0)
    _write_long(OUT / "comp01_readings.csv", "COMP-01", t,
                {"discharge_temp": (temp, "°C", ".1f"), "discharge_pressure": (pressure, "bar", ".2f"),
                 "motor_current": (current, "A", ".1f")})


def conveyor(rng: np.random.Generator) -> None:
    t = _times(15)
    n = len(t)
    current = 7.8 + rng.normal(0, 0.25, n)
    a, b = _at(t, "2026-09-08T06:00:00"), _at(t, "2026-09-10T10:00:00")
    current[a:b] += np.linspace(0, 1.0, b - a)  # belt starts rubbing the frame
    current = np.clip(current, 7.0, 9.3)
    current[_at(t, "2026-09-09T13:15:00")] = 10.3
    current[_at(t, "2026-09-09T20:45:00")] = 9.8
    speed = np.clip(0.80 + rng.normal(0, 0.004, n), 0.785, 0.815)
    speed[_at(t, "2026-09-25T07:15:00")] = 0.66  # F-05 slip, take-up jammed
    gearbox = np.clip(52 + _daily(t, 3.0) + rng.normal(0, 1.0, n), 45.0, 60.0)
    _write_long(OUT / "conv03_readings.csv", "CONV-03", t,
                {"motor_current": (current, "A", ".2f"), "belt_speed": (speed, "m/s", ".3f"),
                 "gearbox_temp": (gearbox, "°C", ".1f")}, epoch=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for make in (press, mill, moulding, compressor, conveyor):
        make(rng)
    for path in sorted(OUT.glob("*.csv")):
        print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
