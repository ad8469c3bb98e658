"""The tokeniser: codes kept whole, Unicode letters are letters, ASCII behaviour as [a-z0-9]."""

from __future__ import annotations

import pytest

from ingest.text import content_terms, search_terms, significant_words, split_token, tokens


class TestTokens:
    def test_codes_ratings_and_joined_names_stay_whole(self):
        assert tokens("Alarm E-204 on P/N 4471-22, 3.5 bar, oil_temp") == [
            "alarm", "e-204", "on", "p/n", "4471-22", "3.5", "bar", "oil_temp"]

    def test_joiners_are_chosen_by_the_caller(self):
        assert tokens("oil_temp e-204", "-/") == ["oil", "temp", "e-204"]
        assert split_token("p/n-4471.22") == ["p", "n", "4471", "22"]

    @pytest.mark.parametrize("text, expected", [
        ("Vérifier la señal", ["vérifier", "la", "señal"]),
        ("Ölstand prüfen", ["ölstand", "prüfen"]),
        ("Çalışma basıncı", ["çalışma", "basıncı"]),
    ])
    def test_accented_letters_are_part_of_words(self, text, expected):
        assert tokens(text) == expected

    def test_punctuation_and_symbols_split(self):
        assert tokens("flow: low! (see §4) — check") == ["flow", "low", "see", "4", "check"]


class TestReaders:
    def test_search_terms_keep_accented_words(self):
        assert {"vérifier", "señal"} <= set(search_terms("Vérifier la señal du capteur"))

    def test_gate_terms_keep_accented_words(self):
        assert content_terms("vérifier señal") == ["vérifier", "señal"]

    def test_history_words_skip_readings_but_keep_model_numbers(self):
        assert significant_words("pump IM-350T at 10bar, 3-way valve 118hz") == ["pump", "im", "350t", "way", "valve"]
