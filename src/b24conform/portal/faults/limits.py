"""Limit faults: the leaky bucket and the operating budget, wrapped."""
from __future__ import annotations

from typing import Any

from b24conform.portal.limits import LeakyBucket, OperatingBudget

FAULTS = frozenset({"bucket_disabled", "never_drains", "operating_disabled"})


class OpenBucket:
    """Admits every request (the bucket still fills, so `level` reads as the faithful one would)."""

    def __init__(self, inner: LeakyBucket) -> None:
        self.inner = inner

    def admit(self, now: float) -> bool:
        self.inner.admit(now)
        return True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def never_draining(bucket: LeakyBucket) -> LeakyBucket:
    """The same burst, no drain: full once, refusing for good."""
    return LeakyBucket(0.0, bucket.capacity)


class OpenBudget:
    """Counts operating time like the faithful budget but never blocks."""

    def __init__(self, inner: OperatingBudget) -> None:
        self.inner = inner

    def blocked(self, credential: str, method: str, now: float) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def deviant_bucket(bucket: LeakyBucket | None, faults: frozenset[str]) -> Any:
    if bucket is None:
        return None
    if "never_drains" in faults:
        bucket = never_draining(bucket)
    return OpenBucket(bucket) if "bucket_disabled" in faults else bucket


def deviant_budget(budget: OperatingBudget, faults: frozenset[str]) -> Any:
    return OpenBudget(budget) if "operating_disabled" in faults else budget
