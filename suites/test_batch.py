"""batch with crm.activity.add commands (BATCH-001..BATCH-005).

Commands are query strings with PHP nested keys (settings/how-to-call-rest-api/batch.md); Target.call
marks and ledgers every crm.activity.add inside a batch, so the activities are cleaned up.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from ._support import clause_error, judge

from b24conform.judge.checks.batch import MAX_COMMANDS, check_batch_length, check_batch_outcome
from b24conform.judge.checks.envelope import new_id
from b24conform.verdict.problems import Problem


def php_query(prefix: str, value) -> list[tuple[str, str]]:
    """PHP-style nested keys: fields[COMMUNICATIONS][0][VALUE]=..."""
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in php_query(f"{prefix}[{k}]", v)]
    if isinstance(value, list):
        return [pair for i, v in enumerate(value) for pair in php_query(f"{prefix}[{i}]", v)]
    return [(prefix, str(value))]


def add_command(fields: dict) -> str:
    return "crm.activity.add?" + urlencode(php_query("fields", fields))


def call_fields(seed_fields, **changes):
    # FILES left out: batch commands travel as query strings, and FILES are not what batch is about.
    return seed_fields(FILES=seed_fields.OMIT, **changes)


@pytest.mark.b24conform_clause("BATCH-001")
def test_batch_runs_add_commands(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    cmd = {"first": add_command(call_fields(seed_fields)), "second": add_command(call_fields(seed_fields, TYPE_ID=1))}
    reply = b24_target.call("batch", {"halt": 0, "cmd": cmd})
    problems = check_batch_outcome(reply, b24_contract, b24_mode, ok=list(cmd))
    results = ((reply.json or {}).get("result") or {}).get("result") if isinstance(reply.json, dict) else None
    # Repeats among the ids only: a value that is no id is check_batch_outcome's result-not-id already.
    ids = [str(new_id({"result": v})) for v in results.values() if new_id({"result": v})] if isinstance(results, dict) else []
    if len(set(ids)) != len(ids):
        problems.append(Problem("batch-ids-repeat", "result.result", actual=results))
    judge(b24_evidence, reply, problems, "two adds in one batch")


@pytest.mark.b24conform_clause("BATCH-002")
def test_at_most_50_commands(b24_target, b24_contract, b24_mode, b24_evidence):
    # Read-only commands: a portal that wrongly runs them creates nothing.
    keys = [f"c{i}" for i in range(MAX_COMMANDS + 1)]
    reply = b24_target.call("batch", {"halt": 0, "cmd": {k: "crm.enum.activitytype" for k in keys}})
    judge(b24_evidence, reply, check_batch_length(reply, b24_contract, b24_mode, keys=keys), "51 commands")


@pytest.mark.b24conform_clause("BATCH-003")
def test_no_batch_in_batch(b24_target, b24_contract, b24_mode, b24_evidence):
    error_id = clause_error(b24_contract, "BATCH-003")
    inner = "batch?" + urlencode({"cmd[x]": "crm.enum.activitytype"})
    reply = b24_target.call("batch", {"halt": 0, "cmd": {"ok": "crm.enum.activitytype", "nested": inner}})
    problems = check_batch_outcome(reply, b24_contract, b24_mode, failed={"nested": error_id})
    inner_results = ((reply.json or {}).get("result") or {}).get("result") if isinstance(reply.json, dict) else {}
    if not isinstance(inner_results, dict) or "ok" not in inner_results:
        problems.append(Problem("batch-skipped-command", "ok", actual=inner_results))
    judge(b24_evidence, reply, problems, "batch inside batch")


@pytest.mark.b24conform_clause("BATCH-004")
def test_failing_command_goes_to_result_error(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    error_id = clause_error(b24_contract, "BATCH-004")
    cmd = {
        "good": add_command(call_fields(seed_fields)),
        "bad": add_command(call_fields(seed_fields, SUBJECT="")),
        "after": add_command(call_fields(seed_fields)),
    }
    reply = b24_target.call("batch", {"halt": 0, "cmd": cmd})
    judge(b24_evidence, reply, check_batch_outcome(reply, b24_contract, b24_mode, ok=["good", "after"],
                                                   failed={"bad": error_id}), "halt=0")


@pytest.mark.b24conform_clause("BATCH-005")
def test_halt_stops_at_first_failure(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    subject_error = clause_error(b24_contract, "BATCH-004")
    cmd = {
        "good": add_command(call_fields(seed_fields)),
        "bad": add_command(call_fields(seed_fields, SUBJECT="")),
        "never": add_command(call_fields(seed_fields)),
    }
    reply = b24_target.call("batch", {"halt": 1, "cmd": cmd})
    judge(b24_evidence, reply, check_batch_outcome(reply, b24_contract, b24_mode, ok=["good"],
                                                   failed={"bad": subject_error}, not_run=["never"]), "halt=1")
