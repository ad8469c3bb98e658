"""QuestionScope: the asset a question is about, and what a follow-up stands for."""

from __future__ import annotations

from assistant.answer.scope import QuestionScope
from assistant.types import ChatMessage
from ingest.assets import AssetRegistry


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
