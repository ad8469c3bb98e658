"""ContextSelector: what the model reads is chosen by meaning, across sources, within a budget."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answer.grounding.context import ContextSelector, ReaderChoice, units


class FakeAxisEmbedder:
    """Each text maps to a fixed direction by the first keyword it contains (a fake for selection logic)."""

    AXES = ("oil", "belt", "fuse", "wheel")

    def embed_batch(self, texts, *, query=False):
        out = np.zeros((len(texts), len(self.AXES) + 1), dtype=np.float32)
        for i, t in enumerate(texts):
            hit = next((a for a, w in enumerate(self.AXES) if w in t.lower()), len(self.AXES))
            out[i, hit] = 1.0
        return out


def test_units_split_long_lines_and_skip_the_heading():
    text = "Gearbox > Service\nShort line.\n" + "First sentence is long enough. " * 10
    got = units(text, long_line=100)
    assert (got[0].line, got[0].text) == (1, "Short line.")
    assert all(u.line == 2 for u in got[1:]) and len(got) > 2
    assert all("Gearbox" not in u.text for u in got)


def test_selects_the_matching_unit_from_a_lower_ranked_source_within_budget():
    sources = ["Belts > Tension\nCheck belt wear.\nAdjust the belt idler.",
               "Gearbox > Fill\nUse ISO VG 220 oil to the level plug.\nClean the breather."]
    got = ContextSelector(FakeAxisEmbedder(), long_line=220).select("what oil for the gearbox", sources, 80)
    assert got[0] == "Belts > Tension"  # heading kept, nothing of it chosen
    assert got[1] == "Gearbox > Fill\nUse ISO VG 220 oil to the level plug."


def test_chosen_units_keep_document_order_and_budget_is_respected():
    src = "H\nzeta oil one.\nalpha belt.\nbeta oil two."
    got = ContextSelector(FakeAxisEmbedder(), long_line=220).select("oil", [src], 40)[0]
    assert got == "H\nzeta oil one.\nbeta oil two."
    assert len(got) <= 40


def test_empty_sources_and_no_candidates():
    sel = ContextSelector(FakeAxisEmbedder(), long_line=220)
    assert sel.select("oil", ["", "Only a heading"], 100) == ["", "Only a heading"]


@pytest.mark.slow
def test_real_embedder_keeps_the_value_line_the_question_does_not_share_words_with():
    from ingest.models import embedding_model_dir
    from index.embedder import SentenceTransformerEmbedder

    source = ("Gear unit > Maintenance\nInspect the housing for cracks and leaks.\n"
              "Check that the breather is clean.\nFill with ISO VG 220 lubricant to the level plug.\n"
              "Tighten the cover bolts to 25 N·m.\nRecord the date in the log book.")
    sel = ContextSelector(SentenceTransformerEmbedder(embedding_model_dir()), long_line=220)
    got = sel.select("what oil are we supposed to put in the gearbox", [source], 80)[0]
    assert "ISO VG 220" in got


def test_sentences_chosen_from_one_long_line_keep_their_order():
    """The second sentence ranks first, yet the prompt reads them as the manual wrote them."""
    line = "Drain the belt housing first. " + "Then fill with oil to the plug. " + "x" * 60
    got = ContextSelector(FakeAxisEmbedder(), long_line=40).select("oil belt", [f"H\n{line}"], 200)[0]
    assert got.index("Drain the belt") < got.index("Then fill with oil")


def test_term_ranking_brings_in_the_line_holding_the_questions_rare_word():
    """The embedder (a fake here; the bundled one on a German manual) ranks the line last; its rare
    word puts it in the budget beside the embedder's best, in place of the embedder's second."""
    src = "H\noil level check.\noil drain plug.\nPumpe Drehmoment 25 Nm."
    shares = {"pump": 0.05, "oil": 0.5}
    meaning = ContextSelector(FakeAxisEmbedder(), long_line=220).select("pumpe oil", [src], 43)[0]
    with_terms = ContextSelector(FakeAxisEmbedder(), long_line=220, term_shares=lambda: shares)
    fused = with_terms.select("pumpe oil", [src], 43)[0]
    assert meaning == "H\noil level check.\noil drain plug."
    assert fused == "H\noil level check.\nPumpe Drehmoment 25 Nm."


def test_without_statistics_every_shared_word_weighs_one():
    sel = ContextSelector(FakeAxisEmbedder(), long_line=220, term_shares=lambda: {})
    got = sel.term_scores("pumpe ventil", ["Pumpe und Ventil", "Pumpe", "Riemen"])
    assert [float(x) for x in got] == [2.0, 1.0, 0.0]


def test_the_setting_picks_the_selector(tmp_path):
    from assistant.config import Settings
    from assistant.wiring import Container

    def selector(mode):
        s = Settings(data_dir=tmp_path / mode, llm={"mode": "fake"}, embedding={"mode": "fake"},
                     answer={"context_selection": mode})
        return Container(s).chain.rag.writer.selector

    assert selector("meaning").term_shares is None  # the default: the embedder's ranking alone
    assert selector("meaning_and_terms").term_shares is not None
    assert selector("word_overlap") is None
    assert Settings().answer.context_selection == "meaning"


def test_the_setting_picks_the_line_embedder(tmp_path):
    from assistant.config import Settings
    from assistant.wiring import Container
    from index.e5_embedder import E5Embedder

    def embedder(choice, mode="fake"):
        s = Settings(data_dir=tmp_path / f"{choice}-{mode}", llm={"mode": "fake"}, embedding={"mode": mode},
                     answer={"context_embedder": choice})
        c = Container(s)
        return c, c.chain.rag.writer.selector.embedder

    c, got = embedder("index")
    assert got is c.embedder
    c, got = embedder("auto")  # unit tests with the fake embedder never load a real model
    assert got is c.embedder
    c, got = embedder("multilingual-e5", mode="bundled")
    assert isinstance(got, E5Embedder)
    c, got = embedder("auto", mode="bundled")
    assert isinstance(got, ReaderChoice) and got.own is c.embedder and isinstance(got.other, E5Embedder)
    assert Settings().answer.context_embedder == "index"


class Letters:
    """A fake tokenizer: one piece per letter."""

    def count(self, text):
        return sum(c.isalpha() for c in text)


def test_the_reader_is_chosen_by_word_pieces_a_word_letters_only():
    choice = ReaderChoice("own", "other", Letters(), max_pieces=4.5)
    assert choice.pieces_per_word(["Torque 80 Nm: M12 x 1.5"]) == 4.0  # "Torque", "Nm": numbers and codes aside
    assert choice.pick(["Torque 80 Nm: M12 x 1.5"]) == "own"
    assert choice.pick(["Torque 80 Nm", "Drehmoment"]) == "other"  # (6 + 2 + 10) / 3 words
    assert choice.pieces_per_word(["80 / 12"]) == 0.0 and choice.pick(["80 / 12"]) == "own"


def test_the_bundled_tokenizer_parts_english_from_german_lines():
    from ingest.tokens import MiniLMTokenCounter

    choice = ReaderChoice("own", "other", MiniLMTokenCounter(), max_pieces=1.5)
    english = ["Check the belt tension every month and replace worn belts.",
               "The sensor has a range of about 20mm, so mount it close to the tank wall."]
    german = ["Der Sensor hat eine Reichweite von etwa 20mm (Herstellerangabe).",
              "Die Rückwand ist mit drei Schrauben befestigt, eine ist unter dem Wassertank versteckt."]
    assert choice.pieces_per_word(english) < 1.3 < 1.6 < choice.pieces_per_word(german)
    assert (choice.pick(english), choice.pick(german)) == ("own", "other")


def test_the_selector_ranks_with_the_chosen_reader():
    class Never:
        def embed_batch(self, texts, *, query=False):
            raise AssertionError("the other reader was used")

    sources = ["Belts\nCheck belt wear.", "Oil\nUse ISO VG 220 oil."]
    picks_own = ContextSelector(ReaderChoice(FakeAxisEmbedder(), Never(), Letters(), 99.0), long_line=220)
    assert picks_own.select("what oil", sources, 40)[1] == "Oil\nUse ISO VG 220 oil."
    picks_other = ContextSelector(ReaderChoice(Never(), FakeAxisEmbedder(), Letters(), 1.0), long_line=220)
    assert picks_other.select("what oil", sources, 40)[1] == "Oil\nUse ISO VG 220 oil."


def test_the_foreign_ranking_is_given_only_when_the_other_reader_reads():
    sources = {2: "Belts\nCheck belt wear.", 5: "Oil\nUse ISO VG 220 oil.\nWipe the oil cap."}
    own = ContextSelector(ReaderChoice(FakeAxisEmbedder(), FakeAxisEmbedder(), Letters(), 99.0), long_line=220)
    assert own.foreign_ranking("what oil", sources) == []
    assert ContextSelector(FakeAxisEmbedder(), long_line=220).foreign_ranking("what oil", sources) == []
    other = ContextSelector(ReaderChoice(FakeAxisEmbedder(), FakeAxisEmbedder(), Letters(), 1.0), long_line=220)
    got = other.foreign_ranking("what oil", sources)
    assert got[:2] == [("Use ISO VG 220 oil.", 5), ("Wipe the oil cap.", 5)] and got[2] == ("Check belt wear.", 2)


def test_quoted_lines_are_ranked_by_meaning_fused_with_the_questions_rare_words():
    sources = {1: "Belts\nCheck belt wear.", 3: "Wifi\nWifi hotspot stays on.\nThe oil light."}
    sel = ContextSelector(FakeAxisEmbedder(), long_line=220)
    assert sel.quote_ranking("wifi oil", sources, None) == []  # no statistics: the composer's word ranking
    by_meaning = [(u.text, u.source) for _, u in sel.rank("wifi oil", sources)]
    assert by_meaning[1:] == [("Check belt wear.", 1), ("Wifi hotspot stays on.", 3)]  # the fake reads "oil" only
    got = sel.quote_ranking("wifi oil", sources, lambda: {"wifi": 0.1, "oil": 0.5})
    # the line holding the question's rarer word comes before the one holding none of its words
    assert got == [("The oil light.", 3), ("Wifi hotspot stays on.", 3), ("Check belt wear.", 1)]


def test_a_foreign_ranking_is_kept_for_the_quoted_lines():
    sources = {2: "Belts\nCheck belt wear.", 5: "Oil\nUse ISO VG 220 oil."}
    other = ContextSelector(ReaderChoice(FakeAxisEmbedder(), FakeAxisEmbedder(), Letters(), 1.0), long_line=220)
    shares = {"belt": 0.01, "oil": 0.9}
    own = ContextSelector(FakeAxisEmbedder(), long_line=220)
    assert own.quote_ranking("what oil belt", sources, lambda: shares)[0] == ("Check belt wear.", 2)  # fused
    # the other reader's ranking stands: the rare "belt" does not lift its line there
    assert other.quote_ranking("what oil belt", sources, lambda: shares) == \
        [("Use ISO VG 220 oil.", 5), ("Check belt wear.", 2)] == other.foreign_ranking("what oil belt", sources)


def test_the_setting_gives_the_answerer_the_statistics_for_its_quotes(tmp_path):
    from assistant.config import Settings
    from assistant.wiring import Container

    def quote_terms(mode):
        s = Settings(data_dir=tmp_path / mode, llm={"mode": "fake"}, embedding={"mode": "fake"},
                     answer={"quote_selection": mode})
        c = Container(s)
        return c, c.chain.rag.quote_terms

    c, got = quote_terms("meaning_and_terms")
    assert got == c.retriever.term_shares
    assert quote_terms("words")[1] is None
    assert Settings().answer.quote_selection == "meaning_and_terms"
