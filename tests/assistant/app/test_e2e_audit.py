"""The supervisor's audit view on both tablet sizes: a technician's procedure run and a 👎 with a
comment show up; filters (👎, kind, user, unknown filter) work; a short id opens the conversation
with its sources and the comment; exports download; technicians are refused; /audit and /thread
in the chat carry no 👍/👎."""

from __future__ import annotations

import pytest

from tests.assistant.app.browser import (VIEWPORT_IDS, VIEWPORTS, ask, login, no_horizontal_scroll, shot,
                                         track_requests, wait_answer)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DECLINE = "What is the warranty period of the hydraulic pump motor?"  # declined before the LLM: fast


def _technician_session(chromium, url: str, viewport: dict, comment: str) -> None:
    """ana runs a procedure and rates a decline 👎 with a comment."""
    context = chromium.new_context(viewport=viewport)
    page = context.new_page()
    login(page, url, "ana", "/?asset=PRESS-04")
    ask(page, "/procedure pump whines, pressure low, E-204")
    page.wait_for_selector("#procedure-checklist", timeout=600_000)
    ask(page, DECLINE)
    wait_answer(page)
    page.locator(".negative-feedback-off").last.click()
    page.wait_for_selector("#submit-feedback", timeout=30_000)
    page.fill("[role=dialog] textarea", comment)
    page.click("#submit-feedback")
    page.wait_for_selector(".negative-feedback-on", timeout=30_000)
    # a technician cannot open the audit view or its data
    assert page.goto(url + "/maintassist/audit").status == 403
    assert page.evaluate("fetch('/maintassist/audit/rows').then(r => r.status)") == 403
    context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_audit_view_filters_and_open_by_tap(e2e_server, chromium, viewport):
    url = e2e_server["url"]
    comment = f"manual lacks the warranty ({viewport['width']})"
    _technician_session(chromium, url, viewport, comment)

    context = chromium.new_context(viewport=viewport)
    foreign = track_requests(context, url)
    page = context.new_page()
    login(page, url, "sue")
    ask(page, "/audit foo")
    page.wait_for_selector("text=Unknown filter 'foo'", timeout=60_000)
    ask(page, "/audit down")
    page.wait_for_selector("text=Open the audit view", timeout=60_000)
    summary = page.locator(".step").last
    assert comment in summary.inner_text()
    assert summary.locator(".positive-feedback-off").count() == 0  # a view of the record is not rated
    short = summary.locator("code").first.inner_text()  # newest first
    ask(page, f"/thread {short}")
    page.wait_for_selector(f"text=Feedback: 👎 “{comment}”", timeout=60_000)
    assert page.locator(".positive-feedback-off").count() == 0
    shot(page, "thread-in-chat", viewport)

    page.goto(url + "/maintassist/audit")
    page.wait_for_selector(".row", timeout=30_000)
    assert "audit chain intact" in page.inner_text("#chain")
    page.check("input[name=down]")
    page.click("button[type=submit]")
    page.wait_for_function("() => location.search.includes('down=1') && document.querySelectorAll('.row').length > 0"
                           " && [...document.querySelectorAll('.row')].every(r => r.innerText.includes('👎'))",
                           timeout=10_000)
    assert page.locator(f".row:has-text('{comment}')").count() == 1
    shot(page, "audit-down", viewport)
    assert no_horizontal_scroll(page)
    # words wrap between words, dates stay on one line (no "PRE SS-04", no date over 4 lines)
    heights = page.evaluate("[...document.querySelectorAll('.row .when')].map(e => e.getBoundingClientRect().height)")
    assert heights and max(heights) < 30, heights

    page.locator(f".row:has-text('{comment}') .open").click()
    page.wait_for_selector("#thread:not([hidden]) .turn", timeout=10_000)
    transcript = page.inner_text("#thread")
    assert DECLINE in transcript and comment in transcript and "read-only" in transcript
    page.locator("#thread .cite").first.click()
    page.wait_for_selector("#thread .source", timeout=10_000)
    shot(page, "audit-conversation", viewport)
    page.click("#close")

    page.goto(url + "/maintassist/audit?route=procedure&user=ana")
    page.wait_for_selector(".row", timeout=10_000)
    assert all(t.count("/procedure pump whines") == 1 for t in page.locator(".row").all_inner_texts())
    assert page.input_value("select[name=route]") == "procedure"
    csv = page.request.get(url + "/maintassist/audit/export.csv?route=procedure")
    assert csv.status == 200 and csv.text().startswith("event_id,ts,user") and "procedure" in csv.text()
    jsonl = page.request.get(url + "/maintassist/audit/export.jsonl?down=1")
    assert jsonl.status == 200 and comment in jsonl.text()

    page.goto(url + "/maintassist/audit?foo=1")
    page.wait_for_selector("#error:not([hidden])", timeout=10_000)
    assert page.inner_text("#error").startswith("Unknown filter 'foo'.")
    shot(page, "audit-unknown-filter", viewport)
    context.close()
    assert foreign == [], f"requests to other origins: {foreign}"
