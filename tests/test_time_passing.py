"""Letting portal time pass: the embedded mock's clock moves forward, a live portal is waited for."""
from __future__ import annotations

import pytest

from b24conform.judge.client import Endpoints, Webhook
from b24conform.judge.target import Target
from b24conform.portal.clock import SteppableClock
from b24conform.portal.limits import LeakyBucket


def test_steppable_clock_is_real_time_plus_what_was_passed() -> None:
    clock = SteppableClock()
    before = clock.now()
    clock.advance(30.0)
    assert 30.0 <= clock.now() - before < 35.0
    with pytest.raises(ValueError):
        clock.advance(-1.0)


def test_a_full_bucket_admits_again_once_its_clock_is_moved() -> None:
    clock, bucket = SteppableClock(), LeakyBucket(2.0, 50)
    while bucket.admit(clock.now()):
        pass
    assert not bucket.admit(clock.now())
    clock.advance(1.1)
    assert bucket.admit(clock.now()) and bucket.admit(clock.now())


def _target(**kwargs) -> Target:
    return Target(Endpoints(base_url="http://127.0.0.1:9", webhook=Webhook(1, "c0de")), kind="live", run_id="t", **kwargs)


def test_target_moves_the_mock_clock_instead_of_sleeping(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    clock = SteppableClock()
    target = _target(pass_time=clock.advance)
    before = clock.now()
    target.let_time_pass(0.6)
    assert slept == [] and clock.now() - before >= 0.6
    target.close()


def test_a_live_target_really_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr("time.sleep", slept.append)
    target = _target()
    target.let_time_pass(1.1)
    assert slept == [1.1]
    target.close()
