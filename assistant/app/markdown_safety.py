"""Markdown from documents, technicians and the model must not make a viewer's browser fetch anything.

An image (``![alt](http://host/x)``, ``![alt][ref]``) in a work-order cell, a manual, a
technician's message or a model's answer would be fetched by every browser that shows it, a
supervisor's on ``/thread`` included: it tells a stranger who read what and when, and an answer
steered by a planted instruction could put data into the URL. Images become plain links, which
a reader can still follow on purpose. (Raw HTML is not rendered: ``unsafe_allow_html = false``;
the server's CSP also refuses remote images, see ``security.py``.)

    no_remote_images("see ![wiring](http://x/w.png)")   # -> 'see [🖼 wiring](http://x/w.png)'
    stream = ImageStreamFilter(); stream.feed("a !"); stream.feed("[b](u)")   # '' then '!'-safe text
"""

from __future__ import annotations

import re

# "![" not escaped by a backslash starts an inline, reference or shortcut image.
_IMAGE = re.compile(r"(?<!\\)!\[")
LINK_MARK = "[🖼 "


def no_remote_images(text: str | None) -> str:
    """The same Markdown with every image turned into a link (shortcut references into text)."""
    return _IMAGE.sub(LINK_MARK, text or "")


class ImageStreamFilter:
    """``no_remote_images`` over a token stream: a "!" at the end of one token is held back until
    the next shows whether "[" follows (an image split across tokens is still caught)."""

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text, self._held = self._held + piece, ""
        if text.endswith("!") and not text.endswith("\\!"):
            text, self._held = text[:-1], "!"
        return no_remote_images(text)

    def flush(self) -> str:
        text, self._held = self._held, ""
        return text
