from datetime import timedelta

from sqlalchemy import text

from assistant.db.audit import GENESIS, AuditLog
from assistant.db.models import utcnow


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

    def test_verify_detects_an_edited_payload_and_a_deleted_row(self, sessions, engine):
        log = AuditLog(sessions)
        events = [log.append("ana", "answer", {"question": f"q{i}"}) for i in range(4)]
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
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
