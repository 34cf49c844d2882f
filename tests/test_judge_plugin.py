"""The plugin's clause accounting on whole pytest runs against the embedded mock portal."""
from __future__ import annotations

import json

import pytest

from b24conform.contract import load_contract
from b24conform.verdict import accounting

ALL_AUTOMATED = [cid for cid, c in load_contract().clauses.items() if c.check == "automated"]


def suite_covering_everything(extra: str = "") -> str:
    ids = ", ".join(repr(c) for c in ALL_AUTOMATED)
    return (
        "import pytest\n\n"
        f"@pytest.mark.b24conform_clause({ids})\n"
        "def test_everything():\n    pass\n" + extra
    )


def results_of(pytester) -> dict:
    return json.loads((pytester.path / "reports" / "results.json").read_text())


def test_a_clause_without_check_fails_the_session(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("CALL-008")
        def test_one(b24_target):
            assert b24_target.call("crm.activity.nosuchmethod").status == 404
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis")
    result.assert_outcomes(passed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*no collected check*CALL-001*"])
    data = results_of(pytester)
    statuses = {c["id"]: c["status"] for c in data["clauses"]}
    assert statuses["CALL-008"] == "passed" and statuses["CALL-001"] == "not_covered"


def test_every_clause_accounted_and_session_passes_when_covered(pytester):
    pytester.makepyfile(suite_covering_everything())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis")
    assert result.ret == pytest.ExitCode.OK
    data = results_of(pytester)
    contract = load_contract()
    assert [c["id"] for c in data["clauses"]] == list(contract.clauses)
    for clause in data["clauses"]:
        expected = "not_checkable" if contract.clauses[clause["id"]].check == "none" else "passed"
        assert clause["status"] == expected, clause["id"]
        if expected == "not_checkable":
            assert clause["reason"] == contract.clauses[clause["id"]].reason
    assert data["run"]["kind"] == "mock" and data["run"]["counts"]["clauses"]["passed"] == len(ALL_AUTOMATED)


def test_partial_selection_lists_but_does_not_fail_uncovered(pytester):
    pytester.makepyfile(suite_covering_everything("\ndef test_other():\n    pass\n"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-k", "other")
    assert result.ret == pytest.ExitCode.OK
    assert results_of(pytester)["run"]["partial_selection"] is True


def test_unknown_clause_ids_fail_the_session(pytester):
    pytester.makepyfile(suite_covering_everything('\n@pytest.mark.b24conform_clause("NOPE-999")\ndef test_bad():\n    pass\n'))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*unknown clause ids: NOPE-999*"])


def test_failures_skips_and_evidence_reach_results(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("CALL-008", "ERR-003")
        def test_fails(b24_target, b24_evidence):
            reply = b24_target.call("crm.activity.nosuchmethod")
            b24_evidence.record(reply, note="the probe")
            assert reply.status == 200, "expected the impossible"

        @pytest.mark.b24conform_clause("ERR-003")
        def test_passes():
            pass

        @pytest.mark.b24conform_clause("CALL-009")
        def test_skips():
            pytest.skip("not today")
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis")
    clauses = {c["id"]: c for c in results_of(pytester)["clauses"]}
    call008 = clauses["CALL-008"]
    assert call008["status"] == "failed" and "expected the impossible" in call008["reason"]
    check = call008["checks"][0]
    assert check["outcome"] == "failed"
    notes = [e["note"] for e in check["evidence"]]
    assert "the probe" in notes
    ev = check["evidence"][notes.index("the probe")]
    assert ev["status"] == 404 and "crm.activity.nosuchmethod" in ev["request"]["url"] and ev["response_excerpt"]
    assert clauses["ERR-003"]["status"] == "failed"  # one failing check fails the clause
    assert clauses["CALL-009"]["status"] == "skipped" and "not today" in clauses["CALL-009"]["reason"]


def test_checks_needing_a_capability_are_skipped_with_the_reason(pytester, monkeypatch):
    from b24conform.judge.testing import FakePortal

    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("AUTH-004")
        def test_mock_only():
            raise AssertionError("must not run")

        @pytest.mark.b24conform_clause("CALL-004")
        def test_oauth():
            raise AssertionError("must not run")

        @pytest.mark.b24conform_clause("LIMIT-001")
        def test_limits(b24_limits_target):
            raise AssertionError("must not run")
        """
    )
    with FakePortal() as portal:
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-W", "ignore", "--b24-target", portal.webhook_url)
    result.assert_outcomes(skipped=3)
    reasons = {c["id"]: c["reason"] for c in results_of(pytester)["clauses"]}
    assert "capability 'mock'" in reasons["AUTH-004"]
    assert "--b24-oauth-token" in reasons["CALL-004"]
    assert "--b24-trip-limits" in reasons["LIMIT-001"]


def test_limits_target_is_a_second_mock_with_the_standard_plan(pytester):
    pytester.makepyfile(
        """
        def test_two(b24_target, b24_limits_target):
            assert b24_limits_target.base_url != b24_target.base_url
            assert "limits" in b24_limits_target.capabilities and "limits" not in b24_target.capabilities
            assert b24_limits_target.limiter is None
            assert b24_target.capabilities == {"any", "oauth", "mock", "https"}
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis").assert_outcomes(passed=1)


def test_seed_fields_fixture(pytester):
    pytester.makepyfile(
        """
        def test_seed(seed_fields):
            f = seed_fields(SUBJECT="x", FILES=seed_fields.OMIT)
            assert f["SUBJECT"] == "x" and "FILES" not in f and f["COMPLETED"] == "N"
            assert f["OWNER_ID"] == 55 and f["COMMUNICATIONS"][0]["ENTITY_ID"] == 134
            f["COMMUNICATIONS"].append(1)
            assert len(seed_fields()["COMMUNICATIONS"]) == 1
            assert seed_fields()["FILES"][0]["fileData"][0] == "example.jpg"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--b24-fixture-owner", "55").assert_outcomes(passed=1)


def test_skip_reason_rules():
    clauses = load_contract().clauses
    caps = frozenset({"any"})
    assert accounting.skip_reason([clauses["CALL-008"]], caps, kind="live", allow_writes=False) is None
    assert "allow-writes" in accounting.skip_reason([clauses["CALL-001"]], caps, kind="live", allow_writes=False)
    assert accounting.skip_reason([clauses["CALL-001"]], caps, kind="live", allow_writes=True) is None
    assert accounting.skip_reason([clauses["CALL-001"]], caps, kind="mock", allow_writes=False) is None
    assert "oauth" in accounting.skip_reason([clauses["CALL-004"]], caps, kind="mock", allow_writes=True)


def test_works_under_xdist(pytester):
    pytester.makepyfile(
        suite_covering_everything(
            """
@pytest.mark.b24conform_clause("CALL-008")
def test_probe(b24_target, b24_evidence):
    b24_evidence.record(b24_target.call("crm.activity.nosuchmethod"), note="from a worker")
"""
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-n", "2")
    assert result.ret == 0, result.stdout.str()
    clause = {c["id"]: c for c in results_of(pytester)["clauses"]}["CALL-008"]
    probe = [c for c in clause["checks"] if c["nodeid"].endswith("test_probe")][0]
    assert any(e["note"] == "from a worker" for e in probe["evidence"])


def test_running_one_file_lists_uncovered_without_failing(pytester):
    pytester.makepyfile(test_part='import pytest\n\n@pytest.mark.b24conform_clause("ERR-003")\ndef test_one():\n    pass\n')
    whole = pytester.runpytest("-p", "no:cacheprovider")
    assert whole.ret == pytest.ExitCode.TESTS_FAILED
    part = pytester.runpytest("-p", "no:cacheprovider", "test_part.py")
    assert part.ret == pytest.ExitCode.OK
    part.stdout.fnmatch_lines(["*partial selection, not failing*"])
