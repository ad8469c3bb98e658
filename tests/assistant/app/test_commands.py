"""`maintassist users`, `audit` and the parts of `serve` that run before Chainlit starts."""

import json
import stat

from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.types import Answer, Citation, Flag

runner = CliRunner()


def _cli(tmp_path, *args):
    return runner.invoke(app, [*args, "--data-dir", str(tmp_path)])


def _seed_exchange(tmp_path):
    from assistant.wiring import load_settings
    from assistant.db.audit import AuditLog
    from assistant.db.export import answer_payload
    from assistant.db.session import make_engine, session_factory, upgrade

    engine = make_engine(load_settings(data_dir=tmp_path).database_url)
    upgrade(engine)
    log = AuditLog(session_factory(engine))
    cite = Citation(n=1, chunk_id="c", source="/m/hp200.md", doc_type="manual", label="hp200.md · Oil", excerpt="HLP 46")
    log.append("ana", "answer", answer_payload(Answer(question="Which oil?", text="HLP 46 [1].", asset="PRESS-04",
                                                      citations=[cite]), "m1"), thread_id="t1")
    log.append("ana", "answer", answer_payload(Answer(question="Torque?", text="?", abstained=True,
                                                      flags=[Flag("abstained", "no source")]), "m2"), thread_id="t1")
    engine.dispose()
    return engine.url.database


class TestUsersCommand:
    def test_add_list_and_bad_role(self, tmp_path):
        assert _cli(tmp_path, "users", "add", "ana", "--password", "correct horse").exit_code == 0
        result = _cli(tmp_path, "users", "add", "sam", "--role", "supervisor", "--generate")
        assert result.exit_code == 0 and "password (shown once): " in result.output
        listing = _cli(tmp_path, "users", "list")
        assert "ana" in listing.output and "supervisor" in listing.output
        bad = _cli(tmp_path, "users", "add", "cy", "--role", "boss", "--password", "correct horse")
        assert bad.exit_code != 0 and "invalid role" in bad.output
        assert _cli(tmp_path, "users", "set-role", "ana", "admin").exit_code == 0


class TestAuditCommand:
    def test_export_list_show_verify(self, tmp_path):
        db_path = _seed_exchange(tmp_path)
        out = tmp_path / "all.jsonl"
        assert _cli(tmp_path, "audit", "export", "--format", "jsonl", "--out", str(out)).exit_code == 0
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert [r["question"] for r in rows] == ["Which oil?", "Torque?"]
        flagged = _cli(tmp_path, "audit", "export", "--flagged", "--format", "csv")
        assert "Torque?" in flagged.output and "Which oil?" not in flagged.output
        assert "Which oil?" in _cli(tmp_path, "audit", "export", "--asset", "PRESS-04").output
        assert _cli(tmp_path, "audit", "export", "--user", "bo").output.strip() == ""
        assert "Which oil?" in _cli(tmp_path, "audit", "list").output
        assert json.loads(_cli(tmp_path, "audit", "show", "1").output)["actor"] == "ana"
        assert _cli(tmp_path, "audit", "export", "--since", "yesterday").exit_code != 0
        assert "OK" in _cli(tmp_path, "audit", "verify").output

        import sqlite3

        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE audit_events SET payload = '{}' WHERE id = 2")
        broken = _cli(tmp_path, "audit", "verify")
        assert broken.exit_code == 1 and "event 2" in broken.output

    def test_verify_names_the_row_after_a_deleted_one(self, tmp_path):
        import sqlite3

        db_path = _seed_exchange(tmp_path)
        with sqlite3.connect(db_path) as conn:
            conn.execute("DELETE FROM audit_events WHERE id = 1")
        broken = _cli(tmp_path, "audit", "verify")
        assert broken.exit_code == 1 and "BROKEN at event 2" in broken.output


class TestServePreparation:
    def test_secret_is_private_and_stable(self, tmp_path):
        from assistant.cli.commands.serve import SECRET_FILE, ensure_secret

        first = ensure_secret(tmp_path)
        assert len(first) >= 40 and ensure_secret(tmp_path) == first
        assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600

    def test_prepare_creates_admin_app_root_and_env(self, tmp_path):
        from assistant.cli.commands.serve import prepare, server_command

        env, settings = prepare(tmp_path)
        root = tmp_path / "chainlit"
        assert env["CHAINLIT_APP_ROOT"] == str(root.resolve())
        assert "[features.audio]" in (root / ".chainlit" / "config.toml").read_text()
        assert (root / "public" / "tablet.css").exists() and (root / "chainlit.md").exists()
        assert env["CHAINLIT_AUTH_SECRET"] == (tmp_path / "chainlit_secret").read_text()
        assert env["MAINTASSIST_DATA_DIR"] == str(tmp_path.resolve())
        env2, _ = prepare(tmp_path)  # second start: no new admin, same secret
        assert env2["CHAINLIT_AUTH_SECRET"] == env["CHAINLIT_AUTH_SECRET"]
        cmd = server_command("127.0.0.1", 9999)
        assert cmd[1:4] == ["-m", "chainlit", "run"] and "--headless" in cmd and cmd[-1] == "9999"
