"""Chainlit entry point: ``chainlit run assistant/app/main.py`` (``maintassist serve`` does this).

Only wiring lives here; the logic is in ``handlers.py`` (answers), ``commands.py`` (/procedure,
/audit, /thread), ``voice_flow.py`` (recording), ``datalayer.py`` (persistence) and
``audit_routes.py`` (the audit page). Needs ``CHAINLIT_AUTH_SECRET`` and ``MAINTASSIST_DATA_DIR``.
"""

from __future__ import annotations

import asyncio
import threading

import chainlit as cl
from chainlit.server import app as http_app

from assistant.app import audit_routes, handlers, security, ui, voice_flow
from assistant.app.datalayer import MaintDataLayer
from assistant.app.http_auth import UserMiddleware
from assistant.app.offline import OfflineHtmlMiddleware
from assistant.app.scope import qr_asset
from assistant.app.services import get_services, warm_up

http_app.add_middleware(UserMiddleware)
http_app.add_middleware(OfflineHtmlMiddleware)
security.install(http_app, get_services())  # outermost: origins, revoked tokens, login throttling
audit_routes.install(http_app, get_services)

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


async def _set_up(asset: str | None, autosend: bool) -> None:
    services = get_services()
    cl.user_session.set("asset", asset)
    cl.user_session.set("autosend", autosend)
    await ui.show_machine(services.assets, asset)
    await ui.chat_settings(autosend).send()


@cl.on_chat_start
async def _start():
    services = get_services()
    # A QR link scopes this chat once; "New chat" or a fresh page starts with no machine.
    asset = qr_asset(getattr(cl.context.session, "environ", None), services.qr_tokens)
    cl.user_session.set("history", [])
    await _set_up(asset, services.settings.app.voice_autosend)
    user = handlers.current_user(services)
    await ui.send_welcome(user.username, user.can_read_all, services.settings.app.example_questions)


@cl.on_chat_resume
async def _resume(thread: dict):
    meta = thread.get("metadata") or {}
    settings = meta.get("chat_settings") or {}
    history = [{"role": "user" if s["type"] == "user_message" else "assistant", "content": s.get("output") or ""}
               for s in thread.get("steps", []) if s.get("type") in ("user_message", "assistant_message")]
    cl.user_session.set("history", history[-2 * get_services().settings.answer.conversation_turns:])
    await _set_up(meta.get("asset") or None,
                  bool(settings.get(ui.AUTOSEND, get_services().settings.app.voice_autosend)))


@cl.on_settings_update
async def _settings(settings: dict):
    cl.user_session.set("autosend", bool(settings.get(ui.AUTOSEND)))


@cl.on_message
async def _message(message: cl.Message):
    chosen = ui.selected_machine(message.modes)
    if chosen is not False:  # the chip travels with every message
        cl.user_session.set("asset", chosen)
    await handlers.handle_message(get_services(), message.content, message_id=message.id)


@cl.action_callback(ui.EXAMPLE_ACTION)
async def _example(action: cl.Action):
    # Sent from the message box, so it runs exactly like a typed question (chip, queue, thread title).
    await ui.fill_composer(action.payload.get("text", ""), send=True)


@cl.on_audio_start
async def _audio_start():
    return voice_flow.start(get_services())


@cl.on_audio_chunk
async def _audio_chunk(chunk: cl.InputAudioChunk):
    await voice_flow.chunk(get_services(), chunk)


@cl.on_audio_end
async def _audio_end():
    await voice_flow.end(get_services())


@cl.on_window_message
async def _window_message(data):
    if isinstance(data, dict) and data.get(ui.APP_MESSAGE) == "cancel_recording":  # the ✕ (public/app.js)
        await voice_flow.cancel()
