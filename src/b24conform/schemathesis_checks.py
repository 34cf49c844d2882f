"""b24conform's checks for teams that already run schemathesis: the success envelope, the `time`
block and the error catalogue of crm.activity.add and its companions, as schemathesis checks.

Load it through schemathesis' hooks mechanism and run as usual:

    SCHEMATHESIS_HOOKS=b24conform.schemathesis_checks st run spec/openapi.yaml --url https://HOST

Each check judges one response with the same pure checks the suites use (judge/checks/) and reports
each problem it finds as one schemathesis failure, titled by the problem's kind and deduplicated by
its identity (verdict/problems.py). The mode of the documented ambiguities is B24_MODE (strict by
default, or lenient). Replies are judged as a live portal's: wording b24conform chose itself is not
demanded byte for byte (judge/checks/errors.py).
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import schemathesis
from schemathesis.core.failures import Failure, FailureGroup, Severity
from schemathesis.specs.openapi.checks import negative_data_rejection

from b24conform.contract import load_contract
from b24conform.contract.model import DEFAULT_MODE, MODES
from b24conform.judge.checks.envelope import check_no_error_keys, check_result_id, check_status_and_content_type
from b24conform.judge.checks.errors import check_catalogue_error
from b24conform.judge.checks.time_block import check_time_block
from b24conform.judge.negative_cases import rejection_demanded
from b24conform.verdict.problems import Problem

MODE_ENV = "B24_MODE"
ADD = "crm.activity.add"


@lru_cache(maxsize=1)
def contract() -> Any:
    return load_contract()


def mode() -> str:
    value = os.environ.get(MODE_ENV, DEFAULT_MODE).strip().lower()
    return value if value in MODES else DEFAULT_MODE


class B24Problem(Failure):
    """A b24conform problem as a schemathesis failure: the problem's kind is its title, its identity
    the key schemathesis deduplicates by."""

    code = "ST901"  # schemathesis' group for custom checks
    checks = ("b24_envelope", "b24_time_block", "b24_error_catalogue")
    kind_title = "b24conform problem"

    __slots__ = ("problem",)

    def __init__(self, *, operation: str, problem: Problem, case_id: str | None = None) -> None:
        details = [str(problem), f"expected: {problem.expectation}",
                   f"actual: {json.dumps(problem.actual, ensure_ascii=False, default=repr)}",
                   f"kind: {problem.kind}"]
        super().__init__(operation=operation, title=f"b24conform: {problem.title}", message="\n".join(details),
                         case_id=case_id, severity=Severity.MEDIUM)
        self.problem = problem

    @property
    def _unique_key(self) -> str:
        return "|".join(self.problem.key())


def as_reply(response: Any) -> SimpleNamespace:
    """The shape the pure checks read (status, lower-case headers, parsed JSON, text) from a
    schemathesis Response."""
    headers = {str(k).lower(): (v[0] if isinstance(v, (list, tuple)) and v else v) for k, v in response.headers.items()}
    try:
        parsed = response.json()
    except Exception:  # not JSON: the checks report that themselves
        parsed = None
    return SimpleNamespace(status=response.status_code, headers=headers, json=parsed,
                           text=response.text_lossy() if hasattr(response, "text_lossy") else response.text,
                           target_kind="live")


def fail(case: Any, problems: list[Problem]) -> None:
    if problems:
        label = case.operation.label
        raise FailureGroup([B24Problem(operation=label, problem=p, case_id=getattr(case, "id", None)) for p in problems])


def is_add(case: Any) -> bool:
    """The add, whichever route reaches it (webhook, the .json suffix, OAuth)."""
    return case.operation.path.rsplit("/", 1)[-1].lower().removesuffix(".json") == ADD


def succeeded(reply: SimpleNamespace) -> bool:
    return reply.status == 200


@schemathesis.check
def b24_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 200 is a success envelope: JSON, `result` without error keys; an add's `result` is the new id."""
    reply = as_reply(response)
    if not succeeded(reply):
        return True  # not a success: b24_error_catalogue judges it
    problems = check_status_and_content_type(reply, contract(), mode()) + check_no_error_keys(reply, contract(), mode())
    if is_add(case) and isinstance(reply.json, dict) and "result" in reply.json:
        problems += check_result_id(reply, contract(), mode())
    fail(case, problems)
    return None


@schemathesis.check
def b24_time_block(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every JSON object reply carries a `time` block: eight keys, types, arithmetic, dates."""
    reply = as_reply(response)
    body = reply.json
    if not isinstance(body, dict):
        return True  # b24_envelope / b24_error_catalogue report a body that is no object
    if "time" not in body:
        # Error envelopes carry no `time` in the docs' examples; a success must.
        fail(case, [Problem("time-missing", "envelope")] if succeeded(reply) else [])
        return None if succeeded(reply) else True
    fail(case, check_time_block(body["time"], contract(), mode()))
    return None


@schemathesis.check
def b24_error_catalogue(ctx: Any, response: Any, case: Any) -> bool | None:
    """Anything but a 200 is an error of spec/errors.yaml: its status, code and (where the docs give it)
    message, in a conformant error envelope."""
    reply = as_reply(response)
    if succeeded(reply):
        return True
    fail(case, check_catalogue_error(reply, contract(), mode()))
    return None


@schemathesis.check
def b24_negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' negative_data_rejection, asked only where a conformant portal must refuse: not for
    a request the portal reads as valid (numeric strings, unknown keys) or whose only violations are of
    constraints no page gives a refusal for (judge/negative_cases.py). Enable it in place of the stock
    check, whose expected-statuses it uses."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_negative:
        return True
    if not rejection_demanded(case.operation.path, case.body):
        return True
    return negative_data_rejection(ctx, response, case)


CHECKS = (b24_envelope, b24_time_block, b24_error_catalogue, b24_negative_data_rejection)
