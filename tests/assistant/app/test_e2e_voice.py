"""Voice in the browser: Chromium's fake microphone plays an espeak-ng WAV into Chainlit's audio input;
the server transcribes it with Whisper, shows the transcript as the user's message, then answers."""

from __future__ import annotations

import wave

import pytest

from tests.assistant.app.browser import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_spoken_question_is_transcribed_then_answered_with_citations(e2e_server, chromium, spoken_question):
    if spoken_question is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    with wave.open(str(spoken_question)) as w:
        seconds = w.getnframes() / w.getframerate()
    context = chromium.new_context(viewport={"width": 820, "height": 1180}, permissions=["microphone"])
    page = context.new_page()
    login(page, e2e_server["url"], "bo", "/?asset=PRESS-04")
    page.wait_for_selector("text=Diagnose a noise", timeout=60_000)

    page.wait_for_timeout(2_000)  # the composer finishes initialising
    # Chainlit's shortcut for the microphone button is "p" when no text field has focus.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("p")
    page.wait_for_selector("text=Listening", timeout=60_000)
    page.wait_for_timeout(int(seconds * 1000 * 1.5))  # at least one whole pass of the looping file
    page.locator("button:has(svg.lucide-x)").first.click()  # stop recording

    # The transcript appears as bo's own message, so a misheard word is visible before the answer.
    transcript = page.locator("[data-step-type=user_message]").first
    transcript.wait_for(timeout=300_000)
    heard = transcript.inner_text().lower()
    assert "hydraulic" in heard and "oil" in heard and "press" in heard, heard
    page.wait_for_selector("text=Sources:", timeout=600_000)
    page.wait_for_selector(".positive-feedback-off", timeout=600_000)
    answer = page.locator(".step").last
    assert "[1]" in answer.inner_text() and answer.locator("a.element-link").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "voice-question-820x1180.png"))
    context.close()
