"""A problem a check found, as data.

Modelled on schemathesis's failure objects (`schemathesis.core.failures.Failure`): a stable kind
(its `code`), the values that showed it, and a wire form (`as_dict`) shared by the pytest-xdist
transport and results.json. The sentence a person reads is rendered from these fields by the kind's
template (problem_kinds.py); nothing downstream parses it back.

A check knows what it looked at; the clause it proves is known only where it runs, so `clauses` and
`evidence` are filled in by the judge (`seen`) when a suite judges a reply.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from b24conform.verdict.problem_kinds import kind as kind_entry

# The credentials a check sends wrong on purpose (Target's auth variants), as a problem names them when a
# portal accepts one: the subject of the cause `credential-accepted`.
WRONG_CREDENTIALS = {
    "bad_code": "a wrong webhook code", "bad_user": "a webhook code with another user's id",
    "none": "a request without credentials", "expired": "an expired OAuth token",
    "unscoped": "a webhook without the crm scope", "restricted": "a webhook of a user without the right to add",
}

SHORT = 200


def clip(text: str, limit: int = SHORT) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def canonical(value: Any) -> str:
    """A value as one JSON text (keys sorted), the form identities and the wire use."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def plain(value: Any) -> Any:
    """A JSON-safe copy (tuples become lists, anything else its repr)."""
    return json.loads(canonical(value))


@dataclass(frozen=True, eq=False)
class Problem:
    kind: str                        # a key of problem_kinds.KINDS
    subject: str = ""                # the item looked at: "result", "time.duration", a field name
    expected: Any = None             # what the docs prescribe, where it is one value
    expects: str = ""                # or, where it is not one value, a description of it
    actual: Any = None               # what the reply had
    error_id: str | None = None      # the catalogue error expected (spec/errors.yaml)
    ambiguity: str | None = None     # the ambiguity whose verdict decided it (spec/ambiguities.yaml)
    mode: str | None = None          # the mode that verdict was read in
    context: str = ""                # where in the check ("batch command 'a'", "step X"); not part of the identity
    clauses: tuple[str, ...] = ()    # filled in by the judge
    evidence: Mapping[str, Any] | None = field(default=None, repr=False)  # filled in by the judge

    def __post_init__(self) -> None:
        kind_entry(self.kind)  # refuse an unknown kind where it is made, not in a report later

    # -- rendering ---------------------------------------------------------------------------------

    @property
    def title(self) -> str:
        return kind_entry(self.kind).title

    @property
    def expectation(self) -> str:
        """What a conformant reply has: the concrete expected value, else a description of it."""
        if self.expected is not None:
            return canonical(self.expected)
        return self.expects or kind_entry(self.kind).expects

    def render(self) -> str:
        entry = kind_entry(self.kind)
        text = entry.template.format(
            subject=self.subject, expected=clip(self.expectation), actual=clip(canonical(self.actual)),
            actual_text=str(self.actual), error_id=self.error_id or "",
        )
        if self.ambiguity:
            text += f" ({self.ambiguity}, {self.mode or 'strict'})"
        return f"{self.context}: {text}" if self.context else text

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec: str) -> str:
        return format(self.render(), spec)

    # -- identity ----------------------------------------------------------------------------------

    def key(self) -> tuple[str, ...]:
        """Two problems with the same key are the same defect of the portal (see problem_kinds)."""
        if kind_entry(self.kind).by_value:
            return (self.kind, self.subject, canonical(self.expected), canonical(self.actual))
        return (self.kind, self.subject)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    def __hash__(self) -> int:
        return hash(canonical(self.as_dict()))

    # -- context -----------------------------------------------------------------------------------

    def within(self, context: str) -> Problem:
        """The same problem found inside a part of the check (a batch command, a step, a method)."""
        joined = f"{context}: {self.context}" if self.context else context
        return replace(self, context=joined)

    def seen(self, clauses: Iterable[str], evidence: Mapping[str, Any] | None) -> Problem:
        return replace(self, clauses=tuple(clauses), evidence=evidence)

    # -- wire form ---------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "title": self.title,
            "message": self.render(),
            "subject": self.subject,
            "expected": plain(self.expected),
            "expects": self.expects,
            "expectation": self.expectation,
            "actual": plain(self.actual),
            "error_id": self.error_id,
            "ambiguity": self.ambiguity,
            "mode": self.mode,
            "context": self.context,
            "clauses": list(self.clauses),
            "key": list(self.key()),
            "evidence": plain(self.evidence) if self.evidence is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            kind=data["kind"], subject=data.get("subject", ""), expected=data.get("expected"),
            actual=data.get("actual"), expects=data.get("expects", ""), error_id=data.get("error_id"), ambiguity=data.get("ambiguity"),
            mode=data.get("mode"), context=data.get("context", ""), clauses=tuple(data.get("clauses", ())),
            evidence=data.get("evidence"),
        )


def as_problem(value: Problem | str) -> Problem:
    """A suite's own sentence (a plain string) becomes a problem of kind `other` carrying it."""
    return value if isinstance(value, Problem) else Problem("other", actual=str(value))


def within(context: str, problems: Iterable[Problem | str]) -> list[Problem]:
    return [as_problem(p).within(context) for p in problems]


def from_failure(failure: Any) -> Problem:
    """A schemathesis failure (duck-typed: `code`, `title`, `message`) as a problem of kind
    `schemathesis`, grouped by its stable code and title; the message is kept as the actual text."""
    head = " ".join(x for x in (getattr(failure, "code", ""), getattr(failure, "title", "")) if x)
    message = " ".join(str(getattr(failure, "message", "") or "").split())
    return Problem("schemathesis", head or type(failure).__name__, actual=message[:SHORT * 2])
