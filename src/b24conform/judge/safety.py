"""Live-safety rules for activity writes: marking, and the one combination never sent live.

Pure functions over the `fields` of an add, shared by Target.add/call and by batch commands.
"""
from __future__ import annotations

from typing import Any

ORIGINATOR = "b24conform"


class WritesNotAllowed(RuntimeError):
    """A check tried to create data on a live target without --allow-writes (pytest: --b24-allow-writes), or a write the gate refuses."""


class UnsafeRequest(RuntimeError):
    """A request that would have a real-world effect (sending e-mail) on a live portal."""


def subject_prefix(run_id: str) -> str:
    return f"[{ORIGINATOR} {run_id}] "


def _flag(value: Any) -> str:
    return str(value).strip().upper() if value is not None else ""


def sends_mail(fields: Any) -> bool:
    """TYPE_ID=4 (e-mail) + DIRECTION=2 (outgoing) + COMPLETED=Y: the portal mails it for real."""
    if not isinstance(fields, dict):
        return False
    upper = {str(k).upper(): v for k, v in fields.items()}
    return (_flag(upper.get("TYPE_ID")) == "4" and _flag(upper.get("DIRECTION")) == "2"
            and _flag(upper.get("COMPLETED")) == "Y")


def refuse_mail(fields: Any, kind: str) -> None:
    if kind != "mock" and sends_mail(fields):
        raise UnsafeRequest(
            "refusing to send TYPE_ID=4 + DIRECTION=2 + COMPLETED=Y to a live portal: it would send real e-mail"
        )


def mark(fields: Any, run_id: str, field: str = "SUBJECT") -> Any:
    """A copy of `fields` marked as the judge's: `field` (SUBJECT of an activity, NAME or TITLE of a
    CRM item: spec/methods.yaml `mark`) prefixed with the run marker (only when it is a non-blank
    string, so checks of a missing or empty SUBJECT keep their meaning) and ORIGINATOR_ID set, so
    `cleanup` can find the record even when its id was never seen."""
    if not isinstance(fields, dict):
        return fields
    marked = dict(fields)
    prefix = subject_prefix(run_id)
    text = marked.get(field)
    # A blank SUBJECT stays blank: prefixing "   " would turn a "SUBJECT empty" check into a valid add.
    if isinstance(text, str) and text.strip() and not text.startswith(f"[{ORIGINATOR} "):
        marked[field] = prefix + text
    marked["ORIGINATOR_ID"] = ORIGINATOR
    return marked


def is_marked_subject(subject: Any) -> bool:
    return isinstance(subject, str) and subject.startswith(f"[{ORIGINATOR} ")
