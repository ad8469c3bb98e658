"""Row 4: `allow_origins = ["*"]` with credentials: a page on another port of the same host read a
technician's thread list in Chromium. Now only the server's own origin (and `security.allow_origins`)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import socketio

from tests.security.chat import Chat, api, run, token
from tests.security.conftest import ALLOWED_ORIGIN

pytestmark = pytest.mark.slow  # a real server
THREADS = {"pagination": {"first": 20}, "filter": {}}


class TestHttp:
    def test_another_origin_is_refused(self, server):
        tok = token(server.url, "ana")
        other = "http://127.0.0.1:9"  # another port of the same host, as in the attack run
        refused = api(server.url, tok, "POST", "/project/threads", json=THREADS, headers={"Origin": other})
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
        preflight = api(server.url, None, "OPTIONS", "/project/threads",
                        headers={"Origin": other, "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 403

    def test_own_origin_and_listed_origin_pass(self, server):
        tok = token(server.url, "ana")
        assert api(server.url, tok, "POST", "/project/threads", json=THREADS).status_code == 200  # no Origin
        own = api(server.url, tok, "POST", "/project/threads", json=THREADS, headers={"Origin": server.url})
        assert own.status_code == 200
        listed = api(server.url, tok, "POST", "/project/threads", json=THREADS, headers={"Origin": ALLOWED_ORIGIN})
        assert listed.status_code == 200
        assert listed.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN  # setting reached Chainlit


class TestSocket:
    def test_socket_from_another_origin_is_refused(self, server):
        tok = token(server.url, "ana")

        async def scenario():
            with pytest.raises(socketio.exceptions.ConnectionError):
                async with Chat(server.url, tok, origin="http://127.0.0.1:9"):
                    pass
            async with Chat(server.url, tok, origin=server.url) as chat:
                assert chat.sio.connected
        run(scenario())


ATTACK_PAGE = """<!doctype html><html><body><pre id="out">pending</pre><script>
fetch("{target}/project/threads", {{method: "POST", credentials: "include",
  headers: {{"content-type": "application/json"}},
  body: JSON.stringify({{pagination: {{first: 20}}, filter: {{}}}})}})
  .then(r => r.text()).then(t => document.getElementById("out").textContent = "READ " + t)
  .catch(e => document.getElementById("out").textContent = "BLOCKED " + e);
</script></body></html>"""


@pytest.mark.browser
def test_a_page_on_another_port_cannot_read_the_thread_list(server, tmp_path):
    """The attack as it was run: the technician is logged in; a page on another port fetches with credentials."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    page_html = ATTACK_PAGE.format(target=server.url).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args):
            pass

    evil = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    tok = token(server.url, "ana")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            context = browser.new_context()
            # The technician's session cookie, as the login page sets it (not Secure: plain http in the test).
            context.add_cookies([{"name": "access_token", "value": tok, "url": server.url, "httpOnly": True,
                                  "sameSite": "Lax"}])
            page = context.new_page()
            own = page.goto(server.url + "/user")
            assert own.status == 200  # the cookie is a valid session
            page.goto(f"http://127.0.0.1:{evil.server_port}/attack.html")
            page.wait_for_function("document.getElementById('out').textContent !== 'pending'", timeout=30_000)
            result = page.inner_text("#out")
            browser.close()
    finally:
        evil.shutdown()
    assert result.startswith("BLOCKED"), f"the other origin read the thread list: {result[:200]}"
