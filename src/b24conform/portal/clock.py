"""The portal's clock. Injected everywhere time matters so tests move time by hand (no sleeping)."""
from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""


class SystemClock:
    def now(self) -> float:
        return time.time()


class SteppableClock:
    """The system clock plus an offset that only grows: real time, except that a caller may let
    some seconds pass at once (the judge's drain check on the embedded mock, instead of sleeping)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += seconds


class FakeClock:
    """A clock that only moves when told to, or by `step` seconds on every read.

    `step` lets a test give every request a fixed, positive execution time without sleeping: the
    pipeline reads the clock the same number of times for the same call, so the amounts repeat.
    """

    def __init__(self, start: float = 1_700_000_000.0, step: float = 0.0) -> None:
        self._now = start
        self.step = step
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            value = self._now
            self._now += self.step
            return value

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
