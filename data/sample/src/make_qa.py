"""Write ``qa.jsonl``: the evaluation questions over the sample corpus.

Run after the other generators: ``python data/sample/src/make_qa.py``.
Manual, procedure, sensor, follow-up and unanswerable questions are written by hand below
(facts copied exactly as the sources write them); history answers are computed from
``work_orders.csv`` here so they stay exact if the work orders are regenerated.
Format: see issue 3 / README ("QA file format").
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRESS, MILL = "manuals/hp200_press_manual.md", "manuals/vmc850_mill_manual.pdf"
COMP, CONV = "manuals/rs55_compressor_manual.html", "manuals/bc1200_conveyor_manual.txt"
IMM, WO = "manuals/im350t_moulding_manual.md", "work_orders.csv"


def src(source: str, page: int | None = None, record: str | None = None) -> dict:
    out: dict = {"source": source}
    if page is not None:
        out["page"] = page
    if record is not None:
        out["record"] = record
    return out


# (question, asset, [sources], [facts])
FACTS = [
    ("What is the main relief valve setting on press 4?", "PRESS-04", [src(PRESS)], ["235 bar"]),
    ("What does alarm E-204 mean on the HP-200 press?", "PRESS-04", [src(PRESS)], ["150 bar", "5 s"]),
    ("What is the part number of the hydraulic suction strainer on press 4?", "PRESS-04",
     [src(PRESS), src(WO, record="WO-1167")], ["P/N 4471-22"]),
    ("What nitrogen precharge should the press 4 accumulator have?", "PRESS-04", [src(PRESS)], ["90 bar"]),
    ("How do I make the accumulator on press 4 safe before opening hydraulic lines?", "PRESS-04",
     [src(PRESS)], ["V7", "0 bar"]),
    ("Which hydraulic oil does the HP-200 take and how much is in the tank?", None, [src(PRESS)],
     ["HLP 46", "180 L"]),
    ("What hearing protection rule applies at the press 4 power unit?", "PRESS-04", [src(PRESS)],
     ["85 dB(A)"]),
    ("What does S-14 mean on compressor 1?", "COMP-01", [src(COMP)], ["105 °C"]),
    ("What is the safety valve setting of the air compressor?", "COMP-01", [src(COMP)], ["11 bar"]),
    ("Part number of the oil separator element for the RS-55?", None, [src(COMP)], ["P/N 5512-40"]),
    ("What torque for the separator cover bolts on comp 1?", "COMP-01", [src(COMP)], ["48 N·m"]),
    ("What air pressure may I use to blow out the RS-55 oil cooler?", None, [src(COMP)], ["3 bar"]),
    ("What does fault F-04 mean on conveyor 3?", "CONV-03", [src(CONV)], ["side-travel", "25 mm"]),
    ("What is the belt speed of the BC-1200 conveyor?", None, [src(CONV)], ["0.8 m/s"]),
    ("How heavy is the take-up weight on conveyor 3 and how do I secure it before work?", "CONV-03",
     [src(CONV)], ["45 kg", "LP-1"]),
    ("What does alarm H-33 mean on moulding machine 5?", "IMM-05", [src(IMM)], ["does not heat", "25 °C"]),
    ("Torque for the heater band clamp screw on the IM-350T?", None, [src(IMM)], ["4.5 N·m"]),
    ("What is the part number for a 1,800 W barrel heater band on imm 5?", "IMM-05", [src(IMM)],
     ["P/N 3305-18"]),
    ("What is the injection accumulator precharge on IMM-05?", "IMM-05", [src(IMM)], ["110 bar"]),
    ("What does AL-410 mean on mill 2?", "CNC-02", [src(MILL, page=5)], ["68 °C"]),
    ("What belt tension should the VMC-850 spindle drive belt have?", None, [src(MILL, page=4)], ["142 Hz"]),
    ("How must the spindle head of cnc 2 be supported before working on the Z axis?", "CNC-02",
     [src(MILL, page=3)], ["P/N 7790-01"]),
    ("What is the drawbar clamping force of the VMC-850?", None, [src(MILL, page=4)], ["8 kN"]),
    ("How long must I wait after switching off mill 2 before touching the spindle drive?", "CNC-02",
     [src(MILL, page=3)], ["5 minutes", "CHARGE"]),
]

PROCEDURES = [
    ("How do I replace the suction strainer on press 4?", "PRESS-04", [src(PRESS)],
     ["65 N·m", "42 N·m", "BV-2"]),
    ("Steps to replace the spindle drive belt on mill 2", "CNC-02", [src(MILL, page=7)],
     ["P/N 7720-14", "78 N·m", "142 Hz"]),
    ("How do I clean the oil cooler on compressor 1?", "COMP-01", [src(COMP)], ["3 bar", "9 N·m"]),
    ("How do I replace the oil separator element on the RS-55?", None, [src(COMP)],
     ["P/N 5512-40", "48 N·m", "0.3 bar"]),
    ("How do I adjust the belt tracking on conveyor 3?", "CONV-03", [src(CONV)],
     ["quarter of a turn", "6 mm", "110 N·m"]),
    ("How do I change a barrel heater band on imm 5?", "IMM-05", [src(IMM)], ["4.5 N·m", "7.8 A"]),
    ("How do I replace the nozzle tip on the IM-350T?", None, [src(IMM)], ["135 N·m", "P/N 3308-02"]),
    ("Procedure to replace the drawbar disc springs on cnc 2", "CNC-02", [src(MILL, page=8)],
     ["95 N·m", "8 kN"]),
    ("How do I recharge the accumulator nitrogen on press 4?", "PRESS-04", [src(PRESS)],
     ["90 bar", "P/N 4480-05", "11 N·m"]),
    ("How do I replace the head pulley bearing on conveyor 3?", "CONV-03", [src(CONV)],
     ["P/N 6631-08", "84 N·m"]),
    ("How do I change the return filter element on press 4?", "PRESS-04", [src(PRESS)],
     ["P/N 4471-31", "35 N·m"]),
]

SENSORS = [
    ("What was the lowest hydraulic pressure recorded on press 4 in the sensor data?", "PRESS-04",
     "sensors/press04_hydraulics.csv", ["131.7"]),
    ("How many times did press 4 hydraulic pressure fall below the 150 bar limit?", "PRESS-04",
     "sensors/press04_hydraulics.csv", ["150 bar", "4"]),
    ("What was the highest discharge temperature of compressor 1 in the sensor readings?", "COMP-01",
     "sensors/comp01_readings.csv", ["105.8"]),
    ("What was the highest spindle temperature logged on mill 2?", "CNC-02",
     "sensors/cnc02_spindle.csv", ["70.2"]),
    ("How many times did the conveyor 3 motor current go above the 9.5 A limit?", "CONV-03",
     "sensors/conv03_readings.csv", ["9.5 A", "2"]),
    ("What was the lowest barrel zone 3 temperature on imm 5 in the sensor data?", "IMM-05",
     "sensors/imm05_barrel.csv", ["161.4"]),
    ("What was the lowest belt speed measured on conveyor 3?", "CONV-03",
     "sensors/conv03_readings.csv", ["0.66"]),
]

FOLLOWUPS = [
    ([("user", "What is the operating pressure of press 4?"),
      ("assistant", "Press 4 runs at 210 bar at full tonnage [1].")],
     "And what is the relief valve set to?", "PRESS-04", [src(PRESS)], ["235 bar"]),
    ([("user", "When was the last heater band failure on imm 5?"),
      ("assistant", "On 2026-09-29, zone 3 (WO-1171) [1].")],
     "Which part number was fitted?", "IMM-05", [src(WO, record="WO-1171"), src(IMM)], ["P/N 3305-18"]),
    ([("user", "Compressor 1 keeps tripping on S-14. What does it mean?"),
      ("assistant", "S-14 is the shutdown at 105 °C discharge temperature [1].")],
     "How do I clean the cooler then?", "COMP-01", [src(COMP)], ["3 bar"]),
    ([("user", "I need to change the spindle belt on mill 2, which part is it?"),
      ("assistant", "The poly-V belt P/N 7720-14 [1].")],
     "What torque for the motor mounting bolts?", "CNC-02", [src(MILL, page=7)], ["78 N·m"]),
]

UNANSWERABLE = [
    ("What is the torque for the ram guide gib bolts on press 4?", "PRESS-04", "fact"),
    ("What tyre pressure does the line 1 forklift need?", None, "fact"),
    ("How much did the last suction strainer replacement on press 4 cost?", "PRESS-04", "history"),
    ("What is the part number of the conveyor 3 drive gearmotor?", "CONV-03", "fact"),
    ("What is the phone number of the RS-55 vendor's service hotline?", "COMP-01", "fact"),
    ("What is the torque for the spindle bearing locknut on mill 2?", "CNC-02", "fact"),
    ("What does alarm E-999 mean on press 4?", "PRESS-04", "fact"),
    ("How long is the warranty on the IM-350T?", "IMM-05", "fact"),
    ("Who manufactured the hydraulic pump on press 4?", "PRESS-04", "fact"),
    ("Which refrigerant is in the spindle chiller of the VMC-850?", "CNC-02", "fact"),
    ("What screw speed should I use for polypropylene on imm 5?", "IMM-05", "procedure"),
    ("How many work orders were raised for robot cell R-07?", None, "history"),
    ("What is the part number of the minimum pressure valve on compressor 1?", "COMP-01", "fact"),
    ("How do I rebuild the tool changer cam gearbox on mill 2?", "CNC-02", "procedure"),
]


def _num(value: float) -> str:
    return f"{value:g}"


def history(rows: list[dict]) -> list[tuple]:
    """(question, asset, records, facts) computed from the work orders.

    ``records`` are all the work orders a figure is computed over (a ranking: every row
    ranked), since an answer may rightly cite any of them.
    """
    def pick(pred):
        return [r for r in rows if pred(r)]

    out = []
    strainer = pick(lambda r: "4471-22" in r["parts"] and r["date"].startswith("2025"))
    out.append(("How many times was the suction strainer on press 4 replaced in 2025?", "PRESS-04",
                strainer, [str(len(strainer))]))
    heater = pick(lambda r: "3305-18" in r["parts"])[-1]
    out.append(("When was the last heater band failure on IMM-05?", "IMM-05", [heater],
                [heater["date"], heater["wo_id"]]))
    corr26 = pick(lambda r: r["type"] == "corrective" and r["date"].startswith("2026"))
    (top, n), (_, second) = Counter(r["asset_id"] for r in corr26).most_common(2)
    assert n > second, "tie for most corrective work orders in 2026"
    out.append(("Which asset had the most corrective work orders in 2026?", None,
                corr26, [top, str(n)]))
    ohe = pick(lambda r: r["asset_id"] == "COMP-01" and r["failure_code"] == "OHE")
    out.append(("How many high discharge temperature work orders has compressor 1 had?", "COMP-01",
                ohe, [str(len(ohe))]))
    belt = pick(lambda r: "7720-14" in r["parts"])[-1]
    out.append(("When was the spindle drive belt on mill 2 last replaced?", "CNC-02", [belt],
                [belt["date"], belt["wo_id"]]))
    mis = pick(lambda r: r["asset_id"] == "CONV-03" and r["failure_code"] == "MIS" and r["date"].startswith("2026"))
    out.append(("How many belt tracking work orders did conveyor 3 have in 2026?", "CONV-03", mis,
                [str(len(mis))]))
    press25 = pick(lambda r: r["asset_id"] == "PRESS-04" and r["type"] == "corrective" and r["date"].startswith("2025"))
    out.append(("What was the total corrective downtime of press 4 in 2025, in hours?", "PRESS-04", press25,
                [_num(sum(float(r["downtime_h"]) for r in press25))]))
    cooler = pick(lambda r: r["asset_id"] == "COMP-01" and "cooler" in r["action"].lower())[-1]
    out.append(("Who did the last oil cooler cleaning on compressor 1?", "COMP-01", [cooler],
                [cooler["technician"]]))
    down: dict[str, float] = defaultdict(float)
    for r in pick(lambda r: r["date"].startswith("2025")):
        down[r["asset_id"]] += float(r["downtime_h"])
    worst = max(down, key=down.get)
    out.append(("Counting all work orders, which asset had the most downtime hours in 2025?", None,
                pick(lambda r: r["date"].startswith("2025")),
                [worst, _num(down[worst])]))
    pm = pick(lambda r: r["asset_id"] == "IMM-05" and r["type"] == "preventive" and r["date"].startswith("2025"))
    out.append(("How many preventive work orders were done on moulding machine 5 in 2025?", "IMM-05", pm,
                [str(len(pm))]))
    codes = Counter(r["failure_code"] for r in pick(lambda r: r["asset_id"] == "CONV-03" and r["failure_code"]))
    code, _ = codes.most_common(1)[0]
    out.append(("Which failure code comes up most often on conveyor 3?", "CONV-03",
                pick(lambda r: r["asset_id"] == "CONV-03" and r["failure_code"]), [code]))
    ret = pick(lambda r: "4471-31" in r["parts"])[-1]
    out.append(("When was the return filter on press 4 last replaced?", "PRESS-04", [ret],
                [ret["date"], ret["wo_id"]]))
    zone3 = pick(lambda r: "3305-18" in r["parts"] and ("zone 3" in r["problem"] + r["action"]
                                                          or "Z3" in r["problem"] + r["action"]))
    out.append(("On which barrel zone of IMM-05 have heater bands failed most often?", "IMM-05", zone3,
                ["zone 3"]))
    return out


def build() -> list[dict]:
    rows = list(csv.DictReader((ROOT / WO).open(encoding="utf-8")))
    items: list[dict] = []

    def add(kind, question, asset, sources, facts, answerable=True, hist=None):
        item = {"id": f"q{len(items) + 1:03d}", "question": question}
        if asset:
            item["asset"] = asset
        item.update(answerable=answerable, expected_sources=sources, answer_must_include=facts, kind=kind)
        if hist:
            item["history"] = [{"role": role, "content": text} for role, text in hist]
        items.append(item)

    for q, asset, sources, facts in FACTS:
        add("fact", q, asset, sources, facts)
    for q, asset, sources, facts in PROCEDURES:
        add("procedure", q, asset, sources, facts)
    for q, asset, records, facts in history(rows):
        add("history", q, asset, [src(WO, record=r["wo_id"]) for r in records], facts)
    for q, asset, path, facts in SENSORS:
        add("sensor", q, asset, [src(path)], facts)
    for hist, q, asset, sources, facts in FOLLOWUPS:
        add("followup", q, asset, sources, facts, hist=hist)
    for q, asset, kind in UNANSWERABLE:
        add(kind, q, asset, [], [], answerable=False)
    return items


def main() -> None:
    items = build()
    target = ROOT / "qa.jsonl"
    with target.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {target} ({len(items)} questions: {dict(Counter(i['kind'] for i in items))})")


if __name__ == "__main__":
    main()
