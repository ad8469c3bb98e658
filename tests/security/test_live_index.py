"""Row 3: after an ingest, the running server answered from the old index version until restarted."""

from __future__ import annotations

import pytest

from tests.security.chat import Chat, run, token
from tests.security.server import cli

pytestmark = pytest.mark.slow  # a real server

GLYCOL_MANUAL = """# CH-900 chiller: coolant

## Glycol concentration

Keep the propylene glycol concentration of the CH-900 chiller loop at 35 percent by volume.
Check it with a refractometer every quarter; top up with premixed coolant only.
"""

CHILLER_ORDERS = "\n".join(
    ["wo_id,asset_id,asset_name,date,type,problem,cause,action"]
    + [f"WO-88{i:02d},CHILLER-09,Chiller 9,2025-0{1 + i % 9}-1{i % 9},corrective,glycol leak {i},seal,replaced seal"
       for i in range(7)]) + "\n"


def _ask(server, question: str) -> str:
    async def talk():
        async with Chat(server.url, token(server.url, "ana")) as chat:
            return await chat.ask(question)
    return "\n".join(m.get("output") or "" for m in run(talk()))


def test_a_new_version_is_served_without_a_restart(server, tmp_path):
    before = _ask(server, "What glycol concentration does the CH-900 chiller loop need?")
    assert "35 percent" not in before
    manual = tmp_path / "ch900_chiller_manual.md"
    manual.write_text(GLYCOL_MANUAL, encoding="utf-8")
    orders = tmp_path / "chiller9_work_orders.csv"
    orders.write_text(CHILLER_ORDERS, encoding="utf-8")
    done = cli(server.env, "ingest", str(manual), str(orders))
    assert done.returncode == 0, done.stderr

    after = _ask(server, "What glycol concentration does the CH-900 chiller loop need?")
    assert "35 percent" in after and "CH-900 chiller · Glycol concentration" in after  # the new version answers
    count = _ask(server, "How many work orders for Chiller 9?")
    assert "Chiller 9 had 7 work orders" in count, count  # rows and registry of the new ingest, live
    assert server.proc.poll() is None  # the same server process, never restarted
