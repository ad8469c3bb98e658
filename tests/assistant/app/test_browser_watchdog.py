"""The browser tests' safety net: a dead server closes the browsers at once and its log reaches the report."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from tests.assistant.app import browser


def test_dead_server_kills_marked_browsers_and_reports_its_log(tmp_path, monkeypatch):
    log = tmp_path / "server.log"
    log.write_text("starting\nTraceback: the model process crashed\n")
    # A stand-in "browser": any process carrying the run's marker on its command line.
    fake_browser = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", browser.MARKER])
    server = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    monkeypatch.setattr(browser, "SERVER", {"proc": server, "log": log, "stopping": threading.Event()})
    started = time.monotonic()
    browser._watch(server, browser.SERVER["stopping"])
    assert fake_browser.wait(timeout=5) == -9 and time.monotonic() - started < 5
    died = browser.server_died()
    assert died is not None and "exited with 3" in died and "the model process crashed" in died


def test_a_server_stopped_on_purpose_is_not_reported(tmp_path, monkeypatch):
    server = subprocess.Popen([sys.executable, "-c", "pass"])
    server.wait()
    stopping = threading.Event()
    stopping.set()
    monkeypatch.setattr(browser, "SERVER", {"proc": server, "log": tmp_path / "none.log", "stopping": stopping})
    assert browser.server_died() is None
