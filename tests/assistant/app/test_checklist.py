from assistant.app import checklist
from assistant.procedures.model import Cause, Item, Procedure, ProcedureSource, Step


def _procedure(**kw) -> Procedure:
    base = dict(
        title="Replace the oil filter", asset="COMP-01", asset_name="RS-55 compressor", symptom="oil filter due",
        likely_causes=[Cause(text="Filter clogged", evidence="3 of the last 5 similar work orders", citations=[2])],
        safety=[Step(n=1, text="Lock out isolator Q10", citations=[1], heading="Lock-out"),
                Step(n=2, text="Personal protective equipment:", details=["Safety glasses.", "Gloves."],
                     citations=[1], heading="PPE", numbered=False)],
        tools_parts=[Item(text="Oil filter", part_number="5512-20", citations=[1])],
        steps=[Step(n=1, text="Drain the oil", citations=[1]),
               Step(n=2, text="Tighten to 60 N·m", citations=[1], unsupported=True)],
        restore=[Step(n=3, text="To restore: refit the guards.", citations=[1], numbered=False, heading="restore")],
        verification=[Step(n=3, text="Verify: run 10 minutes and check the level", citations=[1])],
        typical_duration_h=1.5, duration_basis=[2],
        sources=[ProcedureSource(n=1, kind="manual", source="/m/rs55.pdf", label="rs55.pdf · p. 12",
                                 excerpt="Lock out isolator Q10 before opening the filter housing.", page=12,
                                 section="7 Maintenance", title="RS-55 Maintenance Manual"),
                 ProcedureSource(n=2, kind="work_order", source="/d/wo.csv", label="wo.csv · WO-7",
                                 excerpt="Filter clogged", record_id="WO-7")])
    base.update(kw)
    return Procedure(**base)


def test_checklist_sections_follow_the_working_order():
    props = checklist.checklist_props(_procedure())
    assert [s["key"] for s in props["sections"]] == ["safety", "tools", "steps", "restore", "verify"]
    assert [s["title"] for s in props["sections"]][-2:] == ["4. Restore the machine", "5. Verify the fix"]
    safety, tools, steps, restore, verify = (s["items"] for s in props["sections"])
    assert safety[0] == {"id": "s1", "label": "1.", "text": "Lock out isolator Q10", "details": [],
                         "heading": "Lock-out", "sources": [1], "unsupported": False}
    assert safety[1]["label"] == "" and safety[1]["details"] == ["Safety glasses.", "Gloves."]  # one tick for PPE
    assert tools[0]["text"] == "Oil filter (P/N 5512-20)"
    assert steps[1]["unsupported"] and steps[1]["sources"] == [1]
    assert verify[0]["label"] == "3." and verify[0]["text"].startswith("Verify")
    ids = [i["id"] for s in props["sections"] for i in s["items"]]
    assert len(ids) == len(set(ids)) == 7  # positions, so a tick never lands on two items


def test_markers_open_their_source_inside_the_checklist():
    props = checklist.checklist_props(_procedure())
    assert props["sources"]["1"] == {"label": "RS-55 Maintenance Manual · 7 Maintenance",
                                     "where": "rs55.pdf · page 12 · 7 Maintenance",
                                     "excerpt": "Lock out isolator Q10 before opening the filter housing."}
    assert props["sources"]["2"]["label"] == "Work order WO-7"


def test_progress_counts_only_items_on_the_list():
    props = checklist.checklist_props(_procedure())
    assert checklist.checklist_progress(props) == (0, 7)
    props["done"] = ["s1", "p1", "gone"]
    assert checklist.checklist_progress(props) == (2, 7)


def test_empty_sections_say_so_instead_of_inventing():
    props = checklist.checklist_props(_procedure(safety=[], steps=[], restore=[], verification=[]))
    by_key = {s["key"]: s for s in props["sections"]}
    assert "restore" not in by_key and by_key["verify"]["title"] == "4. Verify the fix"
    assert by_key["safety"]["items"] == [] and "No safety content" in by_key["safety"]["empty"]
    assert "none is invented" in by_key["steps"]["empty"]
    assert by_key["verify"]["empty"] == "No verification step documented."


def test_header_keeps_causes_duration_warnings_and_readable_sources():
    text = checklist.header_markdown(_procedure(warnings=["No lock-out procedure found"]))
    assert "RS-55 compressor (COMP-01)" in text and "Filter clogged" in text and "[2]" in text
    assert "1.5 h" in text and "No lock-out procedure found" in text
    assert "**Sources:** [1] RS-55 Maintenance Manual · 7 Maintenance · [2] Work order WO-7" in text
    assert "Drain the oil" not in text  # steps live in the checklist


def test_source_panel_names_page_and_work_order():
    p = _procedure()
    assert checklist.source_text(p.sources[0]).startswith(
        "**RS-55 Maintenance Manual · 7 Maintenance**\nrs55.pdf · page 12")
    loto = ProcedureSource(n=3, kind="manual", source="m.md", label="m.md · Manual > 1.4 LOTO",
                           section="Manual > 1.4 LOTO", excerpt="Manual > 1.4 LOTO\n1. Tell the line leader.")
    assert checklist.source_text(loto) == "**Manual · 1.4 LOTO**\nm.md · 1.4 LOTO\n\n1. Tell the line leader."
    assert "work order WO-7" in checklist.source_text(p.sources[1])
