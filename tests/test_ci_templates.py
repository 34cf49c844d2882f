"""The CI templates of ci-templates/ run: their shell steps, in order, with bash, in a temp folder.

What a platform does and this test cannot, and how it stands in:
- the install step (`pip install` from the repository URL placeholder) is replaced by a no-op that puts a
  folder holding `b24conform` on PATH: the project's venv bin (the tool under test), or a folder whose
  `b24conform run` replays a prepared results.json and exit code (to drive the gate) and whose other
  commands are the real tool;
- `uses:` steps (checkout, setup-python, JUnit publishing, artifact upload) are skipped; their
  configuration is asserted instead;
- `${{ secrets.X }}` and `${{ vars.X }}` in `env:` become what GitHub substitutes (an empty string when
  unset); GitHub's GITHUB_ENV, GITHUB_PATH and GITHUB_STEP_SUMMARY files are honoured between steps;
- GitLab runs a job's `script:` entries in one shell, so they run as one bash script.

B24_TARGET is unset, so `b24conform run` checks the embedded mock (the templates refuse that unless
B24_USE_MOCK=1, which the test sets); the committed baseline is made by a first mock run.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ROOT / "ci-templates" / "github" / "b24conform.yml"
GITLAB = ROOT / "ci-templates" / "gitlab" / ".gitlab-ci.yml"
VENV_BIN = Path(sys.executable).parent
TOOL = VENV_BIN / "b24conform"
# Bounds against a hung step, not speed requirements.
STEP_TIMEOUT_S = 300
EXPRESSION = re.compile(r"^\$\{\{\s*(secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


@dataclass
class Step:
    name: str
    script: str
    env: dict[str, str] = field(default_factory=dict)
    always: bool = False  # GitHub `if: always()`: runs after a failed step too


@dataclass
class Outcome:
    ok: bool
    ran: list[str]
    output: str


def base_env() -> dict[str, str]:
    """The test's environment without what would steer the tool (B24_*, B24CONFORM_*, pytest and xdist
    variables) and without the project's venv on PATH: only the install step's stand-in puts a
    b24conform there."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_")) and k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and Path(p).resolve() != VENV_BIN.resolve())
    env["CI"] = "true"
    return env


def _is_install(script: str) -> bool:
    return "pip install" in script


def _resolve(value, secrets: dict[str, str], variables: dict[str, str]) -> str:
    """An `env:` value as GitHub passes it: literals as they are, a secret or variable by its value."""
    value = str(value)
    if "${{" not in value:
        return value
    match = EXPRESSION.match(value.strip())
    assert match, f"an expression this test does not model: {value}"
    return (secrets if match[1] == "secrets" else variables).get(match[2], "")


def github_steps(secrets: dict[str, str], variables: dict[str, str], bin_dir: Path) -> list[Step]:
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    assert workflow["defaults"]["run"]["shell"] == "bash"
    (job,) = workflow["jobs"].values()
    job_env = {**{k: _resolve(v, secrets, variables) for k, v in (workflow.get("env") or {}).items()},
               **{k: _resolve(v, secrets, variables) for k, v in (job.get("env") or {}).items()}}
    steps, installs = [], 0
    for raw in job["steps"]:
        if "uses" in raw:
            continue  # platform actions: checked by test_github_template_publishes_and_keeps_the_reports
        condition = str(raw.get("if", "")).strip()
        assert condition in {"", "always()"}, f"a condition this test does not model: {condition}"
        script = raw["run"]
        assert "${{" not in script, "expressions in `run:` are not modelled (and risk script injection)"
        if _is_install(script):
            installs += 1
            # The stand-in for pip: the tool is already installed in bin_dir.
            script = f'echo "{bin_dir}" >> "$GITHUB_PATH"'
        env = {**job_env, **{k: _resolve(v, secrets, variables) for k, v in (raw.get("env") or {}).items()}}
        steps.append(Step(raw.get("name", script.splitlines()[0]), script, env, always=condition == "always()"))
    assert installs == 1
    return steps


def gitlab_steps(variables: dict[str, str], bin_dir: Path) -> list[Step]:
    config = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    job = config["b24conform"]
    lines, installs = [], 0
    for entry in [*(job.get("before_script") or []), *job["script"]]:
        if _is_install(entry):
            installs += 1
            entry = f'export PATH="{bin_dir}:$PATH"  # stand-in for pip: the tool is already installed there'
        lines.append(entry)
    assert installs >= 1
    env = {k: str(v) for k, v in (job.get("variables") or {}).items()}
    return [Step("script", "\n".join(lines), {**env, **variables})]


def run_steps(steps: list[Step], workdir: Path, platform: str) -> Outcome:
    env = base_env()
    files = {}
    if platform == "github":
        runner_temp = workdir.parent / "runner-temp"
        runner_temp.mkdir(exist_ok=True)
        files = {name: workdir.parent / name.lower() for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        for path in files.values():
            path.write_text("")
        env.update({name: str(path) for name, path in files.items()},
                   RUNNER_TEMP=str(runner_temp), GITHUB_WORKSPACE=str(workdir), GITHUB_ACTIONS="true")
    failed, ran, output = False, [], []
    for step in steps:
        if failed and not step.always:
            continue
        step_env = {**env, **step.env}
        if files:
            for line in files["GITHUB_ENV"].read_text().splitlines():
                key, sep, value = line.partition("=")
                if sep:
                    step_env[key] = value
            added = [p for p in reversed(files["GITHUB_PATH"].read_text().splitlines()) if p]
            step_env["PATH"] = os.pathsep.join([*added, step_env["PATH"]])
        shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"] if platform == "github" else \
            ["bash", "-eo", "pipefail", "-c"]
        proc = subprocess.run([*shell, step.script], cwd=workdir, env=step_env, capture_output=True, text=True,
                              timeout=STEP_TIMEOUT_S)
        ran.append(step.name)
        output.append(f"--- {step.name} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
        failed = failed or proc.returncode != 0
    return Outcome(not failed, ran, "\n".join(output))


def steps_for(platform: str, bin_dir: Path, *, use_mock: bool = True) -> list[Step]:
    opt_in = {"B24_USE_MOCK": "1"} if use_mock else {}
    if platform == "github":
        return github_steps(secrets={}, variables=opt_in, bin_dir=bin_dir)
    return gitlab_steps(variables=opt_in, bin_dir=bin_dir)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    """results.json of a first mock run: what a vendor commits as baseline/results.json."""
    where = tmp_path_factory.mktemp("first-run")
    proc = subprocess.run([str(TOOL), "run", "--report-dir", "reports"], cwd=where, env=base_env(),
                          capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads((where / "reports" / "results.json").read_text(encoding="utf-8"))


def workspace(tmp_path: Path, baseline: dict | None) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    if baseline is not None:
        (work / "baseline").mkdir()
        (work / "baseline" / "results.json").write_text(json.dumps(baseline), encoding="utf-8")
    return work


def replaying_tool(tmp_path: Path, results: dict, exit_code: int) -> Path:
    """A bin folder whose `b24conform run` writes `results` and a junit.xml to --report-dir, records the
    call and exits with `exit_code`; every other command is the real tool."""
    bin_dir = tmp_path / "replay-bin"
    bin_dir.mkdir()
    (tmp_path / "replay-results.json").write_text(json.dumps(results), encoding="utf-8")
    shim = bin_dir / "b24conform"
    shim.write_text(f"""#!/usr/bin/env bash
if [ "$1" != run ]; then exec "{TOOL}" "$@"; fi
echo run >> "{tmp_path}/replay-calls"
dir=reports
while [ $# -gt 0 ]; do
  if [ "$1" = --report-dir ]; then dir="$2"; shift; fi
  shift
done
mkdir -p "$dir"
cp "{tmp_path}/replay-results.json" "$dir/results.json"
echo '<testsuites/>' > "$dir/junit.xml"
exit {exit_code}
""")
    shim.chmod(0o755)
    return bin_dir


def with_status(results: dict, clause_id: str, status: str) -> dict:
    changed = json.loads(json.dumps(results))
    (clause,) = [c for c in changed["clauses"] if c["id"] == clause_id]
    clause["status"] = status
    return changed


PLATFORMS = ["github", "gitlab"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_template_steps_run_green_against_the_mock(platform, baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    outcome = run_steps(steps_for(platform, VENV_BIN), work, platform)
    assert outcome.ok, outcome.output[-8000:]
    assert (work / "reports" / "junit.xml").is_file()
    results = json.loads((work / "reports" / "results.json").read_text(encoding="utf-8"))
    assert results["run"]["kind"] == "mock"
    assert results["run"]["counts"]["clauses"].get("failed", 0) == 0
    assert "no change in clause statuses" in outcome.output  # the diff gate ran against the baseline
    if platform == "github":
        assert "B24_RUN_EXIT=0" in (tmp_path / "github_env").read_text()
        summary = (tmp_path / "github_step_summary").read_text()
        assert summary.strip() and summary == (work / "reports" / "report.md").read_text()


# (what `b24conform run` reports, its exit code, whether a baseline is committed) -> the job passes?
FIRST = "CALL-001"


def _regression(b):
    return with_status(b, FIRST, "failed"), 1, b, False


def _known_failure(b):
    failing = with_status(b, FIRST, "failed")
    return failing, 1, failing, True


def _lost_checks(b):
    return with_status(b, FIRST, "not_covered"), 1, b, False


def _error(b):
    return b, 3, b, False


def _no_baseline_failure(b):
    return with_status(b, FIRST, "failed"), 1, None, False


def _no_baseline_pass(b):
    return b, 0, None, True


GATE_CASES = {
    "regression fails": _regression,
    "a failure already in the baseline passes": _known_failure,
    "checks that stopped running fail": _lost_checks,
    "an error code fails whatever the results": _error,
    "non-conformance without a baseline fails": _no_baseline_failure,
    "a clean run without a baseline passes": _no_baseline_pass,
}


@pytest.mark.parametrize("case", GATE_CASES)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_gate_decides_on_the_exit_code_and_the_baseline(platform, case, baseline, tmp_path):
    assert any(c["id"] == FIRST and c["status"] == "passed" for c in baseline["clauses"])
    results, code, committed, should_pass = GATE_CASES[case](baseline)
    work = workspace(tmp_path, committed)
    outcome = run_steps(steps_for(platform, replaying_tool(tmp_path, results, code)), work, platform)
    assert outcome.ok is should_pass, outcome.output[-6000:]
    assert (tmp_path / "replay-calls").read_text().split() == ["run"]
    assert json.loads((work / "reports" / "results.json").read_text()) == results
    if platform == "github" and not should_pass:
        # The report steps still ran; only the gate failed.
        assert outcome.ran[-1] == "Gate" and "Job summary" in outcome.ran


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_target_and_no_mock_opt_in_fails_without_running(platform, baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    bin_dir = replaying_tool(tmp_path, baseline, 0)
    outcome = run_steps(steps_for(platform, bin_dir, use_mock=False), work, platform)
    assert not outcome.ok
    assert "B24_TARGET is not set" in outcome.output
    assert not (tmp_path / "replay-calls").exists()


def test_github_template_triggers_publishes_and_keeps_the_reports():
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # daily
    assert {"push", "pull_request"} <= set(triggers)
    (job,) = workflow["jobs"].values()
    assert job["env"]["B24_TARGET"] == "${{ secrets.B24_TARGET }}"
    assert job["env"]["B24_OAUTH_TOKEN"] == "${{ secrets.B24_OAUTH_TOKEN }}"
    steps = job["steps"]
    for step in steps:
        if "uses" in step:
            assert re.search(r"@v\d+$", step["uses"]), f"unpinned action: {step['uses']}"
    names = [s.get("name") for s in steps]
    gate = names.index("Gate")
    assert gate == len(steps) - 1
    junit = [i for i, s in enumerate(steps) if s.get("uses", "").startswith("mikepenz/action-junit-report@")]
    upload = [i for i, s in enumerate(steps) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert len(junit) == len(upload) == 1 and junit[0] < gate and upload[0] < gate
    assert steps[junit[0]]["with"]["report_paths"] == "reports/junit.xml"
    assert steps[upload[0]]["with"]["path"] == "reports/"
    assert steps[junit[0]]["if"] == steps[upload[0]]["if"] == "always()"
    assert any(s.get("env", {}).get("CA_PEM") == "${{ secrets.B24_CA_BUNDLE }}" for s in steps)
    assert "<repository URL>" in job["env"]["B24CONFORM_REPO"] and job["env"]["B24CONFORM_REF"]


def test_gitlab_template_triggers_publishes_and_keeps_the_reports():
    job = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["b24conform"]
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in job["rules"]
    assert "Pipeline schedules" in GITLAB.read_text(encoding="utf-8")  # how to set the nightly schedule up
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == ["reports/"]
    assert artifacts["reports"]["junit"] == "reports/junit.xml"
    assert "<repository URL>" in job["variables"]["B24CONFORM_REPO"] and job["variables"]["B24CONFORM_REF"]
    installs = [line for line in job["script"] if _is_install(line)]
    assert installs and all("${B24CONFORM_REF}" in line for line in installs)  # pinned


def test_templates_are_not_workflows_of_this_repository():
    assert not (ROOT / ".github" / "workflows" / "b24conform.yml").exists()
    assert "not a workflow of the b24conform repository" in GITHUB.read_text(encoding="utf-8")
    assert shutil.which("bash")
