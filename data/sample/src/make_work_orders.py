"""Generate ``work_orders.csv`` for the Riverside Components sample plant.

Run: ``python data/sample/src/make_work_orders.py``. Deterministic (fixed seed, fixed
recurring-fault dates) so qa.jsonl answers computed from the CSV stay valid.

The recurring faults are placed on fixed dates (they are what the history questions and
the sensor anomalies refer to); preventive work follows a schedule; the rest is filler
drawn from per-asset templates written in technician shorthand.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent / "work_orders.csv"
SEED = 20250106
START, END = dt.date(2025, 1, 6), dt.date(2026, 10, 30)
COLUMNS = ["wo_id", "asset_id", "asset_name", "date", "type", "priority", "problem", "cause",
           "action", "parts", "failure_code", "downtime_h", "technician"]
NAMES = {"PRESS-04": "Hydraulic press 4", "CNC-02": "CNC vertical mill 2",
         "COMP-01": "Rotary screw air compressor 1", "CONV-03": "Belt conveyor 3",
         "IMM-05": "Injection moulding machine 5"}
TECHS = ["J. Okafor", "M. Lindqvist", "R. Patel", "S. Novak", "T. Brennan", "A. Costa"]

# (date, problem, cause, action, parts, failure_code, downtime_h, priority)
RECURRING: dict[str, list[tuple]] = {
    "PRESS-04": [
        ("2025-02-18", "P4 pump whining, press. low ~120bar, E-204", "suct strainer clogged w/ sludge",
         "chngd suct strainer, topped up HLP46 12L, 10 test strokes 210bar OK", "P/N 4471-22; P/N 4471-23", "PLU", 3.5, "high"),
        ("2025-05-06", "press 4 E-204 x3 this shift, pump noisy", "suction strainer blocked, fibres on mesh",
         "repl suction strainer P/N 4471-22 + cover gasket, torqued 65Nm, vac -0.15bar ok", "P/N 4471-22; P/N 4471-23", "PLU", 4.0, "high"),
        ("2025-08-21", "pump cavitating, A-32 vac switch tripped", "strainer clogged, oil dirty (ISO 21/19/16)",
         "chngd strainer, oil sample sent, flushed tank bottom", "P/N 4471-22; P/N 4471-23", "PLU", 5.5, "high"),
        ("2025-11-27", "P4 slow pressure build, E-207 then E-204", "suct strainer 70% blocked",
         "repl strainer, chkd relief 235bar ok", "P/N 4471-22; P/N 4471-23", "PLU", 3.0, "medium"),
        ("2026-03-12", "press 4 whining again, press. drops to 130bar in stroke", "suction strainer clogged, breather filter missing",
         "chngd suct strainer, fitted new tank breather P/N 4471-40", "P/N 4471-22; P/N 4471-23; P/N 4471-40", "PLU", 4.5, "high"),
        ("2026-09-24", "E-204 several times this week, press. dips <150bar, pump whine", "suction strainer clogged",
         "chngd suct strainer P/N 4471-22, topped up HLP46 8L, 10 strokes 210bar OK", "P/N 4471-22; P/N 4471-23", "PLU", 3.5, "high"),
    ],
    "COMP-01": [
        ("2025-06-10", "air comp W-12 disch temp 101C", "oil cooler fins clogged w/ dust",
         "blew out cooler fan side 3bar, degreased, temp back 88C", "", "OHE", 2.0, "medium"),
        ("2025-07-22", "comp 1 tripped S-14 105C", "cooler dirty + hall 36C",
         "cleaned oil cooler, opened roof louvres, ran 30min 91C", "", "OHE", 3.0, "high"),
        ("2026-06-30", "W-12 every afternoon, disch temp 100-103C", "oil cooler dirty",
         "cleaned cooler, fin comb, temp 86C after", "", "OHE", 2.5, "medium"),
        ("2026-08-11", "S-14 shutdown high disch temp", "cooler blocked w/ oily dust, oil lvl low",
         "cleaned oil cooler, topped up 3L oil", "", "OHE", 4.0, "high"),
        ("2026-10-02", "comp 1 disch temp creeping up all week, S-14 trip 105C", "oil cooler clogged",
         "cleaned oil cooler w/ degreaser, temp 84C after 30min loaded", "", "OHE", 3.5, "high"),
    ],
    "CONV-03": [
        ("2025-01-29", "conv 3 belt running off to left at tail, F-04", "build-up on return rollers",
         "cleaned return rollers, tracked belt at tail 1/4 turn", "", "MIS", 1.0, "medium"),
        ("2025-04-15", "line 3 conveyor belt edge fraying, tracks right", "tail pulley out of square",
         "adjusted tail take-up screws, belt centred, lock nuts 110Nm", "", "MIS", 1.5, "medium"),
        ("2025-07-03", "belt off track F-04 x2", "seized carrying roller",
         "repl carrying roller P/N 6640-03, re-tracked", "P/N 6640-03", "MIS", 2.0, "high"),
        ("2025-10-09", "conv 3 F-04 trips, belt rubbing frame", "return rollers dirty",
         "cleaned rollers + tail pulley, tracked belt", "", "MIS", 1.0, "medium"),
        ("2026-02-05", "belt tracking out after weekend, F-04", "take-up screws uneven (8mm diff)",
         "re-set take-up screws to <6mm diff, tracked", "", "MIS", 1.5, "medium"),
        ("2026-05-19", "conv 3 belt wandering to left", "build-up on tail pulley",
         "cleaned tail pulley, scraper adjusted, tracked belt", "", "MIS", 1.0, "low"),
        ("2026-09-10", "motor current high 10A+, belt rubbing on frame, F-04", "belt tracking out, roller build-up",
         "cleaned return rollers, tracked belt, current 7.9A after", "", "MIS", 2.0, "high"),
    ],
    "IMM-05": [
        ("2025-03-04", "imm 5 zone 3 not heating, H-33", "heater band zone 3 open circuit",
         "repl heater band zone 3, clamp 4.5Nm, 7.7A OK", "P/N 3305-18", "ELP", 2.5, "high"),
        ("2025-09-16", "zone 2 temp 60C below setpoint, H-33", "heater band zone 2 burnt terminal",
         "chngd heater band Z2 + ceramic cover", "P/N 3305-18; P/N 3305-22", "ELP", 3.0, "high"),
        ("2026-01-20", "moulding machine 5 H-33 zone 3, short shots", "heater band zone 3 failed",
         "repl heater band zone 3, current 7.9A", "P/N 3305-18", "ELP", 2.0, "high"),
        ("2026-05-28", "Z3 heater dead, H-33", "heater band zone 3 open circuit",
         "chngd heater band Z3, retorqued clamp after heat-up", "P/N 3305-18", "ELP", 2.5, "high"),
        ("2026-09-29", "imm 5 zone 3 dropped to 160C, H-33, scrap parts", "heater band zone 3 failed (open circuit)",
         "repl heater band zone 3 P/N 3305-18, clamp 4.5Nm, 7.8A, zone at setpoint 18min", "P/N 3305-18", "ELP", 3.0, "high"),
    ],
    "CNC-02": [
        ("2025-07-08", "mill 2 AL-410 spindle overtemp in afternoon", "chiller condenser clogged",
         "cleaned chiller condenser + grille, chngd chiller filter", "P/N 7752-06", "OHE", 2.0, "medium"),
        ("2025-08-19", "cnc 2 spindle hot 66C + belt squeal", "drive belt worn, tension 118Hz",
         "repl spindle drive belt P/N 7720-14, tensioned 150Hz, bolts 78Nm", "P/N 7720-14", "OHE", 3.0, "high"),
        ("2026-07-14", "AL-410 x2 spindle temp high", "chiller condenser dusty, chiller oil low",
         "cleaned condenser, topped up chiller oil 3L", "", "OHE", 1.5, "medium"),
        ("2026-09-15", "mill 2 spindle overtemp AL-410 twice yday, belt glazed", "drive belt worn/glazed, slipping",
         "repl spindle drive belt P/N 7720-14, 150Hz, test run 6000rpm 30min 41C", "P/N 7720-14", "OHE", 3.5, "high"),
    ],
}

# Filler corrective templates: (problem, cause, action, parts, failure_code, downtime range)
FILLER: dict[str, list[tuple]] = {
    "PRESS-04": [
        ("light curtain fault E-310 no obstruction", "receiver lens dirty", "cleaned lenses, realigned", "", "AIR", (0.5, 1.0)),
        ("ram drifting down ~5mm/min", "pilot check valve leaking", "fitted check valve seal kit", "P/N 4478-09", "LEK", (3.0, 6.0)),
        ("oil leak at cyl flange", "flange o-ring hard", "repl o-ring, retorqued", "", "LEK", (2.0, 4.0)),
        ("A-31 return filter clogged", "filter element loaded", "chngd return filter P/N 4471-31", "P/N 4471-31; P/N 4471-32", "PLU", (0.5, 1.5)),
        ("two-hand ctrl E-312 nuisance trips", "worn button contact", "repl contact block LH", "", "ELP", (0.5, 1.0)),
        ("oil temp 60C+ E-104 warning", "cooler fins dusty", "cleaned oil cooler, fan ok", "", "OHE", (1.0, 2.0)),
    ],
    "CNC-02": [
        ("AL-318 way lube press. not reached", "lube filter blocked", "repl way lube filter P/N 7745-02, primed", "P/N 7745-02", "PLU", (0.5, 1.5)),
        ("AL-231 tool won't unclamp", "air press. 4.8bar, regulator drift", "reset regulator to 6bar, drained filter bowl", "", "AIR", (0.5, 1.0)),
        ("ATC arm stuck, AL-604", "chip in arm origin sensor", "cleaned sensor, jogged to origin", "", "STP", (1.0, 2.0)),
        ("coolant foaming, smell", "bacteria, tramp oil", "skimmed tramp oil, conc. 7%, added biocide", "", "OTH", (0.5, 1.0)),
        ("Y axis way wiper torn", "chips", "repl way wipers Y+", "", "STD", (1.5, 3.0)),
    ],
    "COMP-01": [
        ("W-30 air filter dp high", "intake filter loaded", "repl air filter P/N 5512-11", "P/N 5512-11", "PLU", (0.3, 0.8)),
        ("oil in air network, drain full of oil", "separator element ruptured", "repl separator P/N 5512-40 + gasket, bolts 48Nm", "P/N 5512-40; P/N 5512-41", "LEK", (3.0, 5.0)),
        ("condensate drain not draining", "drain valve blocked", "cleaned drain valve strainer", "", "PLU", (0.5, 1.0)),
        ("comp not reaching 7.5bar", "leak at receiver drain + network leaks", "fixed 3 leaks on line 2 header", "", "LEK", (1.0, 2.0)),
        ("S-21 motor overload trip", "supply volt low 371V", "elec chkd supply, tightened L2 terminal", "", "ELP", (1.0, 3.0)),
    ],
    "CONV-03": [
        ("noisy head pulley brg", "no grease", "greased brgs, monitor", "", "NOI", (0.3, 0.5)),
        ("head pulley brg rumbling, 75C", "bearing worn", "repl head pulley brg P/N 6631-08, 84Nm", "P/N 6631-08", "VIB", (3.0, 5.0)),
        ("F-05 belt slipping", "take-up weight jammed in guide", "freed take-up guide, cleaned", "", "STP", (0.5, 1.5)),
        ("F-09 jam at transfer", "part wedged at transfer plate", "cleared jam, adjusted plate gap", "", "STP", (0.3, 0.8)),
        ("scraper blade worn, carry-back", "blade below 10mm", "repl scraper blade P/N 6650-12", "P/N 6650-12", "STD", (0.5, 1.0)),
        ("splice lifting at edge", "splice ageing", "repaired splice cold bond", "", "STD", (2.0, 4.0)),
    ],
    "IMM-05": [
        ("H-31 zone 4 TC break", "thermocouple broken", "repl thermocouple P/N 3305-40 Z4", "P/N 3305-40", "AIR", (0.5, 1.0)),
        ("nozzle leaking at mould", "nozzle tip worn", "repl nozzle tip P/N 3308-02, 135Nm hot", "P/N 3308-02", "LEK", (1.5, 3.0)),
        ("P-12 oil temp 59C", "cooling water strainer blocked", "cleaned water strainer, 45L/min", "", "OHE", (0.5, 1.5)),
        ("M-07 ejector not back", "prox switch loose", "reset prox switch gap, tightened", "", "AIR", (0.3, 0.8)),
        ("P-15 hyd filter clogged", "element loaded", "chngd HP filter P/N 3312-07 + o-ring", "P/N 3312-07; P/N 3312-08", "PLU", (0.5, 1.0)),
        ("material drooling from nozzle", "nozzle too hot", "nozzle temp -5C, decompression +3mm", "", "OTH", (0.3, 0.5)),
    ],
}
FILLER_COUNT = {"PRESS-04": 16, "CNC-02": 17, "COMP-01": 12, "CONV-03": 19, "IMM-05": 15}

# Preventive plans: (every N days, offset days, text, parts)
PREVENTIVE: dict[str, list[tuple]] = {
    "PRESS-04": [(61, 10, "PM 2-monthly: chkd accu precharge 90bar, ram guides lubed, light curtain test OK", ""),
                 (182, 95, "PM 6-monthly: repl return filter P/N 4471-31, oil sample taken", "P/N 4471-31; P/N 4471-32")],
    "CNC-02": [(61, 20, "PM 2-monthly: belt tension 142Hz ok, drawbar force 8kN ok, chiller grille cleaned", ""),
               (240, 150, "PM 2000h: repl way lube filter P/N 7745-02 + chiller filter P/N 7752-06", "P/N 7745-02; P/N 7752-06")],
    "COMP-01": [(61, 5, "PM 2-monthly: chkd oil lvl, condensate drain test, coupling inspected", ""),
                (180, 120, "PM 4000h service: oil + filter P/N 5512-20, separator P/N 5512-40, air filter P/N 5512-11",
                 "P/N 5512-20; P/N 5512-40; P/N 5512-41; P/N 5512-11")],
    "CONV-03": [(61, 30, "PM 2-monthly: greased brgs, chkd tracking loaded, brake gap 0.4mm", ""),
                (365, 200, "PM yearly: gearbox oil CLP220 2.6L chngd", "")],
    "IMM-05": [(61, 40, "PM 2-monthly: heater band currents chkd, clamps retorqued 4.5Nm, accu 110bar ok", ""),
               (240, 60, "PM 4000h: chngd HP filter P/N 3312-07, oil sample", "P/N 3312-07; P/N 3312-08")],
}


def _workday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def build_rows(seed: int = SEED) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict] = []
    for asset, events in RECURRING.items():
        for date, problem, cause, action, parts, code, down, prio in events:
            rows.append(dict(asset_id=asset, date=date, type="corrective", priority=prio, problem=problem,
                             cause=cause, action=action, parts=parts, failure_code=code, downtime_h=down))
    span = (END - START).days
    for asset, templates in FILLER.items():
        for _ in range(FILLER_COUNT[asset]):
            problem, cause, action, parts, code, (lo, hi) = rng.choice(templates)
            date = _workday(START + dt.timedelta(days=rng.randrange(span)))
            rows.append(dict(asset_id=asset, date=date.isoformat(), type="corrective",
                             priority=rng.choice(["low", "medium", "medium", "high"]), problem=problem,
                             cause=cause, action=action, parts=parts, failure_code=code,
                             downtime_h=round(rng.uniform(lo, hi) * 2) / 2))
    for asset, plans in PREVENTIVE.items():
        for every, offset, text, parts in plans:
            day = START + dt.timedelta(days=offset)
            while day <= END:
                rows.append(dict(asset_id=asset, date=_workday(day).isoformat(), type="preventive",
                                 priority="low", problem=text.split(":")[0], cause="", action=text,
                                 parts=parts, failure_code="", downtime_h=rng.choice([0.5, 1.0, 1.5, 2.0])))
                day += dt.timedelta(days=every)
    rows.sort(key=lambda r: (r["date"], r["asset_id"], r["type"]))
    for n, row in enumerate(rows):
        row["wo_id"] = f"WO-{1001 + n}"
        row["asset_name"] = NAMES[row["asset_id"]]
        row["technician"] = rng.choice(TECHS)
        row["downtime_h"] = f"{float(row['downtime_h']):.1f}"
    return rows


def main() -> None:
    rows = build_rows()
    with TARGET.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {TARGET} ({len(rows)} work orders)")


if __name__ == "__main__":
    main()
