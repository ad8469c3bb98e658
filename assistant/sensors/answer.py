"""Sensor questions (highest / lowest / mean / limit crossings) answered from the summary chunks.

Similarity search finds manual lines for "what was the highest spindle temperature on mill 2?",
and a small model cannot take the maximum of weekly maxima. The sensor summaries written at
ingest (``ingest/tables/sensors.py``) keep every figure in their metadata, so this route reads them:
it picks the asset's signal named in the question, the summaries of the period asked for (or
the whole-period one), and states the figure with its unit and time, citing the summaries, and last
the computation where a figure is in none of them (``computed_citation``).

    answerer = SensorAnswerer(store.chunks, registry=registry)
    result = answerer.answer("What was the highest spindle temperature logged on mill 2?", ["CNC-02"])
    result.text  # 'The highest spindle_temp recorded for CNC-02 was 70.2 °C on 2026-09-14 15:45 (...) [1].'

Conservative like ``history_query``: anything that is not clearly a question about recorded
readings of one named signal returns None, and the chain falls back to retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Sequence

from assistant.sensors.query import SensorQuery, match_signal, parse
from assistant.types import Citation, computed_citation
from ingest.tables.sensor_stats import fmt_value
from ingest.tables.sensors import window_bounds
from ingest.types import Chunk

_NEEDED = ("signal", "window", "min", "max", "mean")  # metadata every summary chunk carries


@dataclass
class SensorResult:
    query: SensorQuery
    asset: str
    signal: str
    text: str
    citations: list[Citation]
    figure: float | int | None = None


class SensorAnswerer:
    """Answers sensor questions from the current index chunks (``chunks`` is called per question,
    so a re-ingest is seen). ``registry`` supplies asset names and aliases to ignore as words."""

    def __init__(self, chunks: Callable[[], Sequence[Chunk]], registry=None, today: date | None = None,
                 max_cited: int = 10) -> None:
        if max_cited < 1:
            raise ValueError("max_cited must be at least 1")
        self._chunks = chunks
        self._registry = registry
        self._today = today
        self._max = max_cited

    def answer(self, question: str, assets: Sequence[str]) -> SensorResult | None:
        # every question passes here before retrieval: skip the chunk scan unless it can be ours
        if not assets or parse(question, [p for a in assets for p in self._phrases(a)], self._today) is None:
            return None
        by_asset: dict[str, list[Chunk]] = {}
        for c in self._chunks():
            if c.doc_type == "sensor" and c.asset in assets and all(k in c.metadata for k in _NEEDED):
                by_asset.setdefault(c.asset, []).append(c)
        found = []
        for asset, chunks in by_asset.items():
            query = parse(question, self._phrases(asset), self._today)
            if query is None:
                return None
            signal = match_signal(query.words, {c.metadata["signal"] for c in chunks})
            if signal:
                found.append((asset, signal, query, [c for c in chunks if c.metadata["signal"] == signal]))
        if len(found) != 1:
            return None  # no asset with sensor data, no signal named, or several assets match
        asset, signal, query, chunks = found[0]
        return self._answer(query, asset, signal, chunks)

    def _phrases(self, asset: str) -> list[str]:
        return self._registry.phrases(asset) if hasattr(self._registry, "phrases") else [asset]

    def _answer(self, q: SensorQuery, asset: str, signal: str, chunks: list[Chunk]) -> SensorResult | None:
        whole = next((c for c in chunks if c.metadata.get("window") == "all"), None)
        windows = sorted((c for c in chunks if c.metadata.get("window") != "all"), key=lambda c: c.date or "")
        used, scope = self._select(q, whole, windows)
        if not used:
            if whole is None or not q.period:
                return None
            text = f"No {signal} readings for {asset} fall {q.period}; the sensor data covers {_span_text(whole)} [1]."
            return SensorResult(q, asset, signal, text, [_cite(1, whole)])
        meta = [c.metadata for c in used]
        unit = f" {meta[0]['unit']}" if meta[0].get("unit") else ""
        name = f"{signal} recorded for {asset}"
        # the computation, cited after the summaries, where a figure is in none of them: one taken over several
        # summaries, a crossing count (a summary writes "twice"), or the asset's id where the summaries name it
        # otherwise ("Chiller 6" for CWC04006)
        traced = len(used) > 1 or q.stat == "crossings" or asset.lower() not in " ".join(c.text.lower() for c in used)
        trace = [f"Sensor summaries of {signal} for {asset} ({scope})."]
        if q.stat in ("max", "min"):
            # ``used`` is in date order and max/min return the first of equals: the earliest wins a tie
            pick = (max if q.stat == "max" else min)(used, key=lambda c: c.metadata[q.stat])
            value = pick.metadata[q.stat]
            when = _when(pick.metadata.get(f"{q.stat}_at"))
            word = "highest" if q.stat == "max" else "lowest"
            text = f"The {word} {name} was {fmt_value(value)}{unit}{when} ({scope}) [1]{' [2]' if traced else ''}."
            trace.append(f"The {word} of their {word} values: {fmt_value(value)}{unit}{when}.")
            return _with_trace(SensorResult(q, asset, signal, text, [_cite(1, pick)], value), trace if traced else [])
        cited = used[: self._max]
        marks = " ".join(f"[{n}]" for n in range(1, len(cited) + 1 + traced))  # the summaries', the computation's
        more = f" (the first {len(cited)} of {len(used)} summaries cited)" if len(used) > len(cited) else ""
        readings = sum(m.get("readings", 0) for m in meta)
        if q.stat == "crossings":
            kind = q.direction or _only_limit(meta) or next(
                (k for k in ("high", "low") if q.bound is not None and _limit(used[0], k) == q.bound), None)
            bound = _limit(used[0], kind) if kind else None
            if bound is None or (q.bound is not None and abs(q.bound - bound) > 1e-9) or \
                    any(f"{kind}_crossings" not in m for m in meta):
                return None  # no recorded limit, or not the one asked about: the summaries cannot say
            # summed over windows, a run that spans a window boundary counts once in each window
            n = sum(m[f"{kind}_crossings"] for m in meta)
            verb = "went above the high limit" if kind == "high" else "fell below the low limit"
            text = (f"{asset} {signal} {verb} {fmt_value(bound)}{unit} {n} time{'s' if n != 1 else ''} ({scope}; "
                    f"a run of readings beyond the limit counts once) {marks}{more}.")
            trace.append(f"Runs of readings beyond the {kind} limit {fmt_value(bound)}{unit}, summary by summary: "
                         + " + ".join(str(m[f"{kind}_crossings"]) for m in meta) + f" = {n}.")
            return _with_trace(SensorResult(q, asset, signal, text, [_cite(i, c) for i, c in enumerate(cited, 1)],
                                            n), trace if traced else [])
        if len(used) == 1:
            mean = meta[0]["mean"]
        else:  # weighted by readings so a short window does not count as much as a full one
            mean = sum(m["mean"] * m.get("readings", 0) for m in meta) / readings if readings else None
        if mean is None:
            return None
        how = "" if len(used) == 1 else ", reading-weighted over the summaries"
        trace.append(f"Readings: {' + '.join(str(m.get('readings', 0)) for m in meta)} = {readings}; mean"
                     + (f" of each summary: {', '.join(fmt_value(m['mean']) for m in meta)}; weighted by its readings"
                        if len(used) > 1 else "") + f": {fmt_value(mean)}{unit}.")
        if q.stat == "mean":
            text = f"The mean {name} was {fmt_value(mean)}{unit} ({scope}, {readings} readings{how}) {marks}{more}."
            return _with_trace(SensorResult(q, asset, signal, text, [_cite(i, c) for i, c in enumerate(cited, 1)],
                                            mean), trace if traced else [])
        low = min(used, key=lambda c: c.metadata["min"])
        high = max(used, key=lambda c: c.metadata["max"])
        text = (f"{asset} {signal} ({scope}, {readings} readings): lowest {fmt_value(low.metadata['min'])}{unit}"
                f"{_when(low.metadata.get('min_at'))}, highest {fmt_value(high.metadata['max'])}{unit}"
                f"{_when(high.metadata.get('max_at'))}; mean {fmt_value(mean)}{unit}{how} {marks}{more}.")
        trace.append(f"Lowest of the lowest values {fmt_value(low.metadata['min'])}{unit}, highest of the highest "
                     f"{fmt_value(high.metadata['max'])}{unit}.")
        return _with_trace(SensorResult(q, asset, signal, text, [_cite(i, c) for i, c in enumerate(cited, 1)], mean),
                           trace if traced else [])

    @staticmethod
    def _select(q: SensorQuery, whole: Chunk | None, windows: list[Chunk]) -> tuple[list[Chunk], str]:
        """The summaries for the period asked (the whole-period one when it fits inside) and a label."""
        if not (q.date_from or q.date_to):
            return ([whole], f"whole sensor period {_span_text(whole)}") if whole else (windows, "all summaries")
        lo, hi = q.date_from or "0000", q.date_to or "9999"
        if whole and lo <= _span(whole)[0] and _span(whole)[1] <= hi:
            return [whole], f"{q.period}; whole sensor period {_span_text(whole)}"
        used = [c for c in windows if _span(c)[0] <= hi and lo <= _span(c)[1]]
        if not used:
            return [], ""
        first, last = _span(used[0])[0], _span(used[-1])[1]
        kind = used[0].metadata.get("window") or "window"
        noun = "summary" if len(used) == 1 else "summaries"
        scope = f"{q.period}: {len(used)} {kind} {noun} with readings {first} to {last}"
        if first < lo or last > hi:
            scope += ", partly outside that period"  # a summary cannot be split
        return used, scope


def _span(c: Chunk) -> tuple[str, str]:
    """First and last date with readings in a summary (older indexes: the window's bounds)."""
    m = c.metadata
    if m.get("first_at") and m.get("last_at"):
        return m["first_at"][:10], m["last_at"][:10]
    found = re.search(r"whole period (\d{4}-\d\d-\d\d) to (\d{4}-\d\d-\d\d)", c.text)
    if found:
        return found[1], found[2]
    start = date.fromisoformat(c.date) if c.date else date.min
    if m.get("window") in ("day", "week", "month"):
        end = window_bounds(datetime(start.year, start.month, start.day), m["window"])[1] - timedelta(days=1)
        return start.isoformat(), end.date().isoformat()
    return start.isoformat(), start.isoformat()


def _span_text(c: Chunk) -> str:
    first, last = _span(c)
    return f"{first} to {last}"


def _when(iso: str | None) -> str:
    """' on 2026-09-14 15:45'; empty for summaries ingested before the extremes were timed."""
    return f" on {iso.replace('T', ' ')[:16]}" if iso else ""


def _only_limit(meta: list[dict]) -> str | None:
    kinds = {k for k in ("high", "low") if all(f"{k}_crossings" in m for m in meta)}
    return kinds.pop() if len(kinds) == 1 else None


def _limit(c: Chunk, kind: str) -> float | None:
    if c.metadata.get(f"{kind}_limit") is not None:
        return float(c.metadata[f"{kind}_limit"])
    m = re.search(rf"\b{kind} limit (-?\d+(?:\.\d+)?)", c.text)  # summaries from before the key existed
    return float(m[1]) if m else None


def _with_trace(result: SensorResult, trace: list[str]) -> SensorResult:
    """``result`` citing its computation last (``computed_citation``), as its text's last marker does; as it was
    without an empty ``trace``."""
    if not trace:
        return result
    source = result.citations[0].source if result.citations else ""
    result.citations.append(computed_citation(len(result.citations) + 1, source, "\n".join(trace)))
    return result


def _cite(n: int, c: Chunk) -> Citation:
    return Citation(n=n, chunk_id=c.chunk_id, source=c.source, doc_type="sensor", label=c.citation_label(),
                    excerpt=c.text[:600], record_id=c.record_id, asset=c.asset, cited=True, title=c.title)
