"""Small text tools shared by history queries and procedures: topic stems and date ranges.

Words, stems and the word lists (stop, weak, failure, alternatives) come from ``ingest.text``.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from ingest.text import significant_words, stem, word_set, word_table  # noqa: F401  (re-exported)

WEAK_WORDS = word_set("weak")
FAILURE_STEMS = word_set("failure_stems")
ALTERNATIVES: dict[str, tuple[str, ...]] = word_table("alternatives")

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))


def stems_of(words: list[str]) -> list[str]:
    out: list[str] = []
    for word in words:
        s = stem(word)
        if s not in out:
            out.append(s)
    return out


def topic_groups(words: list[str]) -> tuple[list[tuple[str, ...]], bool]:
    """Stem groups a row must all match (any alternative per group), and whether the topic
    asked for failures (generic failure words become a corrective-event filter).

    >>> topic_groups(["suction", "strainer", "replaced"])
    ([('suct',), ('strainer',), ('replac', 'repl', 'chang', 'chng', 'chgd', 'swap', 'renew', 'exchang', 'fitted new')], False)
    """
    groups: list[tuple[str, ...]] = []
    failure = False
    for word in words:
        s = stem(word)
        if s in FAILURE_STEMS:
            failure = True
        elif word not in WEAK_WORDS:
            group = ALTERNATIVES.get(s, (s,))
            if group not in groups:
                groups.append(group)
    return groups, failure


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _point(text: str, *, end: bool) -> date | None:
    """'2024', 'March 2024', '2024-03', '2024-03-05' as the first (or last) day it covers."""
    text = text.strip().lower()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        return date(int(m[1]), int(m[2]), int(m[3]))
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if m:
        y, mo = int(m[1]), int(m[2])
        return _month_end(y, mo) if end else date(y, mo, 1)
    m = re.fullmatch(rf"({MONTH_RE})\.?,?\s+(\d{{4}})", text)
    if m:
        y, mo = int(m[2]), _MONTHS[m[1]]
        return _month_end(y, mo) if end else date(y, mo, 1)
    m = re.fullmatch(r"(\d{4})", text)
    if m:
        return date(int(m[1]), 12, 31) if end else date(int(m[1]), 1, 1)
    return None


_POINT = rf"(?:\d{{4}}-\d{{1,2}}(?:-\d{{1,2}})?|(?:{MONTH_RE})\.?,?\s+\d{{4}}|\d{{4}})"
_UNITS = {"day": 1, "week": 7}


def parse_date_range(question: str, today: date) -> tuple[str | None, str | None, str | None, str]:
    """Find one date expression. Returns (date_from, date_to, label, question without it).

    Handles 'in 2025', 'in March 2024', 'this/last year', 'this/last month', 'since March 2024',
    'before 2020', 'between 2019 and 2021', 'from X to Y', 'last 6 months', 'past 30 days'.
    """
    q = question
    lower = q.lower()
    iso = date.isoformat

    def done(start: date | None, stop: date | None, label: str, m: re.Match) -> tuple:
        rest = (q[: m.start()] + " " + q[m.end():]).strip()
        return (iso(start) if start else None, iso(stop) if stop else None, label, rest)

    m = re.search(rf"\b(?:between|from)\s+({_POINT})\s+(?:and|to|until|till|-)\s+({_POINT})\b", lower)
    if m:
        a, b = _point(m[1], end=False), _point(m[2], end=True)
        return done(a, b, f"between {m[1]} and {m[2]}", m)
    m = re.search(r"\b(?:in\s+|during\s+|over\s+)?(?:the\s+)?(?:last|past|previous)\s+(\d+)\s+(day|week|month|year)s?\b",
                  lower)
    if m:
        n, unit = int(m[1]), m[2]
        start = (_shift_months(today, n * (12 if unit == "year" else 1)) if unit in ("month", "year")
                 else today - timedelta(days=n * _UNITS[unit]))
        return done(start, today, f"in the last {n} {unit}s", m)
    m = re.search(r"\b(?:in\s+|during\s+)?(this|last|previous)\s+(year|month)\b", lower)
    if m:
        if m[2] == "year":
            y = today.year - (0 if m[1] == "this" else 1)
            return done(date(y, 1, 1), date(y, 12, 31) if m[1] != "this" else today, f"{m[1]} year ({y})", m)
        first = today.replace(day=1) if m[1] == "this" else _shift_months(today.replace(day=1), 1)
        stop = today if m[1] == "this" else _month_end(first.year, first.month)
        return done(first, stop, f"{m[1]} month ({first:%Y-%m})", m)
    m = re.search(rf"\b(since|after|from)\s+({_POINT})\b", lower)
    if m:
        return done(_point(m[2], end=False), None, f"since {m[2]}", m)
    m = re.search(rf"\b(before|until|prior to)\s+({_POINT})\b", lower)
    if m:
        stop = _point(m[2], end=False)
        return done(None, stop - timedelta(days=1) if stop else None, f"before {m[2]}", m)
    m = re.search(rf"\b(in|during|for|of|on)\s+({_POINT})\b", lower)
    if m:
        return done(_point(m[2], end=False), _point(m[2], end=True), f"{'on' if m[1] == 'on' else 'in'} {m[2]}", m)
    return None, None, None, question
