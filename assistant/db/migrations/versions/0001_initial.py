"""Initial schema: users, threads, messages, answers, feedback, elements, audit events, work orders.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(128), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "threads",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("title", sa.String(256)),
        sa.Column("asset", sa.String(128), index=True),
        sa.Column("metadata", sa.JSON),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id"), nullable=False, index=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("name", sa.String(128)),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("parent_id", sa.String(64)),
        sa.Column("metadata", sa.JSON),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(64), sa.ForeignKey("messages.id"), nullable=False, unique=True),
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id"), nullable=False, index=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("citations", sa.JSON, nullable=False),
        sa.Column("flags", sa.JSON, nullable=False),
        sa.Column("abstained", sa.Boolean, nullable=False),
        sa.Column("retrieval_scores", sa.JSON, nullable=False),
        sa.Column("model_id", sa.String(256)),
        sa.Column("adapter_id", sa.String(256)),
        sa.Column("prompt_version", sa.String(64)),
        sa.Column("timings", sa.JSON, nullable=False),
        sa.Column("asset", sa.String(128), index=True),
        sa.Column("route", sa.String(32)),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("message_id", sa.String(64), sa.ForeignKey("messages.id"), nullable=False, index=True),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id")),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("message_id", "user_id", name="uq_feedback_message_user"),
    )
    op.create_table(
        "elements",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("thread_id", sa.String(64), sa.ForeignKey("threads.id"), nullable=False, index=True),
        sa.Column("for_id", sa.String(64)),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("display", sa.String(16), nullable=False),
        sa.Column("content", sa.Text),
        sa.Column("mime", sa.String(128)),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ts", sa.DateTime, nullable=False, index=True),
        sa.Column("actor", sa.String(128), nullable=False, index=True),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("thread_id", sa.String(64), index=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(128), nullable=False, index=True),
        sa.Column("source", sa.String(1024), nullable=False, index=True),
        sa.Column("asset", sa.String(128), index=True),
        sa.Column("asset_name", sa.String(256)),
        sa.Column("date", sa.String(10), index=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("failure_code", sa.String(64)),
        sa.Column("failure_description", sa.Text),
        sa.Column("failure_mode", sa.String(256)),
        sa.Column("component", sa.String(256)),
        sa.Column("cause", sa.Text),
        sa.Column("action", sa.Text),
        sa.Column("parts", sa.Text),
        sa.Column("work_type", sa.String(64)),
        sa.Column("duration_hours", sa.Float),
        sa.Column("cost", sa.Float),
        sa.Column("extra", sa.JSON),
    )


def downgrade() -> None:
    for table in ("work_orders", "audit_events", "elements", "feedback", "answers", "messages", "threads", "users"):
        op.drop_table(table)
