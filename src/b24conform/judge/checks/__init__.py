"""Pure conformance checks.

Every check is a function ``(reply_or_value, contract, mode, ...) -> list[str]``: it returns the
problems it found (an empty list means conformant) and never raises on bad data, so one run of a
suite can report every deviation of a reply at once. Verdicts that depend on a documented
ambiguity are read from spec/ambiguities.yaml through the contract, never decided here.
"""
from __future__ import annotations

from collections.abc import Iterable


def assert_conforms(problems: Iterable[str], context: str = "") -> None:
    """Raise AssertionError listing every problem (all of them, not just the first)."""
    found = [p for p in problems if p]
    if found:
        head = f"{len(found)} conformance problem(s)" + (f" in {context}" if context else "")
        raise AssertionError(head + ":\n" + "\n".join(f"  - {p}" for p in found))


__all__ = ["assert_conforms"]
