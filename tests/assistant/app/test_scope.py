"""Which machine a question is about: the chip, a one-time QR token, or a machine named in the question."""

from assistant.app.scope import ANY_MACHINE, QrTokens, machine_label, qr_asset, resolve_scope
from ingest.assets import AssetRegistry


def _registry() -> AssetRegistry:
    reg = AssetRegistry()
    reg.add("PRESS-04", name="Hydraulic press 4", aliases=["press 4"])
    reg.add("COMP-01", name="Rotary screw air compressor 1", aliases=["compressor 1"])
    return reg


class TestResolveScope:
    def test_named_machine_takes_over_and_says_so(self):
        scope = resolve_scope("PRESS-04", "What is the oil change interval on compressor 1?", _registry())
        assert scope.asset == "COMP-01" and scope.changed
        assert scope.note == ("Answering for Rotary screw air compressor 1 (COMP-01), the machine named in your "
                              "question, not Hydraulic press 4 (PRESS-04).")

    def test_chip_stands_when_the_question_names_it_or_nothing(self):
        reg = _registry()
        assert resolve_scope("PRESS-04", "why does the pump whine?", reg).asset == "PRESS-04"
        same = resolve_scope("PRESS-04", "why does press 4 whine?", reg)
        assert same.asset == "PRESS-04" and not same.changed and same.note == ""

    def test_no_chip_named_machine_scopes(self):
        scope = resolve_scope(ANY_MACHINE, "press 4 pump whines", _registry())
        assert scope.asset == "PRESS-04" and scope.note.startswith("Answering for Hydraulic press 4 (PRESS-04)")
        assert ", not " not in scope.note

    def test_two_named_machines_leave_the_choice_to_the_chain(self):
        scope = resolve_scope("PRESS-04", "compare compressor 1 and press 4", _registry())
        assert scope.asset == "PRESS-04"  # the chip's machine is among those named
        both = resolve_scope(None, "compare compressor 1 and press 4", _registry())
        assert both.asset is None and "across" in both.note

    def test_without_registry(self):
        assert resolve_scope("X-1", "anything", None).asset == "X-1"
        assert machine_label(None) == "any machine" and machine_label("X-1") == "X-1"


class TestQrAsset:
    def test_page_url_query(self):
        assert qr_asset({"HTTP_REFERER": "http://tablet:8000/?asset=PRESS-04"}, QrTokens()) == "PRESS-04"

    def test_cookie_token_is_honoured_once(self):
        tokens = QrTokens()
        environ = {"HTTP_REFERER": "http://tablet:8000/", "HTTP_COOKIE": "a=b; maintassist_asset=CHILLER%2006~t0k3n"}
        assert qr_asset(environ, tokens) == "CHILLER 06"
        assert qr_asset(environ, tokens) is None  # "New chat" / reload: no machine chosen

    def test_nothing_chosen_or_malformed(self):
        tokens = QrTokens()
        assert qr_asset({}, tokens) is None and qr_asset(None, tokens) is None
        assert qr_asset({"HTTP_REFERER": "http://x/?asset=", "HTTP_COOKIE": "junk"}, tokens) is None
        assert qr_asset({"HTTP_COOKIE": "maintassist_asset=PRESS-04"}, tokens) is None  # no token: old cookie

    def test_token_memory_is_bounded(self):
        tokens = QrTokens(capacity=2)
        assert all(tokens.first_use(t) for t in "abc")
        assert tokens.first_use("a")  # forgotten, oldest first
