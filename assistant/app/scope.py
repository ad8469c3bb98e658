"""Which machine a question is about: the machine chip, a QR link, or a machine named in the question.

Pure functions over an asset registry (``ingest.assets.AssetRegistry``-like: ``resolve``, ``name``),
tested without Chainlit.

    scope = resolve_scope("PRESS-04", "oil change interval on compressor 1?", registry)
    scope.asset  # 'COMP-01', and scope.note says that the question's machine took over

QR links set a short-lived cookie carrying the asset and a one-time token (``public/app.js``); a
token is honoured once, so a later "New chat" or a fresh ``/`` starts with no machine chosen.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

# Chainlit's pickers (Radix Select / the composer's mode picker) refuse an empty option value:
# "no machine" needs an id of its own.
ANY_MACHINE = "any"
QR_COOKIE = "maintassist_asset"


@dataclass
class Scope:
    asset: str | None
    note: str = ""  # one line shown with the answer when the question's machine took over
    changed: bool = False  # the chip should now show ``asset``


def machine_label(asset: str | None, registry: Any = None) -> str:
    """'Hydraulic press 4 (PRESS-04)', or the id alone when the registry has no name for it."""
    if not asset:
        return "any machine"
    name = registry.name(asset) if registry is not None else None
    return f"{name} ({asset})" if name and name != asset else asset


def resolve_scope(selected: str | None, question: str, registry: Any = None) -> Scope:
    """The machine to answer for. A machine named in the question takes over from the chip or QR
    scope (and the answer says so); several named machines leave the choice to the answer chain."""
    selected = selected if selected and selected != ANY_MACHINE else None
    named = list(registry.resolve(question)) if registry is not None else []
    if not named or selected in named:
        return Scope(selected)
    was = f", not {machine_label(selected, registry)}" if selected else ""
    if len(named) == 1:
        label = machine_label(named[0], registry)
        return Scope(named[0], f"Answering for {label}, the machine named in your question{was}.", changed=True)
    names = " and ".join(machine_label(a, registry) for a in named[:3])
    return Scope(None, f"Answering across {names}, the machines named in your question{was}.", changed=True)


def new_qr_token() -> str:
    return secrets.token_urlsafe(9)


class QrTokens:
    """One-time tokens of QR cookies already used to scope a chat (bounded, oldest forgotten first)."""

    def __init__(self, capacity: int = 4096) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def first_use(self, token: str) -> bool:
        if token in self._seen:
            return False
        self._seen[token] = None
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return True


def qr_asset(environ: dict[str, Any] | None, tokens: QrTokens) -> str | None:
    """The asset a QR link asked for: ``?asset=`` on the page URL (the chat socket's Referer), else
    the cookie ``public/app.js`` sets before the login redirect, honoured once per token."""
    environ = environ or {}
    values = parse_qs(urlparse(environ.get("HTTP_REFERER") or "").query).get("asset")
    if values and values[0].strip():
        return values[0].strip()
    cookie = SimpleCookie()
    try:
        cookie.load(environ.get("HTTP_COOKIE") or "")
    except CookieError:  # a malformed cookie header just means no asset
        return None
    morsel = cookie.get(QR_COOKIE)
    if morsel is None:
        return None
    asset, sep, token = unquote(morsel.value).rpartition("~")
    if not sep or not asset.strip() or not token or not tokens.first_use(token):
        return None
    return asset.strip()
