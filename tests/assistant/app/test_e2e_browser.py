"""End to end in headless Chromium against a real `maintassist serve`.

Real parts: the server process, Chainlit, our data layer and SQLite database, the MiniLM embedder,
FAISS + BM25 retrieval over an ingested sample manual, the citation checker. The LLM is the
scripted FakeGenerator (``MAINTASSIST_LLM__MODE=fake``) by default because a CPU LLM on this shared
2-core machine takes minutes per answer; set ``MAINTASSIST_E2E_LLM=smollm2-135m`` (or another
model name) to run the same test with a real model.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
MANUAL = ROOT / "data" / "sample" / "manuals" / "hp200_press_manual.md"
ASSETS = ROOT / "data" / "sample" / "assets.csv"
PASSWORD = "correct horse"
QUESTION = "What hydraulic oil does press 4 use?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from assistant.cli import app; app()", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    data = tmp_path_factory.mktemp("e2e-data")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MAINTASSIST_DATA_DIR=str(data),
               MAINTASSIST_INGEST__ASSET_REGISTRY_FILE=str(ASSETS))
    model = os.environ.get("MAINTASSIST_E2E_LLM")
    env.update({"MAINTASSIST_LLM__MODEL": model} if model else {"MAINTASSIST_LLM__MODE": "fake"})
    ingest = _cli("ingest", str(MANUAL), env=env)
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    for name in ("ana", "bo"):
        added = _cli("users", "add", name, "--password", PASSWORD, env=env)
        assert added.returncode == 0, added.stderr
    port = _free_port()
    log = open(data / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-c", "from assistant.cli import app; app()", "serve", "--port",
                             str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
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
    yield {"url": url, "data": data, "env": env}
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)
    log.close()
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(data / "server.log", ARTIFACTS / "e2e-server.log")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _login(page, url: str, user: str, path: str = "/") -> None:
    page.goto(url + path)
    page.wait_for_selector("#email", timeout=60_000)
    page.fill("#email", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#chat-input", timeout=60_000)


def _on_screen(page, selector: str):
    """First match inside the viewport (a closed off-canvas sidebar keeps its items, off screen)."""
    width = page.viewport_size["width"]
    loc = page.locator(selector)
    for i in range(loc.count()):
        box = loc.nth(i).bounding_box()
        if box and box["width"] > 0 and 0 <= box["x"] < width:
            return loc.nth(i)
    return None


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_technician_flow_and_access_control(server, browser):
    url = server["url"]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 820, "height": 1180})
    page = context.new_page()
    # A QR code on the press opens the app with the asset chosen; the login redirect must not lose it.
    _login(page, url, "ana", "/?asset=PRESS-04")
    page.wait_for_selector("text=Diagnose a noise", timeout=60_000)  # starters: the socket is connected

    page.fill("#chat-input", QUESTION)
    page.click("#chat-submit")  # Enter is ignored while the composer is still initialising
    page.wait_for_selector("text=Sources:", timeout=600_000)  # sources show before the answer finishes
    page.wait_for_selector(".positive-feedback-off", timeout=600_000)  # answer complete
    answer_step = page.locator(".step").last
    assert "[1]" in answer_step.inner_text()
    assert answer_step.locator("a.element-link").count() >= 1
    answer_step.locator("a.element-link").first.click()
    page.wait_for_selector("text=hp200_press_manual.md", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "chat-portrait-820x1180.png"))
    assert _no_horizontal_scroll(page)

    page.locator(".positive-feedback-off").last.click()
    page.wait_for_selector("#submit-feedback", timeout=30_000)  # the optional-comment dialog
    page.fill("[role=dialog] textarea", "right oil grade")
    page.click("#submit-feedback")
    page.wait_for_selector(".positive-feedback-on", timeout=30_000)
    thread_url = page.url.split("#")[0].split("?")[0]
    assert "/thread/" in thread_url

    page.set_viewport_size({"width": 1180, "height": 820})
    page.screenshot(path=str(ARTIFACTS / "chat-landscape-1180x820.png"))
    assert _no_horizontal_scroll(page)

    # Reload: the conversation is listed in the sidebar and resumes.
    page.goto(url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.wait_for_timeout(2_000)
    if _on_screen(page, f"text={QUESTION}") is None:  # the sidebar starts closed on a tablet
        _on_screen(page, "#sidebar-trigger-button").click()
    deadline = time.time() + 30
    while (item := _on_screen(page, f"text={QUESTION}")) is None and time.time() < deadline:
        page.wait_for_timeout(500)
    assert item is not None, "conversation not listed in the sidebar"
    item.click()
    page.wait_for_selector("text=Sources: >> visible=true", timeout=60_000)  # the stored answer came back
    assert page.locator("a.element-link >> visible=true").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "chat-resumed-1180x820.png"))
    context.close()

    _assert_recorded(server, thread_url.rsplit("/", 1)[-1])

    # A second technician gets nothing from the first one's thread URL.
    other = browser.new_context(viewport={"width": 820, "height": 1180})
    page = other.new_page()
    _login(page, url, "bo")
    page.goto(thread_url)
    page.wait_for_timeout(5_000)
    assert QUESTION not in page.inner_text("body")
    status = page.evaluate(f"fetch('/project/thread/{thread_url.rsplit('/', 1)[-1]}').then(r => r.status)")
    assert status in (401, 403, 404)
    page.screenshot(path=str(ARTIFACTS / "other-user-denied.png"))
    other.close()


def _assert_recorded(server, thread_id: str) -> None:
    """The exchange is in our tables and the hash-chained audit log, with asset and feedback."""
    from assistant.config import load_settings
    from assistant.db.audit import AuditLog
    from assistant.db.export import exchanges
    from assistant.db.session import make_engine, session_factory

    engine = make_engine(load_settings(data_dir=server["data"]).database_url)
    log = AuditLog(session_factory(engine))
    rows = [r for r in exchanges(log) if r["thread_id"] == thread_id]
    assert rows and rows[0]["question"] == QUESTION and rows[0]["user"] == "ana"
    assert rows[0]["asset"] == "PRESS-04"
    assert any("hp200_press_manual.md" in s["label"] for s in rows[0]["sources"])
    assert rows[0]["feedback"] == 1 and rows[0]["feedback_comment"] == "right oil grade"
    assert log.verify() == (True, None)
    engine.dispose()
