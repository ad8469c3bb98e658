"""Append-only, hash-chained audit log.

Each event stores ``prev_hash`` (the previous event's hash, or 64 zeros for the first) and
``hash = sha256(prev_hash + canonical_json(event))`` where the event is its id, timestamp, actor,
action, thread id and payload. Editing, deleting or reordering any row breaks the chain from
that row on, and ``verify`` names the first broken id. The class has no update or delete path.

    log = AuditLog(Session)
    log.append("ana", "answer", {"question": "...", "asset": "PRESS-04"}, thread_id="t1")
    log.verify()   # -> (True, None)
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.models import AuditEvent, utcnow

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Stable text for hashing: sorted keys, no whitespace, UTF-8 kept, non-JSON types as str."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _ts(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, *, id: int, ts: datetime, actor: str, action: str,
               thread_id: str | None, payload: dict[str, Any]) -> str:
    body = canonical_json({"id": id, "ts": _ts(ts), "actor": actor, "action": action,
                           "thread_id": thread_id, "payload": payload})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    id: int
    ts: datetime
    actor: str
    action: str
    thread_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "ts": _ts(self.ts), "actor": self.actor, "action": self.action,
                "thread_id": self.thread_id, "payload": self.payload, "prev_hash": self.prev_hash,
                "hash": self.hash}


def _entry(row: AuditEvent) -> AuditEntry:
    return AuditEntry(row.id, row.ts, row.actor, row.action, row.thread_id, dict(row.payload or {}),
                      row.prev_hash, row.hash)


class AuditLog:
    # Appends in one process are serialised so two events never claim the same predecessor;
    # across processes PostgreSQL takes a table lock and SQLite's single writer does the same.
    _lock = threading.Lock()

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def append(self, actor: str, action: str, payload: dict[str, Any] | None = None,
               thread_id: str | None = None) -> AuditEntry:
        # Normalise through JSON now so the hashed payload equals what the database returns.
        payload = json.loads(canonical_json(payload or {}))
        with self._lock, self._sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
            elif session.get_bind().dialect.name == "sqlite":
                # Take the write lock before reading the tail (a deferred read could go stale).
                session.execute(text("UPDATE audit_events SET id = id WHERE 0"))
            last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
            prev = last.hash if last else GENESIS
            # Placeholder hash is unique per insert; the real one needs the id the insert assigns.
            row = AuditEvent(ts=utcnow(), actor=actor, action=action, thread_id=thread_id,
                             payload=payload, prev_hash=prev, hash="pending-" + secrets.token_hex(16))
            session.add(row)
            session.flush()
            row.hash = event_hash(prev, id=row.id, ts=row.ts, actor=actor, action=action,
                                  thread_id=thread_id, payload=payload)
            session.commit()
            return _entry(row)

    def verify(self) -> tuple[bool, int | None]:
        """Recompute the chain; ``(True, None)`` or ``(False, id of the first bad event)``."""
        prev = GENESIS
        for entry in self.iter():
            expected = event_hash(prev, id=entry.id, ts=entry.ts, actor=entry.actor, action=entry.action,
                                  thread_id=entry.thread_id, payload=entry.payload)
            if entry.prev_hash != prev or entry.hash != expected:
                return False, entry.id
            prev = entry.hash
        return True, None

    def iter(self, *, since: datetime | None = None, until: datetime | None = None,
             actor: str | None = None, action: str | None = None, batch: int = 500) -> Iterator[AuditEntry]:
        """Events in id order, streamed in batches so a long log does not fill memory."""
        last_id = 0
        while True:
            query = select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            if since is not None:
                query = query.where(AuditEvent.ts >= since)
            if until is not None:
                query = query.where(AuditEvent.ts < until)
            if actor is not None:
                query = query.where(AuditEvent.actor == actor)
            if action is not None:
                query = query.where(AuditEvent.action == action)
            with self._sessions() as session:
                rows = [_entry(r) for r in session.scalars(query)]
            if not rows:
                return
            yield from rows
            last_id = rows[-1].id

    def get(self, event_id: int) -> AuditEntry | None:
        with self._sessions() as session:
            row = session.get(AuditEvent, event_id)
            return _entry(row) if row else None
