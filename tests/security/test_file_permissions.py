"""Row 8: `maintassist.db` (password hashes, every conversation, the audit log) was created 0644."""

from __future__ import annotations

import os
import stat

import pytest

from tests.security.server import cli, env_for

pytestmark = pytest.mark.slow  # a real server


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_served_data_dir_is_private(server):
    """Made by `ingest`, `users add` and `serve` started from a test run with the usual umask (022)."""
    data = server.data
    assert _mode(data) == 0o700
    for name in ("maintassist.db", "maintassist.db-wal", "maintassist.db-shm", "chainlit_secret", "audit.key",
                 "audit.checkpoint", "assets.json"):
        assert _mode(data / name) == 0o600, name
    for folder in ("index", "chainlit", "chainlit/.files", "chainlit/.chainlit"):
        assert _mode(data / folder) == 0o700, folder
    current = (data / "index" / "CURRENT").read_text().strip()
    assert _mode(data / "index" / current / "chunks.jsonl") == 0o600  # document text


def test_an_existing_world_readable_install_is_tightened(tmp_path):
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    created = cli(env_for(data), "users", "add", "ana", "--password", "correct horse")
    assert created.returncode == 0, created.stderr
    os.chmod(data / "maintassist.db", 0o644)  # as the previous version left it
    os.chmod(data, 0o755)
    listed = cli(env_for(data), "users", "list")
    assert listed.returncode == 0, listed.stderr
    assert _mode(data) == 0o700
    assert _mode(data / "maintassist.db") == 0o600
