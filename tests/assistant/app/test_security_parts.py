"""Pure parts of the web-session hardening: origin policy, login throttle, Markdown without images."""

from __future__ import annotations

from assistant.app.markdown_safety import ImageStreamFilter, no_remote_images
from assistant.app.security import origin_allowed
from assistant.app.throttle import LoginThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestOriginAllowed:
    def test_own_host_and_listed_origins_only(self):
        assert origin_allowed(None, "tablet:8000", [])  # not a cross-origin browser request
        assert origin_allowed("http://tablet:8000", "tablet:8000", [])
        assert origin_allowed("https://maint.example.com", "maint.example.com", [])  # behind a TLS proxy
        assert not origin_allowed("http://tablet:9999", "tablet:8000", [])  # another port of the same host
        assert not origin_allowed("null", "tablet:8000", [])
        assert origin_allowed("https://portal.example.com/", "tablet:8000", ["https://portal.example.com"])
        assert not origin_allowed("https://evil.example.com", "tablet:8000", ["https://portal.example.com"])


class TestLoginThrottle:
    def make(self, clock):
        return LoginThrottle(max_per_account=3, max_per_address=5, window_s=60, lockout_s=300, clock=clock)

    def test_account_locks_after_the_limit_and_reports_it_once(self):
        clock = FakeClock()
        throttle = self.make(clock)
        assert throttle.failed("Ana", "10.0.0.1") == []
        assert throttle.failed("ana", "10.0.0.2") == []
        assert throttle.failed("ANA", "10.0.0.3") == [("account", "ana")]  # case variants are one account
        assert throttle.locked_for("ana", "10.0.0.9") == 300
        assert throttle.failed("ana", "10.0.0.9") == []  # already locked: no second report
        clock.now += 301
        assert throttle.locked_for("ana", "10.0.0.9") == 0

    def test_failures_outside_the_window_do_not_count(self):
        clock = FakeClock()
        throttle = self.make(clock)
        throttle.failed("bo", None)
        throttle.failed("bo", None)
        clock.now += 61
        assert throttle.failed("bo", None) == []

    def test_address_lock_covers_every_account_and_success_does_not_clear_it(self):
        clock = FakeClock()
        throttle = self.make(clock)
        locked = [throttle.failed(f"user{i}", "10.9.9.9") for i in range(5)]
        assert locked[-1] == [("address", "10.9.9.9")]
        throttle.succeeded("user0")
        assert throttle.locked_for("someone", "10.9.9.9") > 0
        assert throttle.locked_for("someone", "10.9.9.8") == 0

    def test_success_clears_the_account_failures(self):
        throttle = self.make(FakeClock())
        throttle.failed("cy", None)
        throttle.failed("cy", None)
        throttle.succeeded("cy")
        assert throttle.failed("cy", None) == []


class TestNoRemoteImages:
    def test_images_become_links(self):
        assert no_remote_images("see ![wiring](http://x/w.png) now") == "see [🖼 wiring](http://x/w.png) now"
        assert no_remote_images("![](http://x/a.png)") == "[🖼 ](http://x/a.png)"
        assert no_remote_images("![alt][ref]\n\n[ref]: http://x/b.png") == "[🖼 alt][ref]\n\n[ref]: http://x/b.png"
        assert no_remote_images(r"not an image: \![x](y)") == r"not an image: \![x](y)"
        assert no_remote_images("[a link](http://x)") == "[a link](http://x)"
        assert no_remote_images(None) == ""

    def test_an_image_split_across_streamed_tokens(self):
        stream = ImageStreamFilter()
        pieces = [stream.feed(t) for t in ("Look!", "[x](http://h/i.png)", " done!")] + [stream.flush()]
        assert "".join(pieces) == "Look[🖼 x](http://h/i.png) done!"
        assert "![" not in "".join(pieces[:2])
