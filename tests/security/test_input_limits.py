"""Row 9: a 900,000-character question was answered and stored whole; with a client-chosen non-PCM
`mimeType` only the 20 MB byte limit applied to voice (43.7 minutes accepted and decoded)."""

from __future__ import annotations

import io
import stat
import time
import wave

import numpy as np
import pytest
from sqlalchemy import text

from tests.security.chat import Chat, run, token
from tests.security.conftest import MAX_AUDIO_SECONDS

pytestmark = pytest.mark.slow  # a real server


def _db(server):
    from assistant.wiring import load_settings
    from assistant.db.session import make_engine

    return make_engine(load_settings(data_dir=server.data).database_url)


def test_a_huge_question_is_refused_and_not_stored_whole(server, account):
    question = "Why does the press whine? " * 35_000  # ~910,000 characters
    name = account()

    async def ask():
        async with Chat(server.url, token(server.url, name)) as chat:
            return await chat.ask(question)
    replies = [m.get("output") or "" for m in run(ask())]
    assert any("the limit is 2,000" in r for r in replies), replies
    engine = _db(server)
    with engine.connect() as conn:
        lengths = conn.execute(text(
            "SELECT LENGTH(m.content) FROM messages m JOIN threads t ON t.id = m.thread_id JOIN users u "
            "ON u.id = t.owner_id WHERE u.username = :n AND m.role = 'user_message'"), {"n": name}).scalars().all()
        answers = conn.execute(text("SELECT COUNT(*) FROM audit_events WHERE actor = :n AND action = 'answer'"),
                               {"n": name}).scalar()
    engine.dispose()
    assert lengths and max(lengths) < 2_100, lengths  # the first 2,000 characters and a note
    assert answers == 0


def _wav(seconds: float, rate: int = 8000) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (np.sin(2 * np.pi * 220 * t) * 8000).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    return out.getvalue()


def test_voice_is_cut_at_the_duration_limit_whatever_the_mime_type(server, account):
    """Ten minutes of audio sent as `audio/wav` (not PCM): the server decodes and keeps only the limit."""
    name = account()
    recording = _wav(600)
    audio_dir = server.data / "audio"
    before = set(audio_dir.glob(f"*-{name}.wav")) if audio_dir.exists() else set()

    async def speak():
        async with Chat(server.url, token(server.url, name)) as chat:
            t0 = time.monotonic()
            replies = await chat.speak(recording, "audio/wav")
            return replies, time.monotonic() - t0
    replies, elapsed = run(speak())
    assert replies, "the server answered nothing"
    saved = sorted(set(audio_dir.glob(f"*-{name}.wav")) - before)
    assert len(saved) == 1, "store_audio keeps the recording the server decoded"
    with wave.open(str(saved[0]), "rb") as w:
        kept = w.getnframes() / w.getframerate()
    assert kept <= MAX_AUDIO_SECONDS + 0.1, f"{kept:.1f} s of a 600 s recording were decoded and kept"
    assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600  # row 8: audio is private
    assert elapsed < 120, f"took {elapsed:.0f} s"
