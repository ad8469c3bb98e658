"""What happens when a technician asks, asks for a procedure, or a supervisor audits.

Called from ``main.py``'s Chainlit callbacks. Each exchange: stream the answer into one message
(sources first, then tokens), replace it with the checked text plus visible flags, attach every
citation as a side element named ``[n]``, record the Answer and append an audit event.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import chainlit as cl

from assistant.app import checklist, render, security
from assistant.app.markdown_safety import ImageStreamFilter, no_remote_images
from assistant.app.services import AppServices
from assistant.db.export import ExchangeFilter, answer_payload, exchanges
from assistant.db.integrity import record_payload, thread_marks, verify_conversations
from assistant.db.users import UserInfo

log = logging.getLogger(__name__)

PROCEDURE_RE = re.compile(r"^\s*/procedure\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
AUDIT_RE = re.compile(r"^\s*/audit\b\s*(.*)$", re.IGNORECASE)
THREAD_RE = re.compile(r"^\s*/thread\s+(\S+)\s*$", re.IGNORECASE)
HISTORY_TURNS = 8


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


def asset_from_request(environ: dict[str, Any] | None) -> str | None:
    """The asset a QR link asked for: ``?asset=`` on the page URL (Referer of the chat socket), else
    the short-lived ``maintassist_asset`` cookie ``public/app.js`` sets before the login redirect."""
    from http.cookies import SimpleCookie

    environ = environ or {}
    values = parse_qs(urlparse(environ.get("HTTP_REFERER") or "").query).get("asset")
    if values and values[0].strip():
        return values[0].strip()
    cookie = SimpleCookie()
    try:
        cookie.load(environ.get("HTTP_COOKIE") or "")
    except Exception:  # noqa: BLE001 - a malformed cookie header just means no asset
        return None
    morsel = cookie.get("maintassist_asset")
    return unquote(morsel.value).strip() or None if morsel else None


def asset_settings(services: AppServices, initial: str | None) -> cl.ChatSettings:
    from chainlit.input_widget import Select

    items = {"Any machine": ""}
    items.update({label: asset_id for asset_id, label in services.assets})
    if initial and initial not in items.values():
        items[initial] = initial  # a QR link to an asset the registry does not list yet
    return cl.ChatSettings([Select(id="asset", label="Machine", items=items, initial_value=initial or "")])


async def handle_message(services: AppServices, text: str, message_id: str | None = None) -> None:
    """``message_id``: the technician's message, whose text the exchange's audit event vouches for."""
    user = current_user(services)
    limit = services.settings.app.max_question_chars
    if len(text) > limit:
        await cl.Message(content=f"Your message has {len(text):,} characters; the limit is {limit:,}. "
                                 "Please ask a shorter question (one problem at a time).").send()
        return
    asked = (message_id, text)
    if m := PROCEDURE_RE.match(text):
        await run_procedure(services, user, m.group(1).strip(), asked)
    elif m := AUDIT_RE.match(text):
        await show_audit(services, user, m.group(1).strip(), asked)
    elif m := THREAD_RE.match(text):
        await show_thread(services, user, m.group(1), asked)
    else:
        await answer_question(services, user, text, asked)


async def answer_question(services: AppServices, user: UserInfo, question: str,
                          asked: tuple[str | None, str] = (None, "")) -> None:
    asset = cl.user_session.get("asset") or None
    # Plain dicts, not ChatMessage: Chainlit persists the session as JSON for resuming.
    history: list[dict[str, str]] = cl.user_session.get("history") or []
    msg = cl.Message(content="", author="Assistant")
    await msg.send()
    answer = None
    elements: dict[str, cl.Text] = {}
    images = ImageStreamFilter()  # streamed text is rendered at once: no image may load from it either
    async for kind, value in services.runner.stream(question, asset=asset, history=history):
        if kind == "queued":
            msg.content = f"_Queued: {value} question(s) ahead of yours…_"
            await msg.update()
        elif kind == "sources":
            msg.elements = _elements(value, elements)
            msg.content = render.sources_line(value) + "\n\n"
            await msg.update()
        elif kind == "token":
            await msg.stream_token(images.feed(value))
        elif kind == "error":
            log.exception("answer failed", exc_info=value)
            msg.content = f"⚠️ Could not answer: {value}"
            await msg.update()
            return
        elif kind == "answer":
            answer = value
    if answer is None:
        return
    msg.elements = _elements(answer.citations, elements)
    msg.content = render.answer_markdown(answer.text, answer.citations, answer.flags, answer.abstained)
    await msg.update()
    turn = [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]
    history = (history + turn)[-HISTORY_TURNS:]
    cl.user_session.set("history", history)
    thread_id = cl.context.session.thread_id
    shown = record_payload(msg.id, msg.content, *asked)
    await asyncio.to_thread(_record, services, user, thread_id, msg.id, answer, shown)


def _elements(citations: list[Any], made: dict[str, cl.Text]) -> list[cl.Text]:
    """One side element per citation, reused across updates so the panel never shows duplicates."""
    out = []
    for c in citations:
        content = render.citation_text(c)
        key = f"{c.n}:{content}"
        if key not in made:
            made[key] = cl.Text(name=render.element_name(c), content=content, display="side")
        out.append(made[key])
    return out


def _record(services: AppServices, user: UserInfo, thread_id: str, message_id: str, answer: Any,
            shown: dict[str, Any]) -> None:
    services.conversations.ensure_thread(user, thread_id, title=answer.question[:120], asset=answer.asset)
    services.conversations.update_thread(user, thread_id, asset=answer.asset)
    services.conversations.record_answer(user, thread_id, message_id, answer)
    services.audit.append(user.username, "answer", {**answer_payload(answer, message_id), **shown}, thread_id)


async def run_procedure(services: AppServices, user: UserInfo, symptom: str,
                        asked: tuple[str | None, str] = (None, "")) -> None:
    asset = cl.user_session.get("asset") or None
    if not symptom:
        await cl.Message(content="Describe the problem after `/procedure`, e.g. `/procedure pump whining`.").send()
        return
    msg = cl.Message(content="_Building the procedure from the manuals and work orders…_", author="Assistant")
    await msg.send()
    try:
        procedure = await asyncio.to_thread(services.procedures.build, asset, symptom)
    except Exception as exc:  # noqa: BLE001 - shown to the technician instead of a dead spinner
        log.exception("procedure failed")
        msg.content = f"⚠️ Could not build a procedure: {exc}"
        await msg.update()
        return
    # The steps live in an interactive checklist element; the text keeps what, where, causes, sources.
    msg.content = checklist.header_markdown(procedure)
    msg.elements = [cl.CustomElement(name=checklist.ELEMENT_NAME, props=checklist.checklist_props(procedure),
                                     display="inline")]
    msg.elements += [cl.Text(name=f"[{s.n}]", content=checklist.source_text(s), display="side")
                     for s in procedure.sources]
    await msg.update()
    payload = {"message_id": msg.id, "asset": asset, "symptom": symptom,
               "procedure": render.procedure_markdown(procedure), **record_payload(msg.id, msg.content, *asked)}
    await asyncio.to_thread(services.audit.append, user.username, "procedure", payload, cl.context.session.thread_id)


async def show_audit(services: AppServices, user: UserInfo, args: str,
                     asked: tuple[str | None, str] = (None, "")) -> None:
    if not user.can_read_all:
        await cl.Message(content="Only supervisors and admins can audit.").send()
        return
    flagged = "flagged" in args.split()
    rows = await asyncio.to_thread(exchanges, services.audit, ExchangeFilter(flagged=flagged))
    check = await asyncio.to_thread(services.audit.check)
    chain = "✅ audit chain intact" if check.ok else f"❌ audit chain broken: {check.reason}"
    problems = await asyncio.to_thread(verify_conversations, services.sessions, services.audit)
    if problems:
        chain += f"\n\n❌ {len(problems)} stored message(s) differ from the audit log, e.g. {problems[0]}"
    await _reply(services, user, "audit_viewed", {"flagged": flagged}, asked,
                 f"{chain}\n\n{render.audit_markdown(rows)}\n\nOpen a conversation: `/thread <id>`")


async def show_thread(services: AppServices, user: UserInfo, thread_id: str,
                      asked: tuple[str | None, str] = (None, "")) -> None:
    """Read-only transcript of any thread for supervisors (the server refuses technicians).

    Each message is checked against the audit log: an edited one is marked, so a supervisor never
    takes a tampered transcript for the record."""
    try:
        view = await asyncio.to_thread(services.conversations.get_thread, user, thread_id)
    except PermissionError:
        await cl.Message(content="You may not read that conversation.").send()
        return
    except LookupError:
        await cl.Message(content=f"No conversation {thread_id}.").send()
        return
    marks = await asyncio.to_thread(thread_marks, view, services.audit)
    lines = [f"**{view.thread.title or 'Conversation'}** by {view.thread.owner} "
             f"({view.thread.asset or 'any machine'}, read-only)"]
    for m in view.messages:
        who = "🧑‍🔧" if m.role == "user_message" else "🤖"
        note = {"altered": " ⚠️ *edited after it was recorded: differs from the audit log*",
                "unrecorded": " *(not in the audit log)*"}.get(marks.get(m.id, ""), "")
        lines.append(f"{who}{note} {no_remote_images(m.content)}")
    await _reply(services, user, "thread_read", {"read_thread": thread_id}, asked, "\n\n".join(lines))


async def _reply(services: AppServices, user: UserInfo, action: str, payload: dict[str, Any],
                 asked: tuple[str | None, str], content: str) -> None:
    """Send a supervisor's view and audit who looked at what (it vouches for both messages too)."""
    msg = await cl.Message(content=content).send()
    payload = {**payload, **record_payload(msg.id, msg.content, *asked)}
    await asyncio.to_thread(services.audit.append, user.username, action, payload, cl.context.session.thread_id)
