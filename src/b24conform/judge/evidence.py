"""Evidence: request/response excerpts attached to a check for the reports, always redacted."""
from __future__ import annotations

from typing import Any

from b24conform.judge.redact import redact

EXCERPT = 2000
AUTO_LIMIT = 8       # replies captured automatically per check
EXPLICIT_LIMIT = 50  # explicit records per check (a property test may judge hundreds of replies)


def evidence_item(reply: Any, note: str = "", *, explicit: bool = True) -> dict[str, Any]:
    request = getattr(reply, "request", None)
    req = request.as_dict() if hasattr(request, "as_dict") else {"body": redact(request)}
    curl = reply.curl() if hasattr(reply, "curl") else ""
    return {
        "request": {k: redact(v) if isinstance(v, str) else v for k, v in req.items()},
        "status": getattr(reply, "status", None),
        "response_excerpt": redact((getattr(reply, "text", "") or "")[:EXCERPT]),
        "curl": redact(curl),
        "note": redact(note),
        "explicit": explicit,
    }


class Evidence:
    """The `b24_evidence` fixture: `b24_evidence.record(reply, note="")`."""

    def __init__(self, sink: list[dict[str, Any]]) -> None:
        self._sink = sink

    def record(self, reply: Any, note: str = "") -> None:
        if sum(1 for e in self._sink if e.get("explicit")) < EXPLICIT_LIMIT:
            self._sink.append(evidence_item(reply, note, explicit=True))

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self._sink)
