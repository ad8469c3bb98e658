"""Start-up warm-up: every model a first answer would load is loaded before it (fakes, named so)."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.app.services import warm_up


class FakeModel:
    def __init__(self, fail: bool = False) -> None:
        self.loads, self.fail = 0, fail

    def load(self) -> None:
        self.loads += 1
        if self.fail:
            raise RuntimeError("no weights")


def services_with(chain) -> SimpleNamespace:
    return SimpleNamespace(chain=chain)


def test_loads_the_llm_and_the_judge_s_model():
    asked = []
    llm, judge_model = FakeModel(), FakeModel()
    chain = SimpleNamespace(retrieve=asked.append, generator=llm, judge=SimpleNamespace(scorer=judge_model))
    warm_up(services_with(chain))
    assert asked == ["warm up"] and llm.loads == 1 and judge_model.loads == 1


def test_no_judge_and_a_failing_load_are_not_fatal(caplog):
    chain = SimpleNamespace(retrieve=lambda q: None, generator=FakeModel(fail=True), judge=None)
    warm_up(services_with(chain))
    assert "warm-up failed: no weights" in caplog.text


def test_routes_that_read_the_index_warm_too():
    """The record-table route reads every record chunk into tables: at start-up, not on the first count."""
    warmed = []
    route, plain = SimpleNamespace(warm=lambda: warmed.append("records")), SimpleNamespace()
    chain = SimpleNamespace(retrieve=lambda q: None, generator=None, judge=None, routes=[plain, route])
    warm_up(services_with(chain))
    assert warmed == ["records"]
