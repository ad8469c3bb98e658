"""Who is calling an HTTP route: the Chainlit auth cookie's JWT, checked against our users table.

Chainlit's own routes hand no user to the data layer (``UserMiddleware`` sets it for them), and
our routes (the audit view, its exports) check the role server-side here: the role is read from
the database on every request, never trusted from the token, so a demoted or removed account
loses access at once.
"""

from __future__ import annotations

import asyncio
from http.cookies import CookieError, SimpleCookie
from typing import Any

from assistant.db.users import UserInfo


def token_username(token: str | None) -> str | None:
    """The user name in a valid, unexpired Chainlit JWT; None for a missing or bad token."""
    from assistant.app.security import token_user

    found = token_user(token)
    return found[0] if found else None


def cookies_from_scope(scope: dict[str, Any]) -> dict[str, str]:
    cookie = SimpleCookie()
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            try:
                cookie.load(value.decode("latin-1"))
            except CookieError:
                return {}
    return {k: m.value for k, m in cookie.items()}


def cookie_username(cookies: dict[str, str]) -> str | None:
    from chainlit.auth.cookie import get_token_from_cookies

    return token_username(get_token_from_cookies(cookies))


async def request_user(services: Any, cookies: dict[str, str]) -> UserInfo | None:
    """The caller's account when its session is current: valid token, same token version as the
    account (logout and password changes raise it), account active."""
    from chainlit.auth.cookie import get_token_from_cookies

    from assistant.app.security import session_current

    token = get_token_from_cookies(cookies)
    name = token_username(token)
    if not name or not await asyncio.to_thread(session_current, services.users, token):
        return None
    info = await asyncio.to_thread(services.users.get, name)
    return info if info is not None and info.active else None


class UserMiddleware:
    """Sets ``datalayer.current_http_user`` for each HTTP request (feedback, thread routes).

    Pure ASGI (not BaseHTTPMiddleware) so streamed and long-polling responses pass untouched.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            return await self.app(scope, receive, send)
        from assistant.app.datalayer import current_http_user

        reset = current_http_user.set(cookie_username(cookies_from_scope(scope)))
        try:
            return await self.app(scope, receive, send)
        finally:
            current_http_user.reset(reset)
