"""Sensor questions (highest / lowest / mean / limit crossings) answered from the summary chunks.

Similarity search finds manual lines for "what was the highest spindle temperature on mill 2?",
and a small model cannot take the maximum of weekly maxima. The sensor summaries written at
ingest (``ingest/tables/sensors.py``) keep every figure in their metadata, so this route reads them:
it picks the asset's signal named in the question, the summaries of the period asked for (or
the whole-period one), and states the figure with its unit and time, citing the summaries.

    answerer = SensorAnswerer(store.chunks, registry=registry)
    result = answerer.answer("What was the highest spindle temperature logged on mill 2?", ["CNC-02"])
    result.text  # 'The highest spindle_temp recorded for CNC-02 was 70.2 °C on 2026-09-14 15:45 (...) [1].'

Conservative like ``history_query``: anything that is not clearly a question about recorded
readings of one named signal returns None, and the chain falls back to retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable, Literal, Sequence

from assistant.history.text import parse_date_range
from assistant.textutil import stem, strip_mentions
from assistant.types import Citation
from ingest.tables.sensor_stats import fmt_value
from ingest.tables.sensors import window_bounds
from ingest.types import Chunk

Stat = Literal["max", "min", "mean", "crossings", "summary"]

_STATS: list[tuple[str, Stat]] = [(r"highest|max|maximum|peak|hottest|warmest", "max"),
                                  (r"lowest|min|minimum|coldest|coolest", "min"),
                                  (r"average|avg|mean|typical|normal|usual", "mean")]
_RECORDED = re.compile(r"\b(was|were|did|had|has been|have been|got|went|reached|hit|recorded|logged|measured|"
                       r"observed|seen|sensors?|readings?|data)\b")
_PRESCRIPTIVE = re.compile(r"\b(should|must|allowed|permitted|permissible|rated|specs?|specification|recommended|"
                           r"required|supposed|design|nominal)\b")
_NOT_SUMMARY = re.compile(r"\b(when|why|who|which|how many|how often|cause\w*|work orders?|repair\w*|replac\w*|"
                          r"fail\w*|fault\w*|fix\w*|last|latest|first|set to|limit)\b")
_COUNT = re.compile(r"\b(how many times|how often|number of times)\b")
_LOW = re.compile(r"\b(below|under|beneath|fell|fall\w*|drop\w*|dipp?\w*|low(?:er)?)\b")
_HIGH = re.compile(r"\b(above|over|exceed\w*|beyond|rose|rise|rising|high(?:er)?)\b")
_BOUND = re.compile(r"\b(?:above|below|over|under|exceed\w*|beyond|than|the)\s+(\d+(?:\.\d+)?)|"
                    r"(\d+(?:\.\d+)?)\s*(?:%|°\s?[cf]\b|[a-zµ°/]{1,5}\s+)?\s*(?:limit|threshold|alarm)")

# Abbreviations in signal names (and questions) written out before stemming.
_ABBREV = {"temp": "temperature", "tmp": "temperature", "press": "pressure", "pres": "pressure",
           "curr": "current", "cur": "current", "amps": "current", "spd": "speed", "vib": "vibration",
           "pwr": "power", "hum": "humidity", "lvl": "level", "volt": "voltage", "freq": "frequency",
           "disch": "discharge", "suct": "suction", "hyd": "hydraulic", "mtr": "motor", "hottest": "temperature",
           "coldest": "temperature", "warmest": "temperature", "coolest": "temperature"}
_NEEDED = ("signal", "window", "min", "max", "mean")  # metadata every summary chunk carries
# Signal-name words that say nothing about which quantity it is ("oil_temp_value").
_GENERIC = {"value", "val", "reading", "sensor", "signal", "actual", "act", "pv", "meas", "measured", "raw",
            "to", "of", "the", "and", "in", "at", "on", "per"}


def terms(text: str) -> list[str]:
    """Normalised words: camelCase and letter/digit runs split, abbreviations expanded, stemmed.

    >>> terms("zone3_temp"), terms("Barrel zone 3 temperatures"), terms("motorCurr")
    (['zon', '3', 'temperatur'], ['barrel', 'zon', '3', 'temperatur'], ['motor', 'current'])
    """
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text).lower()
    out = []
    for word in re.findall(r"[a-z]+|\d+", text):
        out.append(str(int(word)) if word.isdigit() else stem(_ABBREV.get(word, word)))
    return out


@dataclass
class SensorQuery:
    """What a sensor question asks: a statistic, the words that name the signal, a period."""

    stat: Stat
    question: str
    words: set[str] = field(default_factory=set)  # normalised question words, asset and date removed
    date_from: str | None = None
    date_to: str | None = None
    period: str | None = None  # "in june 2020"
    direction: Literal["high", "low"] | None = None  # crossings: which limit
    bound: float | None = None  # crossings: the limit value the question names


def parse(question: str, phrases: Sequence[str] = (), today: date | None = None) -> SensorQuery | None:
    """A ``SensorQuery``, or None when the question is not about recorded readings.

    ``phrases`` are the asset's id, name and aliases, removed so "press 4" is not read as words.
    """
    q = " ".join(question.lower().split())
    if _PRESCRIPTIVE.search(q):
        return None  # "what is the maximum allowed pressure?" is a manual question
    stat: Stat | None = None
    if _COUNT.search(q):
        stat = "crossings" if re.search(r"\b(exceed\w*|cross\w*|above|over|below|under|beyond|limit|alarm\w*|"
                                        r"threshold)\b", q) else None
    elif _RECORDED.search(q):
        named = [s for pattern, s in _STATS if re.search(rf"\b({pattern})\b", q)]
        stat = named[0] if len(named) == 1 else "summary" if named else None  # "lowest and highest"
        if stat is None and re.match(r"^\s*(what|how)\s+(was|were|did)\b", q) and not _NOT_SUMMARY.search(q):
            stat = "summary"
    if stat is None:
        return None
    date_from, date_to, period, rest = parse_date_range(question, today or date.today())
    rest = strip_mentions(rest.lower(), phrases)
    if period:
        said = re.search(re.escape(period), question, re.IGNORECASE)
        period = said[0] if said else period
    query = SensorQuery(stat, question, set(terms(rest)), date_from, date_to, period)
    if stat == "crossings":
        low, high = bool(_LOW.search(rest)), bool(_HIGH.search(rest))
        query.direction = "low" if low and not high else "high" if high and not low else None
        m = _BOUND.search(rest)
        query.bound = float(m[1] or m[2]) if m else None
    return query


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
        if q.stat in ("max", "min"):
            # ``used`` is in date order and max/min return the first of equals: the earliest wins a tie
            pick = (max if q.stat == "max" else min)(used, key=lambda c: c.metadata[q.stat])
            value = pick.metadata[q.stat]
            when = _when(pick.metadata.get(f"{q.stat}_at"))
            word = "highest" if q.stat == "max" else "lowest"
            text = f"The {word} {name} was {fmt_value(value)}{unit}{when} ({scope}) [1]."
            return SensorResult(q, asset, signal, text, [_cite(1, pick)], value)
        cited = used[: self._max]
        marks = " ".join(f"[{n}]" for n in range(1, len(cited) + 1))
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
            return SensorResult(q, asset, signal, text, [_cite(i, c) for i, c in enumerate(cited, 1)], n)
        if len(used) == 1:
            mean = meta[0]["mean"]
        else:  # weighted by readings so a short window does not count as much as a full one
            mean = sum(m["mean"] * m.get("readings", 0) for m in meta) / readings if readings else None
        if mean is None:
            return None
        how = "" if len(used) == 1 else ", reading-weighted over the summaries"
        if q.stat == "mean":
            text = f"The mean {name} was {fmt_value(mean)}{unit} ({scope}, {readings} readings{how}) {marks}{more}."
            return SensorResult(q, asset, signal, text, [_cite(i, c) for i, c in enumerate(cited, 1)], mean)
        low = min(used, key=lambda c: c.metadata["min"])
        high = max(used, key=lambda c: c.metadata["max"])
        text = (f"{asset} {signal} ({scope}, {readings} readings): lowest {fmt_value(low.metadata['min'])}{unit}"
                f"{_when(low.metadata.get('min_at'))}, highest {fmt_value(high.metadata['max'])}{unit}"
                f"{_when(high.metadata.get('max_at'))}; mean {fmt_value(mean)}{unit}{how} {marks}{more}.")
        return SensorResult(q, asset, signal, text, [_cite(i, c) for i, c in enumerate(cited, 1)], mean)

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


def match_signal(words: set[str], signals: set[str]) -> str | None:
    """The signal whose every (non-generic) name word is in the question; the most specific wins,
    a tie between two signals is ambiguous (None).

    >>> match_signal(set(terms("lowest barrel zone 3 temperature")), {"zone2_temp", "zone3_temp", "oil_temp"})
    'zone3_temp'
    """
    scored = []
    for signal in signals:
        needed = {t for t in terms(signal) if t not in _GENERIC} or set(terms(signal))
        if needed and needed <= words:
            scored.append((len(needed), signal))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    return scored[0][1]


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


def _cite(n: int, c: Chunk) -> Citation:
    return Citation(n=n, chunk_id=c.chunk_id, source=c.source, doc_type="sensor", label=c.citation_label(),
                    excerpt=c.text[:600], record_id=c.record_id, asset=c.asset, cited=True, title=c.title)
