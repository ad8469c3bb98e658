"""Append-only, hash-chained audit log.

Each event stores ``prev_hash`` (the previous event's hash, or 64 zeros for the first) and
``hash = sha256(prev_hash + canonical_json(event))`` where the event is its id, timestamp, actor,
action, thread id and payload. Editing, deleting or reordering any row breaks the chain from
that row on, and ``verify`` names the first broken id. The class has no update or delete path.

With an ``AuditAnchor`` (what the product uses) the hash is an HMAC under a key kept outside the
database, and a signed checkpoint of the head event and the count is written after each append,
so re-chaining after an edit and cutting off the last rows are detected too (``anchor.py``).

    log = AuditLog(Session, anchor=AuditAnchor(data_dir / "audit.key"))
    log.append("ana", "answer", {"question": "...", "asset": "PRESS-04"}, thread_id="t1")
    log.verify()   # -> (True, None)
    log.check()    # -> AuditCheck(ok=True, bad_id=None, reason="")
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterator

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from assistant.db.anchor import AnchorError, AuditAnchor, Checkpoint
from assistant.db.models import AuditEvent, utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Stable text for hashing: sorted keys, no whitespace, UTF-8 kept, non-JSON types as str."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _ts(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def event_hash(prev_hash: str, *, id: int, ts: datetime, actor: str, action: str,
               thread_id: str | None, payload: dict[str, Any], key: bytes | None = None) -> str:
    """sha256 of the previous hash and the event; HMAC-SHA256 under ``key`` when one is given."""
    body = (prev_hash + canonical_json({"id": id, "ts": _ts(ts), "actor": actor, "action": action,
                                        "thread_id": thread_id, "payload": payload})).encode("utf-8")
    if key is not None:
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    bad_id: int | None = None  # first event that fails, when one does
    reason: str = ""


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

    def __init__(self, sessions: sessionmaker[Session], anchor: AuditAnchor | None = None) -> None:
        self._sessions = sessions
        self._anchor = anchor

    def append(self, actor: str, action: str, payload: dict[str, Any] | None = None,
               thread_id: str | None = None) -> AuditEntry:
        # Normalise through JSON now so the hashed payload equals what the database returns.
        payload = json.loads(canonical_json(payload or {}))
        self._ensure_anchored()
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
            row.hash = event_hash(prev, id=row.id, ts=row.ts, actor=actor, action=action, thread_id=thread_id,
                                  payload=payload, key=self._anchor.key if self._anchor else None)
            session.commit()
            entry = _entry(row)
        if self._anchor is not None:
            self._advance_checkpoint(entry)
        return entry

    # ---- anchor ---------------------------------------------------------------------------
    def _ensure_anchored(self) -> None:
        """The key and the first checkpoint are made together, anchoring whatever (unkeyed) events the
        database already holds; from then on a missing checkpoint means it was removed."""
        if self._anchor is None or self._anchor.key_file.exists():
            return
        with self._anchor.locked():
            if self._anchor.key_file.exists():
                return  # another process anchored it meanwhile
            with self._sessions() as session:
                last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
                count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
                if last is not None and not self._is_unkeyed_head(last):
                    raise AnchorError(f"{self._anchor.key_file} is missing but the audit log holds keyed events: "
                                      "restore the key file (and its checkpoint)")
            head_id, head_hash = (last.id, last.hash) if last else (0, GENESIS)
            _ = self._anchor.key  # creates the key file
            self._anchor.write(Checkpoint(head_id, head_hash, count, keyed_from=head_id + 1))

    @staticmethod
    def _is_unkeyed_head(last: AuditEvent) -> bool:
        return last.hash == event_hash(last.prev_hash, id=last.id, ts=last.ts, actor=last.actor, action=last.action,
                                       thread_id=last.thread_id, payload=dict(last.payload or {}))

    def _advance_checkpoint(self, entry: AuditEntry) -> None:
        try:
            with self._anchor.locked():
                checkpoint = self._anchor.read()
                if checkpoint is None:
                    log.error("audit checkpoint %s is missing; `audit verify` will fail", self._anchor.checkpoint_file)
                    return
                if checkpoint.head_id >= entry.id:
                    return  # another process's checkpoint already covers this event
                with self._sessions() as session:
                    added = session.scalar(select(func.count()).select_from(AuditEvent).where(
                        AuditEvent.id > checkpoint.head_id, AuditEvent.id <= entry.id)) or 0
                self._anchor.write(Checkpoint(entry.id, entry.hash, checkpoint.count + added, checkpoint.keyed_from))
        except (OSError, AnchorError) as exc:
            # The event is committed; the next append moves the checkpoint past it.
            log.error("audit checkpoint not updated after event %s: %s", entry.id, exc)

    def verify(self) -> tuple[bool, int | None]:
        """Recompute the chain; ``(True, None)`` or ``(False, id of the first bad event)``."""
        result = self.check()
        return result.ok, result.bad_id

    def check(self) -> AuditCheck:
        """Recompute the chain (keyed where anchored) and compare its end with the checkpoint."""
        checkpoint = None
        if self._anchor is not None:
            try:
                self._ensure_anchored()
                checkpoint = self._anchor.read()
            except (AnchorError, OSError) as exc:
                return AuditCheck(False, None, str(exc))
        key = self._anchor.key if self._anchor is not None else None
        prev, count, last_id = GENESIS, 0, None
        for entry in self.iter():
            keyed = key is not None and (checkpoint is None or entry.id >= checkpoint.keyed_from)
            expected = event_hash(prev, id=entry.id, ts=entry.ts, actor=entry.actor, action=entry.action,
                                  thread_id=entry.thread_id, payload=entry.payload, key=key if keyed else None)
            if entry.prev_hash != prev or entry.hash != expected:
                return AuditCheck(False, entry.id, f"event {entry.id} was edited, or an event before it deleted")
            prev, count, last_id = entry.hash, count + 1, entry.id
            if checkpoint is not None and entry.id == checkpoint.head_id:
                if entry.hash != checkpoint.head_hash or count != checkpoint.count:
                    return AuditCheck(False, entry.id, f"event {entry.id} or the {checkpoint.count} events up to it "
                                      "differ from the signed checkpoint")
        if checkpoint is not None and checkpoint.head_id and (last_id is None or last_id < checkpoint.head_id):
            return AuditCheck(False, last_id, f"the log ends at event {last_id or 0}, but the checkpoint names event "
                              f"{checkpoint.head_id} ({checkpoint.count} events): its last rows were deleted")
        if key is not None and checkpoint is None:
            return AuditCheck(False, None, f"{self._anchor.checkpoint_file} is missing (it is written with the "
                              "key): the log cannot be checked for deleted last rows")
        return AuditCheck(True)

    def iter(self, *, since: datetime | None = None, until: datetime | None = None,
             actor: str | None = None, action: str | None = None, thread_id: str | None = None,
             batch: int = 500) -> Iterator[AuditEntry]:
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
            if thread_id is not None:
                query = query.where(AuditEvent.thread_id == thread_id)
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
