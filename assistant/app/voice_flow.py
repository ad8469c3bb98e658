"""A spoken question from the microphone button to the message box.

Chainlit streams the browser's microphone as PCM chunks until the button's ✕ is tapped. Here the
recording ends by itself after ~1.5 s of silence (or at the length limit): the server switches
the browser's recorder off, transcribes with Whisper and puts the transcript in the message box
for a glance (or sends it at once when the technician turned on "Send spoken questions at once",
for gloved hands). Tapping ✕ while still recording cancels: nothing is transcribed or sent
(``public/app.js`` turns the ✕ into a ``cancel_recording`` window message). A client that ends
the stream itself (``audio_end``: the "p" shortcut, a socket client) gets what it recorded.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import chainlit as cl

from assistant.app import ui
from assistant.app.voice import AudioBuffer, SilenceDetector


@dataclass
class Recording:
    buffer: AudioBuffer
    detector: SilenceDetector
    finished: bool = False


def start(services) -> bool:
    app = services.settings.app
    cl.user_session.set("audio", Recording(
        AudioBuffer(app.audio_sample_rate, app.max_audio_seconds, int(app.max_audio_mb * 1024 * 1024)),
        SilenceDetector(app.audio_sample_rate, silence_s=app.voice_silence_s)))
    return True


async def chunk(services, piece: cl.InputAudioChunk) -> None:
    rec: Recording | None = cl.user_session.get("audio")
    if rec is None or rec.finished:
        return
    room = rec.buffer.add(piece.data, piece.mimeType)
    quiet = rec.buffer.is_pcm and rec.detector.feed(piece.data)
    if quiet or not room:
        rec.finished = True
        cl.user_session.set("audio", None)
        await cl.context.emitter.update_audio_connection("off")  # the browser stops recording
        await _deliver(services, rec)


async def end(services) -> None:
    """The client ended the audio stream: transcribe what was recorded (unless silence already did)."""
    rec: Recording | None = cl.user_session.get("audio")
    cl.user_session.set("audio", None)
    if rec is not None and not rec.finished:
        rec.finished = True
        await _deliver(services, rec)


async def cancel() -> None:
    """The ✕ was tapped while recording: switch the browser's recorder off and drop the audio."""
    rec: Recording | None = cl.user_session.get("audio")
    cl.user_session.set("audio", None)
    await cl.context.emitter.update_audio_connection("off")
    if rec is not None and not rec.finished:
        rec.finished = True
        await cl.context.emitter.send_toast("Recording cancelled.", "info")


async def _deliver(services, rec: Recording) -> None:
    samples = await asyncio.to_thread(rec.buffer.samples)
    if services.settings.app.store_audio:
        from datetime import datetime, timezone

        from assistant.app.voice import save_wav

        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        user = cl.user_session.get("user").identifier
        await asyncio.to_thread(save_wav, samples, services.settings.data_dir / "audio" / f"{stamp}-{user}.wav")
    text = await asyncio.to_thread(services.transcriber.transcribe, samples)
    if not text:
        await cl.Message(content="I did not catch that. Please try again or type the question.",
                         author="Assistant", type="system_message").send()
        return
    if rec.buffer.truncated:
        await cl.context.emitter.send_toast("Recording cut at the time limit.", "warning")
    await ui.fill_composer(text, send=bool(cl.user_session.get("autosend")))
