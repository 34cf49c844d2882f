"""FILES as fileData uploads (FILES-001, FILES-002)."""
from __future__ import annotations

import base64

import pytest
from ._support import add_ok, clause_error, judge, try_add

from b24conform.judge.checks.envelope import check_add_success
from b24conform.judge.checks.errors import check_error

GOOD_FILES = [
    # The seed's own content is not strict base64; AMB-FILES-BASE64 a: decoded leniently and accepted.
    pytest.param("seed-example", None, id="seed-example"),
    pytest.param("strict-base64", base64.b64encode(b"hello, conformance\n").decode(), id="strict-base64"),
    pytest.param("urlsafe-unpadded", base64.urlsafe_b64encode(b"\xfb\xff\xfe?").decode().rstrip("="), id="urlsafe-unpadded"),
]


@pytest.mark.b24conform_clause("FILES-001")
@pytest.mark.parametrize("name,content", GOOD_FILES)
def test_file_data_accepted(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields, name, content):
    fields = seed_fields() if content is None else seed_fields(FILES=[{"fileData": ["note.txt", content]}])
    add_ok(b24_target, b24_contract, b24_mode, b24_evidence, fields, note=f"FILES {name}", reuse=True)


@pytest.mark.b24conform_clause("FILES-002")
def test_undecodable_file_content(b24_target, b24_contract, b24_mode, b24_evidence, seed_fields):
    # A reply of its own where the batch plan answers this check: the clause's HTTP 400 is this error's own,
    # and a portal that answers it with another status bends nothing a batch command carries.
    reply = try_add(b24_target, seed_fields(FILES=[{"fileData": ["x.bin", "*** not base64 at all ***"]}]), top_level=True)
    problems = check_error(reply, b24_contract, b24_mode, clause_error(b24_contract, "FILES-002"))
    amb = b24_contract.ambiguities[b24_contract.clauses["FILES-002"].ambiguity]
    if problems and amb.accepts("b", b24_mode) and not check_add_success(reply, b24_contract, b24_mode):
        problems = []  # lenient reading b: accepted with the file dropped
    judge(b24_evidence, reply, problems, "undecodable fileData")
