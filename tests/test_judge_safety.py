"""Live safety: no writes without --b24-allow-writes, marks and ledger before sending, the e-mail
combination never reaches a live portal, and `cleanup` recovers from a crash."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from typer.testing import CliRunner

from b24conform.cli import app
from b24conform.judge.client import Endpoints, parse_target_url
from b24conform.judge.ledger import Ledger, read_events, replay
from b24conform.judge.safety import UnsafeRequest, WritesNotAllowed, sends_mail
from b24conform.judge.seed import OMIT, seed_fields
from b24conform.judge.target import Target
from b24conform.judge.testing import FakePortal

MAIL = {"TYPE_ID": 4, "DIRECTION": 2, "COMPLETED": "Y"}


@pytest.fixture
def portal():
    with FakePortal() as p:
        yield p


def live(portal, tmp_path, allow_writes=True, kind="live"):
    base, hook = parse_target_url(portal.webhook_url)
    ledger = Ledger(tmp_path / "ledger" / "run1.jsonl", portal=base, run_id="run1")
    return Target(Endpoints(base_url=base, webhook=hook), kind=kind, run_id="run1",
                  allow_writes=allow_writes, ledger=ledger)


def test_add_without_allow_writes_sends_nothing(portal, tmp_path):
    target = live(portal, tmp_path, allow_writes=False)
    with pytest.raises(WritesNotAllowed, match="--b24-allow-writes"):
        target.add(seed_fields())
    assert portal.requests == [] and portal.activities == {}


@pytest.mark.parametrize("how", ["json", "form", "raw"])
def test_an_add_meant_to_be_refused_is_not_sent_either(portal, tmp_path, how):
    # Required-field checks send adds a conformant portal refuses; a faulty one would store them.
    target = live(portal, tmp_path, allow_writes=False)
    fields = seed_fields()
    del fields["SUBJECT"]
    with pytest.raises(WritesNotAllowed):
        if how == "raw":
            target.call("crm.activity.Add.json", raw_body=json.dumps({"fields": fields}).encode())
        else:
            target.call("crm.activity.add", {"fields": fields}, encoding=how)
    assert portal.requests == []


def test_plugin_reports_a_refused_add_as_a_skip(pytester, portal):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("REQ-008")
        def test_refusal(b24_target, seed_fields):
            b24_target.call("crm.activity.add", {"fields": seed_fields(SUBJECT="")})
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-rs", "-W", "ignore", "--b24-target", portal.webhook_url)
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*--b24-allow-writes*"])
    assert portal.requests == [] or all("crm.activity.add" not in str(r) for r in portal.requests)


def test_batch_of_adds_without_allow_writes_sends_nothing(portal, tmp_path):
    target = live(portal, tmp_path, allow_writes=False)
    with pytest.raises(WritesNotAllowed):
        target.call("batch", {"cmd": {"a": "crm.activity.add?fields[SUBJECT]=x"}})
    assert portal.requests == []


def test_the_mail_combination_is_refused_live_in_every_form(portal, tmp_path):
    target = live(portal, tmp_path)
    with pytest.raises(UnsafeRequest):
        target.add(seed_fields(**MAIL))
    with pytest.raises(UnsafeRequest):
        target.call("crm.activity.add", {"fields": {"TYPE_ID": "4", "DIRECTION": "2", "COMPLETED": "y"}}, encoding="form")
    with pytest.raises(UnsafeRequest):
        target.call("crm.activity.add.json", raw_body=json.dumps({"fields": MAIL}).encode())
    with pytest.raises(UnsafeRequest):
        target.call("batch", {"cmd": {"a": "crm.activity.add?fields[TYPE_ID]=4&fields[DIRECTION]=2&fields[COMPLETED]=Y"}})
    assert portal.requests == []


def test_the_mail_combination_reaches_the_mock(portal, tmp_path):
    target = live(portal, tmp_path, kind="mock")
    target.add(seed_fields(**MAIL))
    assert len(portal.requests) == 1


def test_sends_mail_only_for_the_full_combination():
    assert sends_mail(MAIL)
    assert not sends_mail({**MAIL, "COMPLETED": "N"})
    assert not sends_mail({**MAIL, "DIRECTION": 1})
    assert not sends_mail({**MAIL, "TYPE_ID": 2})


def test_adds_are_marked_and_ledgered_before_sending(portal, tmp_path):
    target = live(portal, tmp_path)
    seen_on_disk = []
    original = target._client.request

    def spy(*args, **kwargs):
        seen_on_disk.append(read_events(target.ledger.path))
        return original(*args, **kwargs)

    target._client.request = spy
    reply = target.add(seed_fields(SUBJECT="hello"))
    assert reply.status == 200
    assert [e["event"] for e in seen_on_disk[0]] == ["sending"]  # on disk before the request left
    sent = portal.activities[reply.json["result"]]
    assert sent["SUBJECT"] == "[b24conform run1] hello" and sent["ORIGINATOR_ID"] == "b24conform"
    assert replay(read_events(target.ledger.path)).ids == [reply.json["result"]]


def test_blank_or_missing_subject_is_not_marked(portal, tmp_path):
    target = live(portal, tmp_path)
    assert target.mark({"SUBJECT": "   "})["SUBJECT"] == "   "
    assert "SUBJECT" not in target.mark(seed_fields(SUBJECT=OMIT))
    reply = target.add(seed_fields(SUBJECT=""))
    assert reply.status == 400
    assert replay(read_events(target.ledger.path)).empty  # refused: nothing owed


def test_raw_body_adds_are_ledgered_too(portal, tmp_path):
    target = live(portal, tmp_path)
    reply = target.call("crm.activity.add", raw_body=json.dumps({"fields": {"SUBJECT": "raw"}}).encode())
    assert replay(read_events(target.ledger.path)).ids == [reply.json["result"]]


def test_plugin_skips_writing_checks_on_a_live_target(pytester, portal):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("CALL-001")
        def test_writes(b24_target, seed_fields):
            b24_target.add(seed_fields())

        @pytest.mark.b24conform_clause("CALL-008")
        def test_reads(b24_target):
            assert b24_target.call("crm.activity.nosuchmethod").status == 404
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-rs", "-W", "ignore", "--b24-target", portal.webhook_url)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*CALL-001*--b24-allow-writes*"])
    assert portal.activities == {}


def test_session_end_deletes_what_the_run_created(pytester, portal):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("CALL-001")
        def test_writes(b24_target, seed_fields):
            assert b24_target.add(seed_fields()).status == 200
            assert b24_target.add(seed_fields()).status == 200
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "-W", "ignore", "--b24-target", portal.webhook_url,
                                "--b24-allow-writes", "--b24-ledger-dir", str(pytester.path / "ledger"))
    result.assert_outcomes(passed=1)
    assert portal.next_id == 3 and portal.activities == {}
    assert list((pytester.path / "ledger").glob("*.jsonl")) == []


CRASHING_RUN = textwrap.dedent(
    """
    import os, sys
    from b24conform.judge.client import Endpoints, parse_target_url
    from b24conform.judge.ledger import Ledger
    from b24conform.judge.seed import seed_fields
    from b24conform.judge.target import Target

    url, ledger_path = sys.argv[1], sys.argv[2]
    base, hook = parse_target_url(url)
    target = Target(Endpoints(base_url=base, webhook=hook), kind="live", run_id="crash", allow_writes=True,
                    ledger=Ledger(__import__("pathlib").Path(ledger_path), portal=base, run_id="crash"))
    target.add(seed_fields(SUBJECT="one"))
    target.add(seed_fields(SUBJECT="two"))
    os._exit(3)  # a crash: no session end, no cleanup
    """
)


def test_ledger_survives_a_crash_and_cleanup_empties_it(portal, tmp_path):
    ledger_dir = tmp_path / "ledger"
    ledger_dir.mkdir()
    proc = subprocess.run([sys.executable, "-c", CRASHING_RUN, portal.webhook_url, str(ledger_dir / "crash.jsonl")],
                          capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert len(portal.activities) == 2
    assert len(replay(read_events(ledger_dir / "crash.jsonl")).ids) == 2

    # an add whose answer was lost: only the marks can find it
    portal.fail_adds = True
    base, hook = parse_target_url(portal.webhook_url)
    lost = Target(Endpoints(base_url=base, webhook=hook), kind="live", run_id="lost", allow_writes=True,
                  ledger=Ledger(ledger_dir / "lost.jsonl", portal=base, run_id="lost"))
    lost.add(seed_fields(SUBJECT="three"))
    portal.fail_adds = False
    portal.activities[99] = {"ID": "99", "SUBJECT": "[b24conform lost] three", "ORIGINATOR_ID": "b24conform"}
    portal.activities[100] = {"ID": "100", "SUBJECT": "a user's own", "ORIGINATOR_ID": "b24conform"}
    assert replay(read_events(ledger_dir / "lost.jsonl")).unknown

    result = CliRunner().invoke(app, ["cleanup", "--target", portal.webhook_url, "--ledger-dir", str(ledger_dir)])
    assert result.exit_code == 0, result.output
    assert list(portal.activities) == [100]  # unmarked data is never touched
    assert list(ledger_dir.glob("*.jsonl")) == []
    assert portal.code not in result.output


def test_a_refusal_on_the_embedded_mock_is_the_suites_bug_and_fails(pytester):
    """The mock allows every write; a check the gate stops there aims at a record it does not own."""
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.b24conform_clause("RT-008")
        def test_deletes_somebody_elses(b24_target):
            b24_target.call("crm.activity.delete", {"id": 1})
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:schemathesis", "--b24-report-dir", "r")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*this run neither created it nor showed it absent*"])
