"""Helpers shared by the checks: reading a reply without trusting its shape."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeAlias, runtime_checkable

from b24conform.contract.model import MODES  # noqa: F401  (re-exported for the checks)
from b24conform.contract.loader import Contract


@runtime_checkable
class ReplyLike(Protocol):
    """What a check reads of an answer: judge.target.Reply is one, and so are a recorded exchange's reply
    (traffic/) and a test's stand-in. Checks read it without trusting its shape (status_of, json_of)."""

    @property
    def status(self) -> int | None: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def json(self) -> Any: ...

    @property
    def text(self) -> str: ...


# What the checks judge: a whole reply, or a bare body where there is no reply of its own (a batch
# command's result or result_error, one item of a list page); None when nothing came.
AnyReply: TypeAlias = ReplyLike | Mapping[str, Any] | list[Any] | None


def accepts(contract: Contract, ambiguity_id: str, reading: str, mode: str) -> bool:
    """The verdict of spec/ambiguities.yaml for a server showing `reading` in `mode`."""
    return contract.ambiguities[ambiguity_id].accepts(reading, mode)


def status_of(reply: AnyReply) -> int | None:
    return getattr(reply, "status", None)


def via_batch(reply: AnyReply) -> bool:
    """A batch command's answer (judge/batchplan.py): it has no HTTP status, headers or `time` of its own,
    so a check of those judges top-level replies only (the clauses that need one say so: `needs: top-level`)."""
    return getattr(reply, "via_batch", None) is True


def json_of(reply: AnyReply) -> Any:
    """The parsed body of a Reply (or the value itself when a plain dict/list is given)."""
    if isinstance(reply, (dict, list)) or reply is None:
        return reply
    return getattr(reply, "json", None)


def header(reply: AnyReply, name: str) -> str | None:
    headers = getattr(reply, "headers", None) or {}
    name = name.lower()
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def is_number(value: Any) -> bool:
    # bool is an int subclass in Python but `true` is not a number on the wire.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_decimal_string(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit()


def short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
