"""Checks of error envelopes against the catalogue (clauses ERR-001..ERR-005 and every clause that expects an error).

An expected error is named by its id in spec/errors.yaml; status, code and message come from that
entry, never from the caller.

Exact wording only where the docs pin it: a message the catalogue marks `message_pinned: false`
(b24conform chose it, or only saw it on portals) is demanded byte for byte from the embedded mock
alone (reply.target_kind == "mock"; its messages are ours). Any other target must still send the
documented status and code in a conformant envelope, with a non-empty `error_description`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from b24conform.judge.checks._common import AnyReply, Contract, accepts, header, json_of, short, status_of, via_batch
from b24conform.verdict.problems import WRONG_CREDENTIALS, Problem

# seed, Error Handling: "String error code. It may consist of digits, Latin letters, and underscores".
CODE_ALPHABET = re.compile(r"^[A-Za-z0-9_]*$")
NON_EMPTY_CODE = re.compile(r"^[A-Za-z0-9_]+$")

# The catalogue kinds whose errors are documented with the empty code (AMB-ERROR-CODE-EMPTY).
EMPTY_CODE_KINDS = ("method", "companion")


def check_error_shape(reply: AnyReply, contract: Contract | None = None, mode: str | None = None) -> list[Problem]:
    """ERR-001 (shape) and ENV-007 (error side): a JSON object with string error/error_description, no result.
    No ambiguity bears on it: contract and mode only complete the checks' common signature."""
    body = json_of(reply)
    if not isinstance(body, dict):
        return [Problem("error-not-object", "body", actual=short(getattr(reply, "text", body), 80))]
    problems = []
    for key in ("error", "error_description"):
        if key not in body:
            problems.append(Problem("error-key-missing", key, actual=sorted(body)))
        elif not isinstance(body[key], str):
            problems.append(Problem("error-key-type", key, actual=body[key]))
    if "result" in body:
        problems.append(Problem("error-with-result", "result", actual=body["result"]))
    ctype = (header(reply, "content-type") or "application/json").split(";")[0].strip().lower()
    if getattr(reply, "headers", None) is not None and ctype != "application/json":
        problems.append(Problem("content-type", "Content-Type", expected="application/json", actual=ctype))
    return problems


def check_error_code_alphabet(reply: AnyReply, contract: Contract | None = None, mode: str | None = None) -> list[Problem]:
    """ERR-003: `error` consists only of digits, Latin letters and underscores (contract and mode unread)."""
    body = json_of(reply)
    code = body.get("error") if isinstance(body, dict) else None
    if isinstance(code, str) and not CODE_ALPHABET.match(code):
        return [Problem("error-code-alphabet", "error", actual=code)]
    return []


def check_status(reply: AnyReply, contract: Contract, mode: str, error_id: str) -> list[Problem]:
    entry = contract.error(error_id)
    got = status_of(reply)
    if got == entry.http_status or via_batch(reply):
        return []  # a batch command's answer has no status: ERR-001 and its kin judge top-level replies
    # "Access denied" with 403 is the lenient reading of AMB-ACCESS-DENIED-STATUS.
    if error_id == "ADD_ACCESS_DENIED" and got == 403 and accepts(contract, "AMB-ACCESS-DENIED-STATUS", "b", mode):
        return []
    return [Problem("error-status", "HTTP status", expected=entry.http_status, actual=got, error_id=error_id)]


def check_code(reply: AnyReply, contract: Contract, mode: str, error_id: str) -> list[Problem]:
    """ERR-002 / ERR-005: the catalogue's code; for method errors "" (or, lenient, any code of the alphabet)."""
    entry = contract.error(error_id)
    body = json_of(reply)
    code = body.get("error") if isinstance(body, dict) else None
    if code == entry.code:
        return []
    if (
        entry.code == ""
        and entry.kind in EMPTY_CODE_KINDS
        and isinstance(code, str)
        and NON_EMPTY_CODE.match(code)
        and accepts(contract, "AMB-ERROR-CODE-EMPTY", "b", mode)
    ):
        return []
    return [Problem("error-code", "error", expected=entry.code, actual=code, error_id=error_id)]


def target_kind_of(reply: AnyReply) -> str:
    """"mock" or "live"; a reply that does not say (a bare dict, a hand-made reply) is held to the
    mock's standard, the stricter one."""
    return getattr(reply, "target_kind", "mock")


def wording_demanded(entry: Any, target_kind: str, pinned: bool | None = None) -> bool:
    """Whether `entry.message` must be matched exactly: the docs give it (or the caller says they do,
    `pinned`), or the reply came from the embedded mock, whose wording is b24conform's own."""
    is_pinned = entry.message_pinned if pinned is None else pinned
    return is_pinned or target_kind == "mock"


def message_matches(message: Any, entry: Any, contract: Contract, mode: str) -> bool:
    """AMB-MESSAGE-PERIOD: byte for byte (strict) or one of accepted_messages() (lenient)."""
    if message == entry.message:
        return True
    if entry.message_pattern and isinstance(message, str) and re.fullmatch(entry.message_pattern, message):
        return True
    return (
        isinstance(message, str)
        and accepts(contract, "AMB-MESSAGE-PERIOD", "b", mode)
        and message in entry.accepted_messages()
    )


def check_message(reply: AnyReply, contract: Contract, mode: str, error_id: str, *,
                  target_kind: str | None = None, pinned: bool | None = None) -> list[Problem]:
    """ERR-004: error_description is the catalogue's message where the docs pin it (or on the mock);
    elsewhere a non-empty string. `target_kind` defaults to the reply's own (pass the outer reply's for
    a batch item, a bare dict); `pinned` overrides the catalogue where a clause provokes an error whose
    text the docs give for another trigger only."""
    entry = contract.error(error_id)
    body = json_of(reply)
    message = body.get("error_description") if isinstance(body, dict) else None
    kind = target_kind if target_kind is not None else target_kind_of(reply)
    if not wording_demanded(entry, kind, pinned):
        if isinstance(message, str) and message.strip():
            return []
        return [Problem("message-empty", "error_description", actual=message, error_id=error_id)]
    if message_matches(message, entry, contract, mode):
        return []
    return [Problem("message-mismatch", "error_description", expected=entry.message, actual=message, error_id=error_id)]


def honoured(reply: AnyReply) -> bool:
    """The portal did what was asked: a 2xx success envelope (a `result`, no `error`)."""
    body, status = json_of(reply), status_of(reply)
    return (isinstance(body, dict) and "result" in body and "error" not in body
            and (via_batch(reply) or isinstance(status, int) and 200 <= status < 300))


def method_of(reply: AnyReply) -> str:
    """The REST method a reply answers, read off its request's URL (".json" and the query left out)."""
    url = str(getattr(getattr(reply, "request", None), "url", None) or "")
    name = url.partition("?")[0].rstrip("/").rpartition("/")[2]
    return name[: -len(".json")] if name.endswith(".json") else name


def missed_refusal(reply: AnyReply, error_ids: Iterable[str]) -> list[Problem]:
    """Where a refusal was expected and the portal honoured the request instead, the cause the
    envelope problems of the same reply follow from (problem_kinds: `cause`, `precedes`): a credential
    sent wrong on purpose that was accepted, or a request the docs refuse that was honoured."""
    if not honoured(reply):
        return []
    credential = WRONG_CREDENTIALS.get(str(getattr(getattr(reply, "request", None), "auth", None)))
    if credential:
        return [Problem("credential-accepted", credential, expected=list(error_ids), actual=status_of(reply))]
    return [Problem("refusal-ignored", method_of(reply) or "the request", expected=list(error_ids),
                    actual=status_of(reply))]


def _error_problems(reply: AnyReply, contract: Contract, mode: str, error_id: str, pinned: bool | None) -> list[Problem]:
    shape = check_error_shape(reply)
    if shape and not isinstance(json_of(reply), dict):
        return shape
    return (
        shape
        + check_error_code_alphabet(reply)
        + check_status(reply, contract, mode, error_id)
        + check_code(reply, contract, mode, error_id)
        + check_message(reply, contract, mode, error_id, pinned=pinned)
    )


def check_error(reply: AnyReply, contract: Contract, mode: str, error_id: str, *, pinned: bool | None = None) -> list[Problem]:
    """The reply is the catalogue error `error_id`: envelope shape, status, code and message
    (the message exactly only where wording_demanded; see the module docstring). A request honoured
    instead also gets its cause (missed_refusal), first."""
    problems = _error_problems(reply, contract, mode, error_id, pinned)
    # Without problems there is no cause to add: an honoured request has no `error` key, which the shape reports.
    return missed_refusal(reply, [error_id]) + problems


def check_error_one_of(reply: AnyReply, contract: Contract, mode: str, error_ids: Iterable[str]) -> list[Problem]:
    """The reply is one of several catalogue errors (used where the docs leave the choice open)."""
    ids = list(error_ids)
    if not ids:
        raise ValueError("check_error_one_of needs at least one expected error id")
    attempts = {error_id: _error_problems(reply, contract, mode, error_id, None) for error_id in ids}
    if any(not problems for problems in attempts.values()):
        return []
    root = missed_refusal(reply, ids)
    body = json_of(reply)
    got = body.get("error_description") if isinstance(body, dict) else getattr(reply, "text", None)
    # Report against the entry whose message matched, if any, else summarise.
    for error_id, problems in attempts.items():
        entry = contract.error(error_id)
        if isinstance(body, dict) and message_matches(body.get("error_description"), entry, contract, mode):
            return root + problems
    return root + [Problem("error-unexpected", "reply", expected=ids, actual=f"HTTP {status_of(reply)} {short(got, 120)}")]


def _own_wording(message: Any, entry: Any) -> bool:
    """Whether `message` is `entry`'s text or a documented variant of it (its period variants too,
    whatever the mode: an unpinned wording is not demanded, only recognised), where an elided "..."
    of the docs stands for any text."""
    if not isinstance(message, str):
        return False
    return any(re.fullmatch(".+".join(re.escape(part) for part in text.split("...")), message)
               for text in entry.accepted_messages())


def identify(reply: AnyReply, contract: Contract, mode: str, kinds: Iterable[str] | None = None) -> str | None:
    """The catalogue id whose message (and status) the reply carries, or None.

    On a live target an error whose wording the docs do not pin is not held to its text, so status and
    code decide, but only where the code names the error (ERROR_METHOD_NOT_FOUND in other words is
    still that error). The empty code of every method and companion error names none: a 400 "" is
    recognised by its own message or a documented variant of it, never by status and code alone. On
    the embedded mock every message is exact."""
    body = json_of(reply)
    if not isinstance(body, dict):
        return None
    wanted = set(kinds) if kinds else None
    candidates = [e for e in contract.errors.values() if not wanted or e.kind in wanted]
    for entry in candidates:
        if message_matches(body.get("error_description"), entry, contract, mode) and not check_error(
            reply, contract, mode, entry.id
        ):
            return entry.id
    if target_kind_of(reply) != "mock":
        for entry in candidates:
            if entry.message_pinned or check_error(reply, contract, mode, entry.id):
                continue
            if entry.code or _own_wording(body.get("error_description"), entry):
                return entry.id
    return None


def check_catalogue_error(reply: AnyReply, contract: Contract, mode: str, kinds: Iterable[str] | None = None) -> list[Problem]:
    """The reply is some error of the catalogue (any id), conformant in status, code and message."""
    shape = check_error_shape(reply)
    if shape:
        return shape
    if identify(reply, contract, mode, kinds) is None:
        body = json_of(reply)
        return [Problem("error-not-in-catalogue", "reply",
                        actual={"status": status_of(reply), "error": body.get("error"),
                                "error_description": body.get("error_description")})]
    return []


def check_unlisted_refusal(reply: AnyReply, contract: Contract, mode: str, field: str) -> list[Problem]:
    """REQ-011 (AMB-UNLISTED-VALUES), for an add refused over a value of `field` no error is documented
    for: strict (reading a) wants no refusal at all; lenient (reading b) accepts HTTP 400 in the error
    envelope with a non-empty error_description, whatever its wording."""
    body = json_of(reply)
    description = body.get("error_description") if isinstance(body, dict) else None
    if not accepts(contract, "AMB-UNLISTED-VALUES", "b", mode):
        return [Problem("refusal-undocumented", field,
                        actual={"status": status_of(reply), "error_description": short(description, 120)})]
    problems = check_error_shape(reply)
    if status_of(reply) != 400 and not via_batch(reply):
        problems.append(Problem("http-status", "HTTP status", expected=400, actual=status_of(reply)))
    if not (isinstance(description, str) and description.strip()):
        problems.append(Problem("refusal-description-empty", field, actual=description))
    return problems
