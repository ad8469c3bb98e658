import numpy as np
import pytest

from index.bm25 import BM25Index, tokenize
from ingest.text import SEARCH_TERMS_VERSION


class TestTokenize:
    @pytest.mark.parametrize(
        "text, expected",
        [
            ("Alarm E-204 active", ["e-204", "e204", "204"]),
            ("P/N 4471-22", ["p/n", "4471-22", "4471", "22"]),
            ("fault 0x1F", ["0x1f"]),
            ("sensor MT010b", ["mt010b", "mt", "010"]),
            ("see WO259747", ["wo259747", "259747"]),
            ("set to 3.5 bar", ["3.5"]),
        ],
    )
    def test_codes_are_kept_whole_and_split(self, text, expected):
        tokens = tokenize(text)
        for token in expected:
            assert token in tokens, (token, tokens)

    def test_lowercases_drops_stop_words_and_stems(self):
        assert tokenize("The Valves and the Batteries of this glass") == ["valv", "battery", "glass"]

    def test_negations_and_levels_are_not_stop_words(self):
        assert tokenize("no flow, not low") == ["no", "flow", "not", "low"]

    def test_empty(self):
        assert tokenize("") == [] and tokenize("  , . ") == []


class TestBM25Index:
    texts = [
        "Alarm E-204: hydraulic pressure low, check the pump filter",
        "Replace seal P/N 4471-22, torque 45 Nm",
        "Fault 0x1F: servo encoder signal lost",
        "Part 4471-35 is the wiper ring",
    ]

    def test_code_query_finds_its_chunk_first(self):
        bm = BM25Index.build(self.texts)
        assert bm.top("E-204", 3)[0][0] == 0
        assert bm.top("e204", 3)[0][0] == 0
        assert bm.top("0x1f", 3)[0][0] == 2

    def test_part_number_prefix_matches_both_parts_but_exact_ranks_first(self):
        bm = BM25Index.build(self.texts)
        rows = [r for r, _ in bm.top("4471", 5)]
        assert set(rows) == {1, 3}
        assert bm.top("4471-22", 5)[0][0] == 1

    def test_no_matching_term_returns_nothing(self):
        bm = BM25Index.build(self.texts)
        assert bm.top("compressor", 5) == []
        assert bm.top("the", 5) == []  # only stop words

    def test_mask_fails_closed(self):
        bm = BM25Index.build(self.texts)
        assert bm.top("E-204", 5, mask=np.zeros(4, bool)) == []
        only_part = np.array([False, False, False, True])
        assert [r for r, _ in bm.top("4471", 5, mask=only_part)] == [3]
        with pytest.raises(ValueError, match="mask has shape"):
            bm.top("E-204", 5, mask=np.ones(3, bool))

    def test_empty_corpus(self, tmp_path):
        bm = BM25Index.build([])
        assert bm.top("anything", 5) == []
        bm.save(tmp_path / "bm")
        assert BM25Index.load(tmp_path / "bm").n_docs == 0

    def test_save_load_round_trip(self, tmp_path):
        bm = BM25Index.build(self.texts)
        bm.save(tmp_path / "bm")
        again = BM25Index.load(tmp_path / "bm")
        for query in ("E-204", "4471", "servo encoder", "torque"):
            before, after = bm.top(query, 4), again.top(query, 4)
            assert [r for r, _ in after] == [r for r, _ in before] and before
            assert [s for _, s in after] == pytest.approx([s for _, s in before])

    def test_saved_index_records_its_terms_version(self, tmp_path):
        BM25Index.build(self.texts).save(tmp_path / "bm")
        assert BM25Index.load(tmp_path / "bm").terms_version == SEARCH_TERMS_VERSION
        meta = tmp_path / "bm" / "meta.json"
        meta.write_text(meta.read_text().replace(f', "terms_version": {SEARCH_TERMS_VERSION}', ""))
        assert BM25Index.load(tmp_path / "bm").terms_version == 1  # saved before versions were recorded

    def test_load_incomplete_folder_names_the_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="meta.json"):
            BM25Index.load(tmp_path)


def test_common_terms_are_those_in_at_least_the_given_share_of_rows(tmp_path):
    texts = ["la vis de la pompe", "le filtre de la pompe", "el filtro de la bomba", "alarme E-204"]
    # a short corpus has no common words: its subject is in most of its few chunks
    assert BM25Index.build(texts * 12).common_terms(0.5) == frozenset()  # 48 rows
    bm = BM25Index.build(texts * 13)  # 52 rows, the same shares
    assert bm.common_terms(0.75) == frozenset({"de", "la"})  # 3 of 4 rows
    assert bm.common_terms(0.5) == frozenset({"de", "la", "pomp"})
    assert bm.common_terms(1.0) == frozenset()
    bm.save(tmp_path)
    assert BM25Index.load(tmp_path).common_terms(0.75) == frozenset({"de", "la"})  # read back from disk
    assert BM25Index.build([]).common_terms(0.5) == frozenset()
