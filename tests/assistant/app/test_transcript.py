from datetime import datetime
from types import SimpleNamespace

from assistant.app.transcript import feedback_line, parse_panel, transcript_json


def _msg(message_id, role, text, feedback=None, **metadata):
    return SimpleNamespace(id=message_id, role=role, content=text, created_at=datetime(2026, 12, 1, 8, 30),
                           metadata=metadata, feedback=feedback)


def _view():
    return SimpleNamespace(
        thread=SimpleNamespace(id="1a2b3c4d-5678", title="Press oil", owner="ana", asset="PRESS-04",
                               created_at=datetime(2026, 12, 1, 8, 30)),
        messages=[_msg("w", "assistant_message", "Hello", welcome=True),
                  _msg("u1", "user_message", "Which oil?"),
                  _msg("m1", "assistant_message", "Use HLP 46 [1].", {"value": -1, "comment": "wrong"}),
                  _msg("m2", "assistant_message", "**Pump whines**")],
        elements=[{"id": "e1", "forId": "m1", "type": "text", "name": "[1]",
                   "content": "**Manual · 2 Specifications**\nhp200.md · 2 Specifications\n\n**▶ Hydraulic oil: HLP 46**"},
                  {"id": "c1", "forId": "m2", "type": "custom", "name": "Checklist",
                   "content": '{"title": "t", "done": ["s1"], "sections": [{"items": [{"id": "s1", "label": "1.",'
                              ' "text": "Lock out"}, {"id": "p1", "label": "", "text": "Drain"}]}]}'}])


def test_transcript_has_sources_feedback_and_checklist_progress():
    data = transcript_json(_view())
    assert data["thread"]["short"] == "1a2b3c4d" and [t["id"] for t in data["turns"]] == ["u1", "m1", "m2"]
    answer = data["turns"][1]
    assert answer["sources"][0]["label"] == "Manual · 2 Specifications" and answer["feedback"]["comment"] == "wrong"
    assert data["turns"][2]["checklist"] == {"title": "t", "done": 1, "total": 2,
                                             "items": [["1. Lock out", True], ["Drain", False]]}


def test_a_declines_source_chips_become_its_sources():
    view = _view()
    view.elements.append({"id": "e9", "forId": "m2", "type": "text", "name": "[4]", "content": "**x**\ny\n\nz"})
    view.elements.append({"id": "c2", "forId": "m2", "type": "custom", "name": "SourceChips",
                          "content": '{"sources": [{"n": 1, "label": "Manual · 4 Troubleshooting", '
                                     '"where": "hp200.md", "excerpt": "Symptom: Pump whines"}]}'})
    sources = transcript_json(view)["turns"][2]["sources"]
    assert len(sources) == 1  # the chips the technician saw, not the unlinked panels as well
    source = sources[0]
    assert source["label"] == "Manual · 4 Troubleshooting"
    assert source["panel"] == "**Manual · 4 Troubleshooting**\nhp200.md\n\nSymptom: Pump whines"  # a side panel


def test_old_panels_with_a_quoted_excerpt_parse_too():
    source = parse_panel("[2]", "**press.md**\npage 3\n\n> Change oil\n> every 8,000 h")
    assert (source.n, source.label, source.where, source.excerpt) == (2, "press.md", "page 3",
                                                                      "Change oil\nevery 8,000 h")
    assert feedback_line({"value": 1, "comment": None}) == "👍" and feedback_line(None) == ""
