import json

import pytest

from assistant.evaluation.qa import ExpectedSource, QAFormatError, load_qa, normalize_record
from assistant.types import ChatMessage


def write_lines(tmp_path, lines):
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(l if isinstance(l, str) else json.dumps(l) for l in lines) + "\n", encoding="utf-8")
    return path


GOOD = {
    "id": "q017", "question": "Press 4 pump whines. What do I check first?", "asset": "PRESS-04",
    "answerable": True,
    "expected_sources": [{"source": "press_hp200_manual.pdf", "page": 41},
                         {"source": "work_orders.csv", "record": "WO-1043"}],
    "answer_must_include": ["suction strainer", "oil level"], "kind": "fact",
}


class TestLoadQA:
    def test_parses_all_fields_and_defaults(self, tmp_path):
        followup = {"id": 18, "question": "And after that?", "kind": "followup", "notes": "free text allowed",
                    "history": [{"role": "user", "content": "Pump whines"}, {"role": "assistant", "content": "Check oil [1]."}]}
        path = write_lines(tmp_path, [GOOD, "", followup])
        items = load_qa(path)
        assert [i.id for i in items] == ["q017", "18"]
        first, second = items
        assert first.asset == "PRESS-04" and first.answerable
        assert first.expected_sources == [ExpectedSource("press_hp200_manual.pdf", 41, None),
                                          ExpectedSource("work_orders.csv", None, "WO-1043")]
        assert first.line == 1 and second.line == 3
        assert second.answerable is True and second.expected_sources == [] and second.asset is None
        assert second.history == [ChatMessage("user", "Pump whines"), ChatMessage("assistant", "Check oil [1].")]

    def test_bad_json_names_the_line(self, tmp_path):
        path = write_lines(tmp_path, [GOOD, {**GOOD, "id": "q2"}, '{"id": "q3", "question": '])
        with pytest.raises(QAFormatError) as err:
            load_qa(path)
        assert f"{path}:3: not valid JSON" in str(err.value)
        assert len(err.value.errors) == 1

    def test_every_bad_line_is_reported(self, tmp_path):
        path = write_lines(tmp_path, [
            {"id": "a"},  # no question
            {**GOOD, "id": "b", "expected_sources": [{"source": "m.pdf", "page": "forty"}]},
            {**GOOD, "id": "c", "expected_sources": [{"source": "m.pdf", "recrod": "WO-1"}]},
            {**GOOD, "id": "d", "answerable": "perhaps"},
            [1, 2],
            {**GOOD, "id": "e", "history": [{"role": "robot", "content": "x"}]},
        ])
        with pytest.raises(QAFormatError) as err:
            load_qa(path)
        text = "\n".join(err.value.errors)
        assert f"{path}:1: field 'question'" in text
        assert f"{path}:2: field 'expected_sources.0.page'" in text
        assert f"{path}:3: field 'expected_sources.0.recrod'" in text
        assert f"{path}:4: field 'answerable'" in text
        assert f"{path}:5: expected a JSON object" in text
        assert f"{path}:6: field 'history.0.role'" in text

    def test_duplicate_id_names_both_lines(self, tmp_path):
        path = write_lines(tmp_path, [GOOD, GOOD])
        with pytest.raises(QAFormatError, match=r":2: duplicate id 'q017' \(first used on line 1\)"):
            load_qa(path)

    def test_blank_question_and_empty_file(self, tmp_path):
        with pytest.raises(QAFormatError, match=":1: field 'question'"):
            load_qa(write_lines(tmp_path, [{"id": "x", "question": "   "}]))
        empty = tmp_path / "empty.jsonl"
        empty.write_text("\n\n", encoding="utf-8")
        with pytest.raises(QAFormatError, match="no questions found"):
            load_qa(empty)

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="QA file not found"):
            load_qa(tmp_path / "nope.jsonl")


class TestExpectedSource:
    def test_suffix_on_path_component_boundary(self):
        exp = ExpectedSource("press_hp200_manual.pdf")
        assert exp.matches("/data/sample/manuals/press_hp200_manual.pdf")
        assert not exp.matches("/data/sample/old_press_hp200_manual.pdf")
        assert ExpectedSource("manuals/press.pdf").matches("/d/manuals/press.pdf")
        assert not ExpectedSource("manuals/press.pdf").matches("/d/other/press.pdf")
        assert ExpectedSource("manuals\\press.pdf").matches("/d/manuals/press.pdf")

    def test_page_and_record(self):
        assert ExpectedSource("m.pdf", page=41).matches("/x/m.pdf", page=41)
        assert not ExpectedSource("m.pdf", page=41).matches("/x/m.pdf", page=40)
        assert not ExpectedSource("m.pdf", page=41).matches("/x/m.pdf", page=None)
        wo = ExpectedSource("work_orders.csv", record="WO-1043")
        assert wo.matches("/x/work_orders.csv", record_id="wo_1043")
        assert wo.matches("/x/work_orders.csv", record_id="WO 1043")
        assert not wo.matches("/x/work_orders.csv", record_id="WO-1044")
        assert not wo.matches("/x/work_orders.csv", record_id=None)
        row = ExpectedSource("case_study_pdl.csv", record="2745")
        assert row.matches("/x/case_study_pdl.csv", record_id="case_study_pdl-2745")
        assert row.matches("/x/case_study_pdl.csv", record_id="2745")
        assert not row.matches("/x/case_study_pdl.csv", record_id="case_study_pdl-27450")
        assert not row.matches("/x/case_study_pdl.csv", record_id="other-2745")

    def test_normalize_record(self):
        assert normalize_record("WO–1043") == normalize_record("wo1043") == "wo1043"
