"""Small text tools shared by history queries and procedures: light stemming and date ranges.

The stemmer is deliberately light: it must make 'failures' / 'failed' / 'failure' meet at
'fail' and 'plugging' / 'plugged' at 'plug', while the stem is then matched as a word
*prefix*, so over-stemming is harmless and under-stemming only costs recall.

>>> stem("failures"), stem("plugging"), stem("leaking"), stem("strainers")
('fail', 'plug', 'leak', 'strainer')
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

STOP_WORDS = frozenset("""
a an the of for on in at to with by from and or but not no is are was were be been being do does did
done have has had having it its this that these those there their they them he she we you i me my our
your what which who whom whose when where why how many much often number count times time any all
some each every per about into over under after before during since between than then so as if
can could should would will shall may might must ever yet also just only up down out off
last latest first earliest recent most recently least top ever happen happened occur occurred
show list give display tell find get see please total sum overall amount
work order orders wo wos workorder workorders record records history entry entries ticket tickets
job jobs event events occurrence occurrences incident incidents instance instances case cases
hours hour downtime cost costs counting including whole raised opened logged done performed carried
common frequent frequently often come comes came
repair repairs maintenance asset assets machine machines equipment unit units one ones
year years month months week weeks day days today ago past
corrective preventive preventative planned unplanned scheduled unscheduled pm
""".split())

# Words that describe how bad something was rather than what it was ("high discharge temp"
# is logged as "disch temp 101C"): shown in the topic, not required in the row.
WEAK_WORDS = frozenset("high higher low lower excessive abnormal again repeated repeatedly intermittent "
                       "constant constantly sudden suddenly severe minor major".split())

# Generic failure words mean "a corrective event", not a literal word in the row.
FAILURE_STEMS = frozenset({"fail", "fault", "break", "breakdown", "malfunct", "defect", "problem", "issu",
                           "troubl"})

# Common CMMS abbreviations and synonyms, keyed by our stem. Each alternative is matched as a
# word prefix, so an abbreviation that is a prefix of the full word ("temp") replaces it.
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "replac": ("replac", "repl", "chang", "chng", "chgd", "swap", "renew", "exchang", "fitted new"),
    "chang": ("replac", "repl", "chang", "chng", "chgd", "swap", "renew", "exchang", "fitted new"),
    "clean": ("clean", "flush", "blew out", "blown out", "degreas"),
    "check": ("check", "chk", "chec"),
    "inspect": ("inspect", "insp"),
    "temperatur": ("temp",),
    "discharg": ("disch",),
    "suct": ("suct",),
    "bearing": ("bearing", "brg"),
    "cylinder": ("cyl",),
    "motor": ("motor", "mtr"),
    "hydraulic": ("hyd",),
    "vibrat": ("vib",),
    "lubricat": ("lub",),
    "assembly": ("assembl", "assy"),
    "adjust": ("adj",),
    "plug": ("plug", "clog", "block", "chok"),
    "clog": ("plug", "clog", "block", "chok"),
    "block": ("plug", "clog", "block", "chok"),
}

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

# Irregular forms the suffix rules below get wrong.
_IRREGULAR = {"broken": "break", "broke": "break", "leakage": "leak", "blockage": "block",
              "ran": "run", "running": "run", "stopped": "stop", "tripped": "trip"}


def stem(word: str) -> str:
    """Lower-case light stem: strips plural, -ing, -ed, -ure (failure), -ment, -ion, final -e."""
    w = word.lower()
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "shes", "ches", "xes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix, keep in (("ing", 3), ("ed", 4), ("ment", 3), ("ion", 4)):
        if w.endswith(suffix) and len(w) - len(suffix) >= keep:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # plugg -> plug, clogg -> clog
            break
    if w.endswith("ilure"):
        w = w[:-3]  # failure -> fail
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]  # replace / replaced -> replac
    return w


def significant_words(text: str, extra_stop: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Words of a topic minus stop words and bare numbers, in order, without repeats."""
    out: list[str] = []
    for word in re.findall(r"(?<![0-9])(?:[a-z][a-z0-9/-]*[a-z0-9]|[a-z])", text.lower()):  # not units: "118hz"
        for part in re.split(r"[-/]", word):
            if len(part) < 2 or part in STOP_WORDS or part in extra_stop or part.isdigit():
                continue
            if part not in out:
                out.append(part)
    return out


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
