"""Displayed conversation rows checked against the audit chain.

``/thread``, the sidebar and resumed chats show ``messages`` rows; ``answers`` rows back feedback
and fine-tuning. They are not chained themselves, but each exchange's audit event records what
was shown: the answer's message id with the sha256 of its displayed text, and the question's
message id with the sha256 of its text (``record_payload``). A row that no longer hashes to what
the chain recorded was edited; one the chain names but the table lacks was deleted.

    problems = verify_conversations(sessions, log)   # ["message 3f2…: differs from audit event 17", ...]
    marks = thread_marks(view, log)                  # {message_id: "verified" | "altered" | "unrecorded"}
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.audit import AuditEntry, AuditLog
from assistant.db.models import AnswerRecord, Message

BATCH = 500


def content_hash(text: str) -> str:
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()


def record_payload(message_id: str, shown: str, question_id: str | None, question: str | None) -> dict[str, Any]:
    """Audit payload fields that tie the displayed rows of one exchange to the chain."""
    out = {"message_id": message_id, "message_sha256": content_hash(shown)}
    if question_id:
        out.update(question_id=question_id, question_sha256=content_hash(question or ""))
    return out


def _recorded(events: Iterable[AuditEntry]) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str, str]]]:
    """message id -> (event id, sha256) for every row an event vouches for, and answer events'
    message id -> (event id, question, answer) for the ``answers`` table."""
    hashes: dict[str, tuple[int, str]] = {}
    answers: dict[str, tuple[int, str, str]] = {}
    for e in events:
        p = e.payload
        for id_key, sha_key in (("message_id", "message_sha256"), ("question_id", "question_sha256")):
            if p.get(id_key) and p.get(sha_key):
                hashes[p[id_key]] = (e.id, p[sha_key])
        if e.action == "answer" and p.get("message_id"):
            answers[p["message_id"]] = (e.id, p.get("question") or "", p.get("answer") or "")
    return hashes, answers


def verify_conversations(sessions: sessionmaker[Session], log: AuditLog) -> list[str]:
    """Problems (one line each) where the stored messages or answers differ from the audit chain."""
    hashes, answers = _recorded(log.iter())
    problems: list[str] = []
    ids = list(hashes)
    with sessions() as session:
        for start in range(0, len(ids), BATCH):
            part = ids[start:start + BATCH]
            rows = {m.id: m.content for m in session.scalars(select(Message).where(Message.id.in_(part)))}
            for message_id in part:
                event_id, sha = hashes[message_id]
                if message_id not in rows:
                    problems.append(f"message {message_id}: recorded by audit event {event_id}, missing from the table")
                elif content_hash(rows[message_id]) != sha:
                    problems.append(f"message {message_id}: differs from what audit event {event_id} recorded")
        keys = list(answers)
        for start in range(0, len(keys), BATCH):
            part = keys[start:start + BATCH]
            rows = {a.message_id: a for a in session.scalars(select(AnswerRecord)
                                                              .where(AnswerRecord.message_id.in_(part)))}
            for message_id in part:
                event_id, question, text = answers[message_id]
                row = rows.get(message_id)
                if row is not None and (row.question != question or row.text != text):
                    problems.append(f"answer to message {message_id}: differs from audit event {event_id}")
    return problems


def thread_marks(view: Any, log: AuditLog) -> dict[str, str]:
    """For each message of a ``ThreadView``: verified, altered (differs from the chain) or unrecorded."""
    events = list(log.iter(thread_id=view.thread.id))
    hashes, answers = _recorded(events)
    # Events written before hashes were recorded still carry the question and the answer text.
    questions = {q for _, q, _ in answers.values()}
    texts = [t.strip() for _, _, t in answers.values() if t.strip()]
    marks = {}
    for m in view.messages:
        if m.id in hashes:
            marks[m.id] = "verified" if content_hash(m.content) == hashes[m.id][1] else "altered"
        elif m.content in questions or any(m.content.startswith(t) for t in texts):
            marks[m.id] = "verified"
        else:
            marks[m.id] = "unrecorded"
    return marks
