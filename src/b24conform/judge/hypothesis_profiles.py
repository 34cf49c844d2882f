"""Hypothesis profiles of the suites: `ci` (the default under `b24conform run` on the embedded mock),
`dev`, `live` (the default when the target is a live portal).

`live` is sized to the standard plan's rate budget (burst 50, 2 requests/s): a property never spends
more than a few examples' worth of requests on a real portal. Suites that need even fewer cases on a
live portal (read-only operations whose answer does not depend on the input) ask for them with
`live_cap(n)`, which changes nothing under any other profile, so mock runs keep their case counts.
"""
from __future__ import annotations

from typing import Any

PROFILES = ("ci", "dev", "live")  # as `b24conform run --hypothesis-profile` names them
PREFIX = "b24conform-"  # as hypothesis knows them: a foreign project's own `ci` profile stays its own
LIVE = PREFIX + "live"


def registered_name(short: str) -> str:
    return short if short.startswith(PREFIX) else PREFIX + short


def register() -> None:
    try:
        # start-up: Hypothesis (~75 ms) loads only in a session that registers the profiles
        from hypothesis import HealthCheck, settings
    except ImportError:  # hypothesis is a dependency; be tolerant in stripped environments
        return
    common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]}
    settings.register_profile(PREFIX + "ci", derandomize=True, max_examples=25, print_blob=True, **common)
    settings.register_profile(PREFIX + "dev", max_examples=200, **common)
    settings.register_profile(LIVE, max_examples=8, derandomize=True, **common)


def default_profile(target: str | None) -> str:
    """The profile a run uses when none is asked for: `live` against a live portal, else `ci`."""
    return "live" if target else "ci"


def live_loaded() -> bool:
    """Whether the `live` profile is the loaded one (read when a suite module is imported)."""
    try:
        from hypothesis import settings  # start-up, as in register()
    except ImportError:
        return False
    return settings.get_current_profile_name() == LIVE


# Set by the plugin before the suites are imported when a live run is to fit the standard plan's burst
# (--b24-batch-plan, judge/batchplan.py): live_cap then takes its `burst` size where one is given.
BURST = {"on": False}


def live_cap(max_examples: int, burst: int | None = None) -> dict[str, Any]:
    """`settings(...)` keyword arguments: at most `max_examples` cases under the `live` profile (at most
    `burst` in a run sized to the burst), nothing under any other (the loaded profile decides, as before)."""
    if not live_loaded():
        return {}
    from hypothesis import settings  # start-up, as in register()

    if BURST["on"] and burst is not None:
        max_examples = min(max_examples, burst)
    return {"max_examples": min(max_examples, settings.default.max_examples)}
