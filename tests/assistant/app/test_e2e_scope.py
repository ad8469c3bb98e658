"""The technician's machine scope, waiting states and declines on both tablet sizes (real server,
real default LLM): the machine chip round trip, a machine named in the question taking over, the
progress states (queued, searching, writing, done), a question typed while busy, a decline in one
line, "New chat" clearing the QR scope, and not one request to another origin."""

from __future__ import annotations

import pytest

from tests.assistant.app.browser import (ANSWER_DONE_JS, ARTIFACTS, VIEWPORT_IDS, VIEWPORTS, ask, chip,
                                         no_horizontal_scroll, on_screen, open_page, pick_machine, shot, wait_answer)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OVERRIDE = "What does code S-14 mean on compressor 1?"
DECLINE = "What is the warranty period of the hydraulic pump motor?"  # no source mentions a warranty
STATES_JS = """() => {
  window.__states = [];
  new MutationObserver(() => {
    const steps = [...document.querySelectorAll('.step')];
    const text = steps.length ? steps[steps.length - 1].innerText : '';
    for (const [state, re] of [['queued', /Waiting:/], ['searching', /Searching your/], ['writing', /Writing the answer/]]) {
      if (re.test(text) && window.__states[window.__states.length - 1] !== state) window.__states.push(state);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def _page_alive(page) -> bool:
    """Not the blank page of a React crash: the composer and the chip are there."""
    return page.locator("#chat-input").count() == 1 and chip(page).is_visible()


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_scope_progress_and_declines(e2e_server, chromium, viewport):
    url = e2e_server["url"]
    ana_ctx, page, foreign = open_page(chromium, url, viewport, "ana", "/?asset=PRESS-04")  # a QR code on press 4
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    assert "PRESS-04" in chip(page).inner_text()
    shot(page, "welcome", viewport)

    # The picker round trip: choose, clear, open the settings; the page never blanks.
    pick_machine(page, "Any machine")
    assert _page_alive(page)
    page.locator("#chat-settings-open-modal").click()
    page.wait_for_selector("text=Send spoken questions at once", timeout=10_000)
    page.wait_for_timeout(400)  # the dialog fades in
    shot(page, "settings", viewport)
    page.keyboard.press("Escape")
    pick_machine(page, "PRESS-04")
    chip(page).click()
    page.wait_for_timeout(400)  # the list fades in
    shot(page, "machine-picker", viewport)
    page.keyboard.press("Escape")
    assert _page_alive(page) and not errors, errors

    # A machine named in the question takes over, and the answer says so; meanwhile bo's
    # question waits in line and ana's next question waits in her message box.
    page.evaluate(STATES_JS)
    ask(page, OVERRIDE)
    bo_ctx, bo, bo_foreign = open_page(chromium, url, viewport, "bo")
    bo.evaluate(STATES_JS)
    page.wait_for_selector("text=Writing the answer", timeout=300_000)
    shot(page, "progress-writing", viewport)
    # ana's next question first, as soon as the answer is being written: typed once it had finished (bo's steps
    # take seconds on a busy box), it would be sent at once and no pending marker would ever show
    page.fill("#chat-input", DECLINE)
    page.press("#chat-input", "Enter")  # while the answer runs
    page.wait_for_selector("#maintassist-pending", timeout=10_000)
    assert page.input_value("#chat-input") == DECLINE
    shot(page, "pending-question", viewport)
    ask(bo, DECLINE)
    bo.wait_for_selector("text=Waiting:", timeout=60_000)
    shot(bo, "progress-queued", viewport)

    page.wait_for_function(ANSWER_DONE_JS, timeout=600_000)
    text = page.locator(".step", has_text="Answering for Rotary screw air compressor 1 (COMP-01)").inner_text()
    assert "not Hydraulic press 4 (PRESS-04)" in text and "105" in text and "[1]" in text
    assert "COMP-01" in chip(page).inner_text()  # the chip follows the named machine
    # (the queued decline follows at once and the chat scrolls to it: the answer itself is saved)
    page.locator(".step", has_text="Answering for Rotary screw air compressor 1").screenshot(
        path=str(ARTIFACTS / f"scope-override-answer-{viewport['width']}x{viewport['height']}.png"))
    states = page.evaluate("window.__states")
    assert states[:1] == ["searching"] and "writing" in states, states

    # The question typed while busy was sent when the answer was done: a decline in one line,
    # one suggestion, the nearest sources collapsed (the technical reason is in the audit record).
    page.wait_for_selector("text=Not in your documents for Rotary screw air compressor 1 (COMP-01):", timeout=120_000)
    decline = wait_answer(page)
    lines = [line for line in decline.splitlines() if line.strip()]
    assert lines[0].startswith("Not in your documents for Rotary screw air compressor 1 (COMP-01):") \
        and "warranty" in lines[0], decline
    assert len(lines) == 3 and lines[2].startswith("▸ Nearest sources"), decline  # line, suggestion, chips
    assert "similarity" not in decline and "searched for" not in decline and "⚠️" not in decline
    toggle = page.locator(".maintassist-chips-toggle").last
    assert page.locator("[data-chip]").count() == 0  # nearest sources collapsed by default
    toggle.click()
    page.locator("[data-chip]").first.click()
    page.wait_for_selector("[data-source-box]", timeout=10_000)
    shot(page, "decline", viewport)
    assert no_horizontal_scroll(page)

    bo_text = wait_answer(bo)
    assert bo_text.startswith("Not in your documents: warranty"), bo_text
    assert bo.evaluate("window.__states")[:2] == ["queued", "searching"]
    bo_ctx.close()

    # "New chat" forgets the QR scope.
    on_screen(page, "#new-chat-button").click()
    page.wait_for_selector("text=Hello ana.", timeout=60_000)
    page.wait_for_function("() => document.getElementById('mode-picker-trigger-machine')"
                           ".innerText.includes('Any machine')", timeout=30_000)
    page.reload()
    page.wait_for_selector("text=Hello ana.", timeout=60_000)
    assert "Any machine" in chip(page).inner_text()  # the QR token was used once
    assert not errors, errors
    ana_ctx.close()
    assert foreign + bo_foreign == [], f"requests to other origins: {foreign + bo_foreign}"
