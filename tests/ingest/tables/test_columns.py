"""The one column-alias table: header matching and which column wins."""

from __future__ import annotations

from ingest.tables.columns import ASSET, RECORD_FIELDS, SENSOR_FIELDS, WORK_ORDER_FIELDS, find_column, norm_key


def test_headers_match_ignoring_case_spaces_dashes_and_underscores():
    assert norm_key(" Equipment-ID_ ") == "equipmentid"
    assert find_column(["WO Number", "Equipment ID"], WORK_ORDER_FIELDS["asset"]) == "Equipment ID"


def test_first_alias_the_file_has_wins():
    assert find_column(["Machine", "asset_id"], ASSET) == "asset_id"
    assert find_column(["created", "Actual Finish"], WORK_ORDER_FIELDS["date"]) == "Actual Finish"


def test_each_kind_of_table_is_dated_by_its_own_date():
    columns = ["timestamp", "date"]
    assert find_column(columns, SENSOR_FIELDS["time"]) == "timestamp"  # a reading: its time stamp
    assert find_column(columns, RECORD_FIELDS["date"]) == "date"  # a record: its event date
    assert find_column(columns, WORK_ORDER_FIELDS["date"]) == "date"


def test_no_alias_and_empty_headers_give_none():
    assert find_column(["", "foo"], ASSET) is None and find_column([], ASSET) is None
