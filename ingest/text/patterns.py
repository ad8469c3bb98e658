"""Numbers, quantities (a number with its unit) and codes (E-204, MT010b) found in text."""

from __future__ import annotations

import re

from ingest.text.words import word_set

# A number not glued to a word or another number: "1,200", "8.80", "45" (not "E204", not "1.2.3").
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w])")
# A number with the unit written right after it: "8.80 N·m", "45%", "82 °C".
QUANTITY = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(%|°\s?[cf]\b|[a-zµ°][a-z·./²³-]{0,7})", re.IGNORECASE
)
# Identifiers: letters then digits, an optional dash, an optional letter after (E-204, MT010b, WO259747).
CODE = re.compile(r"\b[A-Za-z]{1,5}-?\d{1,6}[A-Za-z]?\b")
# Words that follow a number without being its unit ("3 or 4", "2 to 5", "4 x 10").
_NOT_UNITS = frozenset({"or", "and", "to", "x"})


def _normalise(whole: str, frac: str) -> str:
    value = whole.replace(",", "")
    frac = frac.rstrip("0")
    return f"{value}.{frac}" if frac else value


def numbers(text: str) -> list[str]:
    """Numbers in a text, normalised: thousands separators removed, '8.80' -> '8.8'.

    >>> numbers("1,200 rpm at 8.80 bar, step 3")
    ['1200', '8.8', '3']
    """
    return [_normalise(whole, frac) for whole, frac in NUMBER.findall(text)]


def quantities(text: str) -> list[str]:
    """Numbers with the unit written right after them, normalised: '8.80 N·m' -> '8.8 n·m'.

    A bare number can match anything ('3' is in most documents); a number with its unit is a
    claim that can be checked.

    >>> quantities("Torque to 8.80 N·m, 3 or 4")
    ['8.8 n·m']
    """
    stop = word_set("question_stop")
    out = []
    for whole, frac, unit in QUANTITY.findall(text):
        unit = re.sub(r"\s+", "", unit.lower()).rstrip(".")
        if unit in stop or unit in _NOT_UNITS:
            continue
        out.append(f"{_normalise(whole, frac)} {unit}")
    return out


def codes(text: str) -> list[str]:
    """Identifiers such as alarm codes, part or work-order numbers, in order, without repeats.

    >>> codes("E-204 then MT010b, E-204 again; pump")
    ['E-204', 'MT010b']
    """
    return [c for c in dict.fromkeys(CODE.findall(text)) if any(ch.isdigit() for ch in c)]
