"""End to end in headless Chromium against a real `maintassist serve` (see ``browser.py``): the login
page, a cited answer, its citation panel, feedback, reopening the conversation, access control."""

from __future__ import annotations

import os

import pytest

from tests.assistant.app.browser import (ARTIFACTS, PASSWORD, ask, login, no_horizontal_scroll, open_thread_from_sidebar,
                                         track_requests, wait_answer)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "What hydraulic oil does press 4 use?"


def test_technician_flow_and_access_control(e2e_server, chromium):
    url = e2e_server["url"]
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 820, "height": 1180})
    foreign = track_requests(context, url)
    page = context.new_page()
    # Our name and logo, a user name (not an e-mail address), a wrong password in plain words.
    page.goto(url + "/?asset=PRESS-04")  # a QR code on the press; the login redirect must not lose it
    page.wait_for_selector("#email", timeout=60_000)
    assert page.title() == "maintassist" and page.inner_text("label[for=email]") == "User name"
    assert page.evaluate("fetch('/logo?theme=light').then(r => r.text())").count("maintassist") >= 1
    page.fill("#email", "ana")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Wrong user name or password", timeout=30_000)
    page.wait_for_timeout(1_000)
    body = page.inner_text("body")
    assert "credentialssignin" not in body and "Unauthorized" not in body
    page.screenshot(path=str(ARTIFACTS / "login-wrong-password-820x1180.png"))
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Hello ana.", timeout=60_000)  # the welcome: example questions, commands
    welcome = page.locator(".step").first
    assert welcome.locator("button", has_text="What does fault code E-204 mean?").count() == 1
    assert "/procedure" in welcome.inner_text()

    ask(page, QUESTION)
    page.wait_for_selector("text=Sources:", timeout=600_000)  # sources show before the answer finishes
    wait_answer(page)
    page.wait_for_selector(".positive-feedback-off", timeout=60_000)  # answer complete
    page.wait_for_timeout(1_500)
    # Citation panels open on a tap, not by themselves over the answer (public/app.js).
    assert page.locator("#side-view-content").count() == 0
    answer_step = page.locator(".step").last
    answer = answer_step.inner_text()
    assert "[1]" in answer and "46" in answer, answer  # the manual's oil grade, cited
    assert answer_step.locator("a.element-link").count() >= 1
    answer_step.locator("a.element-link").first.click()
    page.wait_for_selector("text=hp200_press_manual.md", timeout=30_000)
    live_panel = _panel_text(page)
    assert "hp200_press_manual.md" in live_panel and len(live_panel.splitlines()) >= 3  # name, where, excerpt
    assert "▶" in live_panel and "HLP 46" in live_panel  # the cited line stands out
    # On a portrait tablet the panel slides over the chat instead of squeezing it to ~450 px.
    chat_width = page.evaluate("document.getElementById('chat-input').getBoundingClientRect().width")
    assert chat_width > 600, chat_width
    page.wait_for_timeout(600)  # the panel slides in
    page.screenshot(path=str(ARTIFACTS / "chat-portrait-820x1180.png"))
    assert no_horizontal_scroll(page)
    page.keyboard.press("Escape")

    page.locator(".positive-feedback-off").last.click()
    page.wait_for_selector("#submit-feedback", timeout=30_000)  # the optional-comment dialog
    page.fill("[role=dialog] textarea", "right oil grade")
    page.click("#submit-feedback")
    page.wait_for_selector(".positive-feedback-on", timeout=30_000)
    thread_url = page.url.split("#")[0].split("?")[0]
    assert "/thread/" in thread_url

    page.set_viewport_size({"width": 1180, "height": 820})
    page.screenshot(path=str(ARTIFACTS / "chat-landscape-1180x820.png"))
    assert no_horizontal_scroll(page)

    # Reload: the conversation is listed in the sidebar, resumes, and its citation panels still
    # show the excerpt (they used to come back empty).
    open_thread_from_sidebar(page, url, QUESTION)
    page.wait_for_selector("text=Sources: >> visible=true", timeout=60_000)
    links = page.locator("a.element-link >> visible=true")
    assert links.count() >= 1
    # the reopened answer keeps copy and 👍/👎 (with the thumbs given before)
    page.wait_for_selector(".positive-feedback-on >> visible=true", timeout=30_000)
    assert page.locator("button:has(svg.lucide-copy) >> visible=true").count() >= 1
    links.first.click()
    assert _panel_text(page) == live_panel  # the same excerpt as when the answer was given
    page.wait_for_timeout(600)  # the panel slides in
    page.screenshot(path=str(ARTIFACTS / "chat-resumed-1180x820.png"))
    context.close()
    assert foreign == [], f"requests to other origins: {foreign}"

    _assert_recorded(e2e_server, thread_url.rsplit("/", 1)[-1])

    # A second technician gets nothing from the first one's thread URL.
    other = chromium.new_context(viewport={"width": 820, "height": 1180})
    page = other.new_page()
    login(page, url, "bo")
    page.goto(thread_url)
    page.wait_for_timeout(5_000)
    assert QUESTION not in page.inner_text("body")
    status = page.evaluate(f"fetch('/project/thread/{thread_url.rsplit('/', 1)[-1]}').then(r => r.status)")
    assert status in (401, 403, 404)
    page.screenshot(path=str(ARTIFACTS / "other-user-denied.png"))
    other.close()


def _panel_text(page) -> str:
    """Text of the open citation side panel once its excerpt has loaded (it is fetched from a URL)."""
    js = "() => [...document.querySelectorAll('#side-view-content')].map(e => e.innerText).find(t => t.length > 80)"
    try:
        return page.wait_for_function(js, timeout=30_000).json_value()
    except Exception:
        panels = page.evaluate("[...document.querySelectorAll('#side-view-content')].map(e => e.innerText)")
        raise AssertionError(f"the side panel shows no excerpt: {panels}") from None


def _assert_recorded(server, thread_id: str) -> None:
    """The exchange is in our tables and the hash-chained audit log, with asset and feedback."""
    from assistant.wiring import container_from
    from assistant.db.export import exchanges

    container = container_from(server["data"])
    log, engine = container.audit, container.engine  # keyed with the server's audit.key
    rows = [r for r in exchanges(log) if r["thread_id"] == thread_id]
    assert rows and rows[0]["question"] == QUESTION and rows[0]["user"] == "ana"
    assert rows[0]["asset"] == "PRESS-04"
    assert any("hp200_press_manual.md" in s["label"] for s in rows[0]["sources"])
    assert rows[0]["feedback"] == 1 and rows[0]["feedback_comment"] == "right oil grade"
    assert rows[0]["model_id"] != "fake" or os.environ.get("MAINTASSIST_E2E_LLM") == "fake"
    assert log.verify() == (True, None)
    engine.dispose()
