"""The model process dies mid-answer (kill -9): the technician is told at once, the next question is answered."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.assistant.app.browser import ARTIFACTS, _pids_with, ask, login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_killed_model_is_reported_and_restarted(e2e_server, chromium):
    if os.environ.get("MAINTASSIST_E2E_LLM") == "fake":
        pytest.skip("the fake LLM runs in the server process; there is no model process to kill")
    marker = str(e2e_server["data"] / "logs" / ".llama-server.")
    page = chromium.new_context(viewport={"width": 820, "height": 1180}).new_page()
    login(page, e2e_server["url"], "bo", "/?asset=PRESS-04")  # waits for the welcome: the socket is connected

    ask(page, "Explain everything the manual says about the hydraulic pump of press 4.")
    page.wait_for_selector("text=Sources:", timeout=120_000)  # retrieval done
    at_sources = len(page.locator(".step").last.inner_text())
    # The model is streaming its answer: the message grows past the sources line.
    page.wait_for_function(f"(() => {{ const s = document.querySelectorAll('.step'); "
                           f"return s[s.length - 1].innerText.length > {at_sources + 30}; }})()", timeout=120_000)
    victims = _pids_with(marker)
    assert victims, "no model process found"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    page.wait_for_selector("text=the model stopped", timeout=30_000)
    assert time.monotonic() - killed < 5
    page.screenshot(path=str(ARTIFACTS / "model-crash-message.png"))

    done = page.locator(".positive-feedback-off").count()
    ask(page, "What hydraulic oil does press 4 use?")  # waits for the restarted model process
    page.wait_for_function(f"document.querySelectorAll('.positive-feedback-off').length > {done}",
                           timeout=180_000)
    answer = page.locator(".step").last.inner_text()
    assert "46" in answer and "[1]" in answer, answer
    assert set(_pids_with(marker)).isdisjoint(victims)  # a fresh process answered
    page.context.close()
