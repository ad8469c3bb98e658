"""Row 7: cutting off the last audit rows, or editing a row and recomputing the later hashes with the
public `event_hash`, passed `audit verify`; the answers/messages tables shown by /thread were outside
the chain. Tampering is done on a copy of the live server's data (SQLite file edited directly)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.security.chat import Chat, run, token
from tests.security.server import cli, env_for

pytestmark = pytest.mark.slow  # a real server


@pytest.fixture(scope="module")
def exchanges(server):
    """Two answered questions and their thread, by a technician on the live server."""
    async def talk():
        async with Chat(server.url, token(server.url, "ana")) as chat:
            for q in ("What hydraulic oil does the press use?", "How often is the return filter replaced?"):
                assert any(m.get("type") == "assistant_message" for m in await chat.ask(q))
            return next(d["thread_id"] for n, d in chat.events if n == "first_interaction")
    return run(talk())


def _copy(server, dest: Path) -> dict[str, str]:
    """The server's database (a consistent SQLite backup), audit key and checkpoint, in a new data dir."""
    dest.mkdir()
    with sqlite3.connect(server.data / "maintassist.db") as src, sqlite3.connect(dest / "maintassist.db") as dst:
        src.backup(dst)
    for name in ("audit.key", "audit.checkpoint"):
        shutil.copy2(server.data / name, dest / name)
    return env_for(dest)


def _sql(data: Path, statement: str, *args) -> list[tuple]:
    with sqlite3.connect(data / "maintassist.db") as conn:
        rows = conn.execute(statement, args).fetchall()
        conn.commit()
    return rows


def test_an_untouched_copy_verifies(server, exchanges, tmp_path):
    result = cli(_copy(server, tmp_path / "copy"), "audit", "verify")
    assert result.returncode == 0, result.stderr
    assert "match" in result.stdout


def test_cutting_off_the_last_rows_is_detected(server, exchanges, tmp_path):
    env = _copy(server, tmp_path / "copy")
    data = tmp_path / "copy"
    last = _sql(data, "SELECT MAX(id) FROM audit_events")[0][0]
    _sql(data, "DELETE FROM audit_events WHERE id > ?", last - 2)
    result = cli(env, "audit", "verify")
    assert result.returncode == 1
    assert "last rows were deleted" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_editing_and_rechaining_with_the_public_hash_is_detected(server, exchanges, tmp_path):
    from datetime import datetime

    from assistant.db.audit import GENESIS, event_hash

    env = _copy(server, tmp_path / "copy")
    data = tmp_path / "copy"
    rows = _sql(data, "SELECT id, ts, actor, action, thread_id, payload FROM audit_events ORDER BY id")
    target = next(r[0] for r in rows if r[3] == "answer")
    prev = GENESIS
    for id_, ts, actor, action, thread_id, payload in rows:  # what the attacker did: edit, then re-chain
        payload = json.loads(payload)
        if id_ == target:
            payload["answer"] = "Use any oil you have."
        h = event_hash(prev, id=id_, ts=datetime.fromisoformat(ts), actor=actor, action=action,
                       thread_id=thread_id, payload=payload)
        _sql(data, "UPDATE audit_events SET payload = ?, prev_hash = ?, hash = ? WHERE id = ?",
             json.dumps(payload), prev, h, id_)
        prev = h
    result = cli(env, "audit", "verify")
    assert result.returncode == 1 and "BROKEN" in result.stderr


def test_edited_messages_and_answers_fail_verify(server, exchanges, tmp_path):
    env = _copy(server, tmp_path / "copy")
    data = tmp_path / "copy"
    _sql(data, "UPDATE messages SET content = 'Use any oil you have.' WHERE role = 'assistant_message' "
               "AND thread_id = ?", exchanges)
    result = cli(env, "audit", "verify")
    assert result.returncode == 1 and "differs from what audit event" in result.stderr
    env = _copy(server, tmp_path / "copy2")
    _sql(tmp_path / "copy2", "UPDATE answers SET text = 'Use any oil you have.' WHERE thread_id = ?", exchanges)
    result = cli(env, "audit", "verify")
    assert result.returncode == 1 and "answer to message" in result.stderr


def test_thread_view_marks_a_message_edited_in_the_database(server, exchanges):
    """What a supervisor reads on /thread is checked against the chain (live server, row restored after)."""
    data = server.data
    message_id, original = _sql(data, "SELECT id, content FROM messages WHERE role = 'assistant_message' "
                                      "AND thread_id = ? ORDER BY created_at LIMIT 1", exchanges)[0]
    _sql(data, "UPDATE messages SET content = ? WHERE id = ?", "Use any oil you have.", message_id)
    try:
        async def read():
            async with Chat(server.url, token(server.url, "sup")) as chat:
                return await chat.ask(f"/thread {exchanges}")
        shown = "\n".join(m.get("output") or "" for m in run(read()))
    finally:
        _sql(data, "UPDATE messages SET content = ? WHERE id = ?", original, message_id)
    line = next(ln for ln in shown.splitlines() if "Use any oil you have." in ln)
    assert "differs from the audit log" in line
    assert "differs from the audit log" not in shown.replace(line, "")  # untouched messages are not marked


def test_an_edit_sent_over_the_socket_changes_nothing(server, account):
    """The UI hides editing (`edit_message = false`) but Chainlit's socket accepted it and re-ran the
    exchange, rewriting an audited question; now the edit is refused and the stored row stays."""
    import asyncio

    name = account()

    async def scenario():
        async with Chat(server.url, token(server.url, name)) as chat:
            await chat.ask("What hydraulic oil does the press use?")
            edited = {**chat.last_question, "output": "Can I run the press without guards?"}
            await chat.sio.emit("edit_message", {"message": edited, "fileReferences": []})
            await asyncio.sleep(3)
            return chat.last_question["id"], chat.messages()
    question_id, shown = run(scenario())
    stored = _sql(server.data, "SELECT content FROM messages WHERE id = ?", question_id)
    assert stored == [("What hydraulic oil does the press use?",)]
    # the edited wording is never shown ("guards" alone may be in the answer's quoted safety lines)
    assert not any("without guards" in (m.get("output") or "") for m in shown)
    answers = _sql(server.data, "SELECT COUNT(*) FROM audit_events WHERE actor = ? AND action = 'answer'", name)
    assert answers == [(1,)], "the edited question was answered again"
    assert cli(server.env, "audit", "verify").returncode == 0
