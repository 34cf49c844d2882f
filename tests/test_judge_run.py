"""`b24conform run`: the pytest command line it builds, its exit code and its summary."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from b24conform.contract import load_contract
from b24conform.judge.commands import pytest_args, run_exit_code

AUTOMATED = [cid for cid, c in load_contract().clauses.items() if c.check == "automated"]


def test_pytest_args_carry_every_option(tmp_path):
    args = pytest_args(tmp_path / "suites", target="https://h/rest/1/c/", oauth_token="t", ca_bundle="/ca",
                       allow_writes=True, mode="lenient", report_dir=tmp_path / "r", keyword="CALL",
                       hypothesis_profile="ci", workers=2, verbose=False)
    joined = " ".join(args)
    for part in ["--b24-target https://h/rest/1/c/", "--b24-oauth-token t", "--b24-ca-bundle /ca",
                 "--b24-allow-writes", "--b24-lenient", "-k CALL", "-n 2", "--hypothesis-profile b24conform-ci",
                 f"--junitxml {tmp_path / 'r' / 'junit.xml'}", "-p no:terminal"]:
        assert part in joined
    default = pytest_args(tmp_path, target=None, oauth_token=None, ca_bundle=None, allow_writes=False, mode=None,
                          report_dir=tmp_path, keyword=None, hypothesis_profile="ci", workers=None, verbose=True)
    assert "--b24-target" not in default and "--b24-allow-writes" not in default and "-v" in default
    assert "--b24-batch-plan" not in args and "--b24-batch-plan" not in default  # never the default
    planned = pytest_args(tmp_path, target="https://h/rest/1/c/", oauth_token=None, ca_bundle=None, allow_writes=True,
                          mode=None, report_dir=tmp_path, keyword=None, hypothesis_profile="live", workers=None,
                          verbose=False, batch_plan=True)
    assert "--b24-batch-plan" in planned


def test_the_batch_plan_is_asked_for_a_live_target_in_one_process():
    from typer.testing import CliRunner

    from b24conform.cli import app

    env = {k: v for k, v in os.environ.items() if not k.startswith("B24_")}
    mock = CliRunner().invoke(app, ["run", "--batch-plan"], env=env)
    assert mock.exit_code == 2 and "live --target" in mock.output
    workers = CliRunner().invoke(app, ["run", "--batch-plan", "--target", "https://h.example/rest/1/c/", "-n", "2"],
                                 env=env)
    assert workers.exit_code == 2 and "one process" in workers.output


def test_a_batch_plan_left_in_the_environment_is_named_on_a_mock_run_not_applied(tmp_path):
    # A CI job may keep B24_BATCH_PLAN=1 for its live run and also run the embedded mock: that run goes on.
    from typer.testing import CliRunner

    from b24conform.cli import app

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("B24_")}, "B24_BATCH_PLAN": "1"}
    result = CliRunner().invoke(app, ["run", "-k", "json-webhook", "--report-dir", str(tmp_path)], env=env)
    assert result.exit_code == 0, result.output
    assert "batch plan: not used" in result.output
    notes = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["run"]["notes"]
    assert any(note.startswith("batch plan: not used") for note in notes)


def test_pytest_args_load_a_fixed_plugin_set(tmp_path):
    args = pytest_args(tmp_path, target=None, oauth_token=None, ca_bundle=None, allow_writes=False, mode=None,
                       report_dir=tmp_path, keyword=None, hypothesis_profile="ci", workers=2, verbose=False)
    assert "--disable-plugin-autoload" in args
    loaded = {args[i + 1] for i, arg in enumerate(args) if arg == "-p"}
    assert {"b24conform.judge.plugin", "_hypothesis_pytestplugin", "schemathesis.pytest.plugin",
            "xdist.plugin"} <= loaded  # xdist is a dependency: -n needs it


def test_exit_codes_tell_a_verdict_from_an_error():
    ok = {"run": {"partial_selection": False}, "clauses": [{"status": "passed"}, {"status": "skipped"},
                                                           {"status": "not_checkable"}]}
    assert run_exit_code(0, ok) == 0
    assert run_exit_code(1, ok) == 0  # a failing test that names no clause is not a clause verdict
    assert run_exit_code(2, ok) == 5  # interrupted (collection errors): the run is not complete
    assert run_exit_code(0, {**ok, "clauses": [{"status": "failed"}, {"status": "error"}]}) == 1
    assert run_exit_code(0, {**ok, "clauses": [{"status": "passed"}, {"status": "error"}]}) == 3
    assert run_exit_code(0, {**ok, "clauses": [{"status": "passed"}, {"status": "not_covered"}]}) == 5
    assert run_exit_code(0, {**ok, "clauses": [{"status": "skipped"}, {"status": "not_checkable"}]}) == 5
    assert run_exit_code(0, None) == 5
    assert run_exit_code(3, None) == 3  # the plugin's preflight stopped the session


def test_min_coverage_gates_on_the_share_of_checked_clauses():
    half = {"run": {"partial_selection": False}, "clauses": [{"status": "passed"}, {"status": "skipped"},
                                                             {"status": "not_checkable"}]}
    assert run_exit_code(0, half, min_coverage=50) == 0
    assert run_exit_code(0, half, min_coverage=51) == 4
    assert run_exit_code(0, {**half, "clauses": [{"status": "failed"}, {"status": "skipped"}]}, min_coverage=90) == 1


def run_cli(tmp_path: Path, suite: str, *extra: str) -> subprocess.CompletedProcess:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "test_tiny.py").write_text(suite)
    env = {**os.environ, "B24CONFORM_SUITES_DIR": str(suites)}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_WORKER_COUNT", None)
    return subprocess.run([sys.executable, "-c", "from b24conform.cli import app; app()", "run", "--report-dir", str(tmp_path / "r"), *extra],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


TINY = (
    "import pytest\n\n"
    f"@pytest.mark.b24conform_clause({', '.join(map(repr, AUTOMATED))})\n"
    "def test_all(b24_target):\n"
    "    assert b24_target.call('crm.activity.nosuchmethod').status == 404\n"
)


def test_run_passes_when_every_clause_passes(tmp_path):
    proc = run_cli(tmp_path, TINY)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "not checkable" in proc.stdout  # the closing summary table
    results = json.loads((tmp_path / "r" / "results.json").read_text())
    assert results["run"]["counts"]["clauses"]["passed"] == len(AUTOMATED)
    assert (tmp_path / "r" / "junit.xml").exists()


def test_run_fails_when_a_clause_fails(tmp_path):
    proc = run_cli(tmp_path, TINY + "\n@pytest.mark.b24conform_clause('CALL-008')\ndef test_bad():\n    assert False, 'nope'\n")
    assert proc.returncode == 1
    # The summary speaks in problems: one line, with the clauses it broke.
    flat = " ".join(proc.stdout.split())
    assert "P1 AssertionError: nope" in flat and "[check-failed]: 1 clause (CALL-008)" in flat


def test_run_shows_collection_errors_and_fails(tmp_path):
    proc = run_cli(tmp_path, TINY + "\nthis is [not] python\n")
    assert proc.returncode != 0
    assert proc.returncode == 5
    assert "collection error" in proc.stderr and "SyntaxError" in proc.stderr
