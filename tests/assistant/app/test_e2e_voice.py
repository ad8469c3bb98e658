"""Voice in the browser: Chromium's fake microphone plays an espeak-ng WAV (a question between
pauses) into Chainlit's audio input. The recording stops by itself on the silence after the
question, Whisper's transcript lands in the message box for a glance, and sending it gives a cited
answer; the ✕ cancels a recording without sending anything."""

from __future__ import annotations

import pytest

from tests.assistant.app.browser import ARTIFACTS, login, track_requests, wait_answer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _start_recording(page) -> None:
    # Chainlit's shortcut for the microphone button is "p" when no text field has focus.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("p")
    page.wait_for_selector("button:has(svg.lucide-x)", timeout=60_000)  # recording: the button shows ✕


def test_spoken_question_stops_on_silence_lands_in_the_box_and_cancel_cancels(e2e_server, chromium,
                                                                              spoken_question):
    if spoken_question is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    url = e2e_server["url"]
    context = chromium.new_context(viewport={"width": 820, "height": 1180}, permissions=["microphone"])
    foreign = track_requests(context, url)
    page = context.new_page()
    login(page, url, "bo", "/?asset=PRESS-04")
    page.wait_for_timeout(2_000)  # the composer finishes initialising

    # Speak, then say nothing: the recording ends by itself; the transcript waits in the box.
    # (First in this context: Chromium's fake microphone starts its file when the device opens.)
    _start_recording(page)
    page.wait_for_function("() => document.getElementById('chat-input').value.length > 10", timeout=120_000)
    assert page.locator("button:has(svg.lucide-x)").count() == 0  # stopped without a tap
    heard = page.input_value("#chat-input").lower()
    assert "hydraulic" in heard and "oil" in heard and "press" in heard, heard
    assert page.locator("[data-step-type=user_message]").count() == 0  # not sent before a glance
    page.screenshot(path=str(ARTIFACTS / "voice-transcript-in-box-820x1180.png"))
    typed = page.input_value("#chat-input")

    # ✕ while recording cancels: nothing is transcribed or sent, the box keeps what was there.
    _start_recording(page)
    page.locator("button:has(svg.lucide-x)").first.click()
    page.wait_for_selector("text=Recording cancelled", timeout=30_000)
    page.wait_for_timeout(3_000)
    assert page.locator("[data-step-type=user_message]").count() == 0
    assert page.input_value("#chat-input") == typed

    page.click("#chat-submit")
    page.wait_for_selector("[data-step-type=user_message]", timeout=30_000)
    wait_answer(page)
    answer = page.locator(".step").last
    assert "[1]" in answer.inner_text() and answer.locator("a.element-link").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "voice-question-820x1180.png"))
    context.close()
    assert foreign == [], f"requests to other origins: {foreign}"
