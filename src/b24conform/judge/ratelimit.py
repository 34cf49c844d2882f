"""A client-side leaky bucket, so the judge never trips a live portal's own limit by accident.

Bitrix24 counts every request into a bucket that drains `rate` per second and refuses requests
once it holds more than `burst` (spec/limits.yaml `plans`; the judge assumes the standard plan). The judge keeps its own copy of that
bucket and waits before a request would overflow it. Clock and sleep are injectable so tests can
drive the bucket without waiting.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from b24conform.contract import load_contract

# A live portal's plan is unknown to the judge: the standard plan is the slowest, so it never overshoots.
STANDARD_RATE = load_contract().limits.plans["standard"].rate
STANDARD_BURST = load_contract().limits.plans["standard"].burst


def admit(level: float, elapsed: float, rate: float, burst: int) -> tuple[float, float]:
    """One request arrives `elapsed` seconds after the previous update of a bucket at `level`.

    Returns (wait, new_level): how long to wait before sending, and the level once it is sent.
    Pure, so the arithmetic is tested without a clock.
    """
    drained = max(0.0, level - max(0.0, elapsed) * rate)
    over = drained + 1 - burst
    wait = over / rate if over > 0 else 0.0
    # After waiting `wait`, the bucket has drained by exactly `over`, so it ends full.
    return wait, drained + 1 - (wait * rate)


@dataclass
class LeakyBucket:
    rate: float = STANDARD_RATE
    burst: int = STANDARD_BURST
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"rate must be > 0 and burst >= 1, got rate={self.rate}, burst={self.burst}")
        self._level = 0.0
        self._last: float | None = None
        self._lock = threading.Lock()

    @property
    def level(self) -> float:
        return self._level

    def acquire(self) -> float:
        """Block until one more request fits; returns the time waited (seconds)."""
        with self._lock:
            now = self.clock()
            elapsed = 0.0 if self._last is None else now - self._last
            wait, level = admit(self._level, elapsed, self.rate, self.burst)
            if wait > 0:
                self.sleep(wait)
            self._level = level
            self._last = now + wait
            return wait


def shared_budget(rate: float, burst: int, workers: int) -> tuple[float, int]:
    """Split one portal's budget between `workers` parallel processes (pytest-xdist): the portal
    counts all of them in one bucket."""
    workers = max(1, workers)
    return rate / workers, max(1, burst // workers)
