"""Row 5: a login token stayed valid for 12 h after /logout and after `users set-password`; there was
no way to disable or delete a user; the cookie had no Secure option."""

from __future__ import annotations

import pytest
import socketio

from tests.security.chat import PASSWORD, Chat, api, login, run, token
from tests.security.server import cli

pytestmark = pytest.mark.slow  # a real server


def _works(server, tok: str) -> bool:
    response = api(server.url, tok, "GET", "/user")
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


class TestRevocableSessions:
    def test_logout_ends_the_token_everywhere(self, server, account):
        name = account()
        first, second = token(server.url, name), token(server.url, name)  # two tablets
        assert _works(server, first) and _works(server, second)
        out = api(server.url, first, "POST", "/logout")
        assert out.status_code == 200
        assert not _works(server, first), "the token still works after /logout"
        assert not _works(server, second), "logout ends every session of the account"
        assert _works(server, token(server.url, name)), "a new login works"

    def test_password_change_ends_sessions(self, server, account):
        name = account()
        tok = token(server.url, name)
        changed = cli(server.env, "users", "set-password", name, input="another pass 1\nanother pass 1\n")
        assert changed.returncode == 0, changed.stderr
        assert not _works(server, tok)
        assert login(server.url, name, PASSWORD).status_code == 401
        assert login(server.url, name, "another pass 1").status_code == 200

    @pytest.mark.parametrize("command", [["disable"], ["delete", "--yes"]])
    def test_disable_and_delete_end_sessions_and_refuse_logins(self, server, account, command):
        name = account()
        tok = token(server.url, name)
        done = cli(server.env, "users", *command, name)
        assert done.returncode == 0, done.stderr
        assert not _works(server, tok)
        assert login(server.url, name).status_code == 401
        listing = cli(server.env, "users", "list").stdout
        assert (name in listing) == (command == ["disable"])  # deleted accounts are hidden
        if command == ["disable"]:
            assert cli(server.env, "users", "enable", name).returncode == 0
            assert login(server.url, name).status_code == 200
        else:
            again = cli(server.env, "users", "add", name, "--password", PASSWORD)
            assert again.returncode != 0 and "was deleted" in again.stderr + again.stdout

    def test_an_open_socket_and_a_reconnect_are_refused_after_revocation(self, server, account):
        name = account()
        tok = token(server.url, name)

        async def scenario():
            async with Chat(server.url, tok) as chat:
                first = await chat.ask("What hydraulic oil does the press use?")
                assert any(m.get("type") == "assistant_message" for m in first)
                assert cli(server.env, "users", "disable", name).returncode == 0
                after = await chat.ask("What hydraulic oil does the press use?")
                assert not any(m.get("type") == "assistant_message" for m in after)
                assert any("session has ended" in (m.get("output") or "") for m in after)
            with pytest.raises(socketio.exceptions.ConnectionError):
                async with Chat(server.url, tok):
                    pass
        run(scenario())


class TestCookie:
    def test_secure_option_marks_the_login_cookie(self, server):
        # The shared server runs with MAINTASSIST_SECURITY__COOKIE_SECURE=true (behind TLS in production).
        response = login(server.url, "ana")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("access_token=") and "Secure" in cookie and "HttpOnly" in cookie

    def test_a_token_from_before_revocable_sessions_is_refused(self, server):
        """Tokens without a token version (issued by the old server) must log in again."""
        import jwt

        secret = (server.data / "chainlit_secret").read_text().strip()
        old = jwt.encode({"identifier": "ana", "display_name": "ana", "metadata": {"role": "technician"},
                          "exp": 4102444800}, secret, algorithm="HS256")
        assert not _works(server, old)
