from assistant.app import render
from assistant.types import Citation, Flag


def _cite(n=1, **kw):
    base = dict(n=n, chunk_id=f"c{n}", source="/m/hp200.md", doc_type="manual",
                label="hp200.md · HP-200 Manual > 6 Maintenance schedule", excerpt="Change oil\nevery 8,000 h",
                page=None, section="HP-200 Manual > 6 Maintenance schedule")
    base.update(kw)
    return Citation(**base)


class TestProgress:
    def test_states_a_technician_sees(self):
        assert render.progress_line("queued", place=1) == "⏳ **Waiting:** 1 question is ahead of yours…"
        assert render.progress_line("queued", place=3, estimate_s=8.2) == \
            "⏳ **Waiting:** 3 questions are ahead of yours (about 25 s)…"
        assert render.progress_line("searching") == "🔎 **Searching your documents…**"
        assert render.progress_line("writing") == "✍️ **Writing the answer…**"
        assert render.progress_line("writing", estimate_s=7.6) == "✍️ **Writing the answer, about 8 s…**"


class TestAnswer:
    def test_sources_line_uses_titles_and_sections_and_unique_labels(self):
        line = render.sources_line([_cite(1), _cite(2), _cite(3, page=4, label="press.pdf · p. 4", section=None, source="/m/press.pdf")])
        assert line == ("**Sources:** [1] HP-200 Manual · 6 Maintenance schedule · "
                        "[2] HP-200 Manual · 6 Maintenance schedule (part 2) · [3] press · p. 4")

    def test_one_label_from_another_file_is_named_by_its_file_not_as_a_part(self):
        section = "Configuration > Setup"
        pi, tx = (_cite(n, source=f"/d/{d}/docs/configuration.md", label=f"{d}/docs/configuration.md · {section}",
                        section=section, title="Configuration") for n, d in ((1, "emonpi"), (2, "emontx4")))
        again = _cite(3, source=tx.source, label=tx.label, section=section, title="Configuration")
        assert render.sources_line([pi, tx, again]) == (
            "**Sources:** [1] Configuration · Setup · [2] Configuration · Setup (emontx4/docs/configuration.md) · "
            "[3] Configuration · Setup (emontx4/docs/configuration.md) (part 2)")

    def test_flags_are_visible_but_audit_only_kinds_are_not(self):
        md = render.answer_markdown("Do X [1].", [_cite()], [Flag("unsupported_sentence", "Do Y."),
                                                             Flag("model_declined", "internal")], False)
        assert "⚠️ **Left out, not supported by the cited source**: Do Y." in md and "internal" not in md
        assert render.flags_markdown([Flag("new_kind", "")]) == "⚠️ **new kind**"

    def test_decline_is_its_own_line_without_reason_flags_or_sources(self):
        text = "Not in your documents for Hydraulic press 4 (PRESS-04): warranty.\n\nIf it should be covered, add it."
        md = render.answer_markdown(text, [_cite()], [Flag("abstained", "best source similarity 0.21")], True)
        assert md == text
        noted = render.answer_markdown(text, [], [], True, note="Answering for X.")
        assert noted.startswith("_Answering for X._\n\n")

    def test_table_rows_become_a_table(self):
        text = ("From your documents:\n"
                "- Code: A-31 | Meaning: Return filter clogged | First action: Replace element (procedure 5.2) [1].\n"
                "- Code: A-32 | Meaning: Suction vacuum | First action: Clean strainer [1, 2].\n"
                "- Symptom: Slow ram | Possible cause: Prefill valve | Remedy: Clean poppet [2].\n"
                "- Description: P4 pump whining [3].")
        md = render.tables(text)
        assert "| Code | Meaning | First action | Source |\n|---|---|---|---|\n" in md
        assert "| A-32 | Suction vacuum | Clean strainer | [1][2] |" in md
        assert "\n\n| Symptom | Possible cause | Remedy | Source |" in md  # a second table for other columns
        assert md.endswith("\n\n- Description: P4 pump whining [3].") and "|" not in md.splitlines()[-1]
        assert render.tables("Check the pump [1].") == "Check the pump [1]."
