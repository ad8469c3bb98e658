"""App test fixtures. Chainlit writes a default project (.chainlit/, .files/) into its app root on
import, so point that at a temp folder before anything imports chainlit."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("CHAINLIT_APP_ROOT", tempfile.mkdtemp(prefix="maintassist-chainlit-"))


@dataclass
class FakeContainer:
    """What AppServices reads from the real Container: settings and a session factory."""

    settings: object
    session_factory: object

    @property
    def audit(self):
        from assistant.db.audit import AuditLog

        return AuditLog(self.session_factory)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test whose server died shows why: the server log goes into the failure report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and "e2e_server" in getattr(item, "fixturenames", ()):
        from tests.assistant.app.browser import server_died

        if (died := server_died()) is not None:
            report.sections.append(("e2e server log", died))


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """A SQLite database at the head migration, copied for each test (migrating takes ~0.4 s)."""
    from assistant.db.session import make_engine, upgrade

    path = tmp_path_factory.mktemp("migrated") / "maintassist.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # closes the last connection, which folds the WAL into the file
    return path


@pytest.fixture
def services(tmp_path: Path, migrated_db: Path):
    from assistant.app.fakes import FakeAnswerChain
    from assistant.app.services import AppServices
    from assistant.config import Settings
    from assistant.db.session import make_engine, session_factory

    settings = Settings(data_dir=tmp_path)
    shutil.copyfile(migrated_db, tmp_path / "maintassist.db")
    engine = make_engine(settings.database_url)
    yield AppServices(FakeContainer(settings, session_factory(engine)), chain=FakeAnswerChain())
    engine.dispose()


@pytest.fixture
def chat(services, monkeypatch):
    """Run a handler inside a Chainlit HTTP context, logged in as ``username`` (or nobody) with a
    current session token, and return the final text of every message it sent, in order
    (``chat.message_ids`` holds their ids)."""
    from chainlit.auth import create_jwt
    from chainlit.context import ChainlitContext, context_var
    from chainlit.emitter import BaseChainlitEmitter
    from chainlit.session import HTTPSession
    from chainlit.user import User

    class FakeEmitter(BaseChainlitEmitter):
        """Keeps each message's latest text, as the browser would show it."""

        def __init__(self, session):
            super().__init__(session)
            self.messages: dict[str, str] = {}

        async def send_step(self, step_dict):
            self.messages[step_dict["id"]] = step_dict["output"]

        update_step = send_step

    from assistant.app.security import TOKEN_VERSION

    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "test-secret-" + "x" * 32)

    def run(handler, username: str | None = None, token_version: int | None = None) -> list[str]:
        from chainlit.user_session import user_sessions

        # cl.user_session reads the user from the session, as it does for a logged-in browser; the
        # token carries the account's token version, as the login does
        user = token = None
        if username:
            state = services.users.session_state(username)
            version = token_version if token_version is not None else state[0] if state else 0
            user = User(identifier=username, metadata={TOKEN_VERSION: version})
            token = create_jwt(user)
        session = HTTPSession(id=str(uuid.uuid4()), client_type="webapp", thread_id="thread-under-test",
                              user=user, token=token)
        emitter = FakeEmitter(session)

        async def go():
            context_var.set(ChainlitContext(session, emitter))
            await handler()

        try:
            asyncio.run(go())
        finally:
            user_sessions.pop(session.id, None)
        run.message_ids = list(emitter.messages)
        return list(emitter.messages.values())

    run.message_ids = []
    return run


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory):
    """One real server for all browser tests (starting one loads every model: ~30 s)."""
    from tests.assistant.app.browser import start_server

    yield from start_server(tmp_path_factory.mktemp("e2e-data"))


@pytest.fixture(scope="session")
def spoken_question(tmp_path_factory):
    """An espeak-ng WAV of a sample question (None without espeak-ng): the browser's microphone."""
    import shutil
    import subprocess
    import wave

    if not shutil.which("espeak-ng"):
        return None

    folder = tmp_path_factory.mktemp("voice")
    spoken = folder / "spoken.wav"
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(spoken), "What hydraulic oil does press four use?"],
                   check=True)
    # A second of silence on each side: Chromium loops the file from wherever it is when the
    # recording starts, so the question must stand whole between pauses.
    with wave.open(str(spoken)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    pause = b"\0" * (params.sampwidth * params.nchannels * params.framerate)
    wav = folder / "question.wav"
    with wave.open(str(wav), "wb") as w:
        w.setparams(params)
        w.writeframes(pause + frames + pause)
    return wav


@pytest.fixture(scope="module")  # Playwright's sync API holds an event loop; other tests need none
def chromium(spoken_question):
    from playwright.sync_api import sync_playwright

    from tests.assistant.app.browser import CHROMIUM, CHROMIUM_ARGS

    args = list(CHROMIUM_ARGS)
    if spoken_question:  # Chromium's fake microphone plays the WAV; permission prompts auto-accept
        args += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-audio-capture={spoken_question}"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=args)
        yield b
        b.close()
