import pytest

from assistant.db.audit import AuditLog
from assistant.db.conversations import ConversationService
from assistant.db.export import ExchangeFilter, answer_payload, exchanges, write_csv, write_jsonl
from assistant.db.users import UserService
from assistant.types import Answer, Citation, Flag


@pytest.fixture
def people(sessions):
    users = UserService(sessions)
    return {name: users.add(name, "correct horse", role=role) for name, role in
            [("ana", "technician"), ("bo", "technician"), ("sam", "supervisor"), ("root", "admin")]}


def _answer(question="Why is press 4 whining?", abstained=False, flags=()):
    return Answer(question=question, text="Check the pump bearing [1].", asset="PRESS-04", abstained=abstained,
                  citations=[Citation(n=1, chunk_id="c1", source="/m/press.pdf", doc_type="manual",
                                      label="press.pdf p.12", excerpt="Bearing noise ...", page=12, cited=True)],
                  flags=list(flags), model_id="qwen2.5-0.5b", prompt_version="v1", timings={"total_s": 1.5})


class TestConversationAccess:
    def test_technician_cannot_read_another_technicians_thread(self, sessions, people):
        convs = ConversationService(sessions)
        thread = convs.create_thread(people["ana"], title="noise", asset="PRESS-04")
        convs.add_message(people["ana"], thread.id, "user_message", "Why is press 4 whining?")
        assert convs.get_thread(people["ana"], thread.id).messages[0].content == "Why is press 4 whining?"
        with pytest.raises(PermissionError):
            convs.get_thread(people["bo"], thread.id)
        with pytest.raises(PermissionError):
            convs.add_message(people["bo"], thread.id, "user_message", "hijack")
        assert convs.list_threads(people["bo"], include_all=True) == []

    def test_supervisor_and_admin_read_all_but_cannot_write(self, sessions, people):
        convs = ConversationService(sessions)
        thread = convs.create_thread(people["ana"], title="noise")
        for reader in ("sam", "root"):
            assert convs.get_thread(people[reader], thread.id).thread.owner == "ana"
            assert [t.id for t in convs.list_threads(people[reader], include_all=True)] == [thread.id]
            with pytest.raises(PermissionError):
                convs.add_message(people[reader], thread.id, "user_message", "edit")
        # Their own sidebar (include_all=False) still shows only their own threads.
        assert convs.list_threads(people["sam"]) == []

    def test_missing_thread_is_a_lookup_error(self, sessions, people):
        with pytest.raises(LookupError):
            ConversationService(sessions).get_thread(people["ana"], "nope")

    def test_archived_threads_leave_the_list_but_stay_readable(self, sessions, people):
        convs = ConversationService(sessions)
        thread = convs.create_thread(people["ana"], title="old")
        convs.archive_thread(people["ana"], thread.id)
        assert convs.list_threads(people["ana"]) == []
        assert convs.get_thread(people["sam"], thread.id).thread.metadata["archived"] is True


class TestAnswersAndFeedback:
    def test_record_answer_and_feedback(self, sessions, people):
        from assistant.db.models import AnswerRecord, Feedback

        convs = ConversationService(sessions)
        thread = convs.create_thread(people["ana"], asset="PRESS-04")
        convs.record_answer(people["ana"], thread.id, "m1", _answer())
        fid = convs.set_feedback(people["ana"], "m1", -1, "wrong bearing")
        assert convs.set_feedback(people["ana"], "m1", 1) == fid  # one vote per user, updated in place
        with pytest.raises(PermissionError):
            convs.set_feedback(people["bo"], "m1", 1)
        with pytest.raises(ValueError):
            convs.set_feedback(people["ana"], "m1", 5)
        with sessions() as s:
            record = s.query(AnswerRecord).one()
            assert record.citations[0]["label"] == "press.pdf p.12"
            assert record.timings == {"total_s": 1.5} and record.model_id == "qwen2.5-0.5b"
            assert s.query(Feedback).one().value == 1
        view = convs.get_thread(people["ana"], thread.id)
        assert view.messages[0].feedback["value"] == 1
        assert convs.delete_feedback(people["ana"], fid) is True


class TestExport:
    def test_export_filters_and_flags(self, sessions, people, tmp_path):
        log = AuditLog(sessions)
        log.append("ana", "answer", answer_payload(_answer(), "m1"), thread_id="t1")
        log.append("bo", "answer", answer_payload(_answer("q2", abstained=True), "m2"), thread_id="t2")
        log.append("ana", "answer", answer_payload(
            _answer("q3", flags=[Flag("unsupported_sentence", "s2")]), "m3"), thread_id="t1")
        log.append("ana", "answer", answer_payload(_answer("q4"), "m4"), thread_id="t1")
        log.append("ana", "feedback", {"message_id": "m4", "value": -1, "comment": "no"}, thread_id="t1")
        assert len(exchanges(log)) == 4
        assert [r["question"] for r in exchanges(log, ExchangeFilter(user="bo"))] == ["q2"]
        flagged = [r["question"] for r in exchanges(log, ExchangeFilter(flagged=True))]
        assert flagged == ["q2", "q3", "q4"]
        assert exchanges(log, ExchangeFilter(asset="press-04"))[0]["sources"][0]["label"] == "press.pdf p.12"
        assert exchanges(log, ExchangeFilter(asset="CHILLER-06")) == []
        with open(tmp_path / "a.csv", "w", newline="") as fh:
            assert write_csv(exchanges(log), fh) == 4
        text = (tmp_path / "a.csv").read_text()
        assert "press.pdf p.12" in text and "unsupported_sentence: s2" in text
        with open(tmp_path / "a.jsonl", "w") as fh:
            assert write_jsonl(exchanges(log), fh) == 4


def test_record_answer_keeps_the_rendered_message(sessions, people):
    convs = ConversationService(sessions)
    thread = convs.create_thread(people["ana"])
    convs.add_message(people["ana"], thread.id, "assistant_message", "Check [1].\n\n**Sources:** [1] x", message_id="m1")
    convs.record_answer(people["ana"], thread.id, "m1", _answer())
    assert convs.get_thread(people["ana"], thread.id).messages[0].content.endswith("**Sources:** [1] x")


def test_a_checklist_save_that_lands_late_does_not_undo_a_newer_one(sessions, people):
    """Each tick is saved by its own request; the stored props keep the newest ``saved_at``."""
    import json

    convs = ConversationService(sessions)
    thread = convs.create_thread(people["ana"])

    def save(done, saved_at=None):
        props = {"done": done} | ({} if saved_at is None else {"saved_at": saved_at})
        convs.add_element(people["ana"], thread.id, {"id": "e1", "forId": "m1", "type": "custom", "name": "Checklist",
                                                     "content": json.dumps(props), "mime": "application/json"})
        return json.loads(convs.get_thread(people["ana"], thread.id).elements[0]["content"])["done"]

    assert save([]) == []  # as the procedure was sent: no stamp
    assert save(["s1", "s2"], saved_at=2_000) == ["s1", "s2"]
    assert save(["s1"], saved_at=1_000) == ["s1", "s2"]  # the earlier tick's save, landing last
    assert save(["s1", "s2", "p1"], saved_at=3_000) == ["s1", "s2", "p1"]
    assert save(["s1"]) == ["s1", "s2", "p1"]  # an unstamped copy is older than any stamped one
