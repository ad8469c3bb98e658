"""QuestionScope: the asset a question is about, and what a follow-up stands for."""

from __future__ import annotations

from assistant.answer.scope import QuestionScope, ScopedRetriever, named_code_first, named_heading_first
from assistant.types import ChatMessage
from index.fusion import Fusion
from index.types import ScoredChunk
from ingest.assets import AssetRegistry
from ingest.types import Chunk


def scope() -> QuestionScope:
    registry = AssetRegistry()
    registry.add("PRESS-04", "Hydraulic press 4")
    registry.add("CNC-02", "CNC vertical mill 2")
    return QuestionScope(registry, conversation_turns=4)


def test_the_selected_asset_wins_over_the_question():
    assert scope().assets("How do I bleed press 4?", "CNC-02") == ["CNC-02"]


def test_a_follow_up_keeps_the_last_asset_named_in_the_conversation():
    conversation = [ChatMessage("user", "How do I bleed press 4?"), ChatMessage("assistant", "Open the valve [1]."),
                    ChatMessage("user", "What oil does CNC-02 take?"), ChatMessage("assistant", "ISO VG 32 [1].")]
    assert scope().assets("and its filter?", None, conversation) == ["CNC-02"]
    assert scope().assets("and its filter?", None, conversation[:2]) == ["PRESS-04"]


def test_a_short_follow_up_is_searched_with_the_last_question():
    conversation = [ChatMessage("user", "Relief valve setting on press 4?"), ChatMessage("assistant", "235 bar [1].")]
    assert scope().condense("and the remedy?", conversation) == "Relief valve setting on press 4? and the remedy?"
    assert scope().condense("and the remedy?", []) == "and the remedy?"


def test_a_long_question_pointing_back_is_searched_with_the_last_question_and_others_alone():
    conversation = [ChatMessage("user", "Relief valve setting on press 4?"), ChatMessage("assistant", "235 bar [1].")]
    pointing = "what happens if those are set higher than the manual says"
    assert scope().condense(pointing, conversation) == f"Relief valve setting on press 4? {pointing}"
    own = "what is the recommended hydraulic oil grade for the main pump"
    assert scope().condense(own, conversation) == own


def test_a_chain_of_follow_ups_goes_back_to_the_question_that_named_the_subject():
    def turns(*questions: str) -> list[ChatMessage]:
        return [m for q in questions for m in (ChatMessage("user", q), ChatMessage("assistant", "ok."))]
    subject = "Relief valve setting on the main hydraulic pump of press 4?"
    # an acknowledgement between the answer and the follow-up does not take the subject away
    assert scope().condense("and the remedy?", turns(subject, "ok")) == f"{subject} ok and the remedy?"
    assert scope().condense("and the remedy?", turns(subject, "ok", "and the torque?")) == \
        f"{subject} ok and the torque? and the remedy?"
    # the chain stops at the question with a subject of its own; an older one is not joined
    older = "what is the recommended hydraulic oil grade for the main pump"
    assert scope().condense("and the remedy?", turns(older, subject, "ok")) == f"{subject} ok and the remedy?"
    # and at ``conversation_turns`` questions back
    assert scope().condense("why?", turns(subject, "ok", "and?", "hm", "so?")) == "ok and? hm so? why?"


def test_a_short_question_naming_a_code_of_its_own_is_not_mixed_with_the_one_before():
    """The issue's chat example: "what does alarm A-40 mean?" after a bleeding question was searched, gated and
    quoted as the two questions together, and the answer was about bleeding."""
    conversation = [ChatMessage("user", "how do i bleed the hydraulic system on press 4"),
                    ChatMessage("assistant", "Open the bleed screw [1].")]
    assert scope().condense("what does alarm A-40 mean?", conversation) == "what does alarm A-40 mean?"
    # a code alone asks nothing of its own: the question before says what ("and E-205?" after E-204's meaning)
    assert scope().condense("and A-40?", conversation) == f"{conversation[0].content} and A-40?"
    # a code the conversation already named is no new subject
    named = [ChatMessage("user", "press 4 shows A-40 again"), ChatMessage("assistant", "Recharge [1].")]
    assert scope().condense("what does alarm A-40 mean?", named) == \
        "press 4 shows A-40 again what does alarm A-40 mean?"
    # a word pointing back joins it to the question before, code or not
    assert scope().condense("is A-40 caused by that?", conversation) == \
        f"{conversation[0].content} is A-40 caused by that?"


def test_the_same_question_asked_of_another_code_stands_alone():
    """ "what does E-207 mean" after "what does E-204 mean" was searched and prompted as the two questions joined, and
    a follow-up after it went back to E-204; its words besides the code are all function words."""
    turns = [ChatMessage("user", "what does E-204 mean"), ChatMessage("assistant", "Pressure low [1].")]
    assert scope().condense("What does E-207 mean?", turns) == "What does E-207 mean?"
    # a code alone, or the same words of the same code, still leans on the question before, asked of its own code
    assert scope().condense("and E-207?", turns) == "what does E-207 mean and E-207?"
    assert scope().condense("what does it mean", turns) == "what does E-204 mean what does it mean"
    # and a follow-up after the parallel question goes back to it, not to the first
    turns += [ChatMessage("user", "what does E-207 mean"), ChatMessage("assistant", "Timeout [1].")]
    assert scope().condense("and the fix?", turns) == "what does E-207 mean and the fix?"
    # "it" after "and A-40?" is A-40, not the code of the question "and A-40?" leaned on
    turns += [ChatMessage("user", "and A-40?"), ChatMessage("assistant", "Precharge low [1].")]
    assert scope().condense("how do i fix it", turns) == "what does A-40 mean and A-40? how do i fix it"


def test_a_chain_of_follow_ups_stops_at_a_short_question_naming_its_own_code():
    turns = [ChatMessage("user", "how do i bleed press 4"), ChatMessage("assistant", "Open the screw [1]."),
             ChatMessage("user", "what does alarm A-40 mean?"), ChatMessage("assistant", "Precharge low [1].")]
    assert scope().condense("and the fix?", turns) == "what does alarm A-40 mean? and the fix?"


class FakeRankings:
    """A fake search: each query has a fixed ranking (best first)."""

    def __init__(self, rankings: dict[str, list[Chunk]]):
        self.rankings = rankings

    def retrieve(self, query, k, filters=None):
        return [ScoredChunk(c, 1.0 / (i + 1), dense_score=0.9) for i, c in enumerate(self.rankings.get(query, []))][:k]


def _chunk(cid: str) -> Chunk:
    return Chunk(cid, f"{cid} text", f"/m/{cid}.md", "manual")


A, B, C, D = (_chunk(c) for c in "abcd")


def retriever(rankings) -> ScopedRetriever:
    return ScopedRetriever(FakeRankings(rankings), candidates=10, rrf_k=60, registry=None)


def test_a_new_subject_after_another_keeps_its_own_best_source():
    """Condensed with the question before, the new question alone still leads: the two rankings are fused."""
    condensed, alone = "how do I fit the thermostat? relief valve remedy", "relief valve remedy"
    r = retriever({condensed: [A, D, B], alone: [B, C]})
    assert [h.chunk for h in r.retrieve(condensed, 1)] == [A]  # the condensed query alone loses it
    assert [h.chunk for h in r.retrieve(condensed, 1, alone=alone)] == [B]


def test_a_follow_up_gets_the_earlier_subject_beside_its_own_hits():
    condensed, alone = "thermostat install and the torque?", "and the torque?"
    got = retriever({condensed: [B, A], alone: [A, C]}).retrieve(condensed, 3, alone=alone)
    assert [h.chunk for h in got] == [A, B, C]
    # each cosine was taken with one query or the other: the evidence gate measures them anew
    assert all(h.dense_score is None for h in got)


class FakeConvexRankings(FakeRankings):
    """The fake search with scores of its own and the index's convex fusion (what ``merge_queries`` reads)."""

    fusion = Fusion()

    def retrieve(self, query, k, filters=None):
        return [ScoredChunk(c, s) for c, s in self.rankings.get(query, [])][:k]


def test_under_convex_fusion_a_vague_follow_up_counts_by_its_scores_not_its_ranks():
    """"what lube exactly" alone scores low everywhere; the condensed query finds the passage the earlier
    question was about. Reciprocal ranks would put D first (first as asked, second condensed)."""
    condensed, alone = "why does the z axis stall? what lube exactly", "what lube exactly"
    got = ScopedRetriever(FakeConvexRankings({alone: [(D, 0.42), (B, 0.40)], condensed: [(A, 0.80), (D, 0.30)]}),
                          candidates=10, rrf_k=60, registry=None).retrieve(condensed, 3, alone=alone)
    assert [(h.chunk, round(h.score, 3)) for h in got] == [(A, 0.4), (D, 0.36), (B, 0.2)]
    assert [h.chunk for h in retriever({alone: [D, B], condensed: [A, D]}).retrieve(condensed, 3, alone=alone)] \
        == [D, A, B]  # the same rankings fused by rank


def test_a_question_that_was_not_condensed_is_ranked_once():
    got = retriever({"oil": [A, B]}).retrieve("oil", 2, alone="oil")
    assert [(h.chunk, h.dense_score) for h in got] == [(A, 0.9), (B, 0.9)]


def _row(cid: str, text: str) -> ScoredChunk:
    return ScoredChunk(Chunk(cid, text, "errors.csv", "manual"), 0.5)


def test_a_named_code_missing_beside_its_relatives_brings_the_passage_that_writes_it():
    ranked = [_row("c1", "Calibration: let the encoder spin."), _row("r1", "encoder error | value_hex: 0x1"),
              _row("r4", "axis error | value_hex: 0x4"), _row("r2", "encoder error | value_hex: 0x2")]
    assert [s.chunk.chunk_id for s in named_code_first("encoder error 0x2 after calibration", ranked, 3)] == [
        "r2", "c1", "r1", "r4"]
    # already among the top k, or no relative there (a version "v5" beside no other v-number): unchanged
    assert named_code_first("encoder error 0x1", ranked, 3) == ranked
    assert named_code_first("pid values for the silvia v5", ranked, 3) == ranked
    assert named_code_first("encoder error 0x9", ranked, 3) == ranked  # nothing writes it: the gate declines


def _section(cid: str, section: str) -> ScoredChunk:
    return ScoredChunk(Chunk(cid, f"{section}\nsome text", "codes.md", "manual", section=section), 0.5)


def test_a_numbered_heading_the_question_names_brings_its_section():
    """ "code 8" where the top k hold "Code 1" and "Code 31": the section "Code 8" leads, in any language."""
    ranked = [_section("intro", "Connectivity"), _section("c1", "Codes > Code 1"), _section("c31", "Codes > Code 31"),
              _section("c8", "Codes > Code 8"), _section("px", "Boards > Pixhawk 4")]
    assert [s.chunk.chunk_id for s in named_heading_first("connectivity popup shows code 8", ranked, 3)] == [
        "c8", "intro", "c1", "c31", "px"]
    german = [_section("f1", "Fehlercodes > Fehler 1"), _section("f2", "Fehler 2"), _section("x", "Einbau"),
              _section("f30", "Fehlercodes > Fehler 30: Firmware fehlt")]
    assert named_heading_first("fehler 30 beim start", german, 3)[0].chunk.chunk_id == "f30"
    # already among the top k, a number of another heading ("code 3" is not "Code 31"), no family of headings
    # in the top k (a product "pixhawk 4" named beside them), or no number: unchanged
    assert named_heading_first("code 1 again", ranked, 3) == ranked
    assert named_heading_first("code 3", ranked, 3) == ranked
    assert named_heading_first("abs max voltage on pixhawk 4 power1", ranked, 3) == ranked
    assert named_heading_first("connectivity codes", ranked, 3) == ranked
