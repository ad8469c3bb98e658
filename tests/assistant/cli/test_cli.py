"""``maintassist`` with an index built by another embedder (one line, then ``ingest --reembed``), the time
line of ``ingest``, and an unchanged re-ingest that opens neither the database nor the model."""

from __future__ import annotations

import json
import sys

import pytest

MANUAL = "# PX-9 press\n\n## Hydraulics\n\nThe accumulator holds 210 bar. Discharge it before opening a fitting.\n"


def run_main(monkeypatch, *args: str) -> int:
    """The console script as a user runs it (``app()`` turns known errors into one line and an exit code)."""
    from assistant.cli.main import app

    monkeypatch.setattr(sys, "argv", ["maintassist", *args])
    with pytest.raises(SystemExit) as exit_:
        app()
    return exit_.value.code or 0


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("MAINTASSIST_EMBEDDING__MODE", "fake")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "px9.md").write_text(MANUAL)
    data = tmp_path / "data"
    assert run_main(monkeypatch, "ingest", str(docs), "--data-dir", str(data)) == 0
    return data


def _built_with(data, model_id: str) -> None:
    """Make the live index look as if another embedder had built it."""
    index = data / "index"
    manifest_path = index / (index / "CURRENT").read_text().strip() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["embedding_model_id"] = model_id
    manifest_path.write_text(json.dumps(manifest))


class TestIngestCommand:
    def test_reading_commands_say_what_to_run_in_one_line(self, data_dir, monkeypatch, capsys):
        _built_with(data_dir, "all-MiniLM-L6-v2@53aa51172d14")
        capsys.readouterr()
        assert run_main(monkeypatch, "search", "accumulator", "--data-dir", str(data_dir)) == 1
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and err.startswith("maintassist: the index in")
        assert "'all-MiniLM-L6-v2@53aa51172d14'" in err and "'fake-hash-64'" in err
        assert "maintassist ingest --reembed" in err

    def test_ingest_reembed_brings_the_index_to_the_configured_embedder(self, data_dir, monkeypatch, capsys):
        _built_with(data_dir, "all-MiniLM-L6-v2@53aa51172d14")
        assert run_main(monkeypatch, "ingest", "--reembed", "--data-dir", str(data_dir)) == 0
        assert "re-embedded the index's 1 chunk texts with the configured embedder" in capsys.readouterr().out
        assert run_main(monkeypatch, "search", "accumulator", "--data-dir", str(data_dir)) == 0
        assert "px9.md" in capsys.readouterr().out

    def test_ingest_prints_where_the_time_went(self, tmp_path, monkeypatch, capsys):
        monkeypatch.setenv("MAINTASSIST_EMBEDDING__MODE", "fake")
        (tmp_path / "px9.md").write_text(MANUAL)
        assert run_main(monkeypatch, "ingest", str(tmp_path / "px9.md"), "--data-dir", str(tmp_path / "d")) == 0
        last = capsys.readouterr().out.strip().splitlines()[-1]
        assert last.startswith("time: parse ") and "embed" in last and "index write" in last and "s in all" in last

    def test_unchanged_reingest_opens_neither_the_database_nor_the_model(self, data_dir, monkeypatch):
        from assistant.wiring import container_from

        container = container_from(data_dir, reembed_index=True)
        report = container.ingest_pipeline.run([data_dir.parent / "docs"])
        assert (report.skipped_unchanged, report.ingested) == (1, 0)
        assert "work_orders" not in vars(container) and "engine" not in vars(container)
