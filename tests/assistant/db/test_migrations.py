from sqlalchemy import inspect, text

from assistant.db.session import current_revision, make_engine, upgrade

HEAD_REVISION = "0003"
EXPECTED_TABLES = {"users", "threads", "messages", "answers", "feedback", "elements", "audit_events", "work_orders"}


class TestMigrations:
    def test_upgrade_empty_database_to_head(self, db_url):
        engine = make_engine(db_url)
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == HEAD_REVISION
        assert EXPECTED_TABLES <= set(inspect(engine).get_table_names())
        wo_cols = {c["name"] for c in inspect(engine).get_columns("work_orders")}
        assert {"record_id", "source", "asset", "failure_code", "duration_hours", "extra"} <= wo_cols
        upgrade(engine)  # idempotent
        assert current_revision(engine) == HEAD_REVISION
        engine.dispose()

    def test_upgrade_from_previous_revision_keeps_data(self, db_url):
        engine = make_engine(db_url)
        upgrade(engine, "0001")
        assert current_revision(engine) == "0001"
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (username, password_hash, role, created_at) "
                              "VALUES ('old', 'x', 'technician', CURRENT_TIMESTAMP)"))
        assert "ix_feedback_value" not in {i["name"] for i in inspect(engine).get_indexes("feedback")}
        upgrade(engine)
        assert current_revision(engine) == HEAD_REVISION
        assert "ix_feedback_value" in {i["name"] for i in inspect(engine).get_indexes("feedback")}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username FROM users")).scalar_one() == "old"
        engine.dispose()

    def test_upgrade_by_url(self, db_url):
        upgrade(db_url)
        engine = make_engine(db_url)
        assert current_revision(engine) == HEAD_REVISION
        engine.dispose()


def test_the_tables_match_the_migrations(tmp_path):
    """Every table (work orders included) is on the metadata Alembic compares: a fresh database
    built by the migrations differs from the models in nothing (autogenerate would propose nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import assistant.db.models  # noqa: F401  (what migrations/env.py registers)
    from assistant.db.base import Base

    assert "work_orders" in Base.metadata.tables
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
