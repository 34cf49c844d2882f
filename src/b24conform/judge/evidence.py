"""Evidence: request/response excerpts attached to a check for the reports, always redacted.

A reply the judge found problems in carries them (`problems`, their wire form): the reports group
problems across checks and show each with the request and response that showed it, and with a
reproduction that still works after the run (`reproduce`, judge/reproduce.py): the run's own records
the request names are made anew first. A credential a check sends wrong on purpose is shown as such
(`credential`, and WRONG_CODE in the curl), never as the *** of a real one.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from b24conform.judge import reproduce
from b24conform.judge.client import WRONG_CODE
from b24conform.verdict.problems import WRONG_CREDENTIALS, Problem
from b24conform.verdict.redact import redact, redact_data

EXCERPT = 2000
AUTO_LIMIT = 8       # replies captured automatically per check
EXPLICIT_LIMIT = 50  # explicit records per check (a property test may judge hundreds of replies)
# Replies with problems kept per check beyond EXPLICIT_LIMIT: a check stops at its first faulty reply,
# but hypothesis replays and shrinks a failing example, each replay judged again.
PROBLEM_LIMIT = 20


def evidence_item(reply: Any, note: str = "", *, explicit: bool = True) -> dict[str, Any]:
    request = getattr(reply, "request", None)
    req = request.as_dict() if hasattr(request, "as_dict") else {"body": redact(request)}
    curl = reply.curl() if hasattr(reply, "curl") else ""
    wrong = credential(reply)
    if wrong and getattr(request, "auth", None) == reproduce.WRONG:
        curl = reproduce.wrong_code_curl(reply) or curl
    item = {
        "request": {k: redact(v) if isinstance(v, str) else v for k, v in req.items()},
        "status": getattr(reply, "status", None),
        "response_excerpt": redact((getattr(reply, "text", "") or "")[:EXCERPT]),
        "curl": redact(curl),
        "note": redact(note),
        "explicit": explicit,
        # When the reply came (Target: Reply.at): which reply came first, across checks and workers.
        "at": getattr(reply, "at", None),
    }
    if wrong:
        item["credential"] = wrong
    return item


def credential(reply: Any) -> str | None:
    """What a credential sent wrong on purpose was ("a wrong webhook code (b24conformwrongcode), sent on
    purpose"); None for the run's own credentials."""
    auth = str(getattr(getattr(reply, "request", None), "auth", "webhook"))
    what = WRONG_CREDENTIALS.get(auth)
    if what is None:
        return None
    return f"{what} ({WRONG_CODE}), sent on purpose" if auth == reproduce.WRONG else f"{what}, sent on purpose"


def problem_dicts(problems: Iterable[Problem], clauses: Sequence[str]) -> list[dict[str, Any]]:
    """The wire form of problems found in one reply, redacted; the reply itself is the item they sit in."""
    return [redact_data(p.seen(clauses or p.clauses, None).as_dict()) for p in problems]


class Evidence:
    """The `b24_evidence` fixture: `b24_evidence.record(reply, note="", problems=())`. `clauses` are the
    ids of the check's markers, stamped on every problem it records."""

    def __init__(self, sink: list[dict[str, Any]], clauses: Sequence[str] = ()) -> None:
        self._sink = sink
        self.clauses = tuple(clauses)

    def record(self, reply: Any, note: str = "", problems: Sequence[Problem] = ()) -> None:
        if problems:
            if sum(1 for e in self._sink if e.get("problems")) < PROBLEM_LIMIT:
                item = evidence_item(reply, note, explicit=True)
                script = reproduce.script(reply)
                if script:
                    item["reproduce"] = redact(script)
                item["problems"] = problem_dicts(problems, self.clauses)
                self._sink.append(item)
            return
        if sum(1 for e in self._sink if e.get("explicit") and not e.get("problems")) < EXPLICIT_LIMIT:
            self._sink.append(evidence_item(reply, note, explicit=True))

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self._sink)
