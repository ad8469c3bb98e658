"""A real `maintassist serve` plus Debian's headless Chromium (Playwright), shared by the browser tests.

Real parts: the server process, Chainlit, our data layer and SQLite file, the MiniLM embedder,
FAISS + BM25 retrieval over an ingested sample manual, the default LLM (Qwen2.5-0.5B through
llama.cpp), the citation checker and Whisper for voice. ``MAINTASSIST_E2E_LLM=fake`` swaps in the
scripted FakeGenerator (for a quick UI-only run); any other value names the model to use.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# The marker is an unknown switch Chromium ignores; it lets the watchdog below find this run's browsers.
MARKER = f"--maintassist-e2e={secrets.token_hex(6)}"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", MARKER]
SERVER: dict = {}  # the running server's process and log, for the report hook in conftest.py
MANUALS = [ROOT / "data" / "sample" / "manuals" / name
           for name in ("hp200_press_manual.md", "rs55_compressor_manual.html")]
MANUAL = MANUALS[0]
ASSETS = ROOT / "data" / "sample" / "assets.csv"
PASSWORD = "correct horse"
VIEWPORTS = [{"width": 820, "height": 1180}, {"width": 1180, "height": 820}]  # tablet portrait, landscape
VIEWPORT_IDS = ["820x1180", "1180x820"]
# Settled: no status line, no stop button (the answer, decline or checklist is final).
ANSWER_DONE_JS = """() => !document.getElementById('stop-button') && !document.getElementById('maintassist-pending')
  && ![...document.querySelectorAll('.step')].some(s => /Waiting:|Searching your|Writing the answer|Building the/.test(s.innerText))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from assistant.cli.main import app; app()", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def start_server(data: Path):
    """Ingest the press and compressor manuals, add technicians ana and bo and supervisor sue,
    start the server; yields its URL and env."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MAINTASSIST_DATA_DIR=str(data),
               MAINTASSIST_INGEST__ASSET_REGISTRY_FILE=str(ASSETS))
    model = os.environ.get("MAINTASSIST_E2E_LLM")
    if model == "fake":
        env["MAINTASSIST_LLM__MODE"] = "fake"
    elif model:
        env["MAINTASSIST_LLM__MODEL"] = model
    ingest = cli("ingest", *map(str, MANUALS), env=env)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    for name, role in (("ana", "technician"), ("bo", "technician"), ("sue", "supervisor")):
        added = cli("users", "add", name, "--role", role, "--password", PASSWORD, env=env)
        assert added.returncode == 0, added.stderr
    port = _free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli.main import app; app()", "serve", "--port",
                             str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    SERVER.update(proc=proc, log=data / "server.log", stopping=threading.Event())
    threading.Thread(target=_watch, args=(proc, SERVER["stopping"]), name="e2e-server-watchdog", daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert proc.poll() is None, (data / "server.log").read_text()
            time.sleep(1)
    else:
        pytest.fail("server did not start:\n" + (data / "server.log").read_text())
    try:
        yield {"url": url, "data": data, "env": env}
    finally:
        SERVER["stopping"].set()
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(data / "server.log", ARTIFACTS / "e2e-server.log")


def _watch(proc: subprocess.Popen, stopping: threading.Event) -> None:
    """When the server dies during the tests, close this run's browsers: every Playwright wait then fails
    at once (instead of after its 60 s timeout), and the report hook attaches the server log."""
    proc.wait()
    if stopping.is_set():
        return
    for pid in _pids_with(MARKER):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _pids_with(token: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    out.append(int(entry.name))
            except OSError:
                continue  # the process ended meanwhile
    return out


def server_died() -> str | None:
    """The tail of the server log when the shared server has died unexpectedly, else None."""
    proc = SERVER.get("proc")
    if proc is None or proc.poll() is None or SERVER["stopping"].is_set():
        return None
    return f"server exited with {proc.returncode}; last lines of its log:\n" + \
        "\n".join(SERVER["log"].read_text(errors="replace").splitlines()[-60:])


def login(page, url: str, user: str, path: str = "/") -> None:
    """Log in and wait for the welcome message (the chat socket is connected)."""
    page.goto(url + path)
    page.wait_for_selector("#email", timeout=60_000)
    page.fill("#email", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.wait_for_selector(f"text=Hello {user}.", timeout=60_000)


def ask(page, text: str) -> None:
    """Send ``text`` from the message box once the previous exchange has ended (the send button
    replaces the stop button and re-renders then: a click during that swap can miss). After a
    chat's first message Chainlit moves to /thread/<id> and re-mounts the message box, wiping what
    was typed into it meanwhile: wait for that too."""
    page.wait_for_function("() => !document.getElementById('stop-button')", timeout=600_000)
    if page.locator("[data-step-type=user_message]").count() and "/thread/" not in page.url:
        page.wait_for_url("**/thread/**", timeout=30_000)
        page.wait_for_timeout(500)
    page.fill("#chat-input", text)
    page.wait_for_selector("#chat-submit:not([disabled])", timeout=30_000)
    page.click("#chat-submit")  # Enter is ignored while the composer is still initialising


def wait_answer(page, timeout_s: float = 600) -> str:
    """Wait until the last exchange is settled; returns the last message's text."""
    page.wait_for_timeout(1_000)
    page.wait_for_function(ANSWER_DONE_JS, timeout=timeout_s * 1000)
    page.wait_for_timeout(500)
    return page.locator(".step").last.inner_text()


def track_requests(context, url: str) -> list[str]:
    """Every URL the pages of ``context`` request that is not on the server's origin (data: and
    blob: URLs stay in the browser)."""
    foreign: list[str] = []
    context.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(
        (url, "data:", "blob:")) else None)
    return foreign


def open_page(chromium, url: str, viewport: dict, user: str, path: str = "/"):
    """A fresh browser context logged in as ``user``: (context, page, requests to other origins)."""
    context = chromium.new_context(viewport=viewport)
    foreign = track_requests(context, url)
    page = context.new_page()
    login(page, url, user, path)
    return context, page, foreign


def chip(page):
    return page.locator("#mode-picker-trigger-machine")


def pick_machine(page, label: str) -> None:
    chip(page).click()
    page.locator("#mode-picker-popover-machine").get_by_text(label).first.click()
    page.wait_for_function(f"() => document.getElementById('mode-picker-trigger-machine').innerText.includes({label!r})",
                           timeout=10_000)


def shot(page, name: str, viewport: dict) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=str(path))
    return path


def on_screen(page, selector: str):
    """First match inside the viewport (a closed off-canvas sidebar keeps its items, off screen)."""
    width = page.viewport_size["width"]
    loc = page.locator(selector)
    for i in range(loc.count()):
        box = loc.nth(i).bounding_box()
        if box and box["width"] > 0 and 0 <= box["x"] < width:
            return loc.nth(i)
    return None


def open_thread_from_sidebar(page, url: str, title: str) -> None:
    """Reload the app and open the conversation listed under ``title`` in the sidebar."""
    page.goto(url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.wait_for_timeout(2_000)
    if on_screen(page, f"text={title}") is None:  # the sidebar starts closed on a tablet
        on_screen(page, "#sidebar-trigger-button").click()
    deadline = time.time() + 30
    while (item := on_screen(page, f"text={title}")) is None and time.time() < deadline:
        page.wait_for_timeout(500)
    assert item is not None, f"conversation {title!r} not listed in the sidebar"
    item.click()


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
