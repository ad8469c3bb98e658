import pytest

from assistant.app.handlers import COMMAND_RE, handle_message
from assistant.app.ui import ANY_MACHINE, machine_mode, selected_machine


class TestCommands:
    def test_command_patterns(self):
        assert COMMAND_RE.match("/procedure pump whining").groups() == ("procedure", "pump whining")
        assert COMMAND_RE.match("/Procedure").groups() == ("Procedure", "")
        assert COMMAND_RE.match("/audit flagged user=ana").groups() == ("audit", "flagged user=ana")
        assert COMMAND_RE.match("/thread 1a2b").groups() == ("thread", "1a2b")
        assert COMMAND_RE.match("how do I run a /procedure?") is None


class TestMachineChip:
    def test_options_never_have_an_empty_value(self):
        """Chainlit's pickers blank the page on an empty option value (the old "Any machine")."""
        mode = machine_mode([("PRESS-04", "PRESS-04 · Hydraulic press 4")], None)
        assert all(o.id for o in mode.options)
        assert [o.id for o in mode.options if o.default] == [ANY_MACHINE]
        qr = machine_mode([("PRESS-04", "PRESS-04 · Hydraulic press 4")], "NEW-9")  # a QR to an unlisted asset
        assert [o.id for o in qr.options] == [ANY_MACHINE, "PRESS-04", "NEW-9"]
        assert [o.id for o in qr.options if o.default] == ["NEW-9"]

    def test_selection_sent_with_a_message(self):
        assert selected_machine({"machine": "PRESS-04"}) == "PRESS-04"
        assert selected_machine({"machine": ANY_MACHINE}) is None
        assert selected_machine(None) is False and selected_machine({"other": "x"}) is False


# --- who may see what (issue 12): through handle_message, the entry every chat message takes ---

def _accounts(services, names_roles):
    """Account rows without argon2 hashing (~0.3 s each): logging in is not what these tests check."""
    from assistant.db.models import User

    with services.sessions() as session, session.begin():
        session.add_all(User(username=name, password_hash="not-a-hash", role=role) for name, role in names_roles)
    return [services.users.get(name) for name, _ in names_roles]


@pytest.fixture
def plant(services):
    """Four accounts, two audited exchanges by the technician ana (one declined) and her thread."""
    from assistant.db.export import answer_payload
    from assistant.types import Answer, Flag

    ana, sam, ada, bo = _accounts(services, [("ana", "technician"), ("sam", "supervisor"), ("ada", "admin"),
                                             ("bo", "technician")])
    ok = Answer(question="Which oil does press 4 take?", text="HLP 46 [1].", asset="PRESS-04")
    declined = Answer(question="What torque for the ram bolts?", text="Not in your documents.", abstained=True,
                      flags=[Flag("abstained", "no source states the torque")])
    services.audit.append("ana", "answer", answer_payload(ok, "m1"), thread_id="t-ana")
    services.audit.append("ana", "answer", answer_payload(declined, "m2"), thread_id="t-ana")
    services.conversations.create_thread(ana, "t-ana", title="Press 4 oil", asset="PRESS-04")
    services.conversations.add_message(ana, "t-ana", "user_message", "Which oil does press 4 take?")
    services.conversations.add_message(ana, "t-ana", "assistant_message", "HLP 46 [1].")
    return {"technician": ana, "supervisor": sam, "admin": ada, "bo": bo}


class TestWhoMaySeeWhat:
    REFUSED = ["Only supervisors and admins can audit."]

    @pytest.mark.parametrize("command", ["/audit", "/audit flagged", "/thread t-ana", "/thread t-"])
    def test_technicians_are_refused_even_for_their_own_thread(self, services, plant, chat, command):
        assert chat(lambda: handle_message(services, command), "ana") == self.REFUSED
        assert chat(lambda: handle_message(services, command), "bo") == self.REFUSED
        assert [e.action for e in services.audit.iter()] == ["answer", "answer"]  # nothing viewed, nothing logged

    @pytest.mark.parametrize("name", ["sam", "ada"])
    def test_supervisors_and_admins_see_every_exchange(self, services, plant, chat, name):
        [text] = chat(lambda: handle_message(services, "/audit"), name)
        assert text.startswith("**2 exchanges match** (0 procedures, 1 declined, 0 👎, 0 comments). "
                               "✅ audit chain intact.")
        latest = [line for line in text.splitlines() if line.startswith("- ")]
        assert [line.split(" · ", 1)[1] for line in latest] == [
            "ana · any machine · What torque for the ram bolts? · `t-ana`",
            "ana · PRESS-04 · Which oil does press 4 take? · `t-ana`"]

    def test_flagged_keeps_only_flagged_exchanges(self, services, plant, chat):
        [text] = chat(lambda: handle_message(services, "/audit flagged"), "sam")
        assert text.startswith("**1 exchange match**") and "(/maintassist/audit?flagged=1)" in text
        assert "What torque for the ram bolts?" in text and "Which oil" not in text

    def test_a_broken_chain_is_reported(self, services, plant, chat):
        from sqlalchemy import update

        from assistant.db.models import AuditEvent

        with services.sessions() as session, session.begin():
            session.execute(update(AuditEvent).where(AuditEvent.id == 2).values(actor="mallory"))
        [text] = chat(lambda: handle_message(services, "/audit"), "sam")
        assert "❌ audit chain broken: event 2 was edited" in text.split("\n")[0]

    def test_audit_names_stored_messages_that_differ_from_the_log(self, services, plant, chat):
        from assistant.db.integrity import record_payload

        services.conversations.add_message(plant["technician"], "t-ana", "assistant_message", "HLP 46 [1].",
                                           message_id="m9")
        event = services.audit.append("ana", "shown", record_payload("m9", "HLP 68 [1].", None, None), "t-ana")
        [text] = chat(lambda: handle_message(services, "/audit"), "sam")
        assert text.split("\n")[0].endswith(
            f"✅ audit chain intact. ❌ 1 stored message(s) differ from the audit log, e.g. message m9: differs "
            f"from what audit event {event.id} recorded")

    @pytest.mark.parametrize("name", ["sam", "ada"])
    def test_supervisors_and_admins_read_any_thread(self, services, plant, chat, name):
        header, question, answer = chat(lambda: handle_message(services, "/thread t-ana"), name)
        assert header == "**Press 4 oil** · `t-ana` by ana (PRESS-04, read-only)"
        assert question.startswith("**🧑\u200d🔧 ana** · ") and question.endswith("\n\nWhich oil does press 4 take?")
        assert answer.startswith("**🤖 Assistant** · ") and answer.endswith("\n\nHLP 46 [1].")

    def test_a_thread_without_title_or_asset(self, services, plant, chat):
        services.conversations.create_thread(plant["technician"], "t-plain")
        assert chat(lambda: handle_message(services, "/thread t-plain"), "sam") == [
            "**Conversation** · `t-plain` by ana (any machine, read-only)"]

    def test_unknown_or_too_short_thread_ids(self, services, plant, chat):
        assert chat(lambda: handle_message(services, "/thread nope"), "sam") == [
            "⚠️ No conversation starts with 'nope'."]
        assert chat(lambda: handle_message(services, "/thread t-"), "sam") == [
            "⚠️ Give at least 4 characters of the conversation id, not 't-'."]

    def test_thread_marks_edited_and_unrecorded_messages(self, services, plant, chat):
        from assistant.db.integrity import record_payload

        ana = plant["technician"]
        services.conversations.create_thread(ana, "t-marks", title="Marks", asset="PRESS-04")
        for message_id, content in (("m-ok", "Bleed the pump."), ("m-edited", "Torque 45 N·m."),
                                    ("m-new", "Added later.")):
            services.conversations.add_message(ana, "t-marks", "assistant_message", content, message_id=message_id)
        services.audit.append("ana", "shown", record_payload("m-ok", "Bleed the pump.", None, None), "t-marks")
        services.audit.append("ana", "shown", record_payload("m-edited", "Torque 25 N·m.", None, None), "t-marks")
        _, *turns = chat(lambda: handle_message(services, "/thread t-marks"), "sam")
        assert [t.split("\n\n", 1)[1] for t in turns] == [
            "Bleed the pump.",
            "⚠️ *edited after it was recorded: differs from the audit log* Torque 45 N·m.",
            "*(not in the audit log)* Added later.",
        ]

    def test_thread_shows_time_checklist_nearest_sources_and_feedback(self, services, plant, chat):
        import json
        from datetime import datetime

        ana = plant["technician"]
        services.conversations.create_thread(ana, "t-full", title="Full", asset="PRESS-04")
        at = datetime(2026, 11, 30, 14, 5, 59)
        services.conversations.add_message(ana, "t-full", "assistant_message", "Not in your documents.",
                                           message_id="m-decl", created_at=at)
        chips = {"sources": [{"n": 1, "label": "hp200.md · Oil"}, {"n": 2, "label": "WO-1088"}]}
        services.conversations.add_element(ana, "t-full", {"id": "e1", "forId": "m-decl", "type": "custom",
                                                           "name": "SourceChips", "content": json.dumps(chips)})
        services.conversations.add_message(ana, "t-full", "assistant_message", "Bleed the pump [1].",
                                           message_id="m-proc", created_at=at)
        checklist = {"title": "Bleed", "done": ["a"], "sections": [{"items": [{"id": "a", "text": "Lock out"},
                                                                               {"id": "b", "text": "Open"}]}]}
        services.conversations.add_element(ana, "t-full", {"id": "e2", "forId": "m-proc", "type": "custom",
                                                           "name": "Checklist", "content": json.dumps(checklist)})
        services.conversations.set_feedback(ana, "m-proc", -1, "too short")
        from assistant.db.integrity import record_payload

        for message_id, content in (("m-decl", "Not in your documents."), ("m-proc", "Bleed the pump [1].")):
            services.audit.append("ana", "shown", record_payload(message_id, content, None, None), "t-full")
        _, decline, procedure = chat(lambda: handle_message(services, "/thread t-full"), "sam")
        assert decline == ("**🤖 Assistant** · 11-30 14:05\n\nNot in your documents.\n\n"
                           "Nearest sources: [1] hp200.md · Oil · [2] WO-1088")
        assert procedure == ("**🤖 Assistant** · 11-30 14:05\n\nBleed the pump [1].\n\nChecklist: 1 of 2 ticked."
                             "\n\nFeedback: 👎 “too short”")


class TestHandleMessage:
    """Every chat message passes here first: the account, the session and the length are checked."""

    def test_nobody_or_an_unknown_account_is_refused(self, services, plant, chat):
        with pytest.raises(PermissionError, match="^not logged in$"):
            chat(lambda: handle_message(services, "/audit"))
        with pytest.raises(PermissionError, match="^not logged in$"):
            chat(lambda: handle_message(services, "/audit"), "mallory")

    def test_a_revoked_session_is_refused(self, services, plant, chat):
        with pytest.raises(PermissionError, match=r"^your session has ended \(logged out, password changed or "
                                                  r"account disabled\); reload the page and log in again$"):
            chat(lambda: handle_message(services, "/audit"), "sam", token_version=7)

    def test_questions_longer_than_the_limit_are_refused(self, services, plant, chat):
        limit = services.settings.app.max_question_chars
        [refused] = chat(lambda: handle_message(services, "x" * (limit + 1)), "bo")
        assert refused == (f"Your message has {limit + 1:,} characters; the limit is {limit:,}. "
                           "Please ask a shorter question (one problem at a time).")
        assert services.chain.calls == []
        chat(lambda: handle_message(services, "x" * limit), "bo")
        assert services.chain.calls[-1]["question"] == "x" * limit

    def test_a_question_is_answered_recorded_and_audited(self, services, plant, chat):
        texts = chat(lambda: handle_message(services, "Why does press 4 whine?"), "bo")
        assert "Check the pump bearing [1]." in texts[-1]
        assert services.chain.calls[-1]["question"] == "Why does press 4 whine?"
        [thread] = services.conversations.list_threads(plant["bo"])
        assert thread.id == "thread-under-test" and thread.title == "Why does press 4 whine?"

    @pytest.mark.parametrize("text,action", [("/audit flagged", "audit_viewed"), ("/thread t-ana", "thread_read"),
                                             ("Why does press 4 whine?", "answer"),
                                             ("/procedure oil filter due", "procedure")])
    def test_each_reply_is_audited_with_the_question_it_answers(self, services, plant, chat, text, action):
        from assistant.db.integrity import content_hash
        from tests.assistant.app.test_checklist import _procedure

        class FakeProcedureBuilder:
            def build(self, asset, symptom):
                return _procedure(symptom=symptom)

        services.container.procedures = FakeProcedureBuilder()
        shown = chat(lambda: handle_message(services, text, message_id="q-1"), "sam")
        event = list(services.audit.iter(actor="sam"))[-1]
        assert event.action == action and event.thread_id == "thread-under-test"
        assert event.payload["question_id"] == "q-1" and event.payload["question_sha256"] == content_hash(text)
        # the audited message is the reply itself (for /thread: its header)
        at = chat.message_ids.index(event.payload["message_id"])
        assert event.payload["message_sha256"] == content_hash(shown[at])
        assert {"audit_viewed": {"flagged": "1"}, "thread_read": {"read_thread": "t-ana"}}.get(action, {}).items() \
            <= event.payload.items()


class TestAuditLine:
    """One line per exchange in `/audit`: when, who, which machine, what was asked, the feedback, the thread."""

    ROW = {"ts": "2026-11-30T14:05:59+00:00", "user": "ana", "asset": "PRESS-04", "question": "Which oil?",
           "feedback": None, "feedback_comment": None, "thread_id": "0123456789abcdef"}

    def line(self, **changes):
        from assistant.app.commands import _row_line

        return _row_line({**self.ROW, **changes})

    def test_the_line_names_time_user_machine_question_and_thread(self):
        assert self.line() == "- 11-30 14:05 · ana · PRESS-04 · Which oil? · `01234567`"
        assert self.line(asset=None, thread_id=None) == "- 11-30 14:05 · ana · any machine · Which oil? · ``"

    def test_feedback_and_its_comment_follow_the_question(self):
        assert self.line(feedback=1).endswith("Which oil? · 👍 · `01234567`")
        assert self.line(feedback=-1, feedback_comment="wrong grade").endswith(
            "Which oil? · 👎 “wrong grade” · `01234567`")
        assert self.line(feedback=0) == self.line()

    def test_a_long_or_multi_line_question_is_cut_at_a_word_on_one_line(self):
        long = "why does the " + "very " * 20 + "hot pump whine"
        got = self.line(question=long).split(" · ")[3]
        assert got.endswith("…") and "\n" not in got and len(got) <= 70
        assert long.startswith(got[:-1]) and not got[:-1].endswith(" ")
        assert self.line(question="line one\nline two").split(" · ")[3] == "line one line two"
        exact = "x" * 70
        assert self.line(question=exact).split(" · ")[3] == exact
        assert self.line(question=None).split(" · ")[3] == ""
