"""Row 12: a read-only data dir gave a 543-line traceback, disk full a raw OSError, another user's
thread id as a cursor HTTP 500, and a symlinked folder of manuals was skipped without a message."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.security.chat import Chat, api, run, token
from tests.security.server import MANUAL, SAMPLE, cli, env_for

pytestmark = pytest.mark.slow  # real ingests and a real server


@contextmanager
def _tmpfs(path: Path, size: str):
    """A small file system of its own (root only): the one way to make a data dir full or read-only
    for root, whom permission bits do not stop."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _one_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_read_only_data_dir_gives_one_line(tmp_path):
    data_root = tmp_path / "mnt"
    if os.geteuid() == 0:
        context = _tmpfs(data_root, "20m")
    else:
        data_root.mkdir()
        context = None
    with context or _nullcontext(data_root):
        env = env_for(data_root / "data")
        assert cli(env, "ingest", str(MANUAL)).returncode == 0
        if os.geteuid() == 0:
            subprocess.run(["mount", "-o", "remount,ro", str(data_root)], check=True)
        else:
            for path in [data_root / "data", *(data_root / "data").rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        for args in (["ingest", str(SAMPLE / "manuals" / "bc1200_conveyor_manual.txt")],
                     ["users", "add", "zed", "--password", "correct horse"], ["audit", "verify"]):
            line = _one_line(cli(env, *args))
            assert line.startswith("maintassist: ") and ("read-only" in line or "writable" in line
                                                         or "permission" in line), line


@contextmanager
def _nullcontext(value):
    yield value


def test_disk_full_gives_one_line_and_keeps_the_index(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("filling a file system needs a tmpfs of its own (root)")
    with _tmpfs(tmp_path / "mnt", "1200k") as mnt:
        env = env_for(mnt / "data")
        assert cli(env, "ingest", str(MANUAL)).returncode == 0
        live = (mnt / "data" / "index" / "CURRENT").read_text()
        big = tmp_path / "big_manual.md"
        big.write_text("".join(f"## Section {s}\n\n" + ("pump valve seal bolt torque filter " * 60 + ".\n\n") * 10
                               for s in range(300)), encoding="utf-8")
        line = _one_line(cli(env, "ingest", str(big)))
        assert "disk full" in line
        assert (mnt / "data" / "index" / "CURRENT").read_text() == live  # the previous index stays live
        status = cli(env, "status")
        assert status.returncode == 0 and "chunks" in status.stdout


def test_another_users_thread_id_is_never_a_500(server, account):
    owner = account()

    async def talk():
        async with Chat(server.url, token(server.url, owner)) as chat:
            await chat.ask("What hydraulic oil does the press use?")
            return next(d["thread_id"] for n, d in chat.events if n == "first_interaction")
    thread = run(talk())
    other = token(server.url, account())
    made_up = str(uuid.uuid4())
    for thread_id in (thread, made_up):
        cursor = api(server.url, other, "POST", "/project/threads",
                     json={"pagination": {"first": 20, "cursor": thread_id}, "filter": {}})
        assert cursor.status_code == 404, cursor.text  # it was a 500
        for method, path, body in (("GET", f"/project/thread/{thread_id}", None),
                                   ("GET", f"/project/thread/{thread_id}/element/{made_up}", None),
                                   ("PUT", "/project/thread", {"threadId": thread_id, "name": "mine now"}),
                                   ("DELETE", "/project/thread", {"threadId": thread_id})):
            response = api(server.url, other, method, path, json=body)
            assert response.status_code in (400, 401, 403, 404), (method, path, response.status_code)
    assert api(server.url, token(server.url, owner), "GET", f"/project/thread/{thread}").status_code == 200


def test_symlinked_folders_are_followed_and_loops_reported(tmp_path):
    corpus = tmp_path / "corpus"
    shared = tmp_path / "shared_manuals"
    (corpus / "local").mkdir(parents=True)
    shared.mkdir()
    shutil.copy(MANUAL, shared / MANUAL.name)
    shutil.copy(SAMPLE / "manuals" / "bc1200_conveyor_manual.txt", corpus / "local")
    (corpus / "manuals").symlink_to(shared, target_is_directory=True)
    (shared / "back").symlink_to(corpus, target_is_directory=True)  # a loop through the link
    result = cli(env_for(tmp_path / "data"), "ingest", str(corpus))
    assert result.returncode == 0, result.stderr
    assert f"ingested: {corpus / 'manuals' / MANUAL.name}" in result.stdout  # followed
    assert "links to a folder already included" in result.stdout  # the loop is reported, not walked again
    assert "ingested 2," in result.stdout
