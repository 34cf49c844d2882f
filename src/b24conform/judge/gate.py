"""The one rule every request of the judge passes: what it may do to a portal's data.

Pure: given the touches of a request (effects.py), whether writes are allowed, and which records the
run may touch, it returns why the request must not be sent, or None. The Target applies it before
anything is written to the ledger or the network.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from b24conform.judge.effects import Touch, as_id

ALLOW_WRITES_HINT = "rerun with --allow-writes (pytest: --b24-allow-writes) to allow it"


def refusal(touches: Iterable[Touch], *, allow_writes: bool,
            may_touch: Callable[[str | None, int], bool]) -> str | None:
    """Why these touches must not reach the portal, or None.

    - a method spec/methods.yaml does not list, or a request the judge cannot read: never sent;
    - create, change, delete: only with writes allowed;
    - change, delete: only of ids `may_touch` (created by this run, or shown to be absent).
    """
    for touch in touches:
        if touch.effect == "read":
            continue
        if touch.effect == "unknown":
            return (f"{touch.method}: not a method of spec/methods.yaml, or a request whose effect cannot be "
                    "read; the judge never sends it")
        if not allow_writes:
            return f"{touch.method} would {touch.effect} data on the portal; {ALLOW_WRITES_HINT}"
        if touch.effect == "create":
            continue
        if not touch.ids:
            return f"{touch.method} names no id the judge can check; it only {touch.effect}s records this run created"
        for raw in touch.ids:
            record_id = as_id(raw)
            if record_id is None or not may_touch(touch.entity, record_id):
                return (f"{touch.method} of {touch.entity} {raw!r}: this run neither created it nor showed it "
                        f"absent; the judge {touch.effect}s only its own records")
    return None
