"""Rows 1 and 2: `kill -9` just after the index swap left the new index live while the database kept
the old work-order rows and the registry the old assets, and the re-run never repaired it; two
ingests at once both exited 0 and one update was lost.

Real ingests in processes of their own (hash embedder: the model is not what is tested), killed
with SIGKILL at each stage boundary of the ingest transaction (``ingest_fault.py``), then run again.
After the re-run the index, the rows and the registry must agree with each other and with a clean
ingest of the same files.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.security.server import MANUAL, ROOT, SAMPLE, WORK_ORDERS, cli, env_for

CHILLER_ORDERS = 40
STAGES = ["journal_written", "version_written", "index_swapped", "rows 1/2", "rows 2/2", "rows_written",
          "registry_saved", "done"]
AFTER_SWAP = {"index_swapped", "rows 1/2", "rows 2/2", "rows_written", "registry_saved"}


def _chiller_orders() -> str:
    """The sample work orders plus Chiller 6's history: the asset only the second ingest brings."""
    text = WORK_ORDERS.read_text(encoding="utf-8").rstrip("\n")
    extra = [f"WO-{7000 + i},CHILLER-06,Chiller 6,2025-{1 + i % 12:02d}-{1 + i % 27:02d},corrective,medium,"
             f"compressor trip {i},low refrigerant,recharged,,TRP,1.5,A. Costa" for i in range(CHILLER_ORDERS)]
    return "\n".join([text, *extra]) + "\n"


def _fault(env: dict[str, str], mode: str, *paths: Path, wait: bool = True):
    command = [sys.executable, "-m", "tests.security.ingest_fault", mode, *map(str, paths)]
    if not wait:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def state(data: Path, db_url: str | None = None) -> dict:
    """What must agree: work-order ids per source in the index and in the table, the registry."""
    from sqlalchemy import select

    from assistant.wiring import load_settings
    from assistant.wiring import Container
    from assistant.history.store import WorkOrder

    container = Container(load_settings(data_dir=data, embedding={"mode": "fake"}, llm={"mode": "fake"},
                                        db={"url": db_url}))
    indexed: dict[str, set[str]] = defaultdict(set)
    for chunk in container.store.chunks():
        if chunk.doc_type == "work_order":
            indexed[chunk.source].add(chunk.record_id)
    rows: dict[str, set[str]] = defaultdict(set)
    row_assets = set()
    with container.session_factory() as session:
        for source, record_id, asset in session.execute(select(WorkOrder.source, WorkOrder.record_id,
                                                                WorkOrder.asset)):
            rows[source].add(record_id)
            row_assets.add(asset)
    registry = {a["id"] for a in json.loads((data / "assets.json").read_text())["assets"]}
    out = {"index": dict(indexed), "rows": dict(rows), "registry": registry, "row_assets": row_assets,
           "chunks": len(container.store.chunks()), "sources": sorted(container.store.source_hashes())}
    container.engine.dispose()
    return out


def assert_consistent(got: dict, clean: dict) -> None:
    assert got["index"] == got["rows"], "index and work-order rows disagree"
    assert got["row_assets"] <= got["registry"], "rows name assets the registry does not know"
    for key in ("index", "rows", "registry", "chunks", "sources"):
        assert got[key] == clean[key], f"{key} differs from a clean ingest"


@pytest.mark.parametrize("stage", [pytest.param(s, marks=[] if s == "index_swapped" else pytest.mark.slow)
                                   for s in STAGES])
def test_kill_at_each_stage_then_rerun_agrees_with_a_clean_ingest(stage, tmp_path):
    crash_and_rerun(stage, tmp_path)


@pytest.mark.postgres
def test_kill_after_the_swap_with_postgresql(tmp_path):
    """The same crash with the work-order rows in PostgreSQL (MAINTASSIST_TEST_PG_URL)."""
    from tests.assistant.db.conftest import fresh_pg_database

    with fresh_pg_database() as first, fresh_pg_database() as clean:
        crash_and_rerun("index_swapped", tmp_path, db_urls=(first, clean))


def crash_and_rerun(stage: str, tmp_path: Path, db_urls: tuple[str | None, str | None] = (None, None)) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    orders, manual = corpus / "work_orders.csv", corpus / MANUAL.name
    shutil.copy(WORK_ORDERS, orders)
    db = [{"MAINTASSIST_DB__URL": url} if url else {} for url in db_urls]
    env = env_for(tmp_path / "data", **db[0])
    first = cli(env, "ingest", str(orders))
    assert first.returncode == 0, first.stderr
    orders.write_text(_chiller_orders(), encoding="utf-8")  # the update: Chiller 6's 40 work orders
    shutil.copy(MANUAL, manual)

    killed = _fault(env, stage, manual, orders)
    assert killed.returncode == -9, f"not killed at {stage}: {killed.stderr[-2000:]}"
    rerun = cli(env, "ingest", str(manual), str(orders))
    assert rerun.returncode == 0, rerun.stderr
    if stage in AFTER_SWAP:
        assert "repaired: an earlier ingest stopped after swapping in index version" in rerun.stdout
    elif stage != "done":
        assert "stopped before its index swap" in rerun.stdout
    got = state(tmp_path / "data", db_urls[0])

    clean_env = env_for(tmp_path / "clean", **db[1])
    assert cli(clean_env, "ingest", str(manual), str(orders)).returncode == 0
    clean = state(tmp_path / "clean", db_urls[1])
    assert len(clean["rows"][orders.resolve().as_posix()]) == 177 + CHILLER_ORDERS
    assert "CHILLER-06" in clean["registry"]
    assert_consistent(got, clean)
    assert not (tmp_path / "data" / "ingest-journal").exists()


@pytest.mark.slow
def test_concurrent_ingests_wait_for_each_other_and_lose_nothing(tmp_path):
    env = env_for(tmp_path / "data")
    manual, orders = MANUAL, SAMPLE / "work_orders.csv"
    # The first ingest stops for a while holding the lock, its index swap still ahead.
    first = _fault(env, "pause=6@journal_written", manual, wait=False)
    deadline = time.monotonic() + 120
    while not (tmp_path / "data" / "ingest-journal").exists():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.2)
    second = cli(env, "ingest", str(orders))
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert "waiting for another ingest (pid" in second.stderr
    got = state(tmp_path / "data")
    assert got["sources"] == sorted([manual.resolve().as_posix(), orders.resolve().as_posix()])  # none lost
    assert got["index"] == got["rows"] and len(got["rows"][orders.resolve().as_posix()]) == 177


@pytest.mark.slow
def test_a_second_ingest_that_cannot_wait_says_why_in_one_line(tmp_path):
    env = env_for(tmp_path / "data")
    first = _fault(env, "pause=15@journal_written", MANUAL, wait=False)
    deadline = time.monotonic() + 120
    while not (tmp_path / "data" / "ingest-journal").exists():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.2)
    second = cli({**env, "MAINTASSIST_INGEST__LOCK_WAIT_S": "1"}, "ingest", str(WORK_ORDERS))
    first.kill()
    first.communicate()
    assert second.returncode == 1
    lines = [ln for ln in second.stderr.splitlines() if ln.strip() and not ln.startswith("waiting")]
    assert len(lines) == 1 and "another ingest (pid" in lines[0] and "Traceback" not in second.stderr, second.stderr
