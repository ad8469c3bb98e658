"""Work-order / fault-log tables, generic record tables, and the table reader's bad-input cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.tables.records import RecordLoader
from ingest.router import Router, classify
from ingest.tables.table import iso_date, load_mapping, parse_hours, read_table
from ingest.types import IngestError
from ingest.tables.workorders import WorkOrderLoader, map_columns

MAXIMO = (
    "wo_id,wo_description,collection,primary_code,primary_code_description,secondary_code,"
    "secondary_code_description,equipment_id,equipment_name,preventive,work_priority,actual_finish,duration,"
    "actual_labor_hours\n"
    "WO259747,Oil Analysis and more specific Routine Oil Analysis related to compressor,compressor,MT010,"
    "Oil Analysis,MT010b,Routine Oil Analysis,CWC04013,Chiller 13,TRUE,5,4/6/16 14:00,3:00,1:00\n"
    "WO1,Replace belt,fan,M002,Fracture,,,CWC04007,Chiller 7,FALSE,2,2015-03-23 19:30:00,1:30,0:45\n"
)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return path


def load(path: Path, mapping=None):
    return Router(10, column_mapping=mapping).load(path)


class TestWorkOrders:
    def test_maximo_export_maps_every_field(self, tmp_path):
        kind, result = load(write(tmp_path, "wo.csv", MAXIMO))
        assert kind == "work_order" and not result.warnings
        wo = result.work_orders[0]
        assert (wo.record_id, wo.asset, wo.asset_name, wo.date) == ("WO259747", "CWC04013", "Chiller 13", "2016-04-06")
        assert (wo.failure_code, wo.component, wo.work_type) == ("MT010", "compressor", "preventive")
        assert wo.duration_hours == 3.0 and wo.extra["labor_hours"] == 1.0 and wo.extra["priority"] == "5"
        assert result.work_orders[1].work_type == "corrective" and result.work_orders[1].duration_hours == 1.5
        doc = result.documents[0]
        assert doc.doc_type == "work_order" and doc.record_id == "WO259747" and doc.asset == "CWC04013"
        assert doc.text == (
            "Work order WO259747 — Chiller 13 (CWC04013), finished 2016-04-06, preventive, priority 5.\n"
            "Description: Oil Analysis and more specific Routine Oil Analysis related to compressor\n"
            "Failure code: MT010 Oil Analysis / MT010b Routine Oil Analysis. Component: compressor. "
            "Duration 3.0 h, labour 1.0 h."
        )
        assert doc.metadata["failure_code"] == "MT010" and doc.metadata["secondary_code"] == "MT010b"

    def test_sap_style_shorthand_kept_verbatim_and_numeric_id_prefixed(self, tmp_path):
        text = (",BscStartDate,Asset,OriginalShorttext,PMType,Cost,RunningTime,FM,Location,id\n"
                "0,2004-07-01,A,BUCKET WON'T OPEN,PM01,183.05,,,,0\n"
                "1,2005-03-20,A,L/H BUCKET CYL LEAKING.,PM01,407.4,262.0,Leak,Left,1\n")
        kind, result = load(write(tmp_path, "pdl.csv", text))
        assert kind == "work_order"
        first, second = result.work_orders
        assert first.record_id == "pdl-0" and first.description == "BUCKET WON'T OPEN" and first.asset == "A"
        assert "Description: BUCKET WON'T OPEN" in result.documents[0].text
        assert "asset A, started 2004-07-01, PM01" in result.documents[0].text
        assert second.failure_mode == "Leak" and second.cost == 407.4 and second.extra["Location"] == "Left"

    def test_without_id_column_the_line_is_the_id(self, tmp_path):
        path = write(tmp_path, "faults.csv", "date,machine,problem\n2024-01-02,PRESS-04,hyd leak @ cyl\n")
        _, result = load(path)
        assert result.work_orders[0].record_id == "faults-L2"

    def test_bad_rows_are_skipped_with_file_and_line(self, tmp_path):
        text = MAXIMO + "WO2,too,few\n" + "WO3,,fan,,,,,CWC04007,Chiller 7,TRUE,1,2015-01-01,1:00,1:00\n"
        _, result = load(write(tmp_path, "wo.csv", text))
        assert [w.record_id for w in result.work_orders] == ["WO259747", "WO1"]
        assert "wo.csv line 4: 3 fields, header has 14; row skipped" in result.warnings
        assert any(w.startswith("wo.csv line 5: empty 'wo_description'") for w in result.warnings)

    def test_unreadable_date_keeps_row(self, tmp_path):
        path = write(tmp_path, "f.csv", "wo_id,asset,description,date\nW1,P1,leak,someday\n")
        _, result = load(path)
        assert result.work_orders[0].date is None
        assert result.warnings == ["f.csv line 2: unreadable date 'someday'; kept without date"]

    def test_a_log_written_day_first_is_read_day_first(self, tmp_path):
        # "13/04/2025" shows the column is day / month: "03/04/2025" is 3 April, not 4 March
        path = write(tmp_path, "f.csv", "wo_id,asset,description,date\nW1,P1,leak,03/04/2025\nW2,P1,seal,13/04/2025\n"
                                        "W3,P1,pump,28/03/2025 14:30\n")
        _, result = load(path)
        assert [r.date for r in result.work_orders] == ["2025-04-03", "2025-04-13", "2025-03-28"]
        assert not result.warnings
        _, us = load(write(tmp_path, "us.csv", "wo_id,asset,description,date\nW1,P1,leak,03/04/2025\n"
                                               "W2,P1,seal,4/13/25\n"))
        assert [r.date for r in us.work_orders] == ["2025-03-04", "2025-04-13"]  # month first, as Maximo writes

    def test_event_log_only_work_orders_become_work_orders(self, tmp_path):
        text = ("event_id,event_group,event_category,event_type,description,equipment_id,equipment_name,event_time\n"
                "WO-1,WORK_ORDER,PM,MT013,Vibration Analysis,CWC04701,Chiller 1,2010-06-22 14:12:00\n"
                "al_9,ALERT,ALERT,RUL0021,Excessive Power use,CWC04701,Chiller 1,2020-11-24 19:00:00\n")
        _, result = load(write(tmp_path, "event.csv", text))
        assert [w.record_id for w in result.work_orders] == ["WO-1"]
        assert result.work_orders[0].work_type == "PM" and result.work_orders[0].failure_code == "MT013"
        alert = result.documents[1]
        assert alert.doc_type == "record" and alert.record_id == "al_9" and alert.date == "2020-11-24"

    def test_json_list_records_object_and_jsonl(self, tmp_path):
        rows = [{"work_order": "W1", "asset": "P1", "problem": "noisy", "date": "2024-05-01"}]
        for name, text in (("a.json", json.dumps(rows)), ("b.json", json.dumps({"records": rows})),
                           ("c.jsonl", json.dumps(rows[0]) + "\n{broken\n")):
            kind, result = load(write(tmp_path, name, text))
            assert kind == "work_order" and result.work_orders[0].record_id == "W1"
        assert result.warnings and result.warnings[0].startswith("c.jsonl line 2: invalid JSON")

    def test_mapping_override_file(self, tmp_path):
        mapping_file = write(tmp_path, "map.yaml", "record_id: Ticket No\ndescription: Fault text\nasset: Machine\n")
        mapping = load_mapping(mapping_file)
        path = write(tmp_path, "t.csv", "Ticket No,Fault text,Machine,Notes\nT-7,E-204 on startup,CNC-2,x\n")
        kind, result = load(path, mapping)
        assert kind == "work_order"
        assert (result.work_orders[0].record_id, result.work_orders[0].asset) == ("T-7", "CNC-2")
        missing = write(tmp_path, "m.csv", "Ticket No,Fault text\nT-8,leak\n")
        with pytest.raises(IngestError, match=r"m.csv: column\(s\) named in the mapping file are missing: asset='Machine'"):
            load(missing, mapping)

    def test_mapping_file_with_unknown_field_is_refused(self, tmp_path):
        with pytest.raises(IngestError, match="unknown field"):
            load_mapping(write(tmp_path, "map.yaml", "colour: x\n"))

    def test_header_matching_ignores_case_space_underscore(self):
        cols = map_columns(["WO ID", "Equipment-Name", "PROBLEM", "Actual Finish"])
        assert cols == {"record_id": "WO ID", "asset_name": "Equipment-Name", "description": "PROBLEM",
                        "date": "Actual Finish"}

    def test_loader_refuses_table_without_description(self, tmp_path):
        table = read_table(write(tmp_path, "x.csv", "a,b\n1,2\n"))
        with pytest.raises(IngestError, match="x.csv: no description and asset columns"):
            WorkOrderLoader().load(table)


class TestTables:
    def test_empty_file(self, tmp_path):
        with pytest.raises(IngestError, match="empty.csv: file is empty"):
            load(write(tmp_path, "empty.csv", "  \n"))

    def test_header_only_file(self, tmp_path):
        with pytest.raises(IngestError, match="h.csv: no data rows"):
            load(write(tmp_path, "h.csv", "wo_id,description\n"))

    def test_cp1252_file_is_read_with_a_warning(self, tmp_path):
        path = write(tmp_path, "win.csv", "wo_id,asset,description\nW1,P1,oil temp 85°C – check\n", "cp1252")
        _, result = load(path)
        assert result.work_orders[0].description == "oil temp 85°C – check"
        assert result.warnings == ["win.csv line 2: not valid UTF-8; read as Windows-1252 (cp1252)"]

    def test_bom_semicolons_and_trailing_empty_cells(self, tmp_path):
        path = tmp_path / "bom.csv"
        path.write_bytes("\ufeffid;name;logic\nR1;Low temp;;\n".encode("utf-8"))
        table = read_table(path)
        assert table.columns == ["id", "name", "logic"] and table.rows == [(2, {"id": "R1", "name": "Low temp", "logic": ""})]

    def test_repeated_header_names_are_kept_apart(self, tmp_path):
        table = read_table(write(tmp_path, "d.csv", "Notes,Notes\nfirst,second\n"))
        assert table.rows == [(2, {"Notes": "first", "Notes (2)": "second"})]

    def test_invalid_json_names_line(self, tmp_path):
        with pytest.raises(IngestError, match="bad.json line 2: invalid JSON"):
            load(write(tmp_path, "bad.json", "[\n{oops}\n]"))

    def test_unknown_extension(self, tmp_path):
        with pytest.raises(IngestError, match=r"x.docx: unknown extension .docx"):
            load(write(tmp_path, "x.docx", "hi"))

    def test_too_large(self, tmp_path):
        path = write(tmp_path, "big.csv", "wo_id,asset,description\n" + "W,P,x\n" * 400)
        with pytest.raises(IngestError, match="big.csv: .* MB is over the 0.001 MB limit"):
            Router(0.001).load(path)

    @pytest.mark.parametrize("value,expected", [
        ("4/6/16 14:00", "2016-04-06"), ("2010-06-22 14:12:00", "2010-06-22"), ("2004-07-01", "2004-07-01"),
        (1590984000, "2020-06-01"), ("1590984000", "2020-06-01"), ("2020-06-01T23:30:00Z", "2020-06-01"),
        ("11/24/2020", "2020-11-24"), ("not a date", None), ("", None),
    ])
    def test_dates(self, value, expected):
        assert iso_date(value) == expected

    @pytest.mark.parametrize("value,expected", [("3:00", 3.0), ("1:30", 1.5), ("0:45:00", 0.75), ("2.5", 2.5), ("", None)])
    def test_durations(self, value, expected):
        assert parse_hours(value) == expected


class TestRecords:
    def test_fmea_rows_become_records(self, tmp_path):
        text = ("Subsystem,Component,Potential Failure Mode,Severity,Recommended Action\n"
                'Power Unit,Fuel Tank,Cracked or leaking,4,"Drain, flush"\n'
                "Power Unit,Fuel Cooler,Leaking,4,\n")
        path = write(tmp_path, "fmea.csv", text)
        assert classify(read_table(path)) == "records"
        kind, result = load(path)
        assert kind == "records" and not result.work_orders
        doc = result.documents[0]
        assert (doc.doc_type, doc.record_id, doc.asset) == ("record", "fmea-L2", None)
        assert doc.text == ("fmea (fmea.csv, line 2):\nSubsystem: Power Unit | Component: Fuel Tank | "
                            "Potential Failure Mode: Cracked or leaking | Severity: 4 | Recommended Action: Drain, flush")
        assert "Recommended Action" not in result.documents[1].text  # empty cells left out

    def test_record_rows_tag_asset_and_date(self, tmp_path):
        path = write(tmp_path, "alerts.csv", "equipment_id,rule_id,start_time\nCWC04701,RUL0021,11/24/20 19:00\n")
        result = RecordLoader().load(read_table(path))
        assert (result.documents[0].asset, result.documents[0].date) == ("CWC04701", "2020-11-24")
