"""Web-session hardening around Chainlit, in one place.

Chainlit signs a JWT at login and trusts it until it expires (12 h here): it has no server-side
revocation, no origin check on its socket, no ``Secure`` cookie unless SameSite=None, and no
login throttling. ``SessionGuard``, a pure ASGI middleware in front of the whole app (HTTP and
websocket, so streamed answers pass untouched), adds them:

- **origins**: a request or socket carrying an ``Origin`` other than the server's own (or one in
  ``security.allow_origins``) is refused with 403, so a page on another port or host cannot act
  with a technician's cookie (CORS alone only hides responses, and Chainlit's socket has no check);
- **revocable sessions**: the token's ``token_version`` (copied from the account at login) must
  equal the account's current one and the account must be active; otherwise the token is taken
  off the request (Chainlit then sees an anonymous request: 401, refused socket) and the cookie
  is cleared. Logout, a password change, ``users disable`` / ``delete`` raise the version;
- **login throttling**: ``POST /login`` gets 429 while the account or the address is locked
  (``throttle.py``); failures are read from Chainlit's 401s, and each lockout is audited once;
- **Secure cookie** (``security.cookie_secure``) and a CSP that lets images load only from the
  server itself (defence in depth behind ``markdown_safety.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from assistant.app.throttle import LoginThrottle

log = logging.getLogger(__name__)

TOKEN_VERSION = "token_version"  # key in the JWT's user metadata
AUTH_COOKIE = "access_token"  # Chainlit's default (CHAINLIT_AUTH_COOKIE_NAME); chunks are access_token_<n>
MAX_LOGIN_BODY = 64 * 1024
CSP = b"img-src 'self' data: blob:; media-src 'self' data: blob:"


def origin_allowed(origin: str | None, host: str | None, allowed: Sequence[str]) -> bool:
    """No Origin (not a cross-site browser request), the server's own host, or a listed origin."""
    if origin is None:
        return True
    if host and origin != "null" and urlsplit(origin).netloc.lower() == host.lower():
        return True
    return origin.rstrip("/").lower() in {a.rstrip("/").lower() for a in allowed}


def token_user(token: str | None) -> tuple[str, int | None] | None:
    """(username, token version) of a valid, unexpired Chainlit token; None for none or a bad one."""
    if not token:
        return None
    from chainlit.auth import decode_jwt

    try:
        user = decode_jwt(token)
    except Exception:  # noqa: BLE001 - any undecodable token is simply not a session (pyjwt raises many kinds)
        return None
    version = (user.metadata or {}).get(TOKEN_VERSION)
    return user.identifier, version if isinstance(version, int) else None


def session_current(users: Any, token: str | None) -> bool:
    """The token is valid and still current for an active account (checked on every socket message too)."""
    found = token_user(token)
    if found is None:
        return False
    state = users.session_state(found[0])
    return state is not None and state[1] and state[0] == found[1]


class SessionGuard:
    def __init__(self, app: Any, *, users: Any, audit: Callable[..., Any], throttle: LoginThrottle,
                 allow_origins: Sequence[str], cookie_secure: bool) -> None:
        self.app = app
        self.users = users
        self.audit = audit
        self.throttle = throttle
        self.allow_origins = list(allow_origins)
        self.cookie_secure = cookie_secure

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        if not origin_allowed(headers.get("origin"), headers.get("host"), self.allow_origins):
            log.warning("refused %s %s from origin %s", scope["type"], scope.get("path"), headers.get("origin"))
            return await _refuse(scope, receive, send, 403, "origin not allowed")
        if scope["type"] == "http" and scope.get("method") == "POST" and scope.get("path", "").endswith("/login"):
            return await self._login(scope, receive, send)
        scope, stale = await self._drop_stale_token(scope, headers)
        return await self.app(scope, receive, self._wrap_send(send, clear=stale, scope=scope))

    # ---- revocable sessions -----------------------------------------------------------------
    async def _drop_stale_token(self, scope, headers: dict[str, str]):
        from chainlit.auth.cookie import get_token_from_cookies
        from starlette.requests import cookie_parser

        cookies = cookie_parser(headers.get("cookie", ""))
        bearer = headers.get("authorization", "")
        token = get_token_from_cookies(cookies) or (bearer[7:] if bearer.lower().startswith("bearer ") else None)
        if not token or await asyncio.to_thread(session_current, self.users, token):
            return scope, []
        stale = [name for name in cookies if name.startswith(AUTH_COOKIE)]
        kept = [(k, v) for k, v in scope.get("headers") or [] if k.lower() != b"authorization"
                and not (k.lower() == b"cookie" and stale)]
        if stale:
            rest = "; ".join(f"{k}={v}" for k, v in cookies.items() if k not in stale)
            if rest:
                kept.append((b"cookie", rest.encode("latin-1")))
        return {**scope, "headers": kept}, stale

    def _wrap_send(self, send, *, clear: list[str], scope):
        if scope["type"] != "http":
            return send

        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = [self._secure(k, v) for k, v in message.get("headers", [])]
                headers += [(b"set-cookie", self._secure(b"set-cookie", _expired(name))[1]) for name in clear]
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", CSP))
                message = {**message, "headers": headers}
            await send(message)
        return wrapped

    def _secure(self, key: bytes, value: bytes) -> tuple[bytes, bytes]:
        if (self.cookie_secure and key.lower() == b"set-cookie" and value.startswith(AUTH_COOKIE.encode())
                and b"secure" not in value.lower()):
            value += b"; Secure"
        return key, value

    # ---- login throttling -------------------------------------------------------------------
    async def _login(self, scope, receive, send):
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_LOGIN_BODY:
                return await _refuse(scope, receive, send, 413, "login form too large")
        account = await _form_username(scope, body)
        address = (scope.get("client") or ("?",))[0]
        wait = self.throttle.locked_for(account, address)
        if wait > 0:
            minutes = max(1, round(wait / 60))
            return await _refuse(scope, receive, send, 429, f"too many failed logins; try again in {minutes} min")
        status: list[int] = []
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def watch(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, replay, self._wrap_send(watch, clear=[], scope=scope))
        if status and status[0] == 401:
            log.info("failed login for %r from %s", account, address)
            for kind, value in self.throttle.failed(account, address):
                await asyncio.to_thread(self.audit, account[:128] or "?", "login_locked",
                                        {"locked": kind, "account": account[:128], "address": address,
                                         "seconds": self.throttle.lockout_s})
        elif status and status[0] < 400:
            self.throttle.succeeded(account)


async def _form_username(scope, body: bytes) -> str:
    from starlette.requests import Request

    async def once():
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, once).form()
        return str(form.get("username") or "")
    except Exception:  # noqa: BLE001 - an unparsable form fails Chainlit's own validation next
        return ""


def _expired(name: str) -> bytes:
    return f"{name}=; Max-Age=0; Path=/; HttpOnly; SameSite=lax".encode("latin-1")


async def _refuse(scope, receive, send, status: int, detail: str) -> None:
    if scope["type"] == "websocket":
        await receive()  # websocket.connect; closing before accepting answers the handshake with 403
        await send({"type": "websocket.close", "code": 1008, "reason": detail})
        return
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def logout(services: Any, request: Any) -> dict[str, bool]:
    """Logout ends every session of the account (its token version goes up), not just this browser's."""
    from chainlit.auth.cookie import get_token_from_cookies

    found = token_user(get_token_from_cookies(request.cookies))
    if found is not None:
        try:
            await asyncio.to_thread(services.users.revoke_sessions, found[0])
        except LookupError:
            return {"success": True}
        await asyncio.to_thread(services.audit.append, found[0], "logout", {})
    return {"success": True}


def install(http_app: Any, services: Any) -> None:
    """Put the guard in front of Chainlit's app and refuse socket edits of audited messages."""
    sec = services.settings.security
    throttle = LoginThrottle(max_per_account=sec.login_max_failures_per_account,
                             max_per_address=sec.login_max_failures_per_address,
                             window_s=sec.login_window_s, lockout_s=sec.login_lockout_s)
    http_app.add_middleware(SessionGuard, users=services.users, audit=services.audit.append, throttle=throttle,
                            allow_origins=sec.allow_origins, cookie_secure=sec.cookie_secure)
    _refuse_message_edits()


def _refuse_message_edits() -> None:
    """Chainlit hides the edit button when ``features.edit_message`` is off but its socket still
    accepts ``edit_message`` and re-runs the exchange; an edited question would rewrite an audited one."""
    from chainlit.config import config
    from chainlit.server import sio

    if config.features.edit_message:
        return

    async def edit_message(sid, payload):
        log.warning("refused an edit_message from socket %s (editing is disabled)", sid)

    sio.on("edit_message", edit_message)
