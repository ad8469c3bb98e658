"""Dataset builder invariants: split by document, every citation resolves, every number is sourced."""

from __future__ import annotations

import json

import pytest

from finetune.dataset import (DatasetBuilder, DatasetConfig, assign_splits, group_key, load_curated, read_dataset,
                              write_dataset)
from finetune.examples import DECLINE, Example, check_example, facts_from_sensor, facts_from_text, facts_from_work_order


class TestCheckExample:
    SOURCES = [{"label": "a.md", "text": "Relief valve: 235 bar"}, {"label": "b.md", "text": "Oil: 40 L"}]

    def _ex(self, answer: str, kind: str = "fact", target: int | None = 1) -> Example:
        return Example("What is the relief valve setting?", self.SOURCES, answer, kind, target)

    def test_accepts_a_sourced_cited_answer(self):
        assert check_example(self._ex("The relief valve opens at 235 bar [1].")) is None

    def test_rejects_unresolved_marker(self):
        assert "does not resolve" in check_example(self._ex("It is 235 bar [3]."))

    def test_rejects_number_not_in_the_cited_source(self):
        # 235 is in [1] but the sentence cites [2]: a wrong citation is a rejected example.
        assert "235" in check_example(self._ex("It is 235 bar [2].", target=None))

    def test_rejects_number_after_last_marker(self):
        assert "after the last citation" in check_example(self._ex("It is 235 bar [1]. Oil is 40 L."))

    def test_rejects_answer_not_citing_target(self):
        assert "target" in check_example(self._ex("Oil is 40 L [2].", target=1))

    def test_decline_must_not_cite(self):
        assert check_example(self._ex(DECLINE, kind="decline", target=None)) is None
        assert check_example(self._ex(DECLINE + " [1]", kind="decline", target=None)) is not None


class TestFacts:
    def test_label_table_and_steps(self):
        text = ("Pump > 5.1 Replace strainer\nRelief valve: 235 bar\n"
                "Problem: Pump whines | Possible cause: Strainer clogged | Remedy: Replace strainer\n"
                "1. Lock out the press.\n2. Drain 40 L\n   into a clean drum.\n3. Fit strainer P/N 4471-22.")
        facts = facts_from_text(text, doc_type="manual", subject="the HP-200", section="5 Repair > 5.1 Replace strainer")
        by_kind = {f.kind: f for f in facts}
        assert by_kind["fact"].answer == "The relief valve of the HP-200 is 235 bar {n}."
        assert "strainer clogged" in [f for f in facts if f.kind == "cause"][0].answer
        # the wrapped step line is joined back onto step 2
        assert "2. Drain 40 L into a clean drum {n}." in by_kind["procedure"].answer
        assert by_kind["procedure"].question == "What is the procedure for replace strainer on the HP-200?"

    def test_work_order_and_sensor(self, corpus):
        wo = next(c for c in corpus if c.doc_type == "work_order")
        (fact,) = facts_from_work_order(wo.text)
        assert "valve 0 sticking {n}" in fact.answer and "ram slow 0" in fact.question
        sensor = next(c for c in corpus if c.doc_type == "sensor")
        (fact,) = facts_from_sensor(sensor.text)
        assert fact.answer.endswith("was 40.01 {n}.")


class TestBuilder:
    def test_no_document_in_two_splits_and_contexts_stay_in_split(self, corpus):
        result = DatasetBuilder(DatasetConfig(seed=1)).build(corpus)
        splits = {ex.split for ex in result.examples}
        assert splits == {"train", "val", "test"}
        group_split = {}
        for ex in result.examples:
            assert group_split.setdefault(ex.group, ex.split) == ex.split
        label_split = {c.citation_label(): result.groups[group_key(c)] for c in corpus}
        for ex in result.examples:
            assert {label_split[s["label"]] for s in ex.sources} == {ex.split}, ex.question

    def test_every_example_passes_the_check_and_cites_its_target(self, corpus):
        result = DatasetBuilder().build(corpus)
        assert len(result.examples) > 50
        for ex in result.examples:
            assert check_example(ex) is None
            if ex.kind != "decline":
                assert 1 <= ex.target <= len(ex.sources)
                assert f"[{ex.target}]" in ex.answer
                assert 3 <= len(ex.sources) <= 5  # target + 2..4 distractors

    def test_decline_examples_lack_their_target(self, corpus):
        by_id = {c.chunk_id: c for c in corpus}
        declines = [ex for ex in DatasetBuilder(DatasetConfig(decline_fraction=0.5)).build(corpus).examples
                    if ex.kind == "decline"]
        assert declines
        for ex in declines:
            removed = by_id[ex.meta["removed_chunk_id"]]
            assert ex.target is None and ex.answer == DECLINE
            assert removed.citation_label() not in [s["label"] for s in ex.sources]
            assert removed.text not in [s["text"] for s in ex.sources]

    def test_same_seed_same_dataset(self, corpus):
        a = DatasetBuilder(DatasetConfig(seed=3)).build(corpus)
        b = DatasetBuilder(DatasetConfig(seed=3)).build(list(reversed(corpus)))
        assert a.hash == b.hash
        assert DatasetBuilder(DatasetConfig(seed=4)).build(corpus).hash != a.hash

    def test_write_and_read_round_trip(self, corpus, tmp_path):
        result = DatasetBuilder().build(corpus)
        data, splits = write_dataset(result, tmp_path)
        meta = json.loads(splits.read_text())
        assert meta["dataset_hash"] == result.hash
        assert [e.to_dict() for e in read_dataset(data)] == [e.to_dict() for e in result.examples]
        assert not set(meta["groups"]["train"]) & set(meta["groups"]["test"])


def test_assign_splits_keeps_small_strata_in_train():
    groups = assign_splits({"a": ("manual", 5), "b": ("manual", 5), "w1": ("work_order", 1)}, 0.2, 0.2, 0)
    assert set(groups.values()) == {"train"}


class TestCurated:
    def test_loads_and_checks(self, tmp_path, corpus):
        path = tmp_path / "cur.jsonl"
        good = {"question": "Oil volume?", "sources": [{"label": "x.md", "text": "Oil volume: 41.5 L"}],
                "answer": "The oil volume is 41.5 L [1]."}
        bad = dict(good, answer="The oil volume is 99 L [1].")
        path.write_text(json.dumps(good) + "\n\n" + json.dumps(bad) + "\n")
        curated = load_curated(path)
        result = DatasetBuilder().build(corpus, curated=curated)
        kept = [ex for ex in result.examples if ex.kind == "curated"]
        assert len(kept) == 1 and kept[0].split == "train"
        assert result.rejected["number"] >= 1

    def test_bad_line_names_file_and_line(self, tmp_path):
        path = tmp_path / "cur.jsonl"
        path.write_text('{"question": "q", "sources": [], "answer": "a"}\n{"question": "q"}\n')
        with pytest.raises(ValueError, match=r"cur.jsonl, line 2"):
            load_curated(path)
