from assistant.app import labels
from assistant.types import Citation, computed_citation


def _cite(n=1, **kw):
    base = dict(n=n, chunk_id=f"c{n}", source="/data/hp200_press_manual.md", doc_type="manual",
                label="hp200_press_manual.md · HP-200 Hydraulic Press: Operation and Maintenance Manual > 4 Troubleshooting",
                excerpt="HP-200 Hydraulic Press: Operation and Maintenance Manual > 4 Troubleshooting\n"
                        "Symptom: Pump whines | Possible cause: Suction strainer clogged\n"
                        "Symptom: Slow ram | Possible cause: Prefill valve sticking",
                section="HP-200 Hydraulic Press: Operation and Maintenance Manual > 4 Troubleshooting",
                title="HP-200 Hydraulic Press: Operation and Maintenance Manual")
    base.update(kw)
    return Citation(**base)


class TestLabels:
    def test_manual_named_by_title_and_section(self):
        assert labels.short_label(_cite()) == "HP-200 Hydraulic Press · 4 Troubleshooting"
        pdf = _cite(label="vmc850_mill_manual.pdf · p. 3", section=None, page=3, title=None,
                    source="/x/vmc850_mill_manual.pdf")
        assert labels.short_label(pdf) == "vmc850 mill manual · p. 3"

    def test_sensor_and_work_order_never_show_internal_ids(self):
        sensor = _cite(doc_type="sensor", record_id="sensor:PRESS-04:oil_temp:2026-09-21", section=None,
                       label="press04_hydraulics.csv · sensor:PRESS-04:oil_temp:2026-09-21", title=None,
                       source="/d/press04_hydraulics.csv", asset="PRESS-04")
        assert labels.short_label(sensor) == "Sensor log · PRESS-04 oil temp, week of 2026-09-21"
        assert labels.where(sensor) == "press04_hydraulics.csv · sensor summary, PRESS-04 oil temp, week of 2026-09-21"
        panel = labels.citation_text(sensor)
        assert "work order" not in panel and "sensor:PRESS" not in panel
        whole = _cite(doc_type="sensor", record_id="sensor:COMP-01:motor_current:all", section=None)
        assert labels.short_label(whole).endswith("COMP-01 motor current, whole period")
        wo = _cite(doc_type="work_order", record_id="WO-1012", label="work_orders.csv · WO-1012", section=None)
        assert labels.short_label(wo) == "Work order WO-1012" and "work order WO-1012" in labels.where(wo)

    def test_a_computation_is_named_as_one(self):
        computed = computed_citation(4, "/d/vacuum-repairs.csv", "vacuum-repairs.csv: 786 rows read.\nCounted by brand")
        assert labels.short_label(computed) == "Computed from vacuum-repairs.csv"
        assert labels.where(computed) == "vacuum-repairs.csv · computed over its rows"
        assert "786 rows read." in labels.citation_text(computed, "Dyson 31 [4].")

    def test_panel_plain_lines_with_the_cited_line_in_bold(self):
        answer = "Check the suction strainer for clogging [1]. The ram is slow [2]."
        panel = labels.citation_text(_cite(), answer)
        assert panel.startswith("**HP-200 Hydraulic Press · 4 Troubleshooting**\nhp200_press_manual.md · 4 Troubleshooting")
        assert "**▶ Symptom: Pump whines | Possible cause: Suction strainer clogged**" in panel
        assert "\n\nSymptom: Slow ram" in panel and ">" not in panel.split("\n", 2)[2]  # no italic blockquote
        assert "▶" not in labels.citation_text(_cite(), "")  # before the answer is known

    def test_clip_never_cuts_mid_word(self):
        assert labels.clip("Pressure does not reach 210 bar", 26) == "Pressure does not reach…"
        assert labels.clip("short", 26) == "short"

    def test_cited_sentences_find_grouped_markers(self):
        assert labels.cited_sentences("A [1][2]. B [2]. C [3].", 2) == ["A [1][2].", "B [2]."]
        assert labels.cited_sentences("A [1, 2].", 2) == ["A [1, 2]."]


def test_the_panel_names_files_of_one_name_apart():
    # the answer labels them with the folders that tell them apart (assistant.textutil.named_apart)
    apart = _cite(source="/d/emontx4/docs/configuration.md", label="emontx4/docs/configuration.md", section=None,
                  title=None, excerpt="Configuration > Default configuration\nDatalogging period: 9.8s")
    assert labels.where(apart).startswith("emontx4/docs/configuration.md")
    alone = _cite(source="/d/emontx4/docs/configuration.md", label="configuration.md", section=None, title=None)
    assert labels.where(alone) == "configuration.md"
