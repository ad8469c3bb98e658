"""What happens when a technician asks: scope, progress, the checked answer, the record.

Called from ``main.py``'s Chainlit callbacks. Each exchange: resolve the machine (a machine named
in the question takes over), show where the question is (queued with its place, searching,
writing with an estimate), list the sources, stream the answer, then replace it with the checked
text, visible flags and one side panel per citation (``[n]``). A decline is one line and a
suggestion, with the nearest sources as collapsed chips. The Answer and an audit event are stored.
Commands (``/procedure``, ``/audit``, ``/thread``) are in ``commands.py``.

Mutation testing (``make mutate``) covers who may ask what here (``current_user``,
``handle_message``); the streaming UI code is marked ``no mutate block``, the browser tests cover it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import chainlit as cl

from assistant.app import commands, labels, render, security, ui
from assistant.app.markdown_safety import ImageStreamFilter
from assistant.app.scope import resolve_scope
from assistant.app.services import AppServices
from assistant.db.export import answer_payload
from assistant.db.integrity import record_payload
from assistant.db.users import UserInfo

log = logging.getLogger(__name__)

COMMAND_RE = re.compile(r"^\s*/(procedure|audit|thread)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)


def current_user(services: AppServices) -> UserInfo:
    user = cl.user_session.get("user")
    info = services.users.get(user.identifier) if user else None
    if info is None:
        raise PermissionError("not logged in")
    # An open socket outlives the token check at connect: a revoked session must not keep asking.
    if not security.session_current(services.users, cl.context.session.token):
        raise PermissionError("your session has ended (logged out, password changed or account disabled); "
                              "reload the page and log in again")
    return info


async def handle_message(services: AppServices, text: str, message_id: str | None = None) -> None:
    """``message_id``: the technician's message, whose text the exchange's audit event vouches for."""
    user = current_user(services)
    limit = services.settings.app.max_question_chars
    if len(text) > limit:
        await cl.Message(content=f"Your message has {len(text):,} characters; the limit is {limit:,}. "
                                 "Please ask a shorter question (one problem at a time).").send()
        return
    asked = (message_id, text)
    if m := COMMAND_RE.match(text):
        await commands.run(services, user, m.group(1).lower(), m.group(2).strip(), asked)
    else:
        await answer_question(services, user, text, asked)


class Panels:  # pragma: no mutate block
    """One side element per citation number; its text is rewritten (same element id) once the
    answer is known, so the panel can show the cited line in bold."""

    def __init__(self) -> None:
        self._by_n: dict[int, cl.Text] = {}

    def elements(self, citations: list[Any], answer_text: str = "") -> list[cl.Text]:
        out = []
        for c in citations:
            content = labels.citation_text(c, answer_text)
            el = self._by_n.get(c.n)
            if el is None or el.content != content:
                same = {"id": el.id} if el is not None else {}
                el = cl.Text(name=render.element_name(c), content=content, display="side", **same)
                self._by_n[c.n] = el
            out.append(el)
        return out


async def answer_question(services: AppServices, user: UserInfo, question: str,
                          asked: tuple[str | None, str] = (None, "")) -> None:  # pragma: no mutate block
    scope = resolve_scope(cl.user_session.get("asset"), question, services.registry)
    if scope.changed:
        cl.user_session.set("asset", scope.asset)
        await ui.show_machine(services.assets, scope.asset)
    # Plain dicts, not ChatMessage: Chainlit persists the session as JSON for resuming.
    conversation: list[dict[str, str]] = cl.user_session.get("history") or []
    head = f"_{scope.note}_\n\n" if scope.note else ""
    msg = cl.Message(content="", author="Assistant")
    sent = False
    answer = None
    panels = Panels()
    images = ImageStreamFilter()  # streamed text is rendered at once: no image may load from it either

    async def show(content: str) -> None:
        nonlocal sent
        msg.content = head + content
        await (msg.update() if sent else msg.send())
        sent = True

    runner = services.runner
    async for kind, value in runner.stream(question, asset=scope.asset, conversation=conversation):
        if kind == "queued":
            await show(render.progress_line("queued", place=value, estimate_s=runner.estimate_s()))
        elif kind == "started":
            await show(render.progress_line("searching"))
        elif kind == "sources":
            msg.elements = panels.elements(value)
            await show(render.progress_line("writing", estimate_s=runner.estimate_s()) + "\n\n"
                       + render.sources_line(value) + "\n\n")
        elif kind == "token":
            await msg.stream_token(images.feed(value))
        elif kind == "error":
            log.error("answer failed", exc_info=value)
            await show(f"⚠️ Could not answer: {value}")
            return
        elif kind == "answer":
            answer = value
    if answer is None:
        return
    answer.extra["scope_note"] = scope.note or None
    if answer.abstained:
        msg.elements = [ui.source_chips(answer.citations[:3])] if answer.citations else []
    else:
        msg.elements = panels.elements(answer.citations, answer.text)
    await show(render.answer_markdown(answer.text, answer.citations, answer.flags, answer.abstained))
    turn = [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    cl.user_session.set("history", (conversation + turn)[-2 * services.settings.answer.conversation_turns:])
    shown = record_payload(msg.id, msg.content, *asked)
    await asyncio.to_thread(_record, services, user, cl.context.session.thread_id, msg.id, answer, shown)


def _record(services: AppServices, user: UserInfo, thread_id: str, message_id: str, answer: Any,
            shown: dict[str, Any]) -> None:  # pragma: no mutate block
    services.conversations.ensure_thread(user, thread_id, title=answer.question[:120], asset=answer.asset)
    services.conversations.update_thread(user, thread_id, asset=answer.asset)
    services.conversations.record_answer(user, thread_id, message_id, answer)
    services.audit.append(user.username, "answer", {**answer_payload(answer, message_id), **shown}, thread_id)
