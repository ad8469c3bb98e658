"""Fixtures of the security tests (issue 14): one real server shared by the HTTP / socket tests, a
sniffer that records every request a browser makes to a "remote" host, and fresh accounts."""

from __future__ import annotations

import os
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.security.chat import PASSWORD
from tests.security.server import ASSETS, MANUAL, WORK_ORDERS, cli, env_for, start_server

os.environ.setdefault("CHAINLIT_APP_ROOT", tempfile.mkdtemp(prefix="maintassist-chainlit-"))

ALLOWED_ORIGIN = "http://allowed.example:8443"
MAX_AUDIO_SECONDS = 5


class _Sniffer(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def sniffer():
    """An HTTP server standing for a stranger's host: ``hits`` lists every path fetched from it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sniffer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Sniffer.hits = []
    yield {"url": f"http://127.0.0.1:{server.server_port}", "hits": _Sniffer.hits}
    server.shutdown()


def planted_work_orders(folder: Path, sniffer_url: str) -> Path:
    """The sample work orders plus one whose description carries a remote image (attack row 10)."""
    path = folder / "work_orders_images.csv"
    header, *rows = WORK_ORDERS.read_text(encoding="utf-8").splitlines()
    planted = (f'WO-9901,PRESS-04,Hydraulic press 4,2025-06-02,corrective,high,"Pressure gauge cracked '
               f'![gauge]({sniffer_url}/wo-image.png)",impact,"replaced gauge",,GAU,0.5,T. Brennan')
    path.write_text("\n".join([header, *rows, planted]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory, sniffer):
    """A real `maintassist serve` over the press manual and the work orders (one with a remote image)."""
    data = tmp_path_factory.mktemp("security-data")
    env = env_for(data, MAINTASSIST_INGEST__ASSET_REGISTRY_FILE=str(ASSETS),
                  MAINTASSIST_SECURITY__COOKIE_SECURE="true",
                  MAINTASSIST_SECURITY__ALLOW_ORIGINS=f'["{ALLOWED_ORIGIN}"]',
                  MAINTASSIST_APP__STORE_AUDIO="true", MAINTASSIST_APP__WHISPER_MODEL="tiny.en",
                  MAINTASSIST_APP__MAX_AUDIO_SECONDS=str(MAX_AUDIO_SECONDS))
    work_orders = planted_work_orders(tmp_path_factory.mktemp("corpus"), sniffer["url"])
    ingest = cli(env, "ingest", str(MANUAL), str(work_orders))
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    for name, role in (("ana", "technician"), ("sup", "supervisor")):
        added = cli(env, "users", "add", name, "--role", role, "--password", PASSWORD)
        assert added.returncode == 0, added.stderr
    srv = start_server(data, env)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def account(server):
    """A fresh technician for a test that ends sessions or locks accounts (others keep working)."""
    def make(role: str = "technician") -> str:
        name = f"u{uuid.uuid4().hex[:8]}"
        added = cli(server.env, "users", "add", name, "--role", role, "--password", PASSWORD)
        assert added.returncode == 0, added.stderr
        return name
    return make
