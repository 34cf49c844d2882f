"""E-mail activities (EMAIL-001..EMAIL-006).

Safety: TYPE_ID 4 + DIRECTION 2 + COMPLETED Y sends real mail. Only EMAIL-004 uses it, and only on the
reference portal (b24_target.kind == "mock"); Target.call refuses it on any other target as well.
"""
from __future__ import annotations

import pytest
from ._support import add_ok, clause_error, enum_id, expect_error, get, judge, succeeded, try_add

from b24conform.contract import load_contract
from b24conform.judge.checks.envelope import check_add_success
from b24conform.judge.checks.errors import check_error_one_of
from b24conform.judge.checks.readback import check_completed

CONTRACT = load_contract()
EMAIL_TYPE = enum_id(CONTRACT, "activitytype", "E-mail")
OUTGOING = enum_id(CONTRACT, "activitydirection", "Outgoing")
RECIPIENT = "client@example.com"


def judge_email(target, contract, mode, evidence, fields, error_ids, note):
    """An e-mail whose addresses are wrong, `fields` not to be sent (COMPLETED N): one of `error_ids`,
    or, where AMB-EMAIL-NOT-SENT's reading b is accepted, created silently (try_add ledgered it).
    On the reference portal only, the same e-mail to be sent (COMPLETED Y) is refused in every reading:
    the sending checks its addresses. AMB-EMAIL-ERROR-CREATES accepts an activity left behind by the
    error too (reading b), so neither case reads back whether one was created."""
    reply = try_add(target, fields)
    problems = check_error_one_of(reply, contract, mode, error_ids)
    if problems and succeeded(reply) and contract.ambiguities["AMB-EMAIL-NOT-SENT"].accepts("b", mode):
        problems = check_add_success(reply, contract, mode)  # created: judged as the success it is
    judge(evidence, reply, problems, note)
    if target.kind == "mock":  # a live portal would send real mail: never there (Target.call refuses it too)
        sent = try_add(target, {**fields, "COMPLETED": "Y"})
        judge(evidence, sent, check_error_one_of(sent, contract, mode, error_ids), f"{note}, to be sent")


def email_fields(seed_fields, **changes):
    """A stored, not sent e-mail (COMPLETED N) to one contact address; `changes` override."""
    fields = seed_fields(TYPE_ID=EMAIL_TYPE, DIRECTION=OUTGOING, COMPLETED="N", FILES=seed_fields.OMIT)
    fields["COMMUNICATIONS"][0]["VALUE"] = RECIPIENT
    fields.update(changes)
    return fields


@pytest.mark.b24conform_clause("EMAIL-001")
def test_email_without_recipient(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    # A phone communication with TYPE PHONE: an e-mail drops it and is left with no address.
    phone = {**seed_fields()["COMMUNICATIONS"][0], "TYPE": "PHONE"}
    error_ids = [clause_error(b24_contract, "EMAIL-001")]
    if b24_contract.ambiguities["AMB-EMAIL-TYPE-MISMATCH"].accepts("b", b24_mode):
        # The e-mail tutorial gives the COMMUNICATIONS error for a TYPE other than EMAIL.
        error_ids.append("ADD_COMMUNICATIONS_INVALID")
    judge_email(b24_target, b24_contract, b24_mode, b24_evidence, email_fields(seed_fields, COMMUNICATIONS=[phone]),
                error_ids, "no e-mail recipient")


@pytest.mark.b24conform_clause("EMAIL-002")
def test_invalid_recipient(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    comm = {**seed_fields()["COMMUNICATIONS"][0], "VALUE": "not-an-address"}
    judge_email(b24_target, b24_contract, b24_mode, b24_evidence, email_fields(seed_fields, COMMUNICATIONS=[comm]),
                [clause_error(b24_contract, "EMAIL-002")], "invalid recipient")


@pytest.mark.b24conform_clause("EMAIL-003")
@pytest.mark.parametrize("sender", ["Sender Name", "Sender <not-an-address>", "sender@example"])
def test_invalid_sender(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, sender):
    judge_email(b24_target, b24_contract, b24_mode, b24_evidence, email_fields(seed_fields, SETTINGS={"MESSAGE_FROM": sender}),
                [clause_error(b24_contract, "EMAIL-003")], f"sender {sender!r}")


@pytest.mark.b24conform_clause("EMAIL-004")
def test_sending_without_sender(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    if b24_target.kind != "mock":  # belt and braces: the clause is `where: mock` already
        pytest.skip("would send real e-mail on a live portal")
    reply = try_add(b24_target, email_fields(seed_fields, COMPLETED="Y"))
    expect_error(b24_target, b24_contract, b24_mode, b24_evidence, reply, clause_error(b24_contract, "EMAIL-004"))


@pytest.mark.b24conform_clause("EMAIL-006")
def test_not_sent_email_is_stored(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    fields = email_fields(seed_fields)
    activity_id = add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, note="e-mail, COMPLETED N", envelope=False)
    reply = get(b24_target, activity_id)
    judge(b24_evidence, reply, check_completed(reply, b24_contract, b24_mode, sent=fields), "COMPLETED reads back N")
