"""Consistency checks of the bundled sample corpus (data/sample).

The corpus is what `make run` ingests and what the evaluation harness measures, so every
expected fact in qa.jsonl must really be in its source, and every history / sensor answer must
be recomputable from the data. The recomputations below are written independently of
data/sample/src/make_qa.py on purpose.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
KINDS = {"fact", "procedure", "history", "sensor", "followup"}
REQUIRED = {"id", "question", "answerable", "expected_sources", "answer_must_include", "kind"}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


@lru_cache(maxsize=None)
def qa() -> tuple[dict, ...]:
    items = []
    for n, line in enumerate((SAMPLE / "qa.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        assert line.strip(), f"qa.jsonl line {n}: empty line"
        items.append(json.loads(line))
    return tuple(items)


@lru_cache(maxsize=None)
def work_orders() -> tuple[dict, ...]:
    with (SAMPLE / "work_orders.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


@lru_cache(maxsize=None)
def source_text(source: str, page: int | None = None, record: str | None = None) -> str:
    path = SAMPLE / source
    if record is not None:
        rows = [r for r in work_orders() if r["wo_id"] == record]
        assert rows, f"{source}: no record {record}"
        return norm(" ".join(rows[0].values()))
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        pages = PdfReader(path).pages
        chosen = [pages[page - 1]] if page else pages
        return norm(" ".join(p.extract_text() for p in chosen))
    text = path.read_text(encoding="utf-8")
    if path.suffix in {".html", ".htm"}:
        from bs4 import BeautifulSoup

        text = BeautifulSoup(text, "html.parser").get_text(" ")
    return norm(text)


def by_id(qid_question: str) -> dict:
    found = [q for q in qa() if q["question"] == qid_question]
    assert len(found) == 1, f"question not found once: {qid_question!r}"
    return found[0]


class TestQaFile:
    def test_every_line_has_required_keys_and_valid_values(self):
        for q in qa():
            assert REQUIRED <= q.keys(), f"{q.get('id')}: missing {REQUIRED - q.keys()}"
            assert q["kind"] in KINDS, q["id"]
            assert isinstance(q["answerable"], bool), q["id"]
            for s in q["expected_sources"]:
                assert set(s) <= {"source", "page", "record"}, q["id"]
            if q["answerable"]:
                assert q["expected_sources"] and 1 <= len(q["answer_must_include"]) <= 3, q["id"]
            else:
                assert q["expected_sources"] == [] and q["answer_must_include"] == [], q["id"]
            if q["kind"] == "followup":
                assert [m["role"] for m in q["history"]][-1] == "assistant", q["id"]

    def test_ids_unique_and_enough_questions(self):
        ids = [q["id"] for q in qa()]
        assert len(ids) == len(set(ids))
        assert len(ids) >= 60
        assert sum(not q["answerable"] for q in qa()) >= 10
        kinds = Counter(q["kind"] for q in qa() if q["answerable"])
        assert kinds["fact"] >= 20 and kinds["procedure"] >= 8 and kinds["history"] >= 10
        assert kinds["sensor"] >= 5 and kinds["followup"] >= 3

    def test_expected_sources_exist(self):
        wo_ids = {r["wo_id"] for r in work_orders()}
        for q in qa():
            for s in q["expected_sources"]:
                path = SAMPLE / s["source"]
                assert path.is_file(), f"{q['id']}: {s['source']} missing"
                if "record" in s:
                    assert s["record"] in wo_ids, f"{q['id']}: unknown record {s['record']}"
                if "page" in s:
                    from pypdf import PdfReader

                    assert 1 <= s["page"] <= len(PdfReader(path).pages), q["id"]

    def test_no_answer_passes_by_repeating_the_question(self):
        """A bare "4" was an expected fact of "... on press 4 replaced in 2025?": any answer naming the press held it."""
        def held(fact: str, question: str) -> bool:
            return re.search(rf"(?<!\w){re.escape(fact.lower())}(?!\w)", question.lower()) is not None
        echoed = [q["id"] for q in qa() if q["answerable"] and all(held(f, q["question"]) for f in q["answer_must_include"])]
        assert echoed == []

    @pytest.mark.parametrize("q", [q for q in qa() if q["answerable"] and q["kind"] in
                                   {"fact", "procedure", "followup"}], ids=lambda q: q["id"])
    def test_expected_facts_occur_in_a_cited_source(self, q):
        texts = [source_text(s["source"], s.get("page"), s.get("record")) for s in q["expected_sources"]]
        for fact in q["answer_must_include"]:
            assert any(norm(fact) in t for t in texts), f"{q['id']}: {fact!r} not in {q['expected_sources']}"


def _rows(pred) -> list[dict]:
    return [r for r in work_orders() if pred(r)]


def _g(x: float) -> str:
    return f"{x:g}"


class TestHistoryAnswers:
    def expect(self, question: str, facts: list[str], records: set[str] | None = None) -> None:
        q = by_id(question)
        assert q["answer_must_include"] == facts
        cited = {s["record"] for s in q["expected_sources"]}
        if records is not None:
            assert cited <= records and cited, f"{q['id']}: cites {cited - records}"

    def test_strainer_count_2025(self):
        rows = _rows(lambda r: r["asset_id"] == "PRESS-04" and "4471-22" in r["parts"] and r["date"] < "2026")
        self.expect("How many times was the suction strainer on press 4 replaced in 2025?",
                    [f"{len(rows)} work orders"], {r["wo_id"] for r in rows})

    @pytest.mark.parametrize("question,part", [
        ("When was the last heater band failure on IMM-05?", "3305-18"),
        ("When was the spindle drive belt on mill 2 last replaced?", "7720-14"),
        ("When was the return filter on press 4 last replaced?", "4471-31")])
    def test_latest_replacement(self, question, part):
        last = max(_rows(lambda r: part in r["parts"]), key=lambda r: (r["date"], r["wo_id"]))
        self.expect(question, [last["date"], last["wo_id"]], {last["wo_id"]})

    def test_most_corrective_2026(self):
        ranked = _rows(lambda r: r["type"] == "corrective" and r["date"] >= "2026")
        counts = Counter(r["asset_id"] for r in ranked)
        (top, n), (_, runner_up) = counts.most_common(2)
        assert n > runner_up
        # every ranked work order may rightly be cited, and all of them are listed
        self.expect("Which asset had the most corrective work orders in 2026?", [top, str(n)],
                    {r["wo_id"] for r in ranked})
        assert len(by_id("Which asset had the most corrective work orders in 2026?")["expected_sources"]) == len(ranked)

    def test_counts(self):
        ohe = _rows(lambda r: r["asset_id"] == "COMP-01" and r["failure_code"] == "OHE")
        self.expect("How many high discharge temperature work orders has compressor 1 had?", [str(len(ohe))])
        mis = _rows(lambda r: r["asset_id"] == "CONV-03" and r["failure_code"] == "MIS" and r["date"] >= "2026")
        # "3" alone would be found in "conveyor 3": the fact names what was counted
        self.expect("How many belt tracking work orders did conveyor 3 have in 2026?", [f"{len(mis)} work orders"])
        pm = _rows(lambda r: r["asset_id"] == "IMM-05" and r["type"] == "preventive" and r["date"] < "2026")
        self.expect("How many preventive work orders were done on moulding machine 5 in 2025?", [str(len(pm))])

    def test_downtime(self):
        press = _rows(lambda r: r["asset_id"] == "PRESS-04" and r["type"] == "corrective" and r["date"] < "2026")
        self.expect("What was the total corrective downtime of press 4 in 2025, in hours?",
                    [_g(sum(float(r["downtime_h"]) for r in press))])
        total: dict[str, float] = defaultdict(float)
        for r in _rows(lambda r: r["date"] < "2026"):
            total[r["asset_id"]] += float(r["downtime_h"])
        ranked = sorted(total.items(), key=lambda kv: -kv[1])
        assert ranked[0][1] > ranked[1][1]
        self.expect("Counting all work orders, which asset had the most downtime hours in 2025?",
                    [ranked[0][0], _g(ranked[0][1])])

    def test_last_cooler_cleaning_and_top_code(self):
        last = _rows(lambda r: r["asset_id"] == "COMP-01" and "cooler" in r["action"].lower())[-1]
        self.expect("Who did the last oil cooler cleaning on compressor 1?", [last["technician"]], {last["wo_id"]})
        codes = Counter(r["failure_code"] for r in _rows(lambda r: r["asset_id"] == "CONV-03" and r["failure_code"]))
        (code, n), (_, second) = codes.most_common(2)
        assert n > second
        self.expect("Which failure code comes up most often on conveyor 3?", [code])


def _series(path: str, asset: str, signal: str) -> list[float]:
    with (SAMPLE / path).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if "signal" in rows[0]:
        return [float(r["value"]) for r in rows if r["asset"] == asset and r["signal"] == signal]
    return [float(r[signal]) for r in rows if r["asset"] == asset]


def _excursions(values: list[float], outside) -> int:
    """Number of times the series leaves the normal band (a run of outside readings counts once)."""
    return sum(1 for i, v in enumerate(values) if outside(v) and (i == 0 or not outside(values[i - 1])))


class TestSensorAnswers:
    @pytest.mark.parametrize("question,path,asset,signal,stat", [
        ("What was the lowest hydraulic pressure recorded on press 4 in the sensor data?",
         "sensors/press04_hydraulics.csv", "PRESS-04", "hydraulic_pressure", min),
        ("What was the highest discharge temperature of compressor 1 in the sensor readings?",
         "sensors/comp01_readings.csv", "COMP-01", "discharge_temp", max),
        ("What was the highest spindle temperature logged on mill 2?",
         "sensors/cnc02_spindle.csv", "CNC-02", "spindle_temp", max),
        ("What was the lowest barrel zone 3 temperature on imm 5 in the sensor data?",
         "sensors/imm05_barrel.csv", "IMM-05", "zone3_temp", min),
        ("What was the lowest belt speed measured on conveyor 3?",
         "sensors/conv03_readings.csv", "CONV-03", "belt_speed", min)])
    def test_extreme_values(self, question, path, asset, signal, stat):
        q = by_id(question)
        assert q["expected_sources"] == [{"source": path}]
        assert _g(stat(_series(path, asset, signal))) in q["answer_must_include"]

    def test_limit_crossings_are_single_readings(self):
        # each crossing is one isolated reading, so "events" and "readings" counts agree
        pressure = _series("sensors/press04_hydraulics.csv", "PRESS-04", "hydraulic_pressure")
        low = [v for v in pressure if v < 150]
        assert len(low) == _excursions(pressure, lambda v: v < 150)
        assert f"{len(low)} times" in by_id("How many times did press 4 hydraulic pressure fall below the 150 bar "
                                      "limit?")["answer_must_include"]
        current = _series("sensors/conv03_readings.csv", "CONV-03", "motor_current")
        high = [v for v in current if v > 9.5]
        assert len(high) == _excursions(current, lambda v: v > 9.5)
        assert str(len(high)) in by_id("How many times did the conveyor 3 motor current go above the 9.5 A "
                                       "limit?")["answer_must_include"]

    def test_limits_cover_every_signal_and_no_reading_sits_on_a_limit(self):
        limits = yaml.safe_load((SAMPLE / "sensors" / "limits.yaml").read_text(encoding="utf-8"))
        files = {"PRESS-04": "press04_hydraulics.csv", "CNC-02": "cnc02_spindle.csv",
                 "IMM-05": "imm05_barrel.csv", "COMP-01": "comp01_readings.csv", "CONV-03": "conv03_readings.csv"}
        for lim in limits:
            values = _series(f"sensors/{files[lim['asset']]}", lim["asset"], lim["signal"])
            assert values, f"no data for {lim}"
            assert lim["low"] not in values and lim["high"] not in values, lim


class TestCorpusFiles:
    def test_work_orders_reference_registered_assets(self):
        with (SAMPLE / "assets.csv").open(encoding="utf-8", newline="") as fh:
            assets = {r["id"]: r for r in csv.DictReader(fh)}
        rows = work_orders()
        assert len(rows) >= 150
        assert {r["asset_id"] for r in rows} <= assets.keys()
        assert len({r["wo_id"] for r in rows}) == len(rows)
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["date"]) for r in rows)
        assert all(a["aliases"] for a in assets.values())

    def test_manuals_one_per_model_in_several_formats(self):
        manuals = sorted((SAMPLE / "manuals").iterdir())
        assert {p.suffix for p in manuals} >= {".md", ".html", ".txt", ".pdf"}
        assert len(manuals) == 5
        from pypdf import PdfReader

        assert 8 <= len(PdfReader(SAMPLE / "manuals" / "vmc850_mill_manual.pdf").pages) <= 12

    def test_corpus_stays_small(self):
        total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
        assert total < 4 * 1024 * 1024
        assert (SAMPLE / "manuals" / "vmc850_mill_manual.pdf").stat().st_size < 200 * 1024
