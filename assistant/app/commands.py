"""Chat commands: ``/procedure <problem>``, and for supervisors ``/audit [filters]`` and ``/thread <id>``.

Supervisor output is sent as system messages: it is a view of the record, not an answer to rate,
so it carries no 👍/👎. ``/audit`` summarises and links to the audit page (``audit_routes.py``);
``/thread`` accepts a short id and shows each turn with tappable ``[n]`` sources and the feedback.

Mutation testing (``make mutate``) covers who may see what here; ``run_procedure`` (building and
showing a procedure) is marked ``no mutate block``, the procedure and browser tests cover it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import urlencode

import chainlit as cl

from assistant.app import audit_query, checklist, render, ui
from assistant.app.audit_routes import PREFIX
from assistant.app.labels import unique_labels
from assistant.app.markdown_safety import no_remote_images
from assistant.app.scope import resolve_scope
from assistant.app.services import AppServices
from assistant.app.transcript import feedback_line, turns
from assistant.db.export import exchanges
from assistant.db.integrity import record_payload, thread_marks, verify_conversations
from assistant.db.users import UserInfo

Asked = tuple[str | None, str]  # the technician's message id and text, vouched for by the audit event

log = logging.getLogger(__name__)
LATEST_IN_CHAT = 5


async def run(services: AppServices, user: UserInfo, name: str, args: str, asked: Asked = (None, "")) -> None:
    if name == "procedure":
        await run_procedure(services, user, args, asked)
    elif not user.can_read_all:
        await _note("Only supervisors and admins can audit.")
    elif name == "audit":
        await show_audit(services, user, args, asked)
    else:
        await show_thread(services, user, args, asked)


async def _note(text: str, elements: list | None = None) -> cl.Message:
    msg = cl.Message(content=text, author="Assistant", type="system_message", elements=elements or [])
    await msg.send()
    return msg


async def _audited(services: AppServices, user: UserInfo, action: str, payload: dict, asked: Asked,
                   msg: cl.Message) -> None:
    """Who looked at what (it vouches for the view's message and the command too)."""
    payload = {**payload, **record_payload(msg.id, msg.content, *asked)}
    await asyncio.to_thread(services.audit.append, user.username, action, payload, cl.context.session.thread_id)


async def run_procedure(services: AppServices, user: UserInfo, symptom: str,
                        asked: Asked = (None, "")) -> None:  # pragma: no mutate block
    if not symptom:
        await _note("Describe the problem after `/procedure`, e.g. `/procedure pump whining`.")
        return
    scope = resolve_scope(cl.user_session.get("asset"), symptom, services.registry)
    if scope.changed:
        cl.user_session.set("asset", scope.asset)
        await ui.show_machine(services.assets, scope.asset)
    head = f"_{scope.note}_\n\n" if scope.note else ""
    msg = cl.Message(content=head + "🔎 **Building the procedure from the manuals and work orders…**",
                     author="Assistant")
    await msg.send()
    t0 = time.perf_counter()
    try:
        procedure = await asyncio.to_thread(services.procedures.build, scope.asset, symptom)
    except Exception as exc:  # noqa: BLE001 - shown to the technician instead of a dead spinner
        log.exception("procedure failed")
        msg.content = f"⚠️ Could not build a procedure: {exc}"
        await msg.update()
        return
    # The steps live in an interactive checklist element; the text keeps what, where, causes, sources.
    msg.content = head + checklist.header_markdown(procedure)
    msg.elements = [cl.CustomElement(name=checklist.ELEMENT_NAME, props=checklist.checklist_props(procedure),
                                     display="inline")]
    msg.elements += [cl.Text(name=f"[{s.n}]", content=checklist.source_text(s), display="side")
                     for s in procedure.sources]
    await msg.update()
    labels = unique_labels(procedure.sources)
    payload = {"message_id": msg.id, "asset": scope.asset, "symptom": symptom,
               "procedure": render.procedure_markdown(procedure), "warnings": list(procedure.warnings),
               "sources": [{"n": s.n, "label": labels[s.n], "source": s.source, "page": s.page,
                            "record_id": s.record_id} for s in procedure.sources],
               "latency_s": round(time.perf_counter() - t0, 3), **record_payload(msg.id, msg.content, *asked)}
    await asyncio.to_thread(services.audit.append, user.username, "procedure", payload, cl.context.session.thread_id)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _row_line(r: dict) -> str:
    fb = {1: " · 👍", -1: " · 👎"}.get(r["feedback"], "")
    comment = f" “{r['feedback_comment']}”" if r.get("feedback_comment") else ""
    question = (r["question"] or "").replace("\n", " ")
    question = question if len(question) <= 70 else question[:69].rsplit(" ", 1)[0] + "…"
    return (f"- {r['ts'][5:16].replace('T', ' ')} · {r['user']} · {r['asset'] or 'any machine'} · "
            f"{question}{fb}{comment} · `{audit_query.short_id(r['thread_id'])}`")


async def show_audit(services: AppServices, user: UserInfo, args: str, asked: Asked = (None, "")) -> None:
    try:
        f = audit_query.parse_words(args)
    except audit_query.AuditFilterError as exc:
        await _note(f"⚠️ {exc}")
        return
    rows = await asyncio.to_thread(exchanges, services.audit, f)
    check = await asyncio.to_thread(services.audit.check)
    problems = await asyncio.to_thread(verify_conversations, services.sessions, services.audit)
    s = audit_query.summary(rows)
    link = PREFIX + ("?" + urlencode(audit_query.as_query(f)) if audit_query.as_query(f) else "")
    chain = "✅ audit chain intact." if check.ok else f"❌ audit chain broken: {check.reason}."
    if problems:
        chain += f" ❌ {len(problems)} stored message(s) differ from the audit log, e.g. {problems[0]}"
    lines = [f"**{_n(s['total'], 'exchange')} match** ({_n(s['procedures'], 'procedure')}, {s['declined']} declined, "
             f"{s['down']} 👎, {_n(s['comments'], 'comment')}). " + chain,
             "", f"**[Open the audit view]({link})**: filters, conversations, feedback comments, CSV/JSONL export."]
    if rows:
        lines += ["", "Latest:"] + [_row_line(r) for r in rows[::-1][:LATEST_IN_CHAT]]
        lines += ["", "Open a conversation with `/thread` and the first characters of its id."]
    msg = await _note(no_remote_images("\n".join(lines)))
    await _audited(services, user, "audit_viewed", audit_query.as_query(f), asked, msg)


async def show_thread(services: AppServices, user: UserInfo, ref: str, asked: Asked = (None, "")) -> None:
    """Read-only transcript of any conversation, one message per turn, sources tappable. Each
    message is checked against the audit log: an edited one is marked, so a supervisor never takes
    a tampered transcript for the record."""
    convs = services.conversations
    ids = await asyncio.to_thread(convs.thread_ids_with_prefix, user, ref.strip()) if ref.strip() else []
    try:
        thread_id = audit_query.resolve_thread(ref, ids)
        view = await asyncio.to_thread(convs.get_thread, user, thread_id)
    except (LookupError, PermissionError) as exc:
        await _note(f"⚠️ {exc}" if str(exc) else "You may not read that conversation.")
        return
    t = view.thread
    marks = await asyncio.to_thread(thread_marks, view, services.audit)
    header = await _note(no_remote_images(f"**{t.title or 'Conversation'}** · `{audit_query.short_id(t.id)}` by "
                                          f"{t.owner} ({t.asset or 'any machine'}, read-only)"))
    await _audited(services, user, "thread_read", {"read_thread": t.id}, asked, header)
    for turn in turns(view):
        who = f"🧑‍🔧 {t.owner}" if turn.role == "user_message" else "🤖 Assistant"
        note = {"altered": " ⚠️ *edited after it was recorded: differs from the audit log*",
                "unrecorded": " *(not in the audit log)*"}.get(marks.get(turn.id, ""), "")
        parts = [f"**{who}** · {turn.created[5:16].replace('T', ' ')}", f"{note.strip()} {turn.text}".strip()]
        if turn.checklist:
            c = turn.checklist
            parts.append(f"Checklist: {c['done']} of {c['total']} ticked.")
        if turn.sources and "[" not in turn.text:  # a decline: its nearest sources, tappable here too
            parts.append("Nearest sources: " + " · ".join(f"[{s.n}] {s.label}" for s in turn.sources))
        if turn.feedback:
            parts.append(f"Feedback: {feedback_line(turn.feedback)}")
        elements = [cl.Text(name=f"[{s.n}]", content=s.panel, display="side") for s in turn.sources]
        await _note(no_remote_images("\n\n".join(p for p in parts if p)), elements)
