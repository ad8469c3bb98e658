"""Threads, messages, recorded answers and feedback, with access control enforced here.

Rules: a technician reads and writes only their own threads; supervisors and admins read every
thread but write only their own. Violations raise ``PermissionError`` (never silently filtered),
so the server and the tests see the same decision.

    convs = ConversationService(Session)
    t = convs.create_thread(ana, title="Press 4 noise", asset="PRESS-04")
    convs.add_message(ana, t.id, "user_message", "Why is press 4 whining?")
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import AnswerRecord, Element, Feedback, Message, Thread, User
from assistant.db.users import UserInfo


@dataclass
class ThreadInfo:
    id: str
    owner: str
    title: str | None
    asset: str | None
    created_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class MessageInfo:
    id: str
    role: str
    name: str | None
    content: str
    created_at: datetime
    parent_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    feedback: dict[str, Any] | None = None  # {"id", "value": +1/-1, "comment"} of the viewer


@dataclass
class ThreadView:
    thread: ThreadInfo
    messages: list[MessageInfo]
    elements: list[dict[str, Any]]


def _thread_info(thread: Thread, owner: str) -> ThreadInfo:
    return ThreadInfo(thread.id, owner, thread.title, thread.asset, thread.created_at, dict(thread.metadata_ or {}))


class ConversationService:
    # Chainlit's step writes and our answer recording can race to create the same message row.
    _lock = threading.Lock()

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # --- threads -------------------------------------------------------------------------
    def create_thread(self, user: UserInfo, thread_id: str | None = None, title: str | None = None,
                      asset: str | None = None, metadata: dict[str, Any] | None = None) -> ThreadInfo:
        with self._sessions() as session:
            thread = Thread(id=thread_id or str(uuid.uuid4()), owner_id=user.id, title=title, asset=asset,
                            metadata_=metadata or {})
            session.add(thread)
            session.commit()
            return _thread_info(thread, user.username)

    def ensure_thread(self, user: UserInfo, thread_id: str, **fields: Any) -> ThreadInfo:
        """The thread, created for ``user`` when new; an existing one must be writable by ``user``."""
        with self._lock:
            with self._sessions() as session:
                if (thread := session.get(Thread, thread_id)) is not None:
                    self._check_write(user, thread)
                    return _thread_info(thread, user.username)
            return self.create_thread(user, thread_id, **fields)

    def update_thread(self, user: UserInfo, thread_id: str, *, title: str | None = None,
                      asset: str | None = None, metadata: dict[str, Any] | None = None) -> None:
        with self._sessions() as session:
            self._check_write(user, thread := self._require_thread(session, thread_id))
            if title is not None:
                thread.title = title[:256]
            if asset is not None:
                thread.asset = asset
            if metadata is not None:
                thread.metadata_ = {**(thread.metadata_ or {}), **metadata}
            session.commit()

    def archive_thread(self, user: UserInfo, thread_id: str) -> None:
        """Hide a thread from its owner's sidebar; nothing is deleted because audits still need it."""
        self.update_thread(user, thread_id, metadata={"archived": True})

    def thread_owner(self, thread_id: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(select(User.username).join(Thread, Thread.owner_id == User.id)
                                  .where(Thread.id == thread_id))

    def list_threads(self, user: UserInfo, *, limit: int = 50, before: datetime | None = None,
                     search: str | None = None, include_all: bool = False,
                     only_id: str | None = None) -> list[ThreadInfo]:
        """Newest first. Technicians get their own; ``include_all`` widens it for supervisors/admins.
        ``only_id`` narrows it to that one thread (empty when ``user`` may not list it)."""
        query = (select(Thread, User.username).join(User, Thread.owner_id == User.id)
                 .order_by(Thread.created_at.desc()).limit(limit))
        if only_id is not None:
            query = query.where(Thread.id == only_id)
        if not (include_all and user.can_read_all):
            query = query.where(Thread.owner_id == user.id)
        if before is not None:
            query = query.where(Thread.created_at < before)
        if search:
            query = query.where(Thread.title.ilike(f"%{search}%"))
        with self._sessions() as session:
            rows = session.execute(query).all()
        return [_thread_info(t, owner) for t, owner in rows if not (t.metadata_ or {}).get("archived")]

    def thread_ids_with_prefix(self, user: UserInfo, prefix: str, limit: int = 5) -> list[str]:
        """Ids of readable threads starting with ``prefix`` (a supervisor types or taps a short id)."""
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = select(Thread.id).where(Thread.id.like(f"{escaped}%", escape="\\")).limit(limit)
        if not user.can_read_all:
            query = query.where(Thread.owner_id == user.id)
        with self._sessions() as session:
            return list(session.scalars(query))

    def get_thread(self, user: UserInfo, thread_id: str) -> ThreadView:
        """Thread with messages and elements; ``PermissionError`` if ``user`` may not read it."""
        with self._sessions() as session:
            thread = self._require_thread(session, thread_id)
            self._check_read(user, thread)
            owner = session.get(User, thread.owner_id).username
            messages = session.scalars(select(Message).where(Message.thread_id == thread_id)
                                       .order_by(Message.created_at, Message.id)).all()
            feedback = {f.message_id: f for f in session.scalars(
                select(Feedback).where(Feedback.message_id.in_([m.id for m in messages]),
                                       Feedback.user_id == thread.owner_id))}
            elements = session.scalars(select(Element).where(Element.thread_id == thread_id)
                                       .order_by(Element.created_at)).all()
            return ThreadView(
                thread=_thread_info(thread, owner),
                messages=[MessageInfo(m.id, m.role, m.name, m.content, m.created_at, m.parent_id,
                                      dict(m.metadata_ or {}), _feedback_dict(feedback.get(m.id)))
                          for m in messages],
                elements=[{"id": e.id, "forId": e.for_id, "type": e.type, "name": e.name,
                           "display": e.display, "content": e.content, "mime": e.mime} for e in elements],
            )

    # --- messages and answers ------------------------------------------------------------
    def add_message(self, user: UserInfo, thread_id: str, role: str, content: str, *,
                    message_id: str | None = None, name: str | None = None, parent_id: str | None = None,
                    metadata: dict[str, Any] | None = None, created_at: datetime | None = None,
                    overwrite: bool = True) -> str:
        """Insert or update a message (Chainlit re-sends steps as they stream). Returns its id.

        ``overwrite=False`` only creates a missing row and leaves an existing one as shown to the user.
        """
        message_id = message_id or str(uuid.uuid4())
        with self._lock, self._sessions() as session:
            thread = self._require_thread(session, thread_id)
            self._check_write(user, thread)
            row = session.get(Message, message_id)
            if row is None:
                row = Message(id=message_id, thread_id=thread_id, role=role, content=content or "")
                if created_at is not None:
                    row.created_at = created_at
                session.add(row)
            elif row.thread_id != thread_id:
                raise PermissionError(f"message {message_id} belongs to another thread")
            elif not overwrite:
                return message_id
            row.role, row.content = role, content or row.content
            row.name = name if name is not None else row.name
            row.parent_id = parent_id if parent_id is not None else row.parent_id
            if metadata:
                row.metadata_ = {**(row.metadata_ or {}), **metadata}
            session.commit()
        return message_id

    def record_answer(self, user: UserInfo, thread_id: str, message_id: str, answer: Any) -> int:
        """Store an ``assistant.types.Answer`` against its assistant message (created if missing)."""
        # The UI's rendered message (answer + flags + sources) may already be stored; keep it.
        self.add_message(user, thread_id, "assistant_message", answer.text, message_id=message_id,
                         name="Assistant", overwrite=False)
        data = answer.to_dict() if hasattr(answer, "to_dict") else asdict(answer)
        with self._sessions() as session:
            row = AnswerRecord(
                message_id=message_id, thread_id=thread_id, question=data["question"], text=data["text"],
                citations=_plain(data.get("citations", [])), flags=_plain(data.get("flags", [])),
                abstained=bool(data.get("abstained")), retrieval_scores=list(data.get("retrieval_scores") or []),
                model_id=data.get("model_id"), adapter_id=data.get("adapter_id"),
                prompt_version=data.get("prompt_version"), timings=dict(data.get("timings") or {}),
                asset=data.get("asset"), route=data.get("route"))
            session.add(row)
            session.commit()
            return row.id

    def add_element(self, user: UserInfo, thread_id: str, element: dict[str, Any]) -> None:
        with self._lock, self._sessions() as session:
            self._check_write(user, self._require_thread(session, thread_id))
            row = session.get(Element, element["id"]) or Element(id=element["id"], thread_id=thread_id)
            if _saved_at(element.get("content")) < _saved_at(row.content):
                return  # an older tick's save landing late (each is its own request and task)
            row.for_id, row.type = element.get("forId"), element.get("type") or "text"
            row.name, row.display = element.get("name") or "", element.get("display") or "side"
            row.content, row.mime = element.get("content"), element.get("mime")
            session.merge(row)
            session.commit()

    # --- feedback ------------------------------------------------------------------------
    def set_feedback(self, user: UserInfo, message_id: str, value: int, comment: str | None = None,
                     feedback_id: str | None = None) -> str:
        """Thumbs up (+1) or down (-1) by ``user`` on a message of a thread they may read."""
        if value not in (1, -1):
            raise ValueError(f"feedback value must be +1 or -1, got {value!r}")
        with self._sessions() as session:
            message = session.get(Message, message_id)
            if message is None:
                raise LookupError(f"no message {message_id!r}")
            self._check_read(user, session.get(Thread, message.thread_id))
            row = session.scalar(select(Feedback).where(Feedback.message_id == message_id,
                                                        Feedback.user_id == user.id))
            if row is None:
                answer_id = session.scalar(select(AnswerRecord.id).where(AnswerRecord.message_id == message_id))
                row = Feedback(id=feedback_id or str(uuid.uuid4()), message_id=message_id, answer_id=answer_id,
                               user_id=user.id, value=value)
                session.add(row)
            row.value, row.comment = value, comment
            session.commit()
            return row.id

    def delete_feedback(self, user: UserInfo, feedback_id: str) -> bool:
        with self._sessions() as session:
            row = session.get(Feedback, feedback_id)
            if row is None:
                return False
            if row.user_id != user.id:
                raise PermissionError("feedback belongs to another user")
            session.delete(row)
            session.commit()
            return True

    def resolve_message(self, step_id: str) -> str | None:
        """The message a UI step id stands for: itself, or the last answer inside a Chainlit run step
        (Chainlit attaches thumbs to the run that wraps ``on_message``, which we do not store)."""
        with self._sessions() as session:
            if session.get(Message, step_id) is not None:
                return step_id
            return session.scalar(select(Message.id).where(Message.parent_id == step_id,
                                                           Message.role == "assistant_message")
                                  .order_by(Message.created_at.desc()).limit(1))

    def message_thread(self, message_id: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(select(Message.thread_id).where(Message.id == message_id))

    # --- access --------------------------------------------------------------------------
    @staticmethod
    def _require_thread(session: Session, thread_id: str) -> Thread:
        thread = session.get(Thread, thread_id)
        if thread is None:
            raise LookupError(f"no thread {thread_id!r}")
        return thread

    @staticmethod
    def _check_read(user: UserInfo, thread: Thread) -> None:
        if thread.owner_id != user.id and not user.can_read_all:
            raise PermissionError(f"{user.username} may not read thread {thread.id}")

    @staticmethod
    def _check_write(user: UserInfo, thread: Thread) -> None:
        if thread.owner_id != user.id:
            raise PermissionError(f"{user.username} may not write to thread {thread.id} (read-only)")


def _feedback_dict(row: Feedback | None) -> dict[str, Any] | None:
    return {"id": row.id, "value": row.value, "comment": row.comment} if row else None


def _plain(items: list[Any]) -> list[Any]:
    return [asdict(i) if is_dataclass(i) else i for i in items]


def _saved_at(content: str | None) -> float:
    """A custom element's props' ``saved_at`` (ms since the epoch), 0 if absent."""
    try:
        value = json.loads(content or "{}").get("saved_at")
    except (ValueError, AttributeError):
        value = None
    return float(value) if type(value) in (int, float) else 0.0
