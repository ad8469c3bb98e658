"""The audit page and its data: role checked server-side from the Chainlit auth cookie on every request."""

from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.db.export import answer_payload
from assistant.types import Answer, Citation, Flag


@pytest.fixture
def client(services, monkeypatch):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from assistant.app.audit_routes import build_router

    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "test-secret-" + "x" * 40)
    services.users.add("ana", "correct horse")
    services.users.add("sue", "correct horse", role="supervisor")
    app = FastAPI()
    app.state.services = services
    app.include_router(build_router(lambda: services))
    return TestClient(app)


def _login(client, name: str | None) -> None:
    """The cookie Chainlit sets at login (the token carries the account's session version)."""
    from chainlit.auth import create_jwt
    from chainlit.user import User

    from assistant.app.security import TOKEN_VERSION

    client.cookies.clear()
    if name:
        version = client.app.state.services.users.get(name).token_version
        client.cookies.set("access_token", create_jwt(User(identifier=name, metadata={TOKEN_VERSION: version})))


def _seed(services) -> str:
    ana = services.users.get("ana")
    thread = services.conversations.create_thread(ana, title="Press oil", asset="PRESS-04")
    services.conversations.add_message(ana, thread.id, "user_message", "What oil does press 4 use?", message_id="u1")
    answer = Answer(question="What oil does press 4 use?", text="Use HLP 46 [1].", asset="PRESS-04",
                    citations=[Citation(n=1, chunk_id="c1", source="/m/hp200.md", doc_type="manual",
                                        label="hp200.md · Manual > 2 Specifications", excerpt="Hydraulic oil: HLP 46",
                                        cited=True)])
    services.conversations.record_answer(ana, thread.id, "m1", answer)
    services.conversations.add_element(ana, thread.id, {"id": "e1", "forId": "m1", "type": "text", "name": "[1]",
                                                        "display": "side", "content": "**Manual · 2 Specifications**\n"
                                                        "hp200.md\n\n**▶ Hydraulic oil: HLP 46**"})
    services.conversations.set_feedback(ana, "m1", -1, "wrong grade for winter")
    services.audit.append("ana", "answer", answer_payload(answer, "m1"), thread.id)
    services.audit.append("ana", "feedback", {"message_id": "m1", "value": -1, "comment": "wrong grade for winter"},
                          thread.id)
    declined = Answer(question="How long is the warranty?", text="Not in your documents.", abstained=True,
                      route="abstain", flags=[Flag("abstained", "the documents found do not mention 'warranty'")])
    services.audit.append("ana", "answer", answer_payload(declined, "m2"), thread.id)
    services.audit.append("ana", "procedure", {"message_id": "m3", "asset": "PRESS-04", "symptom": "pump whines",
                                               "procedure": "# Pump whines", "warnings": [], "sources": []}, thread.id)
    return thread.id


class TestAccess:
    @pytest.mark.parametrize("path", ["/maintassist/audit/rows", "/maintassist/audit/export.csv",
                                      "/maintassist/audit/thread/abcd"])
    def test_login_and_role_are_checked_on_every_route(self, client, path):
        _login(client, None)
        assert client.get(path).status_code == 401
        _login(client, "ana")  # a technician
        response = client.get(path)
        assert response.status_code == 403 and "supervisors" in response.json()["detail"]
        client.cookies.set("access_token", "forged.token.value")
        assert client.get(path).status_code == 401

    def test_a_revoked_session_loses_access_at_once(self, client, services):
        _login(client, "sue")
        assert client.get("/maintassist/audit/rows").status_code == 200
        services.users.revoke_sessions("sue")  # logout elsewhere, password change, account disabled
        assert client.get("/maintassist/audit/rows").status_code == 401

    def test_page_tells_instead_of_showing(self, client):
        _login(client, None)
        page = client.get("/maintassist/audit")
        assert page.status_code == 401 and "/login" in page.text
        _login(client, "ana")
        assert client.get("/maintassist/audit").status_code == 403
        _login(client, "sue")
        page = client.get("/maintassist/audit")
        assert page.status_code == 200 and 'id="filters"' in page.text and "/*SCRIPT*/" not in page.text
        assert "https://" not in page.text and "http://" not in page.text  # nothing from another origin


class TestData:
    def test_rows_filters_procedures_and_comments(self, client, services):
        thread_id = _seed(services)
        _login(client, "sue")
        data = client.get("/maintassist/audit/rows").json()
        assert [r["route"] for r in data["rows"]] == ["procedure", "abstain", "rag"]  # newest first
        assert data["rows"][2]["feedback_comment"] == "wrong grade for winter"
        assert data["rows"][0]["short_id"] == thread_id[:8] and data["chain_ok"] is True
        assert data["summary"] == {"total": 3, "down": 1, "declined": 1, "procedures": 1, "comments": 1}
        down = client.get("/maintassist/audit/rows", params={"down": "1"}).json()["rows"]
        assert [r["question"] for r in down] == ["What oil does press 4 use?"]
        procedures = client.get("/maintassist/audit/rows", params={"route": "procedure"}).json()["rows"]
        assert [r["question"] for r in procedures] == ["/procedure pump whines"]
        bad = client.get("/maintassist/audit/rows", params={"foo": "1"})
        assert bad.status_code == 400 and bad.json()["detail"].startswith("Unknown filter 'foo'.")
        assert services.audit.verify() == (True, None)  # the views were audited, the chain still holds

    def test_open_a_conversation_by_short_id(self, client, services):
        thread_id = _seed(services)
        _login(client, "sue")
        data = client.get(f"/maintassist/audit/thread/{thread_id[:8]}").json()
        assert data["thread"]["owner"] == "ana" and data["thread"]["short"] == thread_id[:8]
        answer = [t for t in data["turns"] if t["role"] == "assistant_message"][0]
        assert answer["feedback"]["comment"] == "wrong grade for winter"
        assert answer["sources"][0]["label"] == "Manual · 2 Specifications"
        assert answer["sources"][0]["excerpt"] == "▶ Hydraulic oil: HLP 46"
        assert client.get("/maintassist/audit/thread/zzzz").status_code == 404

    def test_exports(self, client, services):
        _seed(services)
        _login(client, "sue")
        rows = list(csv.DictReader(io.StringIO(client.get("/maintassist/audit/export.csv").text)))
        assert [r["route"] for r in rows] == ["rag", "abstain", "procedure"]
        assert rows[0]["feedback_comment"] == "wrong grade for winter"
        lines = client.get("/maintassist/audit/export.jsonl", params={"flagged": "1"}).text.splitlines()
        assert [json.loads(line)["route"] for line in lines] == ["rag", "abstain"]
        assert client.get("/maintassist/audit/export.xml").status_code == 404
