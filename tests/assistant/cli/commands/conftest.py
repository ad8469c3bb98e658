"""A tiny plant for the command tests: one press manual, three work orders, an asset registry.

Commands run through Typer's CliRunner against the real Container, IndexStore, SQLite and answer
chain; only the embedder and the LLM are the fakes chosen through Settings, so a command takes
about a second.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

MANUAL = """# PX-9 Press Manual

Asset PRESS-09 ("press 9").

## 1 Safety

### 1.1 Lock-out before work

1. Stop the hydraulic pump with button S2.
2. Switch main isolator Q1 to OFF and fit your padlock and tag.
3. Open accumulator discharge valve V7 until gauge PG-3 reads 0 bar.

## 2 Hydraulic unit

The accumulator of the PX-9 press holds up to 210 bar.

### 2.1 Pump whines and pressure is low

A whining pump with low pressure means the suction strainer is clogged or the oil level is low.

1. Lock out the press (section 1.1).
2. Check the oil level in the sight glass; top up with HLP 46.
3. Remove the suction strainer P/N 7781-04 and clean it in solvent.
4. Refit the strainer and run the pump; pressure must reach 180 bar within 30 seconds.

## 3 Lubrication

Grease the slide guides every 40 hours with EP2 grease.
"""
WORK_ORDERS = """wo_id,asset_id,asset_name,date,type,problem,cause,action,parts,failure_code,downtime_h
WO-1,PRESS-09,Press 9,2024-01-10,corrective,pump whining pressure low,suction strainer clogged,cleaned suction strainer,,HYD,1.5
WO-2,PRESS-09,Press 9,2024-12-31,corrective,pump whining,suction strainer clogged,replaced suction strainer,P/N 7781-04,HYD,2.0
WO-3,PRESS-09,Press 9,2025-01-02,preventive,PM,,greased slide guides,,,0.5
"""
ASSETS = "id,name,model,line,aliases\nPRESS-09,Press 9,PX-9,Line 1,press 9;P9\n"

# The fakes, and a wide terminal so Rich does not wrap or cut the tables the tests read.
ENV = {"MAINTASSIST_EMBEDDING__MODE": "fake", "MAINTASSIST_LLM__MODE": "fake", "COLUMNS": "250"}


class Plant:
    """The corpus files and a data dir, with ``cli(...)`` running a command on that data dir."""

    def __init__(self, root: Path):
        self.root = root
        self.corpus = root / "corpus"
        self.corpus.mkdir(parents=True, exist_ok=True)
        self.manual = self.corpus / "px9_press_manual.md"
        self.work_orders = self.corpus / "work_orders.csv"
        self.assets = root / "assets.csv"
        self.manual.write_text(MANUAL, encoding="utf-8")
        self.work_orders.write_text(WORK_ORDERS, encoding="utf-8")
        self.assets.write_text(ASSETS, encoding="utf-8")
        self.data_dir = root / "data"

    def cli(self, *args: str, ok: bool = True):
        result = CliRunner(env=ENV).invoke(_app(), [*args, "--data-dir", str(self.data_dir)])
        if ok:
            assert result.exit_code == 0, result.output + repr(result.exception)
        return result

    def ingest(self):
        return self.cli("ingest", str(self.corpus), "--assets", str(self.assets))


def _app():
    from assistant.cli.main import app

    return app


@pytest.fixture
def plant(tmp_path) -> Plant:
    """A fresh plant, not yet ingested."""
    return Plant(tmp_path)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory) -> Plant:
    """One ingested plant shared by the read-only commands of a module."""
    plant = Plant(tmp_path_factory.mktemp("plant"))
    plant.ingest()
    return plant

