"""Every table of the product: users, threads, messages, answers, feedback, elements, audit events, work orders.

Thread and message ids are strings because Chainlit creates them (UUIDs) before they reach us.
``WorkOrder`` rows are written by ingest and queried by ``assistant/history/store.py``. Every table
is here, on one ``Base``: what Alembic compares with the migrations (``migrations/env.py``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.base import Base

ROLES = ("technician", "supervisor", "admin")


def utcnow() -> datetime:
    """Naive UTC: SQLite and PostgreSQL ``timestamp`` both round-trip it unchanged (hashing relies on it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False, default="technician")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Copied into each login token and checked on every request: raising it ends every session.
    token_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    # Deleted accounts keep their row (threads and the audit log name them) but can never log in again.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    title: Mapped[str | None] = mapped_column(String(256), nullable=True)
    asset: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


class Message(Base):
    """One Chainlit step: a user question, an assistant answer, or a system note."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(32), nullable=False)  # Chainlit step type
    name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    parent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


class AnswerRecord(Base):
    """Everything an audit needs about one generated answer (the ``Answer`` dataclass, flattened)."""

    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), nullable=False, unique=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), nullable=False, index=True)
    question: Mapped[str] = mapped_column(Text, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    citations: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    flags: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    abstained: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, index=True)
    retrieval_scores: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    model_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    adapter_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    prompt_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    asset: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    route: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)


class Feedback(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("message_id", "user_id", name="uq_feedback_message_user"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), nullable=False, index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"), nullable=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False, index=True)  # +1 or -1
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class Element(Base):
    """A side element (citation text) attached to a message, so resumed threads show sources again."""

    __tablename__ = "elements"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("threads.id"), nullable=False, index=True)
    for_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    type: Mapped[str] = mapped_column(String(32), nullable=False, default="text")
    name: Mapped[str] = mapped_column(String(256), nullable=False)
    display: Mapped[str] = mapped_column(String(16), nullable=False, default="side")
    content: Mapped[str | None] = mapped_column(Text, nullable=True)
    mime: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained. ``hash = sha256(prev_hash + canonical JSON of the event)``."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


__all__ = ["ROLES", "User", "Thread", "Message", "AnswerRecord", "Feedback", "Element", "AuditEvent"]


class WorkOrder(Base):
    """One work-order row. Keep names in step with the Alembic migrations."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(1024), index=True)
    asset: Mapped[str | None] = mapped_column(String(128), index=True, nullable=True)
    asset_name: Mapped[str | None] = mapped_column(String(256), nullable=True)
    date: Mapped[str | None] = mapped_column(String(10), index=True, nullable=True)
    description: Mapped[str] = mapped_column(Text)
    failure_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failure_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    failure_mode: Mapped[str | None] = mapped_column(String(256), nullable=True)
    component: Mapped[str | None] = mapped_column(String(256), nullable=True)
    cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    action: Mapped[str | None] = mapped_column(Text, nullable=True)
    parts: Mapped[str | None] = mapped_column(Text, nullable=True)
    work_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    duration_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    cost: Mapped[float | None] = mapped_column(Float, nullable=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
