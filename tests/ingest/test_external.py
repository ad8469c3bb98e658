"""The real public data in shared/data/external goes in without hand-editing."""

from __future__ import annotations

import pytest

from ingest.assets import AssetRegistry
from ingest.pipeline import IngestPipeline
from ingest.router import Router
from tests.conftest import external_path
from tests.ingest.fakes import FakeChunker, FakeIndexStore, FakeWorkOrderSink

pytestmark = pytest.mark.external


@pytest.fixture(scope="module")
def loaded():
    tables = sorted(p for p in external_path().rglob("*") if p.suffix in (".csv", ".jsonl"))
    router = Router(200)
    return {p.name: router.load(p) for p in tables}


def test_every_table_loads_without_warnings(loaded):
    assert len(loaded) == 11
    for name, (kind, result) in loaded.items():
        assert result.documents, name
        assert result.warnings == [], name
    kinds = {name: kind for name, (kind, _) in loaded.items()}
    assert kinds["all_wo_with_code_component_events.csv"] == "work_order"
    assert kinds["case_study_pdl.csv"] == "work_order"
    assert kinds["chiller6_june2020_sensordata_couchdb.jsonl"] == "sensor"
    assert kinds["fmea_dataset_filled.csv"] == kinds["failure_codes.csv"] == kinds["alert_rule.csv"] == "records"


def test_assetopsbench_work_order(loaded):
    _, result = loaded["all_wo_with_code_component_events.csv"]
    assert len(result.work_orders) == 4248 + 1
    wo = next(w for w in result.work_orders if w.record_id == "WO259747")
    assert (wo.asset, wo.asset_name, wo.date, wo.failure_code) == ("CWC04013", "Chiller 13", "2016-04-06", "MT010")
    doc = next(d for d in result.documents if d.record_id == "WO259747")
    assert doc.text.startswith("Work order WO259747 — Chiller 13 (CWC04013), finished 2016-04-06, preventive")


def test_excavator_shorthand_verbatim(loaded):
    _, result = loaded["case_study_pdl.csv"]
    assert len(result.work_orders) == 5485
    first = result.work_orders[0]
    assert (first.record_id, first.asset, first.date, first.description) == (
        "case_study_pdl-0", "A", "2004-07-01", "BUCKET WON'T OPEN")
    assert "Description: BUCKET WON'T OPEN" in result.documents[0].text


def test_event_log_split(loaded):
    _, result = loaded["event.csv"]
    assert len(result.work_orders) == 4249
    assert sum(d.doc_type == "record" for d in result.documents) == 1466 + 541


def test_sensor_summaries(loaded):
    _, result = loaded["chiller6_june2020_sensordata_couchdb.jsonl"]
    overall = next(d for d in result.documents if d.record_id == "sensor:Chiller 6:supply_temperature:all")
    assert "2875 readings, 15-min" in overall.text and overall.date == "2020-06-01"


def test_whole_folder_through_the_pipeline(tmp_path):
    external = external_path()
    store, sink = FakeIndexStore(), FakeWorkOrderSink()
    pipe = IngestPipeline(store, sink, FakeChunker(), max_file_mb=200, registry=AssetRegistry(),
                          registry_path=tmp_path / "assets.json")
    report = pipe.run([external])
    assert report.failed == 0, [m for m in report.messages if m.startswith("failed")]
    assert report.ingested >= 11 + 12  # tables + manual pages/SOURCE notes
    assert pipe.registry.resolve("chiller 6 supply temperature") == ["CWC04006"]
    assert pipe.registry.resolve("bucket on excavator C") == ["C"]
    chunks = store.chunks()
    sensor = [c for c in chunks if c.doc_type == "sensor"]
    assert sensor and {c.asset for c in sensor} == {"CWC04006"}
    anomaly = next(c for c in chunks if c.source.endswith("anomaly_events.csv"))
    assert anomaly.asset == "CWC04009"  # written "chiller 9"
    # event.csv repeats the work-order file's orders; they are counted once
    events = next(s for s in sink.by_source if s.endswith("event.csv"))
    assert len(sink.by_source[events]) <= 1
    assert not any(c.asset == "chiller" for c in chunks)
    # a second run costs nothing
    again = pipe.run([external])
    assert again.ingested == 0 and again.skipped_unchanged == report.ingested
