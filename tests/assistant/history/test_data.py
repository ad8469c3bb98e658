"""History questions end to end on real files: the real work-order loader and asset registry,
a real SQLite table, and figures re-counted independently with the csv module."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from assistant.config import Settings
from assistant.db.base import Base
from assistant.history.answer import HistoryAnswerer, HistoryQueryParser, WorkOrderStore
from ingest.assets import AssetRegistry
from ingest.tables.table import read_table
from ingest.tables.workorders import WorkOrderLoader
from tests.conftest import external_path

ROWS_CITED = Settings().answer.work_order_rows_cited

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "data" / "sample"


def loaded_store(tmp_path: Path, csv_path: Path) -> WorkOrderStore:
    engine = create_engine(f"sqlite:///{tmp_path / 'wo.db'}")
    Base.metadata.create_all(engine)
    store = WorkOrderStore(sessionmaker(engine, expire_on_commit=False))
    result = WorkOrderLoader().load(read_table(csv_path))
    store.replace_source(csv_path.resolve().as_posix(), result.work_orders)
    return store


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def has_words(text: str, *prefixes: str) -> bool:
    return all(re.search(r"(?<![0-9a-z])" + p, text.lower()) for p in prefixes)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    if not (SAMPLE / "work_orders.csv").exists():
        pytest.skip("sample corpus not present")
    registry = AssetRegistry()
    registry.load(SAMPLE / "assets.csv")
    store = loaded_store(tmp_path_factory.mktemp("sample"), SAMPLE / "work_orders.csv")
    parser = HistoryQueryParser(registry, store=store, today=date(2026, 11, 29))
    return parser, HistoryAnswerer(store, max_cited=ROWS_CITED), rows_of(SAMPLE / "work_orders.csv")


def ask(sample, question, asset=None):
    parser, answerer, _ = sample
    query = parser.parse(question, asset=asset)
    assert query is not None, question
    return answerer.answer(query)


class TestSampleCorpus:
    def test_count_with_topic_and_year(self, sample):
        rows = sample[2]
        expected = {r["wo_id"] for r in rows if r["asset_id"] == "CONV-03" and r["date"].startswith("2026")
                    and has_words(" ".join((r["problem"], r["cause"], r["action"])), "belt", "track")}
        result = ask(sample, "How many belt tracking work orders did conveyor 3 have in 2026?")
        assert result.figure == len(expected) == 3
        assert {c.record_id for c in result.citations} == expected

    def test_preventive_count(self, sample):
        rows = sample[2]
        expected = sum(1 for r in rows if r["asset_id"] == "IMM-05" and r["date"].startswith("2025")
                       and r["type"] == "preventive")
        assert ask(sample, "How many preventive work orders were done on moulding machine 5 in 2025?").figure == expected

    def test_total_corrective_downtime(self, sample):
        rows = sample[2]
        expected = sum(float(r["downtime_h"]) for r in rows if r["asset_id"] == "PRESS-04"
                       and r["date"].startswith("2025") and r["type"] == "corrective")
        result = ask(sample, "What was the total corrective downtime of press 4 in 2025, in hours?")
        assert result.figure == pytest.approx(expected) and f"{expected:g} h" in result.text

    def test_rank_corrective(self, sample):
        result = ask(sample, "Which asset had the most corrective work orders in 2026?")
        counts: dict[str, int] = {}
        for r in sample[2]:
            if r["type"] == "corrective" and r["date"].startswith("2026"):
                counts[r["asset_id"]] = counts.get(r["asset_id"], 0) + 1
        best = max(counts, key=counts.get)
        assert best in result.ranking[0][0] and result.ranking[0][1] == counts[best]

    def test_latest_with_technician(self, sample):
        result = ask(sample, "Who did the last oil cooler cleaning on compressor 1?")
        last = max((r for r in sample[2] if r["asset_id"] == "COMP-01"
                    and has_words(" ".join((r["problem"], r["cause"], r["action"])), "oil", "cooler", "clean")),
                   key=lambda r: r["date"])
        assert result.rows[0].record_id == last["wo_id"] and last["technician"] in result.text

    def test_failure_code_ranking(self, sample):
        result = ask(sample, "Which failure code comes up most often on conveyor 3?")
        codes: dict[str, int] = {}
        for r in sample[2]:
            if r["asset_id"] == "CONV-03" and r["failure_code"]:
                codes[r["failure_code"]] = codes.get(r["failure_code"], 0) + 1
        assert result.ranking[0] == (max(codes, key=codes.get), max(codes.values()))

    def test_unknown_asset_is_not_answered(self, sample):
        result = ask(sample, "How many work orders were raised for robot cell R-07?")
        assert not result.answered and result.citations == []


@pytest.mark.external
class TestAssetOpsBench:
    def test_sensor_failure_count_and_latest_for_one_chiller(self, tmp_path):
        csv_path = external_path("assetopsbench", "all_wo_with_code_component_events.csv")
        store = loaded_store(tmp_path, csv_path)
        raw = rows_of(csv_path)
        mine = [r for r in raw if r["equipment_name"] == "Chiller 6"
                and has_words(" ".join(v for k, v in r.items() if k not in ("equipment_name", "equipment_id")),
                              "sensor")
                and r["preventive"].upper() != "TRUE"]
        ids = {re.sub(r"[^0-9a-z]", "", r["wo_id"].lower()) for r in mine}
        parser = HistoryQueryParser(None, store=store, today=date(2025, 1, 1))
        query = parser.parse("How many sensor failures did Chiller 6 have?")
        result = HistoryAnswerer(store, max_cited=ROWS_CITED).answer(query)
        assert result.figure == len(ids) > 0
        latest = max(datetime.strptime(r["actual_finish"], "%m/%d/%y %H:%M") for r in mine)
        assert f"on {latest:%Y-%m-%d}" in result.text
