"""Pure number and time helpers for the sensor summaries (and the answers read from them).

The summary text and ``assistant.sensors`` format values with the same ``fmt_value``, so
a figure stated in an answer is character-for-character the one in the cited summary.

>>> fmt_value(131.70), fmt_value(105.83), fmt_value(0.6612), fmt_value(24.0174)
('131.7', '105.8', '0.661', '24.02')
"""

from __future__ import annotations

import statistics
from datetime import datetime


def fmt_value(x: float) -> str:
    """2 decimals from 1 up, 3 below; trailing zeros dropped (a reading logged as 1941.6234 is
    quoted as 1941.62, not rounded to a figure nobody can find in the export)."""
    digits = 2 if abs(x) >= 1 else 3
    text = f"{x:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_time(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M")


def cadence(times: list[datetime]) -> str:
    """'15-min', '1-h', or 'irregular, median gap 2.5 h'."""
    if len(times) < 2:
        return "single reading"
    step = statistics.median((b - a).total_seconds() for a, b in zip(times, times[1:]))
    for size, name in ((86400, "day"), (3600, "h"), (60, "min"), (1, "s")):
        if step >= size and step % size == 0 and step // size <= 60:
            return f"{int(step // size)}-{name}"
    for size, name in ((86400, "days"), (3600, "h"), (60, "min")):
        if step >= size:
            return f"irregular, median gap {step / size:.1f} {name}"
    return f"irregular, median gap {step:.1f} s"


def extreme_times(times: list[datetime], values: list[float]) -> tuple[datetime, datetime]:
    """When the lowest and the highest reading first occurred."""
    low = min(range(len(values)), key=lambda i: (values[i], i))
    high = min(range(len(values)), key=lambda i: (-values[i], i))
    return times[low], times[high]


def crossings(times: list[datetime], values: list[float], bound: float, *, above: bool) -> list[datetime]:
    """Timestamps where the series goes beyond ``bound`` (a run of readings beyond it counts once)."""
    hits, outside = [], False
    for t, v in zip(times, values):
        now = v > bound if above else v < bound
        if now and not outside:
            hits.append(t)
        outside = now
    return hits


def fitted_change(times: list[datetime], values: list[float]) -> float:
    """Least-squares slope times the span: how much the series moved from first to last reading."""
    if len(values) < 2:
        return 0.0
    xs = [(t - times[0]).total_seconds() for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(values)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return 0.0
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, values)) / sxx
    return slope * (xs[-1] - xs[0])


def signed(x: float) -> str:
    return ("+" if x >= 0 else "−") + fmt_value(abs(x))


def times_word(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"
