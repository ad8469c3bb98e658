from assistant.app import render
from assistant.types import Citation, Flag


def _cite(n=1, **kw):
    base = dict(n=n, chunk_id=f"c{n}", source="/m/hp200.md", doc_type="manual",
                label="hp200.md · HP-200 Manual > 6 Maintenance schedule", excerpt="Change oil\nevery 8,000 h",
                page=None, section="6 Maintenance schedule")
    base.update(kw)
    return Citation(**base)


class TestRender:
    def test_citation_panel_names_source_location_and_excerpt(self):
        text = render.citation_text(_cite(page=12, record_id=None))
        assert text.startswith("**hp200.md · HP-200 Manual > 6 Maintenance schedule**")
        assert "page 12" in text and "> Change oil\n> every 8,000 h" in text
        assert render.element_name(_cite(3)) == "[3]"

    def test_panel_drops_the_repeated_heading_path(self):
        c = _cite(excerpt="HP-200 Manual > 6 Maintenance schedule\nChange oil every 8,000 h")
        assert render.citation_text(c).endswith("\n\n> Change oil every 8,000 h")
        alone = _cite(excerpt="HP-200 Manual > 6 Maintenance schedule")  # nothing else: keep it
        assert render.citation_text(alone).endswith("> HP-200 Manual > 6 Maintenance schedule")

    def test_work_order_citation_shows_record_id(self):
        c = _cite(doc_type="work_order", label="wo.csv · WO-1042", record_id="WO-1042", section=None)
        assert "work order WO-1042" in render.citation_text(c)
        assert render.short_label(c) == "wo.csv · WO-1042"

    def test_sources_line_is_short(self):
        line = render.sources_line([_cite(1), _cite(2, page=4, label="press.pdf")])
        assert line == "**Sources:** [1] hp200.md · 6 Maintenance schedule · [2] press.pdf · p. 4"

    def test_flags_are_visible_warnings(self):
        md = render.answer_markdown("Do X [1].", [_cite()], [Flag("unsupported_sentence", "Do Y.")], False)
        assert "⚠️ **Not supported by the cited source**: Do Y." in md
        assert render.flags_markdown([], abstained=True).startswith("⚠️ **No answer")
        assert render.flags_markdown([Flag("new_kind", "")]) == "⚠️ **new kind**"

    def test_procedure_checklist(self):
        class P:
            steps = ["Lock out the press", "Check the strainer"]

        assert render.procedure_markdown(P()) == "- [ ] Lock out the press\n- [ ] Check the strainer"

    def test_audit_table_newest_first(self):
        rows = [{"event_id": i, "ts": f"t{i}", "user": "ana", "asset": None, "question": f"q{i}|x", "flags": [],
                 "abstained": i == 2, "feedback": -1 if i == 1 else None, "thread_id": "t"} for i in (1, 2)]
        lines = render.audit_markdown(rows).splitlines()
        assert lines[2].startswith("| 2 |") and "abstained" in lines[2] and "q2/x" in lines[2]
        assert "👎" in lines[3]
        assert render.audit_markdown([]) == "No exchanges match."
