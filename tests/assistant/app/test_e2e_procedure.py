"""A repair procedure in the browser: an interactive checklist, safety first, ticks kept on reload."""

from __future__ import annotations

import pytest

from tests.assistant.app.browser import ARTIFACTS, ask, login, no_horizontal_scroll, open_thread_from_sidebar

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REQUEST = "/procedure pump whines and pressure drops"


def _box(page, item_id: str):
    return page.locator(f"#procedure-checklist [data-item={item_id}] input[type=checkbox]")


def test_procedure_checklist_is_gated_by_safety_and_persists(e2e_server, chromium):
    url = e2e_server["url"]
    context = chromium.new_context(viewport={"width": 820, "height": 1180})
    page = context.new_page()
    login(page, url, "ana", "/?asset=PRESS-04")
    page.wait_for_selector("text=Diagnose a noise", timeout=60_000)
    ask(page, REQUEST)
    page.wait_for_selector("#procedure-checklist", timeout=600_000)
    text = page.locator(".step").last.inner_text()
    assert "Sources:" in text and "hp200_press_manual.md" in text

    safety = page.locator("#procedure-checklist [data-item^=s] input")
    assert safety.count() >= 1, "the press manual has a lock-out section"
    step = _box(page, "p1")
    assert step.count() == 1 and step.is_disabled()  # no procedure steps before lock-out
    for i in range(safety.count()):
        safety.nth(i).check()
    assert step.is_enabled()
    step.check()
    total = page.locator("#procedure-checklist input[type=checkbox]").count()
    ticked = safety.count() + 1
    page.wait_for_selector(f"#procedure-checklist [data-progress='{ticked}/{total}']", timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "procedure-checklist-820x1180.png"), full_page=True)
    assert no_horizontal_scroll(page)
    page.wait_for_timeout(1_500)  # the tick is written through the data layer
    assert page.locator("#side-view-content").count() == 0  # no panel popped over the checklist

    open_thread_from_sidebar(page, url, REQUEST)
    page.wait_for_selector("#procedure-checklist", timeout=60_000)
    assert _box(page, "p1").is_checked()
    page.wait_for_selector(f"#procedure-checklist [data-progress='{ticked}/{total}']", timeout=10_000)
    context.close()
