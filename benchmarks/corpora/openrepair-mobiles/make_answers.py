#!/usr/bin/env python3
"""Compute the exact answers of the record questions of this corpus (standard library only).

Reads docs/mobifix.csv and prints, as JSON, {question id: {"facts": [...], "records": [...]}}: the strings a
correct answer must state and the record ids (id) that answer it (for counts: every record counted). Values are
compared case-insensitively with surrounding spaces ignored; "iphones" means the brand Apple.
check_qa.py runs this script and compares.

Usage: python3 make_answers.py            (print the JSON)
"""
import csv
import json
import statistics
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = list(csv.DictReader((HERE / "docs" / "mobifix.csv").open(encoding="utf-8")))


def where(rows=None, **want):
    """Rows whose columns equal the wanted values (case-insensitive, stripped); 'year' matches event_date."""
    def ok(r):
        return all(r["event_date"].startswith(v) if k == "year" else r[k].strip().lower() == v.lower()
                   for k, v in want.items())
    return [r for r in (ROWS if rows is None else rows) if ok(r)]


def ids(rows):
    return [r["id"] for r in rows]


def count(rows):
    return {"facts": [str(len(rows))], "records": ids(rows)}


def dated(rows, pick):
    day = pick(r["event_date"] for r in rows)
    return {"facts": [day], "records": ids(r for r in rows if r["event_date"] == day)}


def top(column, rows, skip=("", "unknown", "other")):
    value, n = Counter(r[column].strip().lower() for r in rows if r[column].strip().lower() not in skip).most_common(1)[0]
    hits = [r for r in rows if r[column].strip().lower() == value]
    return hits[0][column].strip(), n, hits


def main():
    a = {"m01": count(where(model="iphone 6"))}
    samsung = where(brand="samsung")
    a["m02"] = {"facts": [str(len(samsung)), str(len(where(samsung, repair_status="end of life")))],
                "records": ids(samsung)}
    fault, _, rows = top("fault_type", ROWS)
    a["m03"] = {"facts": [fault], "records": ids(rows)}
    a["m04"] = count(where(fault_type="screen", year="2018"))
    a["m05"] = dated(where(brand="fairphone"), max)
    brand, n, rows = top("brand", where(fault_type="screen"))
    a["m06"] = {"facts": [brand, str(n)], "records": ids(rows)}
    a["m07"] = count(where(country="nor"))
    a["m08"] = count(where(fault_type="usb/charging port", repair_status="fixed"))
    a["m09"] = dated(where(brand="huawei"), min)
    country, n, rows = top("country", ROWS)
    a["m10"] = {"facts": [country, str(n)], "records": ids(rows)}
    aged = [r for r in where(brand="apple") if r["age"].strip()]
    a["m11"] = {"facts": [f"{statistics.mean(float(r['age']) for r in aged):.2f}"], "records": ids(aged)}
    nokia = [r for r in where(brand="nokia") if r["age"].strip()]
    oldest = max(float(r["age"]) for r in nokia)
    a["m12"] = {"facts": [f"{oldest:g}"], "records": ids(r for r in nokia if float(r["age"]) == oldest)}
    a["m13"] = count(where(brand="lg"))
    a["m14"] = count(where(where(brand="apple"), fault_type="camera"))
    print(json.dumps(a, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
