"""ReadAhead: input order, the bound on work done ahead, errors handed to the caller, early stop."""

from __future__ import annotations

import random
import threading
import time

import pytest

from ingest.read_ahead import ReadAhead


class TestReadAhead:
    def test_results_keep_input_order_while_work_runs_in_another_thread(self):
        rng = random.Random(3)
        delays = [rng.uniform(0, 0.004) for _ in range(60)]
        threads = set()

        def work(i):
            threads.add(threading.current_thread().name)
            time.sleep(delays[i])
            return i * i

        with ReadAhead(work, depth=4) as ahead:
            assert list(ahead.map(range(60))) == [i * i for i in range(60)]
        assert threads == {"ingest-read-ahead"}

    def test_work_stays_at_most_depth_items_ahead(self):
        started: list[int] = []
        ahead_by: list[int] = []
        consumed = 0
        with ReadAhead(lambda i: started.append(i) or i, depth=3) as ahead:
            for _ in ahead.map(range(30)):
                consumed += 1
                time.sleep(0.005)  # a slow consumer: the worker must wait for it
                ahead_by.append(len(started) - consumed)
        # depth results queued + the one being computed when the queue is full
        assert max(ahead_by) <= 3 + 1 and consumed == 30

    def test_an_error_in_work_is_raised_in_the_caller_at_its_item(self):
        def work(i):
            if i == 3:
                raise KeyError("bad item 3")
            return i

        got = []
        with pytest.raises(KeyError, match="bad item 3"):
            with ReadAhead(work, depth=2) as ahead:
                for value in ahead.map(range(10)):
                    got.append(value)
        assert got == [0, 1, 2]

    def test_leaving_early_stops_the_thread(self):
        calls = []
        with ReadAhead(lambda i: calls.append(i) or i, depth=2) as ahead:
            for value in ahead.map(range(1000)):
                if value == 5:
                    break
        assert not ahead._thread.is_alive()
        assert len(calls) < 1000

    def test_depth_must_be_positive_and_map_runs_once(self):
        with pytest.raises(ValueError, match="depth"):
            ReadAhead(str, depth=0)
        with ReadAhead(str, depth=1) as ahead:
            assert list(ahead.map([1])) == ["1"]
            with pytest.raises(RuntimeError, match="once"):
                next(ahead.map([2]))
