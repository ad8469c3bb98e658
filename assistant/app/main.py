"""Chainlit entry point: ``chainlit run assistant/app/main.py`` (``maintassist serve`` does this).

Only wiring lives here; the logic is in ``handlers.py`` (chat), ``voice.py`` (audio) and
``datalayer.py`` (persistence). Needs ``CHAINLIT_AUTH_SECRET`` and ``MAINTASSIST_DATA_DIR``.
"""

from __future__ import annotations

import asyncio
import logging
import threading

import chainlit as cl
from chainlit.server import app as http_app

from assistant.app import handlers, security
from assistant.app.datalayer import MaintDataLayer, current_http_user
from assistant.app.services import get_services, warm_up
from assistant.app.voice import AudioBuffer

log = logging.getLogger("maintassist.app")


class _HttpUserMiddleware:
    """Chainlit's HTTP routes (feedback, threads) do not hand the user to the data layer; this does.

    Pure ASGI (not BaseHTTPMiddleware) so streamed and long-polling responses pass untouched.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            return await self.app(scope, receive, send)
        from http.cookies import SimpleCookie

        from chainlit.auth import get_current_user
        from chainlit.auth.cookie import get_token_from_cookies

        cookie = SimpleCookie()
        for name, value in scope.get("headers") or []:
            if name == b"cookie":
                cookie.load(value.decode("latin-1"))
        token = get_token_from_cookies({k: m.value for k, m in cookie.items()})
        username = None
        if token:
            try:
                user = await get_current_user(token=token)
                username = user.identifier if user else None
            except Exception:  # noqa: BLE001 - an invalid token simply means "anonymous"
                username = None
        reset = current_http_user.set(username)
        try:
            return await self.app(scope, receive, send)
        finally:
            current_http_user.reset(reset)


http_app.add_middleware(_HttpUserMiddleware)
security.install(http_app, get_services())  # outermost: origins, revoked tokens, login throttling

# Server start, not import of a library module: warm the models off the event loop.
threading.Thread(target=lambda: warm_up(get_services()), name="maintassist-warm-up", daemon=True).start()


@cl.data_layer
def _data_layer():
    return MaintDataLayer(get_services())


@cl.password_auth_callback
async def _login(username: str, password: str) -> cl.User | None:
    services = get_services()
    info = await asyncio.to_thread(services.users.verify, username, password)
    if info is None:
        return None  # counted by security.SessionGuard; a lockout, not each guess, is audited
    await asyncio.to_thread(services.audit.append, info.username, "login", {"role": info.role})
    # The token carries the account's token version; raising it in the database ends this session.
    return cl.User(identifier=info.username, display_name=info.username,
                   metadata={"role": info.role, security.TOKEN_VERSION: info.token_version})


@cl.on_logout
async def _logout(request, response):
    return await security.logout(get_services(), request)


@cl.set_starters
async def _starters(user: cl.User | None = None, language: str | None = None):
    return [
        cl.Starter(label="Diagnose a noise", message="The hydraulic pump is whining. What should I check?"),
        cl.Starter(label="Step-by-step repair", message="/procedure pump whining under load"),
        cl.Starter(label="Last repairs", message="What were the last repairs on this machine?"),
        cl.Starter(label="Fault code", message="What does fault code E-204 mean and how do I clear it?"),
    ]


@cl.on_chat_start
async def _start():
    services = get_services()
    asset = handlers.asset_from_request(getattr(cl.context.session, "environ", None))
    cl.user_session.set("asset", asset)
    cl.user_session.set("history", [])
    settings = await handlers.asset_settings(services, asset).send()
    if asset:
        cl.user_session.set("asset", settings.get("asset") or asset)


@cl.on_chat_resume
async def _resume(thread: dict):
    services = get_services()
    meta = thread.get("metadata") or {}
    asset = meta.get("asset") or (meta.get("chat_settings") or {}).get("asset") or None
    cl.user_session.set("asset", asset)
    history = [{"role": "user" if s["type"] == "user_message" else "assistant", "content": s.get("output") or ""}
               for s in thread.get("steps", []) if s.get("type") in ("user_message", "assistant_message")]
    cl.user_session.set("history", history[-handlers.HISTORY_TURNS:])
    await handlers.asset_settings(services, asset).send()


@cl.on_settings_update
async def _settings(settings: dict):
    cl.user_session.set("asset", settings.get("asset") or None)


@cl.on_message
async def _message(message: cl.Message):
    await handlers.handle_message(get_services(), message.content, message_id=message.id)


@cl.on_audio_start
async def _audio_start():
    app = get_services().settings.app
    cl.user_session.set("audio", AudioBuffer(app.audio_sample_rate, app.max_audio_seconds,
                                             int(app.max_audio_mb * 1024 * 1024)))
    return True


@cl.on_audio_chunk
async def _audio_chunk(chunk: cl.InputAudioChunk):
    buffer: AudioBuffer | None = cl.user_session.get("audio")
    if buffer is not None:
        buffer.add(chunk.data, chunk.mimeType)


@cl.on_audio_end
async def _audio_end():
    services = get_services()
    buffer: AudioBuffer | None = cl.user_session.get("audio")
    cl.user_session.set("audio", None)
    if buffer is None:
        return
    samples = await asyncio.to_thread(buffer.samples)
    if services.settings.app.store_audio:
        from datetime import datetime, timezone

        from assistant.app.voice import save_wav

        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        user = cl.user_session.get("user").identifier
        await asyncio.to_thread(save_wav, samples, services.settings.data_dir / "audio" / f"{stamp}-{user}.wav")
    text = await asyncio.to_thread(services.transcriber.transcribe, samples)
    if not text:
        await cl.Message(content="I did not catch that. Please try again or type the question.").send()
        return
    note = " (recording cut at the time limit)" if buffer.truncated else ""
    # Shown as the technician's own message so a misheard word is visible before the answer.
    said = await cl.Message(content=text, author=cl.user_session.get("user").identifier, type="user_message").send()
    if note:
        await cl.Message(content=f"_{note.strip(' ()')}_").send()
    await handlers.handle_message(services, text, message_id=said.id)
