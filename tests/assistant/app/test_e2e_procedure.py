"""A repair procedure in the browser on both tablet sizes: every numbered step of the manual's
procedure in order with the verify step last, safety grouped into a few ticks and gating the
steps, "restore" items after the steps, tappable source markers, ticks kept on reload."""

from __future__ import annotations

import re
import time

import pytest

from tests.assistant.app.browser import (VIEWPORT_IDS, VIEWPORTS, ask, no_horizontal_scroll, open_page,
                                         open_thread_from_sidebar, shot)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REQUEST = "/procedure pump whines, pressure low, E-204"
# hp200_press_manual.md, 5.1 Replace hydraulic pump suction strainer: the opening words of steps 1-11
MANUAL_STEPS = ["Apply the lock-out procedure", "Let the oil cool", "Close the suction ball valve BV-2",
                "Remove the eight M10 bolts", "Unscrew the strainer", "Clean the suction pipe thread",
                "Fit a new cover gasket", "Open suction ball valve BV-2", "Top up with HLP 46",
                "Remove locks, start the pump", "Verify:"]


def _items(page, section: str) -> list[str]:
    return page.locator(f"#procedure-checklist [data-section={section}] [data-item]").all_inner_texts()


def _box(page, item_id: str):
    return page.locator(f"#procedure-checklist [data-item={item_id}] input[type=checkbox]")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=VIEWPORT_IDS)
def test_complete_procedure_checklist(e2e_server, chromium, viewport):
    url = e2e_server["url"]
    context, page, foreign = open_page(chromium, url, viewport, "ana", "/?asset=PRESS-04")
    ask(page, REQUEST)
    page.wait_for_selector("#procedure-checklist", timeout=600_000)
    header = page.locator(".step").last.inner_text()
    assert "Sources:" in header and "HP-200 Hydraulic Press · 5.1 Replace hydraulic pump suction strainer" in header
    assert "|" not in header  # no raw table rows

    steps, verify = _items(page, "steps"), _items(page, "verify")
    numbered = [re.match(r"(\d+)\. (.*)", t, re.S) for t in steps + verify]
    assert [int(m.group(1)) for m in numbered] == list(range(1, 12)), steps + verify
    for m, opening in zip(numbered, MANUAL_STEPS):
        assert m.group(2).startswith(opening), (m.group(2), opening)
    assert verify[-1].startswith("11. Verify:") and len(verify) == 1  # the verify step is last
    assert "BV-2 closed" in steps[7] and "42 N·m" in steps[6]

    safety = _items(page, "safety")
    assert 8 <= len(safety) <= 17, safety  # lock-out steps, a tick per energy source, one for PPE
    assert not any("To restore" in t for t in safety)
    assert sum("Safety glasses" in t for t in safety) == 1  # PPE list: one tick
    assert any(t.startswith("Electrical, 400 V 3-phase — main isolator Q1") for t in safety)
    restore = _items(page, "restore")
    assert len(restore) == 1 and restore[0].startswith("To restore: refit all guards")
    tools = _items(page, "tools")
    assert tools and not any("Unscrew" in t for t in tools) and any("torque wrench" in t for t in tools)
    sections = page.locator("#procedure-checklist [data-section]").evaluate_all("e => e.map(x => x.dataset.section)")
    assert sections == ["safety", "tools", "steps", "restore", "verify"]

    # A source marker opens its excerpt inside the checklist.
    page.locator("#procedure-checklist [data-section=steps] [data-source]").first.click()
    box = page.locator("#procedure-checklist [data-source-box]").first
    box.wait_for(timeout=10_000)
    assert "5.1 Replace hydraulic pump suction strainer" in box.inner_text()
    assert page.locator("#side-view-content").count() == 0  # no panel popped over the checklist

    # Safety first: the steps unlock once every safety item is ticked.
    first_step = _box(page, "p1")
    assert first_step.is_disabled()
    safety_boxes = page.locator("#procedure-checklist [data-section=safety] input[type=checkbox]")
    for i in range(safety_boxes.count()):
        safety_boxes.nth(i).check()
    assert first_step.is_enabled()
    first_step.check()
    total = page.locator("#procedure-checklist input[type=checkbox]").count()
    ticked = safety_boxes.count() + 1
    page.wait_for_selector(f"#procedure-checklist [data-progress='{ticked}/{total}']", timeout=10_000)
    for section in ("safety", "steps", "verify"):  # the chat scrolls inside the page: one view per part
        # (a tick re-renders the checklist: look the section up at the moment of scrolling)
        page.wait_for_function(f"() => {{ const s = document.querySelector('#procedure-checklist "
                               f"[data-section={section}]'); if (s) s.scrollIntoView(); return !!s; }}",
                               timeout=10_000)
        page.wait_for_timeout(300)
        shot(page, f"procedure-{section}", viewport)
    assert no_horizontal_scroll(page)

    # Chainlit stores each save in a background task: reopen the thread until the last tick is
    # there (30 s at most). Every tick must be kept, whatever order the saves landed in.
    deadline = time.time() + 30
    while True:
        open_thread_from_sidebar(page, url, REQUEST)
        page.wait_for_selector("#procedure-checklist", timeout=60_000)
        if _box(page, "p1").is_checked() or time.time() > deadline:
            break
    assert _box(page, "p1").is_checked()
    page.wait_for_selector(f"#procedure-checklist [data-progress='{ticked}/{total}']", timeout=10_000)
    context.close()
    assert foreign == [], f"requests to other origins: {foreign}"
