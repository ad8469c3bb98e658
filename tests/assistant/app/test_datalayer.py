import asyncio

import pytest

from assistant.types import Answer


def _run(coro):
    return asyncio.run(coro)


@pytest.fixture
def layer(services):
    from assistant.app.datalayer import MaintDataLayer

    return MaintDataLayer(services)


def _as(user: str):
    """Run data-layer calls as ``user``, the way the app's HTTP middleware does."""
    from assistant.app.datalayer import current_http_user

    return current_http_user.set(user)


def _step(thread_id, step_id, kind, text):
    return {"id": step_id, "threadId": thread_id, "type": kind, "name": "ana", "output": text,
            "createdAt": "2026-11-29T08:00:00.000Z"}


class TestMaintDataLayer:
    def test_thread_lifecycle_listing_and_author(self, services, layer):
        ana = services.users.add("ana", "correct horse")
        services.users.add("bo", "correct horse")
        token = _as("ana")
        try:
            _run(layer.update_thread("t1", name="Press noise"))
            _run(layer.create_step(_step("t1", "m1", "user_message", "Why is press 4 whining?")))
            _run(layer.create_step(_step("t1", "r1", "run", "internal")))  # not a conversation message
            _run(layer.create_step(_step("t1", "m2", "assistant_message", "Check the bearing [1].")))
        finally:
            from assistant.app.datalayer import current_http_user

            current_http_user.reset(token)
        assert _run(layer.get_thread_author("t1")) == "ana"
        thread = _run(layer.get_thread("t1"))
        assert thread["userIdentifier"] == "ana" and thread["name"] == "Press noise"
        assert [s["id"] for s in thread["steps"]] == ["m1", "m2"]
        from chainlit.types import Pagination, ThreadFilter

        page = _run(layer.list_threads(Pagination(first=10), ThreadFilter(userId=str(ana.id))))
        assert [t["id"] for t in page.data] == ["t1"] and page.pageInfo.hasNextPage is False
        bo = services.users.get("bo")
        assert _run(layer.list_threads(Pagination(first=10), ThreadFilter(userId=str(bo.id)))).data == []

    def test_other_technician_cannot_write_or_give_feedback(self, services, layer):
        from chainlit.types import Feedback

        from assistant.app.datalayer import current_http_user

        services.users.add("ana", "correct horse")
        services.users.add("bo", "correct horse")
        token = _as("ana")
        _run(layer.create_step(_step("t1", "m1", "assistant_message", "answer")))
        current_http_user.reset(token)
        token = _as("bo")
        try:
            with pytest.raises(PermissionError):
                _run(layer.create_step(_step("t1", "m9", "user_message", "hijack")))
            with pytest.raises(PermissionError):
                _run(layer.upsert_feedback(Feedback(forId="m1", value=0)))
        finally:
            current_http_user.reset(token)
        with pytest.raises(PermissionError):  # nobody logged in
            _run(layer.upsert_feedback(Feedback(forId="m1", value=1)))

    def test_feedback_is_stored_and_audited(self, services, layer):
        from chainlit.types import Feedback

        from assistant.app.datalayer import current_http_user

        ana = services.users.add("ana", "correct horse")
        thread = services.conversations.create_thread(ana)
        services.conversations.record_answer(ana, thread.id, "m1", Answer(question="q", text="a [1]."))
        token = _as("ana")
        try:
            fid = _run(layer.upsert_feedback(Feedback(forId="m1", value=0, comment="wrong part")))
        finally:
            current_http_user.reset(token)
        step = _run(layer.get_thread(thread.id))["steps"][0]
        assert step["feedback"] == {"forId": "m1", "id": fid, "comment": "wrong part", "value": 0}
        event = list(services.audit.iter(action="feedback"))[0]
        assert event.payload == {"message_id": "m1", "value": -1, "comment": "wrong part"}
        assert services.audit.verify() == (True, None)

    def test_login_user_is_looked_up_not_created(self, services, layer):
        from chainlit.user import User

        services.users.add("ana", "correct horse", role="supervisor")
        persisted = _run(layer.create_user(User(identifier="ana")))
        assert persisted.identifier == "ana" and persisted.metadata == {"role": "supervisor"}
        assert _run(layer.create_user(User(identifier="stranger"))) is None


def test_feedback_on_the_run_step_lands_on_its_answer(services, layer):
    """Chainlit puts the thumbs on the run step wrapping on_message; we store it on the answer."""
    from chainlit.types import Feedback

    from assistant.app.datalayer import current_http_user

    ana = services.users.add("ana", "correct horse")
    thread = services.conversations.create_thread(ana)
    services.conversations.add_message(ana, thread.id, "assistant_message", "a [1].", message_id="m1",
                                       parent_id="run-1")
    token = _as("ana")
    try:
        _run(layer.upsert_feedback(Feedback(forId="run-1", value=1)))
    finally:
        current_http_user.reset(token)
    steps = _run(layer.get_thread(thread.id))["steps"]
    # The run is not stored; a reopened answer gets it back, so Chainlit shows copy and 👍/👎 on it
    # again, with the stored thumbs on the run where Chainlit looks for them.
    run, answer = steps
    assert (run["id"], run["type"], run["name"], run["parentId"]) == ("run-1", "run", "on_message", None)
    assert answer["parentId"] == "run-1" and run["feedback"]["value"] == 1 and run["feedback"]["forId"] == "run-1"
    assert list(services.audit.iter(action="feedback"))[0].payload["message_id"] == "m1"


def test_welcome_is_not_stored_and_a_button_started_chat_is_named_by_its_question(services, layer):
    from assistant.app.datalayer import current_http_user

    services.users.add("ana", "correct horse")
    token = _as("ana")
    try:
        welcome = {**_step("t1", "w1", "assistant_message", "Hello ana."), "metadata": {"welcome": True}}
        _run(layer.create_step(welcome))
        _run(layer.update_thread("t1", name="ask_example"))  # Chainlit names it after the button
        _run(layer.create_step(_step("t1", "m1", "user_message", "What does fault code E-204 mean?")))
    finally:
        current_http_user.reset(token)
    thread = _run(layer.get_thread("t1"))
    assert [s["id"] for s in thread["steps"]] == ["m1"]
    assert thread["name"] == "What does fault code E-204 mean?"


def test_resumed_citation_panels_carry_their_excerpt(services, layer):
    """A reopened thread has no session files; the side panel's text must come with the element."""
    import base64
    from types import SimpleNamespace

    from assistant.app.datalayer import current_http_user

    services.users.add("ana", "correct horse")
    token = _as("ana")
    try:
        _run(layer.create_step(_step("t1", "m1", "assistant_message", "Use ISO VG 46 [1].")))
        panel = SimpleNamespace(id="e1", thread_id="t1", for_id="m1", type="text", name="[1]", display="side",
                                content="**press.md**\n\n> Hydraulic oil: ISO VG 46 — ÄÖ", mime="text/plain")
        _run(layer.create_element(panel))
    finally:
        current_http_user.reset(token)
    element = _run(layer.get_thread("t1"))["elements"][0]
    head, _, body = element["url"].partition(",")
    assert head == "data:text/plain;charset=utf-8;base64"
    assert base64.b64decode(body).decode() == panel.content
    assert element["forId"] == "m1" and element["name"] == "[1]"


def test_checklist_ticks_survive_a_reload(services, layer):
    """Ticking re-sends the custom element with new props; the resumed thread gets the latest ones."""
    import json
    from types import SimpleNamespace

    from assistant.app.datalayer import current_http_user

    services.users.add("ana", "correct horse")
    props = {"title": "Replace filter", "sections": [{"key": "safety", "items": [{"id": "s1"}]}], "done": []}

    def element(done):
        return SimpleNamespace(id="c1", thread_id="t1", for_id="m1", type="custom", name="Checklist",
                               display="inline", content=json.dumps({**props, "done": done}),
                               mime="application/json")

    token = _as("ana")
    try:
        _run(layer.create_step(_step("t1", "m1", "assistant_message", "Replace filter")))
        _run(layer.create_element(element([])))
        _run(layer.create_element(element(["s1"])))  # the tick
    finally:
        current_http_user.reset(token)
    elements = _run(layer.get_thread("t1"))["elements"]
    assert len(elements) == 1
    assert elements[0]["props"]["done"] == ["s1"] and elements[0]["url"] is None


def test_updates_of_one_message_are_stored_in_the_order_they_were_sent(services, layer, monkeypatch):
    """Chainlit sends "writing the answer…" and then the answer as two tasks; a slow first write must
    not land last (the stored message would then differ from what the audit log recorded)."""
    import time

    from assistant.app.datalayer import current_http_user

    services.users.add("ana", "correct horse")
    real = services.conversations.add_message

    def slow_progress_line(user, thread_id, role, content, **kw):
        if content == "writing…":
            time.sleep(0.3)
        return real(user, thread_id, role, content, **kw)

    monkeypatch.setattr(services.conversations, "add_message", slow_progress_line)

    async def both():
        token = _as("ana")
        try:
            await asyncio.gather(
                asyncio.create_task(layer.update_step(_step("t1", "m1", "assistant_message", "writing…"))),
                asyncio.create_task(layer.update_step(_step("t1", "m1", "assistant_message", "Check it [1]."))))
        finally:
            current_http_user.reset(token)

    _run(both())
    [step] = _run(layer.get_thread("t1"))["steps"]
    assert step["output"] == "Check it [1]."
