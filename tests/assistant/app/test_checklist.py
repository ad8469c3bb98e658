from assistant.app import checklist
from assistant.procedure_render import Cause, Item, Procedure, ProcedureSource, Step


def _procedure(**kw) -> Procedure:
    base = dict(
        title="Replace the oil filter", asset="COMP-01", asset_name="RS-55 compressor", symptom="oil filter due",
        likely_causes=[Cause(text="Filter clogged", evidence="3 of the last 5 similar work orders", citations=[2])],
        safety=[Step(n=1, text="Lock out isolator Q10", citations=[1])],
        tools_parts=[Item(text="Oil filter", part_number="5512-20", citations=[1])],
        steps=[Step(n=1, text="Drain the oil", citations=[1]),
               Step(n=2, text="Tighten to 60 N·m", citations=[1], unsupported=True)],
        verification=[Step(n=1, text="Run 10 minutes and check the level", citations=[1])],
        typical_duration_h=1.5, duration_basis=[2],
        sources=[ProcedureSource(n=1, kind="manual", source="rs55.pdf", label="rs55.pdf · p. 12", excerpt="Lock out…",
                                 page=12, section="7 Maintenance"),
                 ProcedureSource(n=2, kind="work_order", source="wo.csv", label="wo.csv · WO-7", excerpt="Filter clogged",
                                 record_id="WO-7")])
    base.update(kw)
    return Procedure(**base)


def test_checklist_sections_follow_the_working_order():
    props = checklist.checklist_props(_procedure())
    assert [s["key"] for s in props["sections"]] == ["safety", "tools", "steps", "verify"]
    safety, tools, steps, verify = (s["items"] for s in props["sections"])
    assert safety == [{"id": "s1", "label": "1.", "text": "Lock out isolator Q10", "sources": "[1]",
                       "unsupported": False}]
    assert tools[0]["text"] == "Oil filter (P/N 5512-20)"
    assert steps[1]["unsupported"] and steps[1]["sources"] == "[1]"
    assert verify[0]["id"] == "v1" and props["done"] == []
    # ids are unique, so a tick cannot land on two items
    ids = [i["id"] for s in props["sections"] for i in s["items"]]
    assert len(ids) == len(set(ids)) == 5


def test_progress_counts_only_items_on_the_list():
    props = checklist.checklist_props(_procedure())
    assert checklist.checklist_progress(props) == (0, 5)
    props["done"] = ["s1", "p1", "gone"]
    assert checklist.checklist_progress(props) == (2, 5)


def test_empty_sections_say_so_instead_of_inventing():
    props = checklist.checklist_props(_procedure(safety=[], steps=[]))
    by_key = {s["key"]: s for s in props["sections"]}
    assert by_key["safety"]["items"] == [] and "No safety content" in by_key["safety"]["empty"]
    assert "none is invented" in by_key["steps"]["empty"]


def test_header_keeps_causes_duration_warnings_and_sources():
    text = checklist.header_markdown(_procedure(warnings=["No lock-out procedure found"]))
    assert "RS-55 compressor (COMP-01)" in text and "Filter clogged" in text and "[2]" in text
    assert "1.5 h" in text and "No lock-out procedure found" in text
    assert "**Sources:** [1] rs55.pdf · p. 12 · [2] wo.csv · WO-7" in text
    deep = _procedure(sources=[ProcedureSource(n=1, kind="manual", source="m.html", excerpt="x",
                                               label="m.html · Manual > 1 Safety > 1.4 Lock-out")])
    assert "**Sources:** [1] m.html · 1.4 Lock-out" in checklist.header_markdown(deep)
    assert "Drain the oil" not in text  # steps live in the checklist


def test_source_panel_names_page_and_work_order():
    p = _procedure()
    assert checklist.source_text(p.sources[0]).startswith("**rs55.pdf · p. 12**\npage 12, 7 Maintenance")
    loto = ProcedureSource(n=3, kind="manual", source="m.md", label="m.md · Manual > 1.4 LOTO", section="Manual > 1.4 LOTO",
                           excerpt="Manual > 1.4 LOTO\n1. Tell the line leader.")
    assert checklist.source_text(loto) == "**m.md · Manual > 1.4 LOTO**\n\n> 1. Tell the line leader."
    assert "work order WO-7" in checklist.source_text(p.sources[1])
