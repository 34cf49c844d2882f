"""The CI templates of ci-templates/ and the GitHub Action (action.yml) run: their shell steps, in order,
with bash, in a temp folder, as the platform would.

GitHub: the workflow template's steps run in order; its `uses: OWNER/b24conform@TAG` step is expanded into
action.yml's steps (this checkout is the action's folder, `github.action_path`), its `with:` becoming the
action's inputs (the defaults of action.yml filling the rest). `${{ }}` expressions, in `env:`, `with:`,
`if:` and the concurrency group, are evaluated by a small model of GitHub's expression language (below):
contexts github, secrets, vars, inputs, steps, env; operators ! == != && ||; always(), success(),
failure(), cancelled(), with the implicit success() of a condition that names no status function.
GITHUB_ENV, GITHUB_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are honoured between steps. A cancel is
modelled as arriving while a named step runs: that step and the job count as cancelled, and only steps
whose condition still holds (always()) run after it.

GitLab: the example .gitlab-ci.yml is read with its `include:` resolved to the template of this checkout
and its job's `extends:` merged as GitLab merges it (hashes deep, everything else replaced); the job's
`script:` entries run as one bash script, then `after_script:` in a shell of its own whatever the script's
outcome; `allow_failure: exit_codes` is honoured.

What a platform does and this test cannot, and how it stands in:
- the install step is replaced by a no-op that puts a folder holding `b24conform` on PATH: the project's
  venv bin (the tool under test), or a folder whose `b24conform run` replays a prepared results.json and
  exit code (to drive the gate), whose `cleanup` only records the call, and whose other commands are the
  real tool. One slow test runs the action's install step for real: a fresh virtualenv from
  requirements-runtime.lock, then this checkout with --no-deps;
- actions/setup-python puts this interpreter's base Python on PATH; actions/checkout is the prepared
  workspace; actions/upload-artifact is recorded, not run.

B24_TARGET is unset unless a test sets it, so `b24conform run` checks the embedded mock (the templates refuse
that unless B24_USE_MOCK=1, which the tests set); the committed baseline is made by a first mock run.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
GITHUB = ROOT / "ci-templates" / "github" / "b24conform.yml"
GITLAB = ROOT / "ci-templates" / "gitlab" / ".gitlab-ci.yml"
GITLAB_TEMPLATE = ROOT / "ci-templates" / "gitlab" / "b24conform.gitlab-ci.yml"
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
VENV_BIN = Path(sys.executable).parent
TOOL = VENV_BIN / "b24conform"
# Bounds against a hung step or pip, not speed requirements.
STEP_TIMEOUT_S = 300
INSTALL_TIMEOUT_S = 900
ACTION_USES = re.compile(r"^[^/@\s]+/b24conform@\S+$")
FAKE_TARGET = "https://portal.example.invalid/rest/1/webhookcode/"
# What a CI install must not bring: the dev extra (SDKs, pytest-xdist and its execnet) and the build backend.
NOT_RUNTIME = {"pytest-xdist", "execnet", "b24pysdk", "fast-bitrix24", "hatchling", "editables"}


# -- a model of GitHub's expression language ------------------------------------------------------------

TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|\.)"
                   r"|(?P<id>[A-Za-z_][A-Za-z0-9_-]*))")
STATUS_CALL = re.compile(r"\b(always|success|failure|cancelled)\(\s*\)")
TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _truthy(value) -> bool:
    return not (value is None or value is False or value == "" or
                (isinstance(value, float) and (value == 0 or math.isnan(value))))


def _number(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value.strip()) if value.strip() else 0.0
    except ValueError:
        return math.nan


def _equal(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()  # GitHub compares strings ignoring case
    return _number(a) == _number(b)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Context:
    roots: dict
    failed: bool = False
    cancelled: bool = False

    def status(self, name: str) -> bool:
        return {"always": True, "success": not (self.failed or self.cancelled),
                "failure": self.failed and not self.cancelled, "cancelled": self.cancelled}[name]

    def evaluate(self, expression: str):
        return _Parser(expression, self).parse()

    def interpolate(self, value) -> str:
        """An `env:`/`with:` value as GitHub passes it: literals as they are, `${{ }}` replaced by text."""
        if not isinstance(value, str):
            return _text(value)
        return TEMPLATE.sub(lambda m: _text(self.evaluate(m[1])), value)

    def condition(self, raw) -> bool:
        """A step's `if:`: with no status function in it, GitHub puts `success() &&` in front."""
        text = "" if raw is None else str(raw).strip()
        whole = TEMPLATE.fullmatch(text)
        text = whole[1].strip() if whole else text
        if not text:
            return self.status("success")
        if not STATUS_CALL.search(text):
            return self.status("success") and _truthy(self.evaluate(text))
        return _truthy(self.evaluate(text))


class _Parser:
    def __init__(self, text: str, ctx: Context):
        self.text, self.ctx, self.toks, self.i = text, ctx, [], 0
        pos, text = 0, text.strip()
        while pos < len(text):
            match = TOKEN.match(text, pos)
            assert match and match.lastgroup, f"an expression this test does not model: {self.text!r}"
            self.toks.append((match.lastgroup, match[match.lastgroup]))
            pos = match.end()

    def _peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        assert self.i < len(self.toks), f"an expression ends early: {self.text!r}"
        tok = self.toks[self.i]
        assert expected is None or tok[1] == expected, f"expected {expected} in {self.text!r}"
        self.i += 1
        return tok

    def parse(self):
        value = self._or()
        assert self.i == len(self.toks), f"an expression this test does not model: {self.text!r}"
        return value

    def _or(self):
        value = self._and()
        while self._peek() == "||":
            self._take()
            other = self._and()
            value = value if _truthy(value) else other
        return value

    def _and(self):
        value = self._compare()
        while self._peek() == "&&":
            self._take()
            other = self._compare()
            value = other if _truthy(value) else value
        return value

    def _compare(self):
        value = self._unary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            equal = _equal(value, self._unary())
            value = equal if op == "==" else not equal
        return value

    def _unary(self):
        if self._peek() == "!":
            self._take()
            return not _truthy(self._unary())
        return self._primary()

    def _primary(self):
        kind, text = self._take()
        if kind == "op" and text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text)
        assert kind == "id", f"an expression this test does not model: {self.text!r}"
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            self._take("(")
            self._take(")")
            return self.ctx.status(text)
        assert text in self.ctx.roots, f"a context this test does not model: {text} in {self.text!r}"
        value = self.ctx.roots[text]
        while self._peek() == ".":
            self._take()
            name = self._take()[1]
            value = value.get(name) if isinstance(value, dict) else None
        return value


def test_expression_model():
    ctx = Context({"inputs": {"allow-writes": "true", "empty": ""}, "vars": {}, "github": {"event_name": "push"}})
    assert ctx.evaluate("inputs.allow-writes == 'TRUE'") is True
    assert ctx.evaluate("vars.B24_PORTAL || 'default'") == "default"
    assert ctx.evaluate("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name != "
                        "github.repository") is False
    assert ctx.interpolate("x-${{ inputs.empty != '' }}-${{ !inputs.empty }}") == "x-false-true"
    assert ctx.condition("inputs.allow-writes == 'true'") and not Context(ctx.roots, failed=True).condition(
        "inputs.allow-writes == 'true'")
    assert Context(ctx.roots, cancelled=True).condition("always() && inputs.allow-writes == 'true'")


# -- running steps ------------------------------------------------------------------------------------------

@dataclass
class Outcome:
    ok: bool
    ran: list[str]
    output: str
    uploads: list[dict] = field(default_factory=list)
    failed_step: str | None = None


def base_env() -> dict[str, str]:
    """The test's environment without what would steer the tool (B24_*, B24CONFORM_*, pytest and xdist
    variables) and without the project's venv on PATH: only the install step (or its stand-in) puts a
    b24conform there."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_", "GITHUB_", "RUNNER_", "INPUT_"))
           and k not in {"PYTHONPATH", "VIRTUAL_ENV", "CI_PIPELINE_SOURCE"}}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and Path(p).resolve() != VENV_BIN.resolve())
    env["CI"] = "true"
    return env


def _is_install(script: str) -> bool:
    return "pip install" in script


GITHUB_SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]


class GitHubJob:
    """One job of the workflow template, on a simulated runner."""

    def __init__(self, workdir: Path, *, secrets: dict, variables: dict, github: dict, install: Path | None,
                 cancel_during: str | None = None):
        self.workdir = workdir
        self.secrets, self.variables = secrets, variables
        self.github = {"event_name": "push", "repository": "vendor/portal", "ref": "refs/heads/main",
                       "head_ref": "", "sha": "0" * 40, "run_id": "1", **github}
        self.install = install  # a bin folder for the stand-in, or None: run the install step for real
        self.cancel_during = cancel_during
        self.runner_temp = workdir.parent / "runner-temp"
        self.runner_temp.mkdir(exist_ok=True)
        self.files = {name: workdir.parent / name.lower() for name in ("GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")}
        for path in self.files.values():
            path.write_text("")
        self.env = {**base_env(), **{name: str(path) for name, path in self.files.items()},
                    "RUNNER_TEMP": str(self.runner_temp), "GITHUB_WORKSPACE": str(workdir), "GITHUB_ACTIONS": "true"}
        self.cancelled = False
        self.failed_step: str | None = None
        self.ran: list[str] = []
        self.output: list[str] = []
        self.uploads: list[dict] = []

    # shell ----------------------------------------------------------------------------------------------
    def shell(self, name: str, script: str, env: dict[str, str]) -> tuple[int, dict[str, str]]:
        step_env = {**self.env, **env}
        for line in self.files["GITHUB_ENV"].read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                step_env[key] = value
        added = [p for p in reversed(self.files["GITHUB_PATH"].read_text().splitlines()) if p]
        step_env["PATH"] = os.pathsep.join([*added, step_env["PATH"]])
        outputs_file = self.runner_temp / f"output-{len(self.ran)}"
        outputs_file.write_text("")
        step_env["GITHUB_OUTPUT"] = str(outputs_file)
        timeout = INSTALL_TIMEOUT_S if _is_install(script) else STEP_TIMEOUT_S
        proc = subprocess.run([*GITHUB_SHELL, script], cwd=self.workdir, env=step_env, capture_output=True,
                              text=True, timeout=timeout)
        self.ran.append(name)
        self.output.append(f"--- {name} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
        outputs = dict(line.split("=", 1) for line in outputs_file.read_text().splitlines() if "=" in line)
        return proc.returncode, outputs

    def _setup_python(self) -> None:
        bin_dir = self.runner_temp / "setup-python" / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        base = Path(getattr(sys, "_base_executable", sys.executable))
        for name in ("python", "python3"):
            if not (bin_dir / name).exists():
                (bin_dir / name).symlink_to(base)
        with self.files["GITHUB_PATH"].open("a") as fh:
            fh.write(f"{bin_dir}\n")

    # steps ----------------------------------------------------------------------------------------------
    def run_steps(self, steps: list[dict], roots: dict, *, job_env: dict[str, str], action_path: Path | None) -> bool:
        """Runs steps as the runner does; returns whether they all succeeded. `roots` holds the contexts;
        its `steps` context fills as steps with an id finish."""
        failed = False
        roots.setdefault("steps", {})
        for raw in steps:
            ctx = Context(roots, failed=failed, cancelled=self.cancelled)
            name = raw.get("name") or raw.get("uses") or raw["run"].splitlines()[0]
            if not ctx.condition(raw.get("if")):
                continue
            env = {**job_env, **{k: ctx.interpolate(v) for k, v in (raw.get("env") or {}).items()}}
            code, outputs = 0, {}
            if "uses" in raw:
                with_ = {k: ctx.interpolate(v) for k, v in (raw.get("with") or {}).items()}
                uses = raw["uses"]
                if ACTION_USES.match(uses):
                    ok, outputs = self.run_action(with_, job_env=env, name=name)
                    code = 0 if ok else 1
                elif uses.startswith("actions/setup-python@"):
                    self._setup_python()
                    self.ran.append(name)
                elif uses.startswith("actions/upload-artifact@"):
                    self.uploads.append(with_)
                    self.ran.append(name)
                elif uses.startswith("actions/checkout@"):
                    self.ran.append(name)  # the workspace is prepared by the test
                else:
                    raise AssertionError(f"an action this test does not model: {uses}")
            else:
                script = raw["run"]
                assert "${{" not in script, "expressions in `run:` are not modelled (and risk script injection)"
                if action_path is not None:
                    assert raw.get("shell") == "bash", f"composite step {name!r} must say shell: bash"
                    env["GITHUB_ACTION_PATH"] = str(action_path)
                if _is_install(script) and self.install is not None:
                    # The stand-in for pip: the tool is already installed in self.install.
                    script = f'echo "{self.install}" >> "$GITHUB_PATH"'
                code, outputs = self.shell(name, script, env)
            if "id" in raw:
                roots["steps"][raw["id"]] = {"outputs": outputs, "outcome": "success" if code == 0 else "failure"}
            if name == self.cancel_during:
                self.cancelled = True
                self.output.append(f"--- the job is cancelled while {name!r} runs")
            if code != 0:
                failed = True
                self.failed_step = self.failed_step or name
        return not failed and not self.cancelled

    def run_action(self, with_: dict[str, str], *, job_env: dict[str, str], name: str) -> tuple[bool, dict]:
        action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
        assert action["runs"]["using"] == "composite"
        unknown = set(with_) - set(action["inputs"])
        assert not unknown, f"inputs action.yml does not declare: {unknown}"
        inputs = {k: _text(spec.get("default", "")) for k, spec in action["inputs"].items()}
        inputs.update(with_)
        roots = {"github": {**self.github, "action_path": str(ROOT)}, "inputs": inputs, "env": dict(job_env),
                 "steps": {}}
        self.ran.append(f"{name}: start")
        ok = self.run_steps(action["runs"]["steps"], roots, job_env=job_env, action_path=ROOT)
        ctx = Context(roots)
        outputs = {k: ctx.interpolate(spec["value"]) for k, spec in (action.get("outputs") or {}).items()}
        return ok, outputs

    def run_workflow(self) -> Outcome:
        workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
        assert workflow["defaults"]["run"]["shell"] == "bash"
        (job,) = workflow["jobs"].values()
        roots = {"github": self.github, "secrets": self.secrets, "vars": self.variables, "steps": {}}
        job_env = {k: Context(roots).interpolate(v) for k, v in {**(workflow.get("env") or {}),
                                                                 **(job.get("env") or {})}.items()}
        roots["env"] = job_env
        ok = self.run_steps(job["steps"], roots, job_env=job_env, action_path=None)
        return Outcome(ok, self.ran, "\n".join(self.output), self.uploads, self.failed_step)


def run_github(workdir: Path, bin_dir: Path | None, *, secrets: dict | None = None, variables: dict | None = None,
               github: dict | None = None, cancel_during: str | None = None) -> Outcome:
    job = GitHubJob(workdir, secrets=secrets or {}, variables={"B24_USE_MOCK": "1"} if variables is None else variables,
                    github=github or {}, install=bin_dir, cancel_during=cancel_during)
    return job.run_workflow()


# -- GitLab --------------------------------------------------------------------------------------------------

def _deep_merge(base: dict, over: dict) -> dict:
    merged = dict(base)
    for key, value in over.items():
        merged[key] = _deep_merge(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else value
    return merged


def gitlab_job() -> dict:
    """The example's `b24conform` job as GitLab sees it: the include resolved to this checkout's template,
    `extends:` merged."""
    config = yaml.safe_load(GITLAB.read_text(encoding="utf-8"))
    ref = config["b24conform"]["variables"]["B24CONFORM_REF"]
    merged: dict = {}
    for entry in config["include"]:
        (kind, where), = [(k, v) for k, v in entry.items() if k in {"remote", "project", "local"}]
        path = entry.get("file", where)
        assert path.endswith("ci-templates/gitlab/b24conform.gitlab-ci.yml"), path
        if kind == "remote":
            assert f"/{ref}/" in where, "the include and B24CONFORM_REF pin one tag"
        merged.update(yaml.safe_load(GITLAB_TEMPLATE.read_text(encoding="utf-8")))
    merged.update({k: v for k, v in config.items() if k != "include"})
    job = merged["b24conform"]
    parent = merged[job["extends"]]
    return _deep_merge(parent, {k: v for k, v in job.items() if k != "extends"})


def run_gitlab(workdir: Path, bin_dir: Path, *, variables: dict | None = None, source: str = "push") -> Outcome:
    """The job's script in one bash, then after_script in another; `variables` are project CI/CD variables
    (they take precedence over the YAML's)."""
    job = gitlab_job()
    installed = workdir.parent / "gitlab-installed"
    lines, installs = [], 0
    for entry in [*(job.get("before_script") or []), *job["script"]]:
        if _is_install(entry):
            installs += 1
            entry = f'export PATH="{bin_dir}:$PATH"; touch "{installed}"  # stand-in for pip'
        lines.append(entry)
    assert installs >= 1
    opt_in = {"B24_USE_MOCK": "1"} if variables is None else variables
    env = {**base_env(), **{k: str(v) for k, v in (job.get("variables") or {}).items()}, **opt_in,
           "CI_PIPELINE_SOURCE": source, "GITLAB_CI": "true"}
    proc = subprocess.run(["bash", "-eo", "pipefail", "-c", "\n".join(lines)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
    ran, output = ["script"], [f"--- script (exit {proc.returncode})\n{proc.stdout}{proc.stderr}"]
    # after_script: its own shell; the tool is there if the install ran (pip installed into the image).
    after_env = {**env, "CI_JOB_STATUS": "success" if proc.returncode == 0 else "failed"}
    if installed.exists():
        after_env["PATH"] = f"{bin_dir}:{after_env['PATH']}"
    for entry in job.get("after_script") or []:
        after = subprocess.run(["bash", "-eo", "pipefail", "-c", entry], cwd=workdir, env=after_env,
                               capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
        ran.append("after_script")
        output.append(f"--- after_script (exit {after.returncode})\n{after.stdout}{after.stderr}")
    allowed = set((job.get("allow_failure") or {}).get("exit_codes") or []) if isinstance(job.get("allow_failure"), dict) else set()
    ok = proc.returncode == 0 or proc.returncode in allowed
    return Outcome(ok, ran, "\n".join(output), failed_step=None if proc.returncode == 0 else f"script {proc.returncode}")


def run_platform(platform: str, workdir: Path, bin_dir: Path, **kwargs) -> Outcome:
    if platform == "github":
        return run_github(workdir, bin_dir, **kwargs)
    return run_gitlab(workdir, bin_dir, **kwargs)


# -- fixtures and helpers ------------------------------------------------------------------------------------

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
    """A bin folder whose `b24conform run` writes `results` and a junit.xml to --report-dir and exits with
    `exit_code`, whose `cleanup` does nothing, each recording its command line (one a line, in replay-calls),
    and whose other commands are the real tool."""
    bin_dir = tmp_path / "replay-bin"
    bin_dir.mkdir()
    (tmp_path / "replay-results.json").write_text(json.dumps(results), encoding="utf-8")
    shim = bin_dir / "b24conform"
    shim.write_text(f"""#!/usr/bin/env bash
case "$1" in
  run|cleanup) echo "$* | target=${{B24_TARGET:+set}} writes=${{B24_ALLOW_WRITES:-}}" >> "{tmp_path}/replay-calls" ;;
  *) exec "{TOOL}" "$@" ;;
esac
if [ "$1" = cleanup ]; then echo "cleanup: nothing left"; exit 0; fi
dir=reports
while [ $# -gt 0 ]; do
  if [ "$1" = --report-dir ]; then dir="$2"; shift; fi
  shift
done
mkdir -p "$dir"
cp "{tmp_path}/replay-results.json" "$dir/results.json"
echo '<testsuites><testsuite tests="1" failures="0" errors="0" skipped="0"><testcase classname="c" name="t"/></testsuite></testsuites>' > "$dir/junit.xml"
exit {exit_code}
""")
    shim.chmod(0o755)
    return bin_dir


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "replay-calls"
    return path.read_text().splitlines() if path.exists() else []


def commands(tmp_path: Path) -> list[str]:
    return [line.split()[0] for line in calls(tmp_path)]


def with_status(results: dict, clause_id: str, status: str) -> dict:
    changed = json.loads(json.dumps(results))
    (clause,) = [c for c in changed["clauses"] if c["id"] == clause_id]
    clause["status"] = status
    return changed


PLATFORMS = ["github", "gitlab"]


# -- the jobs, run ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("platform", PLATFORMS)
def test_template_steps_run_green_against_the_mock(platform, baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    outcome = run_platform(platform, work, VENV_BIN)
    assert outcome.ok, outcome.output[-8000:]
    assert (work / "reports" / "junit.xml").is_file()
    results = json.loads((work / "reports" / "results.json").read_text(encoding="utf-8"))
    assert results["run"]["kind"] == "mock"
    assert results["run"]["counts"]["clauses"].get("failed", 0) == 0
    assert "no change in clause statuses" in outcome.output  # the diff gate ran against the baseline
    if platform == "github":
        summary = (tmp_path / "github_step_summary").read_text()
        assert "### b24conform: junit.xml" in summary and "| 0 | 0 |" in summary
        assert summary.rstrip().endswith((work / "reports" / "report.md").read_text().rstrip())
        assert outcome.uploads == [{"name": "b24conform-reports", "path": "reports", "if-no-files-found": "warn",
                                    "retention-days": "30"}]


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
    outcome = run_platform(platform, work, replaying_tool(tmp_path, results, code))
    assert outcome.ok is should_pass, outcome.output[-6000:]
    assert commands(tmp_path) == ["run"]  # writes not allowed: no cleanup
    assert json.loads((work / "reports" / "results.json").read_text()) == results
    if platform == "github" and not should_pass:
        # The report steps still ran; only the gate failed.
        assert outcome.failed_step == "Gate"
        assert "Job summary (JUnit and report.md)" in outcome.ran and outcome.uploads


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_target_and_no_mock_opt_in_fails_without_running(platform, baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    outcome = run_platform(platform, work, replaying_tool(tmp_path, baseline, 0), variables={})
    assert not outcome.ok
    assert "B24_TARGET is not set" in outcome.output
    assert calls(tmp_path) == []


def test_github_fork_pull_request_skips_with_a_notice(baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    fork = {"event_name": "pull_request", "repository": "vendor/portal", "ref": "refs/pull/7/merge",
            "event": {"pull_request": {"head": {"repo": {"full_name": "someone/portal"}}}}}
    outcome = run_github(work, replaying_tool(tmp_path, baseline, 0), variables={"B24_ALLOW_WRITES": "1"},
                         github=fork)
    assert outcome.ok, outcome.output
    assert "::notice title=b24conform skipped::a pull request from a fork" in outcome.output
    assert calls(tmp_path) == [] and not (work / "reports").exists()
    assert not any(name.startswith("b24conform") for name in outcome.ran)
    # The same pull request from a branch of the repository itself has the secrets: it is checked.
    same_repo = json.loads(json.dumps(fork))
    same_repo["event"]["pull_request"]["head"]["repo"]["full_name"] = "vendor/portal"
    other = tmp_path / "same-repo"
    other.mkdir()
    outcome = run_github(workspace(other, baseline), replaying_tool(other, baseline, 0),
                         secrets={"B24_TARGET": FAKE_TARGET}, github=same_repo, variables={})
    assert outcome.ok, outcome.output[-6000:]
    assert commands(other) == ["run"]


def test_gitlab_merge_request_without_the_secret_skips_with_a_message(baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    outcome = run_gitlab(work, replaying_tool(tmp_path, baseline, 0), variables={}, source="merge_request_event")
    assert outcome.ok and outcome.failed_step == "script 77", outcome.output  # allowed to fail: a warning
    assert "b24conform skipped: B24_TARGET is not set in this merge request pipeline" in outcome.output
    assert calls(tmp_path) == []


def test_github_action_inputs_reach_the_run(baseline, tmp_path):
    """mode and args are the action's inputs; a job's B24_ALLOW_WRITES does not override allow-writes."""
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    (step,) = [s for s in job["steps"] if ACTION_USES.match(s.get("uses", ""))]
    step["with"].update(mode="strict", args="--min-coverage 10 -k not_slow")
    work = workspace(tmp_path, baseline)
    runner = GitHubJob(work, secrets={}, variables={"B24_USE_MOCK": "1"}, github={},
                       install=replaying_tool(tmp_path, baseline, 0))
    roots = {"github": runner.github, "secrets": {}, "vars": {"B24_USE_MOCK": "1"}, "steps": {}}
    job_env = {"B24_ALLOW_WRITES": "1"}
    roots["env"] = job_env
    assert runner.run_steps(job["steps"], roots, job_env=job_env, action_path=None), "\n".join(runner.output)
    (run,) = calls(tmp_path)
    assert run.startswith("run --report-dir reports --strict --min-coverage 10 -k not_slow |")
    assert run.endswith("writes=false")


# GitLab runs after_script after a cancel as after a failure (since 17.0): the failing case covers both.
@pytest.mark.parametrize(("platform", "how"), [("github", "the gate fails"), ("github", "the job is cancelled during the run"),
                                               ("gitlab", "the gate fails")])
def test_cleanup_runs_after_a_failure_or_a_cancel_when_writes_are_allowed(platform, how, baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    failing = how == "the gate fails"
    bin_dir = replaying_tool(tmp_path, with_status(baseline, FIRST, "failed") if failing else baseline, 1 if failing else 0)
    if platform == "github":
        outcome = run_github(work, bin_dir, secrets={"B24_TARGET": FAKE_TARGET}, variables={"B24_ALLOW_WRITES": "1"},
                             cancel_during=None if failing else "Run the conformance suite")
        if failing:
            assert outcome.failed_step == "Gate"
        else:
            assert "Gate" not in outcome.ran  # a cancel skips what does not run always()
        assert "Clean up the portal" in outcome.ran
        # The job's own cleanup step sees that the action's has run.
        assert "the action has cleaned up already" in outcome.output
    else:
        outcome = run_gitlab(work, bin_dir, variables={"B24_TARGET": FAKE_TARGET, "B24_ALLOW_WRITES": "1"})
        assert outcome.ran == ["script", "after_script"]
    assert not outcome.ok
    lines = calls(tmp_path)
    assert [line.split()[0] for line in lines] == ["run", "cleanup"], outcome.output[-6000:]
    assert "target=set" in lines[1]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_no_cleanup_without_writes_or_without_a_target(platform, baseline, tmp_path):
    work = workspace(tmp_path, baseline)
    bin_dir = replaying_tool(tmp_path, baseline, 0)
    opt_in = {"B24_USE_MOCK": "1", "B24_ALLOW_WRITES": "1"}  # writes allowed, but the mock: nothing to clean
    outcome = run_platform(platform, work, bin_dir, variables=opt_in)
    assert outcome.ok, outcome.output[-6000:]
    assert commands(tmp_path) == ["run"]
    assert "no target (the embedded mock): nothing to clean up" in outcome.output


# -- the install: the runtime lock ------------------------------------------------------------------------------

def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503


def _pins(lock: Path) -> dict[str, str]:
    return {_normal(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9._-]+)==([^ ;\\]+)", lock.read_text(), re.M)}


def _name(requirement: str) -> str:
    return _normal(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])


def test_runtime_lock_holds_the_runtime_dependencies_only_at_the_dev_locks_versions():
    runtime, full = _pins(RUNTIME_LOCK), _pins(ROOT / "requirements.lock")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert {_name(r) for r in project["project"]["dependencies"]} <= set(runtime)
    assert not NOT_RUNTIME & set(runtime), NOT_RUNTIME & set(runtime)
    assert {_name(r) for r in project["project"]["optional-dependencies"]["dev"]} & set(runtime) == set()
    assert all(full.get(name) == version for name, version in runtime.items()), \
        {n: (v, full.get(n)) for n, v in runtime.items() if full.get(n) != v}
    blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9])", RUNTIME_LOCK.read_text()) if "==" in b]
    assert len(blocks) == len(runtime) and all("--hash=sha256:" in block for block in blocks)
    assert "requirements-runtime.lock" in (ROOT / "tools" / "lock.sh").read_text()


def test_installs_use_the_runtime_lock_with_hashes():
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    (install,) = [s for s in action["runs"]["steps"] if _is_install(s.get("run", ""))]
    script = install["run"]
    assert re.search(r'--require-hashes\s*\\?\s*-r "\$ACTION_PATH/requirements-runtime\.lock"', script)
    assert '--no-deps "$ACTION_PATH"' in script
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert "requirements.lock" not in script.replace("requirements-runtime.lock", "")
    job = gitlab_job()
    installs = [line for line in job["script"] if _is_install(line)]
    assert any("--require-hashes" in line and "/requirements-runtime.lock" in line for line in installs)
    assert all("${B24CONFORM_REF}" in line for line in installs)  # pinned
    assert not any("requirements.lock" in line for line in installs)


@pytest.mark.slow
def test_github_action_installs_from_the_runtime_lock_and_runs(baseline, tmp_path):
    """The action's install step for real: a fresh virtualenv from requirements-runtime.lock (hashes
    checked), this checkout with --no-deps; then the whole job against the mock, gated on a baseline."""
    work = workspace(tmp_path, baseline)
    outcome = run_github(work, None)
    assert outcome.ok, outcome.output[-8000:]
    venv_python = tmp_path / "runner-temp" / "b24conform-venv" / "bin" / "python"
    listed = subprocess.run([str(venv_python), "-c", "import importlib.metadata as m, json; "
                             "print(json.dumps(sorted(d.metadata['Name'].lower() for d in m.distributions())))"],
                            capture_output=True, text=True, check=True, env=base_env())
    installed = {_normal(name) for name in json.loads(listed.stdout)}
    assert not NOT_RUNTIME & installed, NOT_RUNTIME & installed
    assert installed - {"pip", "setuptools", "b24conform"} <= set(_pins(RUNTIME_LOCK))
    results = json.loads((work / "reports" / "results.json").read_text(encoding="utf-8"))
    assert results["run"]["kind"] == "mock" and results["run"]["counts"]["clauses"].get("failed", 0) == 0
    assert "no change in clause statuses" in outcome.output
    assert f"{tmp_path / 'runner-temp' / 'b24conform-venv' / 'bin'}" in (tmp_path / "github_path").read_text()


# -- the configuration ------------------------------------------------------------------------------------------

def _concurrency_group(github: dict, variables: dict) -> str:
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    (job,) = workflow["jobs"].values()
    concurrency = job.get("concurrency") or workflow["concurrency"]
    assert concurrency["cancel-in-progress"] is False  # never cut a run off mid-way (records left behind)
    return Context({"github": github, "vars": variables, "secrets": {}}).interpolate(concurrency["group"])


def test_github_concurrency_is_per_portal_not_per_ref():
    pr = {"event_name": "pull_request", "ref": "refs/pull/1/merge", "head_ref": "feature-a", "sha": "a" * 40,
          "run_id": "11", "workflow": "b24conform", "repository": "vendor/portal"}
    other_pr = {**pr, "ref": "refs/pull/2/merge", "head_ref": "feature-b", "sha": "b" * 40, "run_id": "12"}
    nightly = {**pr, "event_name": "schedule", "ref": "refs/heads/main", "head_ref": ""}
    staging = {"B24_PORTAL": "staging"}
    groups = {_concurrency_group(g, staging) for g in (pr, other_pr, nightly)}
    assert len(groups) == 1, groups
    assert _concurrency_group(pr, {"B24_PORTAL": "prod"}) not in groups  # another portal: another group
    assert _concurrency_group(pr, {}) == _concurrency_group(other_pr, {})  # unset: one group still
    (job,) = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))["jobs"].values()
    assert "github." not in job["concurrency"]["group"] and "vars.B24_PORTAL" in job["concurrency"]["group"]


def test_gitlab_resource_group_is_per_portal():
    job = gitlab_job()
    assert "$B24_PORTAL" in job["resource_group"]
    assert not re.search(r"\$\{?CI_", job["resource_group"])  # nothing of the branch, MR or pipeline
    assert "$B24_PORTAL" not in job["variables"]["B24_PORTAL"]  # a default a project variable overrides


def test_cleanup_runs_under_always_at_the_end():
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    last = action["runs"]["steps"][-1]
    assert last["if"].replace(" ", "").startswith("always()&&") and "inputs.allow-writes" in last["if"]
    assert "b24conform cleanup" in last["run"]
    (job,) = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))["jobs"].values()
    assert job["steps"][-1]["if"].replace(" ", "").startswith("always()&&")
    assert "b24conform cleanup" in job["steps"][-1]["run"]
    assert job["timeout-minutes"]
    gitlab = gitlab_job()
    assert any("b24conform cleanup" in line for line in gitlab["after_script"])
    # A timeout stops the script first, so after_script keeps its time within the job's.
    script_minutes = int(gitlab["variables"]["RUNNER_SCRIPT_TIMEOUT"].rstrip("m"))
    after_minutes = int(gitlab["variables"]["RUNNER_AFTER_SCRIPT_TIMEOUT"].rstrip("m"))
    assert script_minutes + after_minutes < int(gitlab["timeout"].split()[0])


def test_github_template_triggers_publishes_and_keeps_the_reports():
    workflow = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]  # daily
    assert {"push", "pull_request"} <= set(triggers)
    assert "pull_request_target" not in triggers  # secrets never reach a fork's code
    (job,) = workflow["jobs"].values()
    assert job["env"]["B24_TARGET"] == "${{ secrets.B24_TARGET }}"
    (step,) = [s for s in job["steps"] if ACTION_USES.match(s.get("uses", ""))]
    assert step["with"]["target"] == "${{ secrets.B24_TARGET }}"
    assert step["with"]["oauth-token"] == "${{ secrets.B24_OAUTH_TOKEN }}"
    assert step["with"]["ca-bundle"] == "${{ secrets.B24_CA_BUNDLE }}"
    assert step["with"]["baseline"] == "baseline/results.json"
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    for s in [*job["steps"], *action["runs"]["steps"]]:
        if "uses" in s and not ACTION_USES.match(s["uses"]):
            assert re.search(r"@v\d+$", s["uses"]), f"unpinned action: {s['uses']}"
    names = [s.get("name") for s in action["runs"]["steps"]]
    gate = names.index("Gate")
    upload = [i for i, s in enumerate(action["runs"]["steps"]) if s.get("uses", "").startswith("actions/upload-artifact@")]
    summary = names.index("Job summary (JUnit and report.md)")
    assert len(upload) == 1 and upload[0] < gate and summary < gate
    assert action["runs"]["steps"][upload[0]]["if"] == action["runs"]["steps"][summary]["if"] == "always()"
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.run.outputs.exit-code }}"


def test_github_fork_condition_prints_a_notice():
    (job,) = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))["jobs"].values()
    (guard,) = [s for s in job["steps"] if "FORK_PR" in (s.get("env") or {})]
    assert "github.event.pull_request.head.repo.full_name != github.repository" in guard["env"]["FORK_PR"]
    assert "::notice" in guard["run"] and "skip=true" in guard["run"]
    later = job["steps"][job["steps"].index(guard) + 1:]
    assert all(f"steps.{guard['id']}.outputs.skip != 'true'" in s["if"] for s in later)


def test_gitlab_template_triggers_publishes_and_keeps_the_reports():
    example = GITLAB.read_text(encoding="utf-8")
    config = yaml.safe_load(example)
    assert config["b24conform"]["extends"] == ".b24conform" and config["include"]
    template = yaml.safe_load(GITLAB_TEMPLATE.read_text(encoding="utf-8"))
    assert list(template) == [".b24conform"]  # hidden: includes add no job by themselves
    job = gitlab_job()
    assert {"if": '$CI_PIPELINE_SOURCE == "schedule"'} in job["rules"]
    assert "Pipeline schedules" in example  # how to set the nightly schedule up
    artifacts = job["artifacts"]
    assert artifacts["when"] == "always"
    assert artifacts["paths"] == ["reports/"]
    assert artifacts["reports"]["junit"] == "reports/junit.xml"
    assert "<repository URL>" in job["variables"]["B24CONFORM_REPO"] and job["variables"]["B24CONFORM_REF"]
    assert job["allow_failure"] == {"exit_codes": [77]}


def test_templates_are_not_workflows_of_this_repository():
    assert not (ROOT / ".github" / "workflows" / "b24conform.yml").exists()
    assert "not a workflow of the b24conform repository" in GITHUB.read_text(encoding="utf-8")
    assert shutil.which("bash")
