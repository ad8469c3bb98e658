"""Row 10: `![](http://host/x)` in a work-order CSV or in a technician's message made every viewer's
browser fetch that URL, a supervisor's on /thread included. The shared server indexed a work order
whose description carries an image on the sniffer host (conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.chat import Chat, api, run, token

pytestmark = pytest.mark.slow  # a real server

QUESTION = "Which work order was about the cracked pressure gauge on press 4?"


def test_answers_and_thread_views_carry_links_not_images(server, sniffer):
    async def talk():
        async with Chat(server.url, token(server.url, "ana")) as chat:
            answer = await chat.ask(QUESTION)
            mine = await chat.ask(f"Is this the gauge? ![photo]({sniffer['url']}/user-msg.png)")
            thread = next(d["thread_id"] for n, d in chat.events if n == "first_interaction")
            return answer + mine, thread
    shown, thread = run(talk())
    text = "\n".join(m.get("output") or "" for m in shown)
    assert "WO-9901" in text  # the planted work order was retrieved and cited

    async def audit():
        async with Chat(server.url, token(server.url, "sup")) as chat:
            return await chat.ask(f"/thread {thread}")
    transcript = "\n".join(m.get("output") or "" for m in run(audit()))
    assert "user-msg.png" in transcript  # the technician's message is shown ...
    for body in (text, transcript):
        assert "![" not in body  # ... with every image turned into a link
    assert "[🖼 photo](" in transcript


def test_every_page_forbids_remote_images(server):
    response = api(server.url, None, "GET", "/login")
    assert "img-src 'self' data: blob:" in response.headers["content-security-policy"]


@pytest.mark.browser
def test_no_browser_fetches_the_remote_image(server, sniffer):
    """In Chromium: the answer citing the planted work order, its side panels, the technician's own
    image message, then a supervisor's /thread of that conversation. The stranger's host sees nothing."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from tests.assistant.app.browser import ask

    sniffer["hits"].clear()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = _logged_in(browser, server, "ana")
        ask(page, QUESTION)
        page.wait_for_selector(".positive-feedback-off", timeout=120_000)
        links = page.locator(".step").last.locator("a.element-link")
        for i in range(links.count()):  # open every citation panel
            links.nth(i).click()
            page.wait_for_timeout(1_000)
            page.keyboard.press("Escape")
        ask(page, f"Is this the gauge? ![photo]({sniffer['url']}/user-msg.png)")
        page.wait_for_timeout(1_000)
        page.wait_for_function("document.querySelectorAll('.positive-feedback-off').length >= 2", timeout=120_000)
        thread = page.url.split("#")[0].split("?")[0].rsplit("/", 1)[-1]
        supervisor = _logged_in(browser, server, "sup")
        ask(supervisor, f"/thread {thread}")
        supervisor.wait_for_selector("text=read-only", timeout=60_000)
        supervisor.wait_for_timeout(3_000)
        images = [page.evaluate("[...document.images].map(i => i.src)"),
                  supervisor.evaluate("[...document.images].map(i => i.src)")]
        browser.close()
    assert sniffer["hits"] == [], f"a browser fetched {sniffer['hits']}"
    assert not [src for srcs in images for src in srcs if sniffer["url"] in src]


def _logged_in(browser, server, user: str):
    context = browser.new_context(viewport={"width": 1180, "height": 820})
    context.add_cookies([{"name": "access_token", "value": token(server.url, user), "url": server.url,
                          "httpOnly": True, "sameSite": "Lax"}])
    page = context.new_page()
    page.goto(server.url + "/")
    page.wait_for_selector("#chat-input", timeout=60_000)
    page.wait_for_selector(f"text=Hello {user}.", timeout=60_000)  # the welcome: the socket is connected
    return page
