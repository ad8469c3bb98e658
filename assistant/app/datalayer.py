"""Chainlit data layer over our own tables (works wherever our migrations do: SQLite, PostgreSQL).

Chainlit calls these hooks from the event loop; every database call is pushed to a thread so a
slow disk never stalls other users. Access rules live in ``ConversationService``; this layer only
finds out *who* is asking (the websocket session's user, or the HTTP request's user set by
``current_http_user``) and passes them on. Deletions become archives: audits keep everything.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import json
from datetime import datetime
from typing import Any

from chainlit.data.base import BaseDataLayer
from chainlit.types import Feedback, PageInfo, PaginatedResponse, Pagination, ThreadDict, ThreadFilter
from chainlit.user import PersistedUser, User

from assistant.app.markdown_safety import no_remote_images
from assistant.db.users import UserInfo

MESSAGE_TYPES = {"user_message", "assistant_message", "system_message"}

# Set per HTTP request by the app's middleware (Chainlit passes no user to data-layer hooks).
current_http_user: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_http_user", default=None)


# Names Chainlit gives a thread begun without a typed message (an action button, the microphone).
PLACEHOLDER_TITLES = {"ask_example", "audio"}


def _step(step_id: str, thread_id: str, parent: str | None, kind: str, name: str, output: str, created: datetime,
          metadata: dict[str, Any]) -> dict[str, Any]:
    return {"id": step_id, "threadId": thread_id, "parentId": parent, "type": kind, "name": name, "output": output,
            "input": "", "createdAt": _iso(created), "start": _iso(created), "end": _iso(created),
            "metadata": metadata, "streaming": False}


def _feedback(for_id: str, fb: dict[str, Any]) -> dict[str, Any]:
    return {"forId": for_id, "id": fb["id"], "comment": fb["comment"], "value": 1 if fb["value"] == 1 else 0}


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds") + "Z"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


class MaintDataLayer(BaseDataLayer):
    def __init__(self, services: Any) -> None:
        self.services = services
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    def _step_lock(self) -> asyncio.Lock:
        """One lock for message writes. Chainlit sends each update of a message as its own task
        ("writing the answer…", then the answer); unordered, the earlier one could land last and
        leave the progress line stored where the audit log recorded the answer."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    # --- who is asking ---------------------------------------------------------------------
    def _username(self) -> str | None:
        from chainlit.context import context

        try:
            user = context.session.user if context.session else None
        except Exception:  # noqa: BLE001 - no Chainlit context outside a websocket or request
            user = None
        return user.identifier if user else current_http_user.get()

    async def _user(self) -> UserInfo:
        name = self._username()
        info = await asyncio.to_thread(self.services.users.get, name) if name else None
        if info is None or not info.active:
            raise PermissionError("no authenticated user for this request")
        return info

    # --- users -----------------------------------------------------------------------------
    async def get_user(self, identifier: str) -> PersistedUser | None:
        info = await asyncio.to_thread(self.services.users.get, identifier)
        if info is None:
            return None
        return PersistedUser(id=str(info.id), identifier=info.username, createdAt=_iso(info.created_at),
                             display_name=info.username, metadata={"role": info.role})

    async def create_user(self, user: User) -> PersistedUser | None:
        # Accounts are made with `maintassist users add`; logging in never creates one.
        return await self.get_user(user.identifier)

    # --- feedback --------------------------------------------------------------------------
    async def upsert_feedback(self, feedback: Feedback) -> str:
        user = await self._user()
        value = 1 if feedback.value == 1 else -1
        convs = self.services.conversations
        message_id = await asyncio.to_thread(convs.resolve_message, feedback.forId) or feedback.forId
        fid = await asyncio.to_thread(convs.set_feedback, user, message_id, value, feedback.comment, feedback.id)
        thread_id = await asyncio.to_thread(convs.message_thread, message_id)
        await asyncio.to_thread(self.services.audit.append, user.username, "feedback",
                                {"message_id": message_id, "value": value, "comment": feedback.comment},
                                thread_id)
        return fid

    async def delete_feedback(self, feedback_id: str) -> bool:
        user = await self._user()
        return await asyncio.to_thread(self.services.conversations.delete_feedback, user, feedback_id)

    # --- steps and elements ----------------------------------------------------------------
    async def create_step(self, step_dict: dict[str, Any]) -> None:
        if step_dict.get("type") not in MESSAGE_TYPES or not step_dict.get("threadId"):
            return  # tool/run steps are not part of the conversation record
        if (step_dict.get("metadata") or {}).get("welcome"):
            return  # the welcome message is shown to every new chat, not part of one
        async with self._step_lock():  # taken before any await: writes land in the order they were sent
            await self._write_step(step_dict)

    async def _write_step(self, step_dict: dict[str, Any]) -> None:
        user = await self._user()
        convs = self.services.conversations
        output = step_dict.get("output") or ""
        asked = step_dict["type"] == "user_message"
        limit = self.services.settings.app.max_question_chars
        if asked and len(output) > limit:
            # Refused by the handler with a message; what is kept is the start, marked as cut.
            output = output[:limit] + f"\n\n[cut: {len(output):,} characters in all]"
        thread = await asyncio.to_thread(convs.ensure_thread, user, step_dict["threadId"])
        if thread.title is None and asked and output:
            # a chat begun by an example button is named after its first question
            await asyncio.to_thread(convs.update_thread, user, thread.id, title=output[:120])
        await asyncio.to_thread(
            convs.add_message, user, step_dict["threadId"], step_dict["type"], output,
            message_id=step_dict["id"], name=step_dict.get("name"), parent_id=step_dict.get("parentId"),
            metadata=step_dict.get("metadata") or None, created_at=_parse(step_dict.get("createdAt")),
            overwrite=not asked)  # a question, once asked, is part of the record and never rewritten

    async def update_step(self, step_dict: dict[str, Any]) -> None:
        await self.create_step(step_dict)

    async def delete_step(self, step_id: str) -> None:
        return None  # messages stay for the audit trail

    async def create_element(self, element: Any) -> None:
        if not getattr(element, "thread_id", None) or getattr(element, "content", None) is None:
            return
        user = await self._user()
        content = element.content if isinstance(element.content, str) else None
        data = {"id": element.id, "forId": getattr(element, "for_id", None), "type": element.type,
                "name": element.name, "display": element.display, "content": content,
                "mime": getattr(element, "mime", None)}
        await asyncio.to_thread(self.services.conversations.ensure_thread, user, element.thread_id)
        await asyncio.to_thread(self.services.conversations.add_element, user, element.thread_id, data)

    async def get_element(self, thread_id: str, element_id: str) -> dict[str, Any] | None:
        user = await self._user()
        view = await asyncio.to_thread(self.services.conversations.get_thread, user, thread_id)
        return next((self._element(e, thread_id) for e in view.elements if e["id"] == element_id), None)

    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        return None

    # --- threads ---------------------------------------------------------------------------
    async def get_thread_author(self, thread_id: str) -> str:
        return await asyncio.to_thread(self.services.conversations.thread_owner, thread_id) or ""

    async def delete_thread(self, thread_id: str) -> None:
        user = await self._user()
        await asyncio.to_thread(self.services.conversations.archive_thread, user, thread_id)

    async def list_threads(self, pagination: Pagination, filters: ThreadFilter) -> PaginatedResponse[ThreadDict]:
        info = await asyncio.to_thread(self.services.users.get_by_id, int(filters.userId or 0))
        if info is None:
            return PaginatedResponse(pageInfo=PageInfo(hasNextPage=False, startCursor=None, endCursor=None), data=[])
        before = None
        if pagination.cursor:
            # The cursor is the viewer's own last thread id: anything else (another user's thread,
            # a made-up id) is "not found", never a 500 or a hint that the thread exists.
            owned = await asyncio.to_thread(self.services.conversations.list_threads, info, limit=1,
                                            only_id=pagination.cursor)
            if not owned:
                from fastapi import HTTPException

                raise HTTPException(status_code=404, detail="no such thread")
            before = owned[0].created_at
        # The sidebar lists the viewer's own threads: Chainlit only lets authors open a thread.
        threads = await asyncio.to_thread(self.services.conversations.list_threads, info,
                                          limit=pagination.first + 1, before=before, search=filters.search)
        page, more = threads[: pagination.first], len(threads) > pagination.first
        data = [ThreadDict(id=t.id, createdAt=_iso(t.created_at), name=t.title or "New conversation",
                           userId=str(info.id), userIdentifier=t.owner, tags=[], metadata=t.metadata,
                           steps=[], elements=[]) for t in page]
        return PaginatedResponse(pageInfo=PageInfo(hasNextPage=more, startCursor=page[0].id if page else None,
                                                   endCursor=page[-1].id if page else None), data=data)

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        convs = self.services.conversations
        owner = await asyncio.to_thread(convs.thread_owner, thread_id)
        if owner is None:
            return None
        # Chainlit checks authorship before and after this call; we read as the owner.
        info = await asyncio.to_thread(self.services.users.get, owner)
        if info is None or not info.active:
            return None  # a disabled or deleted owner cannot resume it
        view = await asyncio.to_thread(convs.get_thread, info, thread_id)
        steps: list[dict[str, Any]] = []
        runs: dict[str, dict[str, Any]] = {}
        ids = {m.id for m in view.messages}
        for m in view.messages:
            parent = m.parent_id if m.parent_id in ids else None
            step = _step(m.id, thread_id, parent, m.role, m.name or "", no_remote_images(m.content), m.created_at,
                         m.metadata)
            if m.parent_id and parent is None and m.role == "assistant_message":
                # Run steps are not stored. Chainlit puts copy and 👍/👎 on the last answer of a
                # run, so a reopened answer gets its run back (feedback keyed by the run's id
                # resolves to the answer, see ConversationService.resolve_message).
                parent = m.parent_id
                if parent not in runs:
                    runs[parent] = _step(parent, thread_id, None, "run", "on_message", "", m.created_at, {})
                    steps.append(runs[parent])
                step["parentId"] = parent
                if m.feedback:
                    runs[parent]["feedback"] = _feedback(parent, m.feedback)
            if m.feedback:
                step["feedback"] = _feedback(m.id, m.feedback)
            steps.append(step)
        t = view.thread
        return ThreadDict(id=t.id, createdAt=_iso(t.created_at), name=t.title, userId=str(info.id),
                          userIdentifier=owner, tags=[], metadata=t.metadata, steps=steps,
                          elements=[self._element(e, thread_id) for e in view.elements])

    async def update_thread(self, thread_id: str, name: str | None = None, user_id: str | None = None,
                            metadata: dict | None = None, tags: list[str] | None = None) -> None:
        user = await self._user()
        convs = self.services.conversations
        await asyncio.to_thread(convs.ensure_thread, user, thread_id)
        if name in PLACEHOLDER_TITLES:
            name = None  # Chainlit names a chat begun by a button after the button; the question names it
        safe_meta = None
        if metadata is not None:
            # Chainlit stores the whole user session here; keep only what resuming needs.
            safe_meta = {k: metadata[k] for k in ("chat_settings", "asset", "history") if k in metadata}
        await asyncio.to_thread(convs.update_thread, user, thread_id, title=name, metadata=safe_meta)

    @staticmethod
    def _element(e: dict[str, Any], thread_id: str) -> dict[str, Any]:
        # The browser fetches a text element's body from its url; a resumed thread has no session
        # file to point at, so the stored excerpt travels inline as a data: URL. A custom element
        # (the procedure checklist) keeps its props, ticks included, as JSON content.
        url = props = None
        if e.get("type") == "custom":
            props = json.loads(e.get("content") or "{}")
        elif e.get("content") is not None:
            body = no_remote_images(e["content"])  # stored before images were made links, or not ours
            url = "data:text/plain;charset=utf-8;base64," + base64.b64encode(body.encode()).decode()
        return {**e, "threadId": thread_id, "url": url, "chainlitKey": None, "objectKey": None, "size": None,
                "language": None, "page": None, "props": props, "autoPlay": None, "playerConfig": None}

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        return None

    async def get_favorite_steps(self, user_id: str) -> list[dict[str, Any]]:
        return []
