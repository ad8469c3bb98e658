from assistant.app.handlers import AUDIT_RE, PROCEDURE_RE, THREAD_RE, asset_from_request


class TestAssetFromRequest:
    def test_query_parameter_on_the_page_url(self):
        assert asset_from_request({"HTTP_REFERER": "http://tablet:8000/?asset=PRESS-04"}) == "PRESS-04"

    def test_cookie_survives_the_login_redirect(self):
        environ = {"HTTP_REFERER": "http://tablet:8000/", "HTTP_COOKIE": "a=b; maintassist_asset=CHILLER%2006"}
        assert asset_from_request(environ) == "CHILLER 06"

    def test_nothing_chosen(self):
        assert asset_from_request({}) is None
        assert asset_from_request(None) is None
        assert asset_from_request({"HTTP_REFERER": "http://x/?asset=", "HTTP_COOKIE": "junk"}) is None


class TestCommands:
    def test_command_patterns(self):
        assert PROCEDURE_RE.match("/procedure pump whining").group(1) == "pump whining"
        assert PROCEDURE_RE.match("/Procedure").group(1) == ""
        assert AUDIT_RE.match("/audit flagged").group(1) == "flagged"
        assert THREAD_RE.match("/thread abc-123").group(1) == "abc-123"
        assert PROCEDURE_RE.match("how do I run a /procedure?") is None
