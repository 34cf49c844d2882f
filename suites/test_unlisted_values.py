"""A value outside a field's listed ids, where no error is documented (REQ-011, AMB-UNLISTED-VALUES)."""
from __future__ import annotations

import pytest
from ._support import get, judge, succeeded

from b24conform.judge.checks import readback
from b24conform.judge.checks.envelope import check_add_success, check_success, new_id
from b24conform.judge.checks.errors import check_unlisted_refusal

FIELD = "PRIORITY"


def unlisted_id(contract, field: str) -> int:
    """An integer that is not an id of the field's crm.enum.* list (9 for PRIORITY)."""
    ids = contract.enum_for_field(field).ids()
    return max(ids) + 6


@pytest.mark.b24conform_clause("REQ-011")
def test_priority_outside_its_list(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    sent = {FIELD: unlisted_id(b24_contract, FIELD)}
    reply = b24_target.add(seed_fields(**sent))
    if not succeeded(reply):
        judge(b24_evidence, reply, check_unlisted_refusal(reply, b24_contract, b24_mode, FIELD), f"{FIELD} {sent[FIELD]}")
        return
    judge(b24_evidence, reply, check_add_success(reply, b24_contract, b24_mode), f"add with {FIELD} {sent[FIELD]}")
    read = get(b24_target, new_id(reply))
    judge(b24_evidence, read, check_success(read, b24_contract, b24_mode)
          + readback.check_readback_equal(read, b24_contract, b24_mode, sent=sent), f"{FIELD} read back")
