"""The success envelope of crm.activity.add (ENV-001..ENV-007), judged on the seed example's reply."""
from __future__ import annotations

import pytest
from ._support import add_once, judge, try_add

from b24conform.judge.checks import envelope, time_block
from b24conform.judge.checks.errors import check_error_shape

# One check function per clause: each clause can fail on its own in the report.
ENVELOPE_CHECKS = [
    pytest.param(envelope.check_status_and_content_type, id="ENV-001", marks=pytest.mark.b24conform_clause("ENV-001")),
    pytest.param(envelope.check_result_id, id="ENV-002", marks=pytest.mark.b24conform_clause("ENV-002")),
    pytest.param(time_block.check_time_keys, id="ENV-003", marks=pytest.mark.b24conform_clause("ENV-003")),
    pytest.param(time_block.check_time_types, id="ENV-004", marks=pytest.mark.b24conform_clause("ENV-004")),
    pytest.param(time_block.check_time_arithmetic, id="ENV-005", marks=pytest.mark.b24conform_clause("ENV-005")),
    pytest.param(time_block.check_time_dates, id="ENV-006", marks=pytest.mark.b24conform_clause("ENV-006")),
    pytest.param(envelope.check_no_error_keys, id="ENV-007-success", marks=pytest.mark.b24conform_clause("ENV-007")),
]


@pytest.mark.parametrize("check", ENVELOPE_CHECKS)
def test_add_success_envelope(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, check):
    # On a live portal the seven clauses judge one add's reply (each with its own check and verdict).
    reply = add_once(b24_target, seed_fields())
    body = reply.json if isinstance(reply.json, dict) else {}
    # The time checks take the block; a missing block is itself a problem for them.
    value = body.get("time", "no `time` in the reply") if check.__module__.endswith("time_block") else reply
    judge(b24_evidence, reply, check(value, b24_contract, b24_mode), check.__name__)


@pytest.mark.b24conform_clause("ENV-007")
def test_error_envelope_has_no_result(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    reply = try_add(b24_target, seed_fields(SUBJECT=seed_fields.OMIT, TYPE_ID="abc"))
    judge(b24_evidence, reply, check_error_shape(reply, b24_contract, b24_mode), "error side of ENV-007")
