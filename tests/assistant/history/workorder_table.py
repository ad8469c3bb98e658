"""A small work-order table (20 rows, one duplicate) made by the product's migration, for the plan tests."""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from datetime import date
from typing import Iterator

from assistant.history.store import WorkOrderStore
from ingest.types import WorkOrderRecord

ASSETS = {"EX-A": "Excavator A", "EX-B": "Excavator B", "PRESS-04": "Hydraulic press 4"}
# (id, asset, date, work type, description, component, failure code, cost, hours, extra)
ROWS = [
    ("W01", "EX-A", "2005-02-01", "PM01", "BUCKET TOOTH REPLACED", "Bucket", None, 120.0, 1.0, {"shift": "day"}),
    ("W02", "EX-A", "2006-03-05", "PM01", "L/H bucket cyl leaking", "Bucket", "LEK", 900.0, 3.0, {"shift": "night"}),
    ("W03", "EX-A", "2006-07-09", "PM02", "PM service 500h", None, None, 300.0, 4.0, {"shift": "day"}),
    ("W04", "EX-A", "2007-01-10", "PM01", "Engine oil leak at sump", "Engine", "LEK", 450.0, 2.0, {"labour_cost": "80"}),
    ("W05", "EX-A", "2008-05-02", "PM01", "Replace engine starter", "Engine", None, 2500.0, 6.0, {}),
    ("W06", "EX-B", "2005-04-04", "PM01", "bucket lip cracked, welded", "Bucket", None, 700.0, 5.0, {"shift": "day"}),
    ("W07", "EX-B", "2006-01-15", "PM01", "bucket pin worn", "Bucket", None, 650.0, 2.5, {}),
    ("W08", "EX-B", "2006-06-20", "PM01", "HYD HOSE LEAK BOOM", "Hydraulic System", "LEK", 1500.0, 3.0, {}),
    ("W09", "EX-B", "2006-09-30", "PM01", "hydraulic pump leaking", "Hydraulic System", "LEK", 4200.0, 8.0, {}),
    ("W10", "EX-B", "2006-11-11", "PM02", "PM service 1000h", None, None, 800.0, 6.0, {"labour_cost": "200"}),
    ("W11", "EX-B", "2006-12-31", "PM01", "bucket teeth changed", "Bucket", None, 350.0, 1.5, {}),
    ("W12", "EX-B", "2007-02-14", "PM01", "bucket tilt cyl leak", "Bucket", "LEK", 1100.0, 4.0, {}),
    ("W13", "EX-B", "2007-08-08", "PM01", "engine overheating, radiator cleaned", "Engine", "OHE", 600.0, 3.0, {}),
    ("W14", "EX-B", "2008-03-03", "PM01", "Bucket rebuild", "Bucket", None, 9800.0, 40.0, {"labour_cost": "3000"}),
    ("W15", "EX-B", "2005-12-31", "PM01", "bucket check", "Bucket", None, 50.0, 0.5, {}),
    ("W16", "PRESS-04", "2025-01-16", "PM02", "PM 2-monthly", None, None, None, 2.0, {"shift": "day"}),
    ("W17", "PRESS-04", "2025-03-02", "PM01", "hydraulic leak at ram seal", "Hydraulic System", "LEK", 300.0, 5.0, {}),
    ("W18", "PRESS-04", "2025-06-01", "PM01", "bleak noise from pump", "Pump", "NOI", 80.0, 1.0, {}),
    ("W19", "PRESS-04", "2025-09-09", "PM01", "Engine? no: motor bearing replaced", "Motor", None, 950.0, 4.0, {}),
    ("W20", "EX-A", None, "PM01", "undated bucket job", "Bucket", None, 10.0, None, {}),
]
TODAY = date(2026, 12, 5)


def record(row, source="/d/wo.csv") -> WorkOrderRecord:
    rid, asset, day, kind, text, component, code, cost, hours, extra = row
    return WorkOrderRecord(record_id=rid, source=source, description=text, asset=asset, asset_name=ASSETS[asset],
                           date=day, work_type=kind, component=component, failure_code=code, cost=cost,
                           duration_hours=hours, extra={**extra, "line": 2})


@contextmanager
def work_order_table(kind: str, tmp_path) -> Iterator:
    """A session factory over ROWS on a fresh SQLite file or (``kind="postgres"``) PostgreSQL database."""
    from assistant.db.session import make_engine, session_factory, upgrade
    from tests.assistant.db.conftest import fresh_pg_database

    with (fresh_pg_database() if kind == "postgres" else nullcontext(f"sqlite:///{tmp_path / 'wo.db'}")) as url:
        engine = make_engine(url)
        upgrade(engine)
        store = WorkOrderStore(session_factory(engine))
        store.replace_source("/d/wo.csv", [record(r) for r in ROWS])
        # W08 exported again under another spelling of its id: counted once
        store.replace_source("/d/copy.json", [record(("w-08", *ROWS[7][1:]), source="/d/copy.json")])
        try:
            yield session_factory(engine)
        finally:
            engine.dispose()
