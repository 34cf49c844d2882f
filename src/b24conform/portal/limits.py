"""Request limits of a cloud portal (limits.md), on an injected clock.

* LeakyBucket - per portal: each request adds 1; the level drains `rate` per second; a request
  that would take the level past `capacity` is refused (503 QUERY_LIMIT_EXCEEDED) and not counted.
  The plans' rates and bursts are spec/limits.yaml `plans`.
* OperatingBudget - per (credential, method): execution time summed in one-minute buckets that
  live for the window each (a bucket starts at its first counted call); spec/limits.yaml `operating`. The check runs before a call:
  once the sum is over the budget the NEXT call is refused (429 OPERATION_TIME_LIMIT); the call
  that crossed it completes.

Both are plain objects with `now` passed in, so tests drive them without sleeping.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from b24conform.contract import load_contract

_LIMITS = load_contract().limits
PLANS = {name: (plan.rate, plan.burst) for name, plan in _LIMITS.plans.items()}
BUCKET_SECONDS = _LIMITS.operating_bucket
WINDOW_SECONDS = _LIMITS.operating_window
DEFAULT_BUDGET = _LIMITS.operating_budget


class LeakyBucket:
    def __init__(self, rate: float, capacity: int) -> None:
        self.rate, self.capacity = rate, capacity
        self._level = 0.0
        self._last: float | None = None
        self._lock = threading.Lock()

    def admit(self, now: float) -> bool:
        with self._lock:
            if self._last is not None:
                self._level = max(0.0, self._level - (now - self._last) * self.rate)
            self._last = now if self._last is None else max(self._last, now)
            if self._level + 1 > self.capacity:
                return False
            self._level += 1
            return True

    @property
    def level(self) -> float:
        return self._level


@dataclass
class _Bucket:
    start: float
    total: float = 0.0


@dataclass
class OperatingBudget:
    budget: float = DEFAULT_BUDGET
    _buckets: dict[tuple[str, str], list[_Bucket]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _live(self, key: tuple[str, str], now: float) -> list[_Bucket]:
        buckets = [b for b in self._buckets.get(key, []) if b.start + WINDOW_SECONDS > now]
        self._buckets[key] = buckets
        return buckets

    def used(self, credential: str, method: str, now: float) -> float:
        with self._lock:
            return sum(b.total for b in self._live((credential, method), now))

    def blocked(self, credential: str, method: str, now: float) -> bool:
        return self.used(credential, method, now) > self.budget

    def record(self, credential: str, method: str, seconds: float, now: float) -> None:
        self.account(credential, method, seconds, now)

    def account(self, credential: str, method: str, seconds: float | None, now: float) -> tuple[float, int]:
        """record() (unless `seconds` is None), then (used, reset_at), in one pass under one lock:
        every call of a counted method does all three."""
        with self._lock:
            buckets = self._live((credential, method), now)
            if seconds is not None:
                if not buckets or buckets[-1].start + BUCKET_SECONDS <= now:
                    buckets.append(_Bucket(start=now))
                buckets[-1].total += max(0.0, seconds)
            used = sum(b.total for b in buckets)
            return used, int((buckets[0].start if buckets else now) + WINDOW_SECONDS)

    def reset_at(self, credential: str, method: str, now: float) -> int:
        """When the oldest live bucket leaves the window (now + 10 min when there is none)."""
        with self._lock:
            buckets = self._live((credential, method), now)
            return int((buckets[0].start if buckets else now) + WINDOW_SECONDS)
