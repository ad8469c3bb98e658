import json
from datetime import timedelta

from sqlalchemy import text, update

from assistant.db.audit import GENESIS, AuditLog
from assistant.db.models import AuditEvent, utcnow


class TestAuditLog:
    def test_chain_links_each_event_to_the_previous(self, sessions):
        log = AuditLog(sessions)
        first = log.append("ana", "login", {})
        second = log.append("ana", "answer", {"question": "Why?", "asset": "PRESS-04", "score": 0.5}, thread_id="t1")
        assert first.prev_hash == GENESIS
        assert second.prev_hash == first.hash
        assert log.verify() == (True, None)
        assert log.get(second.id).payload["asset"] == "PRESS-04"

    def test_verify_detects_an_edited_row(self, sessions, engine):
        log = AuditLog(sessions)
        events = [log.append("ana", "answer", {"question": f"q{i}"}) for i in range(4)]
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = :id"), {"id": events[2].id})
        assert log.verify() == (False, events[2].id)

    def test_verify_detects_an_edited_payload(self, sessions):
        log = AuditLog(sessions)
        events = [log.append("ana", "answer", {"question": f"q{i}", "answer": "HLP 46 [1]."}) for i in range(4)]
        # Through the ORM so the JSON column is written the way each dialect stores it.
        with sessions() as session, session.begin():
            session.execute(update(AuditEvent).where(AuditEvent.id == events[2].id)
                            .values(payload={"question": "q2", "answer": "HLP 68 [1]."}))
        assert log.get(events[2].id).payload["answer"] == "HLP 68 [1]."
        assert log.verify() == (False, events[2].id)

    def test_verify_detects_a_deleted_row(self, sessions, engine):
        log = AuditLog(sessions)
        events = [log.append("ana", "answer", {"question": f"q{i}"}) for i in range(4)]
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
        # The row after the gap no longer links to its predecessor.
        assert log.verify() == (False, events[2].id)

    def test_has_no_update_or_delete_api(self):
        public = {name for name in dir(AuditLog) if not name.startswith("_")}
        assert public == {"append", "verify", "check", "iter", "get"}

    def test_iter_filters(self, sessions):
        log = AuditLog(sessions)
        log.append("ana", "answer", {"q": 1})
        log.append("bo", "answer", {"q": 2})
        log.append("bo", "feedback", {"q": 3})
        assert [e.payload["q"] for e in log.iter(actor="bo")] == [2, 3]
        assert [e.payload["q"] for e in log.iter(action="answer")] == [1, 2]
        assert list(log.iter(since=utcnow() + timedelta(hours=1))) == []
        assert len(list(log.iter(batch=1))) == 3


class TestAnchoredLog:
    """Keyed hashes and the signed checkpoint outside the database (assistant/db/anchor.py)."""

    def log(self, sessions, tmp_path):
        from assistant.db.anchor import AuditAnchor

        return AuditLog(sessions, anchor=AuditAnchor(tmp_path / "keys" / "audit.key"))

    def test_cut_off_last_rows_are_detected(self, sessions, engine, tmp_path):
        log = self.log(sessions, tmp_path)
        events = [log.append("ana", "answer", {"q": i}) for i in range(4)]
        assert log.check().ok
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events WHERE id >= :id"), {"id": events[2].id})
        check = log.check()
        assert not check.ok and "last rows were deleted" in check.reason

    def test_rechaining_with_the_public_hash_is_detected(self, sessions, engine, tmp_path):
        from assistant.db.audit import event_hash

        log = self.log(sessions, tmp_path)
        events = [log.append("ana", "answer", {"q": i}) for i in range(3)]
        prev = GENESIS
        with engine.begin() as conn:
            for e in events:  # edit the first, recompute every hash without the key
                payload = {"q": "edited"} if e.id == events[0].id else e.payload
                h = event_hash(prev, id=e.id, ts=e.ts, actor=e.actor, action=e.action, thread_id=None,
                               payload=payload)
                conn.execute(text("UPDATE audit_events SET payload = :p, prev_hash = :prev, hash = :h WHERE id = :id"),
                             {"p": json.dumps(payload), "prev": prev, "h": h, "id": e.id})
                prev = h
        assert log.verify() == (False, events[0].id)

    def test_a_tampered_or_missing_checkpoint_fails(self, sessions, tmp_path):
        log = self.log(sessions, tmp_path)
        log.append("ana", "login", {})
        checkpoint = tmp_path / "keys" / "audit.checkpoint"
        data = json.loads(checkpoint.read_text())
        data["checkpoint"]["count"] = 0
        checkpoint.write_text(json.dumps(data))
        assert "signature does not match" in log.check().reason
        checkpoint.unlink()
        assert "is missing" in log.check().reason

    def test_an_unkeyed_log_is_anchored_and_stays_protected(self, sessions, engine, tmp_path):
        from assistant.db.audit import event_hash

        old = AuditLog(sessions)
        legacy = [old.append("ana", "answer", {"q": i}) for i in range(2)]
        log = self.log(sessions, tmp_path)
        log.append("ana", "answer", {"q": "keyed"})
        assert log.check().ok and (tmp_path / "keys" / "audit.key").stat().st_mode & 0o077 == 0
        # Editing an old unkeyed row and re-chaining the unkeyed part breaks at the first keyed event.
        first = legacy[0]
        h1 = event_hash(GENESIS, id=first.id, ts=first.ts, actor=first.actor, action=first.action, thread_id=None,
                        payload={"q": "edited"})
        second = legacy[1]
        h2 = event_hash(h1, id=second.id, ts=second.ts, actor=second.actor, action=second.action, thread_id=None,
                        payload=second.payload)
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET payload = :p, hash = :h WHERE id = :id"),
                         {"p": json.dumps({"q": "edited"}), "h": h1, "id": first.id})
            conn.execute(text("UPDATE audit_events SET prev_hash = :prev, hash = :h WHERE id = :id"),
                         {"prev": h1, "h": h2, "id": second.id})
        assert not log.check().ok
