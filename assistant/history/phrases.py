"""The English phrases that make a question a work-order history question, and which kind: the shared ones.

``query.HistoryQueryParser`` reads them; the patterns only one test of ``query._detect_kind`` uses are still written
inline there, and the words that are no topic are in ``ingest/text/words/en/history_stop.txt``. A plant writing in
another language needs its own phrases in these places, or the LLM-filled plan (``plan.py``,
``answer.work_order_plan``).
"""

from __future__ import annotations

import re

from assistant.records.phrases import EXCLUDE  # the words that leave a value out leave a work-order kind out too

GROUP_WORDS = [(r"(?:failure|fault|error|problem)\s+codes?|codes?", "failure_code"),
               (r"failure\s+modes?|modes?", "failure_mode"), (r"(?:root\s+)?causes?", "cause"),
               (r"components?|sub-?systems?", "component"), (r"parts?|spares?", "parts")]

NOUNS = (r"(?:work[\s-]?orders?|wos?|failures?|breakdowns?|faults?|repairs?|incidents?|jobs?|tickets?|"
         r"stoppages?|outages?|trips?|leaks?|interventions?|service calls?|maintenance|pms?|events?)")
PAST = r"\b(?:did|had|has|have|was|were|been|happened|occurred|failed|broke)\b"
PRESCRIPTIVE = re.compile(r"\b(should|must|need to|needs to|required|recommended|supposed to|interval)\b")
THRESHOLD = re.compile(r"\b(above|below|over|under|exceed\w*|higher than|lower than)\s+(?:the\s+)?"
                       r"(?:[\d.,]+|limit|threshold|setpoint|alarm)")
# One job's own figure at its extreme ("the most expensive job on excavator E", "which repair took the longest"):
# the record itself answers (kind "top"), not a sum per asset ("which chiller had the most downtime": rank).
# (the low end too: "the cheapest job", "the shortest repair", told from the high end by ``LOW``)
LOW = r"\b(?:fewest|least|lowest|cheapest|shortest|quickest)\b"
AVERAGE = r"\b(?:avg|average|mean)\b"  # "avg cost of a PM01 job": a total's mean over its jobs
COSTLY = (r"most\s+(?:expensive|costly)|costliest|priciest|highest[\s-]cost|dearest|"
          r"cheapest|least\s+expensive|lowest[\s-]cost")
LONG = r"longest|lengthiest|most\s+time[\s-]consuming|shortest|quickest"
TOP_RECORD = re.compile(rf"\b(?:{COSTLY}|{LONG})\s+(?:\w+\s+){{0,2}}{NOUNS}|\b(?:{LONG})\s+down\s?time\b"
                        rf"|{NOUNS}\s+(?:\w+\s+){{0,3}}(?:cost|took|lasted)\s+(?:the\s+)?(?:most|longest)\b")
# "who replaced ...", "which tech did the final drive changeout": the person who did a past job
WHO_DID = re.compile(r"\b(?:who|which\s+(?:tech|techs|technician|mechanic|fitter|engineer|crew|person|guy))\s+"
                     r"(?:(?:last|first)\s+)?(?:did|does|done|performed|carried out|fixed|repaired|replaced|changed|"
                     r"swapped|serviced|worked on|was on)\b")
# The words for the two kinds of work order (``HistoryQuery.work_kind``).
PREVENTIVE = r"preventive|preventative|planned|scheduled|pm"
CORRECTIVE = r"corrective|unplanned|unscheduled|breakdowns?|reactive"
GENERIC_CLASS = {"asset", "assets", "machine", "machines", "equipment", "unit", "units", "one", "line"}

# "What happened / what was done on <asset> <date>": a dated question about events lists them.
WHAT_HAPPENED = re.compile(r"\bwhat\s+(?:\w+\s+){0,2}(?:happened|occurred|went wrong|was done|were done|"
                           r"was carried out|was performed|was repaired|was fixed|was replaced)\b")

# Signal phrases removed before the remaining words become the topic.
SCAFFOLD = re.compile(
    r"\b(what happened|what occurred|went wrong|was done|were done|carried out|was performed|"
    r"when was it (?:finished|completed|closed|done)|who|which (?:techs?|technician|mechanic|fitter|engineer)|"
    r"how many times|number of times|how many|how often|how much|when did|when was|when were|"
    r"most recent|last time|first time|top \d{1,2}|total|downtime|down time|cost|costs|spent|spend|"
    rf"{COSTLY}|{LONG}|took the longest|took longest|lasted the longest|lasted longest)\b")
