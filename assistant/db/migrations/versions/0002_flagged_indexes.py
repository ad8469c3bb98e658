"""Indexes for the supervisor's "flagged" audit view (thumbs-down, abstentions).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.create_index("ix_feedback_value", ["value"])
    with op.batch_alter_table("answers") as batch:
        batch.create_index("ix_answers_abstained", ["abstained"])


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_index("ix_answers_abstained")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index("ix_feedback_value")
