"""A real `maintassist serve` and the real CLI for the security tests.

The model and the embedder are not what these tests attack, so they run with the hash embedder
and the scripted generator (``MAINTASSIST_EMBEDDING__MODE=fake``, ``MAINTASSIST_LLM__MODE=fake``);
everything else is the product: Chainlit, our middleware, data layer, SQLite, ingest, index.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
MANUAL = SAMPLE / "manuals" / "hp200_press_manual.md"
WORK_ORDERS = SAMPLE / "work_orders.csv"
ASSETS = SAMPLE / "assets.csv"
FAKE_MODELS = {"MAINTASSIST_EMBEDDING__MODE": "fake", "MAINTASSIST_LLM__MODE": "fake"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(data: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MAINTASSIST_DATA_DIR=str(data),
               PYTHONPATH=str(ROOT), COLUMNS="500", **FAKE_MODELS)  # COLUMNS: rich must not wrap lines
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """The `maintassist` command as a user runs it (a process of its own, umask and error handling included)."""
    return subprocess.run([sys.executable, "-c", "from assistant.cli.main import app; app()", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, input=input)


@dataclass
class Server:
    url: str
    port: int
    data: Path
    env: dict[str, str]
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_server(data: Path, env: dict[str, str], timeout: float = 240) -> Server:
    port = free_port()
    log = data / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli.main import app; app()", "serve", "--port",
                                 str(port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(f"http://127.0.0.1:{port}", port, data, env, proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{server.tail()}")
        try:
            urllib.request.urlopen(server.url + "/auth/config", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"server did not start in {timeout:.0f} s:\n{server.tail()}")
