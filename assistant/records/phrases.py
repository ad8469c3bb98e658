"""The English phrases that say what to compute over a record table (``query.RecordQueryParser``).

What to filter on and what to rank by is read from the table's own values and column names; only
these say whether a question counts rows, asks for the latest or oldest one, or ranks a column's
values, and which value it leaves out. A plant writing in another language adds its own patterns here.
"""

from __future__ import annotations

import re

COUNT = re.compile(r"\bhow many\b|\btotal\b|(?:^|\b(?:the|a|total)\s+)number of\b|\bcount\b")
# ranked by the order tried: "which brand ended up end of life most often, how many" ranks
INTENTS = (
    ("most", re.compile(r"\b(?:most(?!\s+recent)|commonest|top)\b")),
    ("least", re.compile(r"\b(?:least|fewest|rarest)\b")),
    ("count", COUNT),
    ("latest", re.compile(r"\b(?:last|latest|most recent|newest)\b")),
    ("first", re.compile(r"\b(?:first|oldest|earliest)\b")),
)
# What to compute over a number column the question names ("highest rpn", "avg product age"); tried first.
MEASURES = (
    ("mean", re.compile(r"\b(?:avg|average|mean)\b")),
    ("max", re.compile(r"\b(?:highest|max|maximum|largest|biggest)\b")),  # "most" and "top" rank a category
    ("min", re.compile(r"\b(?:lowest|min|minimum|smallest|least)\b")),
    ("sum", re.compile(r"\b(?:total|sum)\b")),
)
# Words that only say what to compute: no topic the table must hold.
SIGNAL_WORDS = re.compile(r"\b(?:how many|number of|count|total|most|least|fewest|rarest|commonest|common|often|"
                          r"frequent\w*|top|last|latest|recent\w*|newest|first|oldest|earliest|ever|times|avg|"
                          r"average|mean|highest|max|maximum|largest|biggest|lowest|min|minimum|smallest|sum|"
                          # and words for the table itself ("how many records came from ...", "in the file")
                          r"records?|rows?|entry|entries|lines?|files?|tables?|logs?|logged|lists?|listed|sheets?)\b")
# A question about a quantity the rows do not count: a mean, a figure per row, a duration or a measure
# ("how many minutes did the repairs take on average", "how many amps"): not a count of rows.
BLOCK = re.compile(r"\b(?:avg|average|mean|per)\b|\bhow (?:much|long)\b|\bhow many\s+(?:more\s+)?(?:\w+\s+)?(?:"
                   r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|amps?|volts?|watts?|"
                   r"ohms?|kg|kilos?|grams?|pounds?|lbs?|litres?|liters?|gallons?|psi|bars?|rpm|mm|cm|metres?|"
                   r"meters?|miles?|km|kilomet(?:re|er)s?|inch(?:es)?|feet|foot|degrees?|turns?|revolutions?|"
                   r"bolts?|screws?)\b")
# Words before a value that leave its rows out ("which brand ended up end of life most often, not counting unknown").
EXCLUDE = re.compile(r"\b(?:not counting|not including|except(?: for)?|excluding|exclude|other than|apart from|"
                     r"aside from|besides|ignoring|leaving out|leave out)\b")
# Words joining the values of one list ("not counting unknown or dyson"): a value of the same column listed after one
# left out is left out too.
JOIN = re.compile(r"(?:or|and|nor|plus)")
