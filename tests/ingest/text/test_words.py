"""Word lists as data files: one loader, one folder per language."""

from __future__ import annotations

import pytest

from ingest.text import words
from ingest.text.words import word_set, word_table


class TestWordSet:
    def test_reads_words_and_skips_comments(self):
        stop = word_set("search_stop")
        assert {"the", "and", "which"} <= stop
        assert not any(w.startswith("#") for w in stop)

    def test_negations_and_levels_stay_searchable(self):
        assert not {"not", "no", "off", "on", "low", "high"} & word_set("search_stop")

    def test_unknown_list_names_the_file(self):
        with pytest.raises(FileNotFoundError, match=r"words/en/nope\.txt"):
            word_set("nope")

    def test_other_language_folder(self, tmp_path, monkeypatch):
        (tmp_path / "fr").mkdir()
        (tmp_path / "fr" / "search_stop.txt").write_text("# mots vides\nle la les\n", encoding="utf-8")
        monkeypatch.setattr(words, "WORDS_DIR", tmp_path)
        words._lines.cache_clear()
        word_set.cache_clear()
        try:
            assert word_set("search_stop", "fr") == {"le", "la", "les"}
        finally:
            words._lines.cache_clear()
            word_set.cache_clear()


class TestWordTable:
    def test_values_keep_file_order_and_spaces(self):
        alternatives = word_table("alternatives")
        assert alternatives["replac"][0] == "replac"
        assert "fitted new" in alternatives["replac"]

    def test_line_without_colon_is_an_error(self, tmp_path, monkeypatch):
        (tmp_path / "en").mkdir()
        (tmp_path / "en" / "bad.txt").write_text("broken break\n", encoding="utf-8")
        monkeypatch.setattr(words, "WORDS_DIR", tmp_path)
        words._lines.cache_clear()
        try:
            with pytest.raises(ValueError, match="has no ':'"):
                word_table("bad")
        finally:
            words._lines.cache_clear()
