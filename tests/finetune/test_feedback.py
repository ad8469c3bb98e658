"""Thumbs-up answers from a real (SQLite, migrated) audit database become checked examples."""

from __future__ import annotations

from assistant.db.conversations import ConversationService
from assistant.db.session import make_engine, session_factory, upgrade
from assistant.db.users import UserService
from assistant.types import Answer, Citation
from finetune.dataset import DatasetBuilder
from finetune.feedback import feedback_examples
from ingest.types import Chunk


def _answer(question: str, text: str) -> Answer:
    return Answer(question=question, text=text, asset="PRESS-04",
                  citations=[Citation(n=1, chunk_id="c1", source="/m/press.md", doc_type="manual",
                                      label="press.md · Specs", excerpt="Relief valve ...", cited=True)],
                  model_id="qwen2.5-0.5b", prompt_version="v1")


def test_only_positively_rated_answers_are_used(tmp_path, corpus):
    url = f"sqlite:///{tmp_path / 'maintassist.db'}"
    upgrade(url)
    sessions = session_factory(make_engine(url))
    users = UserService(sessions)
    ana = users.add("ana", "correct horse")
    convs = ConversationService(sessions)
    thread = convs.create_thread(ana, title="press")
    convs.record_answer(ana, thread.id, "m1", _answer("Relief valve of press 4?", "It opens at 235 bar [1]."))
    convs.record_answer(ana, thread.id, "m2", _answer("Oil of press 4?", "Use 99 L [1]."))
    convs.record_answer(ana, thread.id, "m3", _answer("Pump of press 4?", "Unrated [1]."))
    convs.set_feedback(ana, "m1", 1)
    convs.set_feedback(ana, "m2", 1)

    chunk = Chunk(chunk_id="c1", text="Relief valve: 235 bar\nOil volume: 40 L", source="/m/press.md",
                  doc_type="manual")
    examples = feedback_examples(sessions, {"c1": chunk})
    assert [ex.question for ex in examples] == ["Relief valve of press 4?", "Oil of press 4?"]
    assert examples[0].sources == [{"label": "press.md · Specs", "text": chunk.text}]  # full chunk, not excerpt
    # The mechanical check still applies: "99 L" is not in the source, so that answer is rejected.
    result = DatasetBuilder().build(corpus, feedback=examples)
    kept = [ex for ex in result.examples if ex.kind == "feedback"]
    assert [ex.question for ex in kept] == ["Relief valve of press 4?"]
