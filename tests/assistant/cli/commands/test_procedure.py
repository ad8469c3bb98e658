"""``maintassist procedure``: safety first, cited steps, causes from past work orders."""

import json


class TestProcedureCommand:
    def test_json_structure_is_cited_and_safe(self, ingested):
        proc = json.loads(ingested.cli("procedure", "--json", "--asset", "press 9", "--symptom",
                                       "pump whines, pressure low").output)
        assert proc["asset"] == "PRESS-09"  # the alias resolved through the registry
        assert any("isolator Q1 to OFF" in s["text"] for s in proc["safety"])
        steps = [s["text"] for s in proc["steps"]]
        assert "Remove the suction strainer P/N 7781-04 and clean it in solvent." in steps
        assert all(s["citations"] and not s["unsupported"] for s in proc["safety"] + proc["steps"])
        [cause] = proc["likely_causes"]
        assert cause["text"] == "suction strainer clogged" and cause["evidence"] == "2 of the last 2 similar work orders"
        labels = {s["n"]: s["label"] for s in proc["sources"]}
        assert sorted(labels[n] for n in cause["citations"]) == ["work_orders.csv · WO-1 (2024-01-10)",
                                                                "work_orders.csv · WO-2 (2024-12-31)"]

    def test_markdown_puts_safety_before_the_steps(self, ingested):
        out = ingested.cli("procedure", "--asset", "PRESS-09", "--symptom", "pump whines, pressure low").output
        assert "Pump whines, pressure low — Press 9" in out
        assert out.index("Safety first") < out.index("Likely causes") < out.index("Procedure")
        assert "Typical duration: 1.75 h" in out
