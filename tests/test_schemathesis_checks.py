"""b24conform.schemathesis_checks in a schemathesis user's own `st run`: loaded through
SCHEMATHESIS_HOOKS, run against a separately started reference portal (`b24conform serve`), faithful
and with deviation profiles. The configuration is the README's example, so the example stays runnable."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from b24conform.schemathesis_checks import B24Problem, as_reply
from b24conform.verdict.problems import Problem
from test_portal_cli import run_serve, stop

ROOT = Path(__file__).resolve().parents[1]
ST = str(Path(sys.executable).parent / "st")
CODE = "secret"
# One profile per kind of defect the three checks look for: a wrong `result`, error keys on success,
# no JSON content type, a `time` block short of keys, wrong `time` arithmetic, errors that are not the
# catalogue's.
CAUGHT = {
    "envelope-result-boolean": "`result` is not the new id",
    "envelope-success-with-error-key": "success envelope carries an error key",
    "envelope-content-type-html": "not served as JSON",
    "envelope-time-partial": "`time` lacks keys",
    "time-duration-inconsistent": "`time` arithmetic does not add up",
    "messages-error-code-alphabet": "an error the catalogue does not know",
}


def readme_example() -> tuple[str, str]:
    """The README's schemathesis example: its config file and its `st` command line."""
    section = (ROOT / "README.md").read_text().split("## Checks for schemathesis users", 1)[1].split("\n## ", 1)[0]
    toml = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    command = next(line for line in re.search(r"```sh\n(.*?)```", section, re.S).group(1).splitlines()
                   if "st " in line and "run" in line)
    return toml, command


def st_run(tmp_path: Path, profile: str | None) -> subprocess.CompletedProcess:
    toml, command = readme_example()
    assert "SCHEMATHESIS_HOOKS=b24conform.schemathesis_checks" in command and "spec/openapi.yaml" in command
    config = tmp_path / "b24.toml"
    config.write_text(toml.replace('"path.webhook" = "secret"', f'"path.webhook" = "{CODE}"'))
    args = ["--no-tls", "--port", "0", "--webhook", f"1:{CODE}", "--db", ":memory:"]
    proc, lines, ready = run_serve(args + (["--profile", profile] if profile else []), tmp_path)
    try:
        assert ready.wait(60), lines
        base = re.search(r"http://127\.0\.0\.1:\d+", next(l for l in lines if l.startswith("webhook: "))).group(0)
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "b24conform.schemathesis_checks"}
        # The README's command as printed: its own config, schemathesis' checks beside ours.
        return subprocess.run([ST, "--no-color", "--config-file", str(config), "run", str(ROOT / "spec" / "openapi.yaml"),
                               "--url", base], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
    finally:
        stop(proc)


def test_the_faithful_portal_passes(tmp_path):
    run = st_run(tmp_path, None)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "b24conform:" not in run.stdout


@pytest.mark.parametrize("profile", sorted(CAUGHT))
def test_a_deviant_portal_fails_with_the_problem(tmp_path, profile):
    run = st_run(tmp_path, profile)
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-2000:]
    assert f"b24conform: {CAUGHT[profile]}" in run.stdout, run.stdout[-4000:]


def test_a_refusal_the_docs_give_is_still_demanded(tmp_path):
    """b24_negative_data_rejection leaves out what a portal reads as valid, not the refusals the docs
    give: a portal that accepts an add without a usable `fields` fails it."""
    run = st_run(tmp_path, "validation-anything-goes")
    assert run.returncode == 1, run.stdout[-4000:] + run.stderr[-2000:]
    assert "Schema-violating request accepted" in run.stdout, run.stdout[-4000:]


def test_a_problem_becomes_one_failure_deduplicated_by_its_identity():
    one = B24Problem(operation="POST /x", problem=Problem("error-status", "HTTP status", expected=400, actual=200,
                                                          error_id="ADD_TYPE_ID_INVALID"))
    same = B24Problem(operation="POST /x", problem=Problem("error-status", "HTTP status", expected=400, actual=200,
                                                           error_id="ADD_SUBJECT_MISSING"))
    other = B24Problem(operation="POST /x", problem=Problem("error-status", "HTTP status", expected=401, actual=200))
    assert one == same and one != other
    assert one.title == "b24conform: error with the wrong HTTP status" and "kind: error-status" in one.message


def test_a_schemathesis_response_reads_as_a_reply():
    response = SimpleNamespace(status_code=400, headers={"Content-Type": ["application/json"]},
                               json=lambda: {"error": "", "error_description": "x"}, text_lossy=lambda: "{}")
    reply = as_reply(response)
    assert reply.status == 400 and reply.headers == {"content-type": "application/json"}
    assert reply.json == {"error": "", "error_description": "x"} and reply.target_kind == "live"
