#!/usr/bin/env python3
"""Compute the exact answers of the record questions of this corpus (standard library only).

Reads docs/vacuum-repairs.csv and prints, as JSON, {question id: {"facts": [...], "records": [...]}}:
the strings a correct answer must state (counts, dates, names) and the record ids (id_ords) that
answer it (for counts: every record counted, in file order: an answer may cite any of them).
check_qa.py runs this script and requires each listed question's answer_must_include to equal "facts"
and its expected CSV records to be among "records".

Usage: python3 make_answers.py            (print the JSON)
"""
import csv
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSV = HERE / "docs" / "vacuum-repairs.csv"
ROWS = list(csv.DictReader(CSV.open(encoding="utf-8")))


def brand(b):
    """Rows of one brand, matched case-insensitively (the log has e.g. 'VAX' and 'Vax', 'Gtech' and 'GTech')."""
    return [r for r in ROWS if r["brand"].strip().lower() == b]


def ids(rows):
    return [r["id_ords"] for r in rows]


def count(rows):
    return {"facts": [str(len(rows))], "records": ids(rows)}


def latest(rows):
    last = max(r["event_date"] for r in rows)
    hits = [r for r in rows if r["event_date"] == last]
    return hits, last


def answers():
    a = {}
    dyson = brand("dyson")
    a["opv-01"] = count(dyson)
    a["opv-02"] = count([r for r in dyson if r["repair_status"] == "Fixed"])
    faults = Counter(r["fault_type"] for r in ROWS if r["fault_type"] not in ("Poor data", "Other"))
    top, _ = faults.most_common(1)[0]
    a["opv-03"] = {"facts": [top], "records": ids([r for r in ROWS if r["fault_type"] == top])}
    a["opv-04"] = count([r for r in ROWS if r["fault_type"] == "Motor" and r["event_date"].startswith("2019")])
    hits, last = latest(brand("miele"))
    a["opv-05"] = {"facts": [last], "records": ids(hits)}
    eol = Counter(r["brand"].strip().lower() for r in ROWS
                  if r["repair_status"] == "End of life" and r["brand"].strip().lower() != "unknown")
    top_b, n = eol.most_common(1)[0]
    top_rows = [r for r in ROWS if r["brand"].strip().lower() == top_b and r["repair_status"] == "End of life"]
    a["opv-06"] = {"facts": [top_rows[0]["brand"], str(n)], "records": ids(top_rows)}
    a["opv-07"] = count([r for r in brand("henry") if r["repair_status"] == "End of life"])
    a["opv-08"] = count([r for r in ROWS if r["repair_barrier_if_end_of_life"] == "Spare parts not available"])
    gt = brand("gtech")
    a["opv-09"] = {"facts": [str(len(gt)), str(sum(r["repair_status"] == "Fixed" for r in gt))], "records": ids(gt)}
    first = min(r["event_date"] for r in ROWS)
    a["opv-12"] = {"facts": [first], "records": ids([r for r in ROWS if r["event_date"] == first])}
    a["opv-13"] = count(brand("vax"))
    a["opv-14"] = count([r for r in ROWS if r["data_provider"] == "Fixit Clinic"])
    prov = Counter(r["data_provider"] for r in ROWS)
    p, n = prov.most_common(1)[0]
    a["opv-15"] = {"facts": [p, str(n)], "records": ids([r for r in ROWS if r["data_provider"] == p])}
    a["opv-41"] = count([r for r in dyson if r["repair_status"] == "End of life"])   # follow-up
    return a


if __name__ == "__main__":
    print(json.dumps(answers(), indent=1, ensure_ascii=False))
