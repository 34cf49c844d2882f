"""Hypothesis profiles of the suites: `ci` (the default under `b24conform run`), `dev`, `live`.

`live` is sized to the standard plan's rate budget (burst 50): a property never spends more than a
few examples' worth of requests on a real portal.
"""
from __future__ import annotations

PROFILES = ("ci", "dev", "live")


def register() -> None:
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # hypothesis is a dependency; be tolerant in stripped environments
        return
    common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}
    settings.register_profile("ci", derandomize=True, max_examples=25, print_blob=True, **common)
    settings.register_profile("dev", max_examples=200, **common)
    settings.register_profile("live", max_examples=8, derandomize=True, **common)
