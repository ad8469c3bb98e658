"""Durable writes: the target holds the old content or the new one, never a half-written file."""

from __future__ import annotations

import json

import pytest

from ingest import atomic
from ingest.atomic import write_json_atomic


def test_json_and_raw_values_replace_the_file_without_leaving_a_temp_file(tmp_path):
    target = tmp_path / "state.json"
    write_json_atomic(target, {"a": "é"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": "é"}
    write_json_atomic(target, "v-2", raw=True)
    assert target.read_text(encoding="utf-8") == "v-2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_failed_write_leaves_the_old_content(tmp_path, monkeypatch):
    target = tmp_path / "state.json"
    write_json_atomic(target, {"version": 1})

    def boom(handle):
        raise OSError("disk full")

    monkeypatch.setattr(atomic, "fsync_handle", boom)
    with pytest.raises(OSError, match="disk full"):
        write_json_atomic(target, {"version": 2})
    assert json.loads(target.read_text(encoding="utf-8")) == {"version": 1}
