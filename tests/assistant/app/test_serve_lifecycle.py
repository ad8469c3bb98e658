"""`maintassist serve` as a process: SIGTERM takes down Chainlit and the model process, freeing the port.

Real parts: the CLI, Chainlit, the supervised llama.cpp child (SmolLM2, the small bundled model, so the
warm-up starts it quickly) and an index built with the hash embedder (the embedder is not what is tested).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.assistant.app.browser import MANUAL, _free_port, _pids_with, cli

pytestmark = [pytest.mark.slow, pytest.mark.llm, pytest.mark.timeout(300)]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_whole_tree(tmp_path: Path):
    env = dict(os.environ, MAINTASSIST_DATA_DIR=str(tmp_path), MAINTASSIST_EMBEDDING__MODE="fake",
               MAINTASSIST_LLM__MODEL="smollm2-135m", HF_HUB_OFFLINE="1")
    assert cli("ingest", str(MANUAL), env=env).returncode == 0
    port = _free_port()
    log = open(tmp_path / "serve.log", "wb")
    serve = subprocess.Popen([sys.executable, "-c", "from assistant.cli.main import app; app()", "serve", "--port",
                              str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        model_pids: list[int] = []
        while time.monotonic() < deadline and not (model_pids and _listening(port)):
            assert serve.poll() is None, (tmp_path / "serve.log").read_text()
            model_pids = _pids_with(str(tmp_path / "logs" / ".llama-server."))  # the warm-up started it
            time.sleep(0.5)
        assert model_pids and _listening(port), (tmp_path / "serve.log").read_text()
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).status == 200

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=30) == 0
        assert not _listening(port)
        time.sleep(0.5)
        assert [pid for pid in model_pids if _alive(pid)] == []
    finally:
        if serve.poll() is None:
            serve.terminate()
            serve.wait(timeout=30)
        log.close()


def test_kill_9_of_serve_takes_chainlit_along(tmp_path: Path):
    env = dict(os.environ, MAINTASSIST_DATA_DIR=str(tmp_path), MAINTASSIST_EMBEDDING__MODE="fake",
               MAINTASSIST_LLM__MODE="fake", HF_HUB_OFFLINE="1")
    port = _free_port()
    serve = subprocess.Popen([sys.executable, "-c", "from assistant.cli.main import app; app()", "serve", "--port",
                              str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _listening(port):
        assert serve.poll() is None
        time.sleep(0.5)
    assert _listening(port)
    serve.kill()
    serve.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and _listening(port):
        time.sleep(0.5)
    assert not _listening(port)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie awaiting its parent's wait() is gone for every purpose here.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
