"""Settings of the service around the pipeline: database, chat app and security."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class DatabaseSettings(BaseModel):
    url: str | None = Field(
        None, description="SQLAlchemy URL. Default: SQLite file maintassist.db in the data dir."
    )


class AppSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Chainlit server host.")
    port: int = Field(8000, description="Chainlit server port.")
    store_audio: bool = Field(False, description="Keep voice recordings in the data dir.")
    max_audio_seconds: float = Field(30.0, description="Longest accepted voice question.")
    whisper_model: Literal["base", "tiny.en"] = Field("base", description="Bundled Whisper model.")
    max_audio_mb: float = Field(20.0, description="Largest accepted voice recording in MB.")
    audio_sample_rate: int = Field(
        24000, description="Sample rate of the browser's PCM chunks. Chainlit 2.12's recorder always records at "
        "24 kHz whatever features.audio.sample_rate says (Chainlit/chainlit#2569); the server resamples "
        "to Whisper's 16 kHz. Read at 16 kHz, the audio played 1.5x slow and Whisper misheard it."
    )
    answer_workers: int = Field(
        1, description="Questions answered at once; others queue in arrival order. One suits a CPU LLM, "
        "which already uses every core.",
    )
    max_question_chars: int = Field(
        2000, ge=20, description="Longest accepted question (characters); a longer one is refused with a "
        "message and stored cut to this length.",
    )
    example_questions: list[str] = Field(
        default_factory=lambda: ["What does fault code E-204 mean?",
                                 "The hydraulic pump whines and pressure is low. What should I check?",
                                 "When was the suction strainer last replaced?"],
        description="Three example questions offered in the welcome message (tap to ask); set them to "
        "your plant's machines and codes.",
    )
    voice_autosend: bool = Field(
        False, description="Default of the chat setting that sends a spoken question at once instead of "
        "putting the transcript in the message box to check first (gloved hands).",
    )
    voice_silence_s: float = Field(
        1.5, description="Recording stops after this much silence once speech was heard.",
    )
    fake_chain: bool = Field(
        False, description="Answer with the scripted FakeAnswerChain (browser tests of the UI only).",
    )


class SecuritySettings(BaseModel):
    allow_origins: list[str] = Field(
        default_factory=list,
        description="Other web origins (scheme://host:port) whose pages may call the chat server with a "
        "user's cookie. Empty: only the server's own origin (a page on another port or host gets nothing).",
    )
    cookie_secure: bool = Field(
        False, description="Mark the login cookie Secure, so browsers send it over HTTPS only. Turn on when "
        "the app is served through a TLS reverse proxy (README, Security).",
    )
    login_max_failures_per_account: int = Field(
        5, ge=1, description="Failed logins for one account within `login_window_s` before it is locked "
        "for `login_lockout_s` (HTTP 429).",
    )
    login_max_failures_per_address: int = Field(
        20, ge=1, description="Failed logins from one client address within `login_window_s` (any accounts) "
        "before that address is locked for `login_lockout_s`.",
    )
    login_window_s: float = Field(900.0, gt=0, description="Window in which failed logins are counted.")
    login_lockout_s: float = Field(900.0, gt=0, description="How long a locked account or address is refused.")
    audit_key_file: Path | None = Field(
        None, description="Secret key of the audit log's keyed hashes; its signed checkpoint (head event and "
        "count) is written beside it. Default: audit.key in the data dir. Keep it where database "
        "administrators cannot write, so an edited, re-chained or truncated log fails `audit verify`.",
    )
