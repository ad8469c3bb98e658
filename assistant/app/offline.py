"""Keep the chat page on its own origin: no request to Google Fonts or a CDN.

Chainlit's ``index.html`` links the Inter font from fonts.googleapis.com (with preconnects to
fonts.gstatic.com) and KaTeX's stylesheet from cdn.jsdelivr.net. In an air-gapped plant those
requests hang until they time out, and where a network exists they tell a third party that the
page was opened. Chainlit offers no setting for either link (a ``theme.json`` ``custom_fonts``
list only replaces the font block), so the served page is rewritten here; the page then uses the
system font stack (``public/tablet.css``) and LaTeX is off in the config. No upstream issue was
found; remove this once Chainlit can be told to load nothing from other origins.
"""

from __future__ import annotations

import gzip
import re

_EXTERNAL_TAG_RE = re.compile(
    r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>\s*|<script\b[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>\s*",
    re.IGNORECASE)
_META_IMAGE_RE = re.compile(r"<meta\s+property=\"og:image\"[^>]*>\s*", re.IGNORECASE)


def strip_external(html: str) -> str:
    """The page without tags that load from another origin (stylesheets, preconnects, scripts)."""
    return _META_IMAGE_RE.sub("", _EXTERNAL_TAG_RE.sub("", html))


def headers_of(message: dict) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in message.get("headers") or []}


class OfflineHtmlMiddleware:
    """Rewrites HTML responses with ``strip_external`` (pure ASGI: other responses pass untouched)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        start: dict | None = None
        body: list[bytes] = []

        async def capture(message):
            nonlocal start
            if message["type"] == "http.response.start":
                if not headers_of(message).get(b"content-type", b"").startswith(b"text/html"):
                    return await send(message)
                start = message
                return None
            if start is None:
                return await send(message)
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            raw = b"".join(body)
            if headers_of(start).get(b"content-encoding") == b"gzip":  # Chainlit compresses its responses
                raw = gzip.decompress(raw)
            html = strip_external(raw.decode("utf-8")).encode("utf-8")
            headers = [(k, v) for k, v in start.get("headers") or [] if k not in (b"content-length",
                                                                               b"content-encoding")]
            headers.append((b"content-length", str(len(html)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": html if scope["method"] == "GET" else b""})

        return await self.app(scope, receive, capture)
