from datetime import datetime

import pytest

from assistant.app.audit_query import (AuditFilterError, as_query, parse_query, parse_words, resolve_thread,
                                       short_id, summary)


class TestFilters:
    def test_chat_words(self):
        f = parse_words("flagged down user=ana machine=PRESS-04 date=2026-12-01 route=procedure")
        assert (f.flagged, f.thumbs_down, f.user, f.asset, f.route) == (True, True, "ana", "PRESS-04", "procedure")
        assert (f.since, f.until) == (datetime(2026, 12, 1), datetime(2026, 12, 2))
        assert parse_words("👎").thumbs_down and parse_words("").user is None

    def test_unknown_filter_is_a_clear_error_not_everything(self):
        with pytest.raises(AuditFilterError, match=r"Unknown filter 'foo'\. Filters: flagged, down"):
            parse_words("foo")
        with pytest.raises(AuditFilterError, match="route='chat' is not one of"):
            parse_words("route=chat")
        with pytest.raises(AuditFilterError, match="is not a date"):
            parse_query({"since": "yesterday"})
        with pytest.raises(AuditFilterError, match="expected on or off"):
            parse_query({"flagged": "maybe"})

    def test_query_round_trip(self):
        params = {"user": "ana", "machine": "PRESS-04", "route": "rag", "flagged": "1", "down": "1",
                  "date": "2026-12-01"}
        assert as_query(parse_query(params)) == params
        assert as_query(parse_query({"since": "2026-11-01T08:00", "flagged": "0", "user": ""})) == \
            {"since": "2026-11-01T08:00:00"}


class TestThreads:
    IDS = ["1a2b3c4d-0000-4000-8000-000000000001", "1a2b9999-0000-4000-8000-000000000002",
           "ffff0000-0000-4000-8000-000000000003"]

    def test_short_ids_and_prefixes(self):
        assert short_id(self.IDS[0]) == "1a2b3c4d" and short_id(None) == ""
        assert resolve_thread("1A2B3C", self.IDS) == self.IDS[0]
        assert resolve_thread(self.IDS[2], self.IDS) == self.IDS[2]
        with pytest.raises(LookupError, match="2 conversations start with '1a2b'"):
            resolve_thread("1a2b", self.IDS)
        with pytest.raises(LookupError, match="at least 4 characters"):
            resolve_thread("1a", self.IDS)
        with pytest.raises(LookupError, match="No conversation starts with 'abcd'"):
            resolve_thread("abcd", self.IDS)

    def test_summary_counts(self):
        rows = [{"feedback": -1, "abstained": False, "route": "rag", "feedback_comment": "wrong grade"},
                {"feedback": None, "abstained": True, "route": "abstain", "feedback_comment": None},
                {"feedback": 1, "abstained": False, "route": "procedure", "feedback_comment": None}]
        assert summary(rows) == {"total": 3, "down": 1, "declined": 1, "procedures": 1, "comments": 1}
