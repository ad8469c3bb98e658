"""Engines, sessions and schema upgrades (Alembic, run programmatically).

    engine = make_engine("sqlite:///data/maintassist.db")
    upgrade(engine)                      # or upgrade(url); idempotent
    Session = session_factory(engine)
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD = "head"


def make_engine(url: str) -> Engine:
    """An engine for SQLite (file; parent folder created) or PostgreSQL (any SQLAlchemy URL)."""
    if url.startswith("sqlite"):
        db_path = url.split(":///", 1)[1] if ":///" in url else ""
        if db_path and db_path != ":memory:":
            from assistant.private_files import private_file

            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            # Password hashes, conversations, the audit log: owner only. SQLite gives its -wal and
            # -shm files the database file's permissions.
            private_file(Path(db_path))
        # The chat server answers from worker threads; SQLite connections must be shareable.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the CLI read the audit log while the server writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(target: str | Engine, revision: str = HEAD) -> None:
    """Bring the database at ``target`` (URL or engine) to ``revision``; a no-op when already there."""
    from alembic import command

    engine = make_engine(target) if isinstance(target, str) else target
    url = engine.url.render_as_string(hide_password=False)
    config = _alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    if isinstance(target, str):
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in the database, or None for an empty one."""
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None
