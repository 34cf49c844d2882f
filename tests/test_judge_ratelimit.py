"""The client-side leaky bucket admits exactly the configured burst and then the drain rate."""
from __future__ import annotations

import pytest

from b24conform.judge.ratelimit import LeakyBucket, admit, shared_budget


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def bucket(rate=2.0, burst=50):
    clock = FakeClock()
    return LeakyBucket(rate=rate, burst=burst, clock=clock, sleep=clock.sleep), clock


def test_burst_is_admitted_without_waiting():
    b, clock = bucket()
    waits = [b.acquire() for _ in range(50)]
    assert waits == [0.0] * 50 and clock.slept == []


def test_after_the_burst_requests_go_at_the_drain_rate():
    b, clock = bucket()
    for _ in range(50):
        b.acquire()
    start = clock.now
    for _ in range(10):
        b.acquire()
    # 10 more requests at 2/s take 5 seconds of (fake) time, each waiting half a second.
    assert clock.slept == pytest.approx([0.5] * 10)
    assert clock.now - start == pytest.approx(5.0)


def test_an_idle_bucket_drains():
    b, clock = bucket(rate=2.0, burst=5)
    for _ in range(5):
        b.acquire()
    clock.now += 2.0  # drains 4
    assert [b.acquire() for _ in range(4)] == [0.0] * 4
    assert b.acquire() == pytest.approx(0.5)


def test_admit_is_pure_arithmetic():
    assert admit(0.0, 0.0, 2.0, 50) == (0.0, 1.0)
    wait, level = admit(50.0, 0.0, 2.0, 50)
    assert wait == pytest.approx(0.5) and level == pytest.approx(50.0)


def test_parallel_workers_share_one_budget():
    assert shared_budget(2.0, 50, 2) == (1.0, 25)
    assert shared_budget(2.0, 50, 0) == (2.0, 50)


def test_nonsense_rates_are_refused():
    with pytest.raises(ValueError):
        LeakyBucket(rate=0, burst=5)
