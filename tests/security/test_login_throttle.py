"""Row 6: 200 wrong guesses at 6/s with no throttling, each failure writing an audit row. Now 429
after `login_max_failures_per_account` (5) per account or `..._per_address` (20) per address,
with one audit event per lockout."""

from __future__ import annotations

import uuid

import pytest

from tests.security.chat import PASSWORD, login
from tests.security.server import cli

pytestmark = pytest.mark.slow  # a real server


def _address() -> str:
    # Each test guesses from addresses of its own (the server trusts X-Forwarded-For from 127.0.0.1,
    # as behind a reverse proxy), so a lockout here never locks the other tests out.
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def _events(server, actor: str) -> list[tuple[str, dict]]:
    """(action, payload) of the audit events of ``actor``, read from the server's database."""
    import json

    from sqlalchemy import text

    from assistant.wiring import load_settings
    from assistant.db.session import make_engine

    engine = make_engine(load_settings(data_dir=server.data).database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, payload FROM audit_events WHERE actor = :a ORDER BY id"),
                            {"a": actor}).all()
    engine.dispose()
    return [(action, payload if isinstance(payload, dict) else json.loads(payload)) for action, payload in rows]


class TestLoginThrottle:
    def test_account_lockout_answers_429_and_is_audited_once(self, server, account):
        name, address = account(), _address()
        statuses = [login(server.url, name, "wrong guess", address=address).status_code for _ in range(12)]
        assert statuses[:4] == [401] * 4
        assert statuses[5:] == [429] * 7, statuses  # locked: the password is not even checked
        assert login(server.url, name, PASSWORD, address=_address()).status_code == 429  # the right one too
        events = _events(server, name)
        assert [a for a, _ in events] == ["login_locked"], "one audit event per lockout, not per attempt"
        assert events[0][1]["locked"] == "account" and events[0][1]["address"] == address

    def test_address_lockout_covers_every_account(self, server, account):
        address = _address()
        names = [account() for _ in range(5)]
        statuses = [login(server.url, names[i % 5], "wrong guess", address=address).status_code for i in range(20)]
        assert statuses.count(401) == 20 - statuses.count(429)
        fresh = account()
        assert login(server.url, fresh, PASSWORD, address=address).status_code == 429
        assert login(server.url, fresh, PASSWORD, address=_address()).status_code == 200  # other addresses log in

    def test_failed_logins_do_not_each_write_an_audit_row(self, server, account):
        name, address = account(), _address()
        for _ in range(3):
            assert login(server.url, name, "wrong guess", address=address).status_code == 401
        assert _events(server, name) == []
        assert cli(server.env, "audit", "verify").returncode == 0
