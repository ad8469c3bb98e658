"""Thumbs-up answers from the audit database as training examples (opt-in: ``--use-feedback``).

An answer rated +1 by a user, not abstained and not later rated -1 by anyone, becomes an example: its
question, its numbered sources (full chunk text from the index when the chunk still exists, else
the stored excerpt) and its final answer text. The dataset builder checks it like every other example.
"""

from __future__ import annotations

from typing import Any, Mapping

from finetune.examples import Example


def feedback_examples(sessions: Any, chunks_by_id: Mapping[str, Any]) -> list[Example]:
    """Examples from answers with only positive feedback. ``sessions`` is a SQLAlchemy sessionmaker."""
    from sqlalchemy import select

    from assistant.db.models import AnswerRecord, Feedback

    with sessions() as session:
        rows = session.execute(select(AnswerRecord, Feedback.value)
                               .join(Feedback, Feedback.answer_id == AnswerRecord.id)).all()
    votes: dict[int, tuple[Any, set[int]]] = {}
    for answer, value in rows:
        votes.setdefault(answer.id, (answer, set()))[1].add(int(value))
    out = []
    for answer, values in (votes[k] for k in sorted(votes)):
        if values != {1} or answer.abstained or not answer.citations:
            continue
        sources = []
        for c in sorted(answer.citations, key=lambda c: int(c.get("n", 0))):
            chunk = chunks_by_id.get(c.get("chunk_id", ""))
            sources.append({"label": str(c.get("label", "")),
                            "text": chunk.text if chunk is not None else str(c.get("excerpt", ""))})
        out.append(Example(question=answer.question, sources=sources, answer=answer.text, kind="feedback",
                           group=f"feedback:{answer.id}", meta={"answer_id": answer.id}))
    return out
