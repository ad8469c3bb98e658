"""A sensor question read as a ``SensorQuery``: the statistic asked (highest / lowest / mean / limit
crossings / a summary), the words naming the signal, the period; None when it is not about recorded readings.

    query = parse("What was the highest spindle temperature logged on mill 2?", ["mill 2", "CNC-02"])
    query.stat, match_signal(query.words, {"spindle_temp", "coolant_temp"})   # ('max', 'spindle_temp')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Sequence

from assistant.history.text import parse_date_range
from assistant.textutil import stem, strip_mentions

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
# Signal-name words that say nothing about which quantity it is ("oil_temp_value").
_GENERIC = {"value", "val", "reading", "sensor", "signal", "actual", "act", "pv", "meas", "measured", "raw",
            "to", "of", "the", "and", "in", "at", "on", "per"}


def terms(text: str) -> list[str]:
    """Normalised words: camelCase and letter/digit runs split, abbreviations expanded, stemmed.

    >>> terms("zone3_temp"), terms("Barrel zone 3 temperatures"), terms("motorCurr")
    (['zone', '3', 'temperatur'], ['barrel', 'zone', '3', 'temperatur'], ['motor', 'current'])
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
