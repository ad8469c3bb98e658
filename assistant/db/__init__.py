"""Persistence: SQLAlchemy models, Alembic migrations, users, conversations and the audit log."""
