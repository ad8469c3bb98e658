import asyncio
import time

import pytest

from assistant.app.exchange import ExchangeRunner
from assistant.app.fakes import FakeAnswerChain


class FakeBlockingChain(FakeAnswerChain):
    """Burns the worker thread like a CPU LLM would (time.sleep holds no event loop)."""

    def answer(self, question, **kw):
        time.sleep(0.3)
        return super().answer(question, **kw)


def _collect(runner, question, **kw):
    async def go():
        return [event async for event in runner.stream(question, **kw)]

    return go()


class TestExchangeRunner:
    def test_events_arrive_in_order_started_sources_tokens_answer(self):
        runner = ExchangeRunner(FakeAnswerChain())
        events = asyncio.run(_collect(runner, "why?", asset="PRESS-04"))
        kinds = [k for k, _ in events]
        assert kinds[:2] == ["started", "sources"] and kinds[-1] == "answer"
        assert "".join(v for k, v in events if k == "token") == "Check the pump bearing [1]."
        assert events[-1][1].asset == "PRESS-04"
        assert runner.pending == 0

    def test_errors_become_error_events(self):
        class FakeBrokenChain:
            def answer(self, *a, **kw):
                raise RuntimeError("index missing")

        events = asyncio.run(_collect(ExchangeRunner(FakeBrokenChain()), "q"))
        assert events[-1][0] == "error" and "index missing" in str(events[-1][1])

    def test_loop_stays_responsive_and_questions_queue_fairly(self):
        chain = FakeBlockingChain(delay_s=0.05)
        runner = ExchangeRunner(chain, workers=1)

        async def main():
            pings = []

            async def ping():
                for _ in range(10):
                    t0 = time.perf_counter()
                    await asyncio.sleep(0.01)
                    pings.append(time.perf_counter() - t0)

            results = await asyncio.gather(*[_collect(runner, f"q{i}") for i in range(3)], ping())
            return results[:3], pings

        results, pings = asyncio.run(main())
        assert max(pings) < 0.2  # the event loop was never blocked by generation
        assert [c["question"] for c in chain.calls] == ["q0", "q1", "q2"]  # first come, first served
        # the third question hears its place each time the line moves, then starts
        places = [v for k, v in results[2] if k == "queued"]
        assert places[0] == 2 and places[-1] == 1 and places == sorted(places, reverse=True)
        assert [k for k, _ in results[2]].index("started") > max(i for i, (k, _) in enumerate(results[2])
                                                                 if k == "queued")
        assert all(k != "queued" for k, _ in results[0])  # the first one never waits
        assert all(r[-1][0] == "answer" for r in results)

    def test_estimate_is_the_median_writing_time_of_generated_answers(self):
        class FakeTimedChain(FakeAnswerChain):
            def __init__(self, timings):
                super().__init__()
                self.timings = list(timings)

            def answer(self, question, **kw):
                answer = super().answer(question, **kw)
                answer.route, answer.timings = self.timings.pop(0)
                return answer

        runner = ExchangeRunner(FakeTimedChain([("rag", {"sources_s": 1.0, "total_s": 9.0}),
                                                ("abstain", {"total_s": 0.1}),  # declines do not count
                                                ("rag", {"sources_s": 0.5, "total_s": 4.5}),
                                                ("rag", {"sources_s": 0.5, "total_s": 12.5})]))
        assert runner.estimate_s() is None
        for i in range(4):
            asyncio.run(_collect(runner, f"q{i}"))
        assert runner.estimate_s() == 8.0

    def test_rejects_zero_workers(self):
        with pytest.raises(ValueError):
            ExchangeRunner(FakeAnswerChain(), workers=0)
