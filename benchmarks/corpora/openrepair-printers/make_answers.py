#!/usr/bin/env python3
"""Compute the exact answers of the record questions of this corpus (standard library only).

Reads docs/printcat.csv and prints, as JSON, {question id: {"facts": [...], "records": [...]}}: the strings a
correct answer must state and the record ids (id_ords) that answer it (for counts: every record counted).
Brands and providers are compared as the log's readers would: case-insensitive, surrounding spaces ignored
('HP' and 'HP ', 'Canon' and 'canon'). check_qa.py runs this script and compares.

Usage: python3 make_answers.py            (print the JSON)
"""
import csv
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS = list(csv.DictReader((HERE / "docs" / "printcat.csv").open(encoding="utf-8")))


def where(**want):
    """Rows whose columns equal the wanted values (case-insensitive, stripped); 'year' matches event_date."""
    def ok(r):
        return all(r["event_date"].startswith(v) if k == "year" else r[k].strip().lower() == v.lower()
                   for k, v in want.items())
    return [r for r in ROWS if ok(r)]


def ids(rows):
    return [r["id_ords"] for r in rows]


def count(rows):
    return {"facts": [str(len(rows))], "records": ids(rows)}


def dated(rows, pick):
    day = pick(r["event_date"] for r in rows)
    return {"facts": [day], "records": ids(r for r in rows if r["event_date"] == day)}


def most(column, rows=None):
    rows = ROWS if rows is None else rows
    top, n = Counter(r[column].strip() for r in rows).most_common(1)[0]
    return top, n, [r for r in rows if r[column].strip() == top]


def main():
    a = {"p01": count(where(brand="canon"))}
    hp = where(brand="hp")
    a["p02"] = {"facts": [str(len(hp)), str(sum(r["repair_status"] == "Fixed" for r in hp))], "records": ids(hp)}
    top, _, rows = most("fault_type", [r for r in ROWS if r["fault_type"] not in ("Unknown", "Other")])
    a["p03"] = {"facts": [top], "records": ids(rows)}
    a["p04"] = count(where(fault_type="paper feed", year="2019"))
    a["p05"] = dated(where(brand="epson"), max)
    brand, n, rows = most("brand", where(repair_status="end of life"))
    a["p06"] = {"facts": [brand, str(n)], "records": ids(rows)}
    a["p07"] = count(where(country="deu"))
    a["p08"] = count(where(fault_type="ink cartridge", repair_status="repairable"))
    a["p09"] = dated(ROWS, min)
    provider, n, rows = most("data_provider")
    a["p10"] = {"facts": [provider, str(n)], "records": ids(rows)}
    a["p11"] = count(where(fault_type="toner"))
    a["p12"] = count(where(brand="brother", fault_type="paper output"))
    a["p13"] = dated(where(fault_type="scanner"), max)
    a["p14"] = count(where(year_of_manufacture="2015"))
    language, n, rows = most("language")
    a["p15"] = {"facts": [language, str(n)], "records": ids(rows)}
    a["p16"] = count(where(data_provider="repair cafe wales"))
    print(json.dumps(a, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
