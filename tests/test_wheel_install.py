"""The built wheel, installed into a fresh virtualenv, checks everything from an empty folder.

This is what a vendor gets from `pip install`: no checkout around, so spec, suites, their schemathesis
settings and the package's data files must all come from the wheel. The editable install of .venv cannot
show a missing file, because it reads them from the checkout.

Slow (a wheel build, a virtualenv and the locked dependencies, from pip's cache when warm): one wheel and
one virtualenv serve every test of this file.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

# Generous bounds against a hung pip or run, not a speed requirement.
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 300


def _bin(env_dir: Path, name: str) -> Path:
    return env_dir / ("Scripts" if os.name == "nt" else "bin") / name


def _check(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def clean_env() -> dict[str, str]:
    """The caller's environment minus whatever could point the installed tool back at the checkout or
    at a target: B24_* (target, mode, report dir), B24CONFORM_* (spec and suites overrides), PYTHONPATH,
    the virtualenv of the test run, and pytest/xdist variables this test run itself set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_", "PYTHON")) and k != "VIRTUAL_ENV"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _check([sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps",
            "--no-build-isolation", "-q", "-w", str(out), str(ROOT)], env=clean_env(), timeout=INSTALL_TIMEOUT_S)
    built = sorted(out.glob("b24conform-*.whl"))
    assert len(built) == 1, built
    return built[0]


@pytest.fixture(scope="session")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the locked dependencies and the wheel; returns its folder."""
    env_dir = tmp_path_factory.mktemp("venv") / "v"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    pip = [str(_bin(env_dir, "python")), "-m", "pip", "--disable-pip-version-check", "-q"]
    _check([*pip, "install", "--require-hashes", "-r", str(ROOT / "requirements.lock")],
           env=clean_env(), timeout=INSTALL_TIMEOUT_S)
    _check([*pip, "install", "--no-deps", str(wheel)], env=clean_env(), timeout=INSTALL_TIMEOUT_S)
    return env_dir


def _empty_dir(tmp_path: Path) -> Path:
    cwd = tmp_path / "empty"
    cwd.mkdir(parents=True)
    return cwd


def source_files(*roots: str) -> list[str]:
    """Repository-relative files under `roots`, minus what .gitignore keeps out of the wheel too."""
    found = []
    for root in roots:
        path = ROOT / root
        candidates = [path] if path.is_file() else path.rglob("*")
        for file in candidates:
            rel = file.relative_to(ROOT)
            if file.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts) \
                    and file.suffix != ".pyc":
                found.append(rel.as_posix())
    return sorted(found)


def test_wheel_carries_spec_suites_and_their_settings(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = source_files("spec", "suites", "schemathesis.toml")
    assert "spec/clauses.yaml" in needed and "suites/test_schemathesis.py" in needed
    where = {"spec/": "b24conform/_spec/", "suites/": "b24conform/_suites/",
             "schemathesis.toml": "b24conform/schemathesis.toml"}
    missing = []
    for path in needed:
        prefix = next(p for p in where if path.startswith(p))
        if where[prefix] + path[len(prefix):] not in names:
            missing.append(path)
    assert missing == []
    # Data files read at run time from inside the package.
    package_data = [p for p in source_files("src/b24conform") if not p.endswith(".py")]
    assert "src/b24conform/portal/seed_data.yaml" in package_data
    assert [p for p in package_data if p.removeprefix("src/") not in names] == []


def test_installed_wheel_runs_from_an_empty_folder(installed, tmp_path):
    cwd = _empty_dir(tmp_path)
    env = clean_env()
    where = _check([str(_bin(installed, "python")), "-c", "import b24conform; print(b24conform.__file__)"],
                   cwd=cwd, env=env).stdout.strip()
    assert Path(where).is_relative_to(installed), where  # the wheel's copy, not the checkout's

    proc = subprocess.run([str(_bin(installed, "b24conform")), "run", "--report-dir", "R"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-4000:]
    results = json.loads((cwd / "R" / "results.json").read_text(encoding="utf-8"))
    assert results["run"]["kind"] == "mock"
    assert (cwd / "R" / "junit.xml").is_file()

    clauses = yaml.safe_load((ROOT / "spec" / "clauses.yaml").read_text(encoding="utf-8"))["clauses"]
    automated = {c["id"] for c in clauses if c.get("check", "automated") == "automated"}
    assert len(automated) >= 78
    status = {c["id"]: c["status"] for c in results["clauses"]}
    assert {cid: status.get(cid) for cid in automated if status.get(cid) != "passed"} == {}


def test_installed_suites_run_with_pytest_pyargs_from_an_empty_folder(installed, tmp_path):
    """`pytest --pyargs b24conform._suites`: plain pytest, the installed plugin (entry point), the packaged
    suites, their conftest and schemathesis settings; tests/test_suites_pyargs.py is the fast twin."""
    cwd = _empty_dir(tmp_path)
    proc = subprocess.run([str(_bin(installed, "python")), "-m", "pytest", "--pyargs", "b24conform._suites",
                           "-k", "envelope or schemathesis", "-p", "no:cacheprovider"], cwd=cwd, env=clean_env(),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-4000:]
    results = json.loads((cwd / "reports" / "results.json").read_text(encoding="utf-8"))
    assert results["run"]["kind"] == "mock"
    assert {c["status"] for c in results["clauses"] if c["id"].startswith("ENV-")} == {"passed"}


def test_installed_wheel_reports_its_version(installed, tmp_path):
    proc = subprocess.run([str(_bin(installed, "b24conform")), "--version"], cwd=_empty_dir(tmp_path),
                          env=clean_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert version in proc.stdout


def _run_from(installed: Path, cwd: Path, *args: str) -> tuple[int, str, dict | None]:
    env = {**clean_env(), "B24_RATE": "200", "B24_BURST": "1000", "B24_LEDGER_DIR": str(cwd / "ledger")}
    proc = subprocess.run([str(_bin(installed, "b24conform")), "run", "--report-dir", "R", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    results = cwd / "R" / "results.json"
    return proc.returncode, proc.stdout + proc.stderr, json.loads(results.read_text()) if results.exists() else None


def test_installed_wheel_judges_a_separately_served_portal_of_another_world(installed, tmp_path):
    """serve and run both from the wheel, in empty folders; the portal's seed world holds none of the
    packaged ids. Writes allowed with no fixture options: every clause a live target can check passes,
    and the portal holds exactly what it held before. Read-only: nothing changes either. Nothing
    listening: an error with its own exit code, never a verdict."""
    from test_judge_live_paths import OTHER_WORLD, _add_activity, _free_port, _snapshot, _start
    from test_portal_cli import stop

    portal_dir, judge_dir = _empty_dir(tmp_path / "p"), _empty_dir(tmp_path / "j")
    world = portal_dir / "world.yaml"
    world.write_text(OTHER_WORLD.read_text(encoding="utf-8"), encoding="utf-8")
    proc, webhook, ca = _start(portal_dir, "--seed-data", str(world), "--webhook", "7001:othercode7001",
                               command=[str(_bin(installed, "b24conform"))], env=clean_env())
    try:
        _add_activity(webhook, ca, owner=8101, contact=8201, user=7001)  # somebody's activity
        before = _snapshot(webhook, ca)
        code, output, results = _run_from(installed, judge_dir, "--target", webhook, "--ca-bundle", ca,
                                          "--allow-writes")
        after_writes = _snapshot(webhook, ca)
        plan_code, plan_output, plan_results = _run_from(installed, _empty_dir(tmp_path / "plan"), "--target", webhook,
                                                         "--ca-bundle", ca, "--allow-writes", "--batch-plan")
        after_plan = _snapshot(webhook, ca)
        ro_code, ro_output, ro_results = _run_from(installed, _empty_dir(tmp_path / "ro"), "--target", webhook,
                                                   "--ca-bundle", ca)
        after_read_only = _snapshot(webhook, ca)
    finally:
        stop(proc)
    assert code == 0, output[-6000:]
    statuses = {c["id"]: c["status"] for c in results["clauses"]}
    assert results["run"]["kind"] == "live"
    assert not [cid for cid, s in statuses.items() if s in {"failed", "error"}], output[-4000:]
    assert sum(s == "passed" for s in statuses.values()) >= 60
    assert after_writes == before
    # the batch plan from the wheel: the same clauses pass, and the portal is left as it was
    assert plan_code == 0, plan_output[-4000:]
    assert {c["id"]: c["status"] for c in plan_results["clauses"]} == statuses
    assert after_plan == before
    assert ro_code == 0, ro_output[-4000:]
    assert after_read_only == before
    assert sum(c["status"] == "passed" for c in ro_results["clauses"]) < sum(s == "passed" for s in statuses.values())

    code, output, results = _run_from(installed, _empty_dir(tmp_path / "none"), "--target",
                                      f"http://127.0.0.1:{_free_port()}/rest/1/secretcode/")
    assert code == 3 and "cannot reach the target" in output and "secretcode" not in output, output
    assert results is None or not [c for c in results["clauses"] if c["status"] == "failed"]


def test_installed_wheel_passes_an_oauth_only_portal_and_every_legitimate_variant(installed, tmp_path):
    """From the wheel, as a vendor would: an OAuth-only target (one token, no webhook) of another world exits
    0, and so does a webhook run against the portal served with every legitimate variant at once
    (spec/variants.yaml all-variants: the readings the docs, the vendor's code and real replies show)."""
    from test_judge_live_paths import OTHER_WORLD, _start
    from test_portal_cli import stop

    b24conform = [str(_bin(installed, "b24conform"))]
    world = _empty_dir(tmp_path / "p") / "world.yaml"
    world.write_text(OTHER_WORLD.read_text(encoding="utf-8"), encoding="utf-8")
    token = "wheeloauthtoken7001"
    proc, webhook, ca = _start(world.parent, "--seed-data", str(world), "--webhook", "7001:othercode7001",
                               "--oauth-token", f"{token}:7001", command=b24conform, env=clean_env())
    try:
        base = webhook.split("/rest/", 1)[0] + "/rest/"
        code, output, results = _run_from(installed, _empty_dir(tmp_path / "o"), "--target", base,
                                          "--oauth-token", token, "--ca-bundle", ca, "--allow-writes")
    finally:
        stop(proc)
    assert code == 0, output[-6000:]
    assert not [c["id"] for c in results["clauses"] if c["status"] in {"failed", "error"}]
    assert token not in output and token not in json.dumps(results)

    proc, webhook, ca = _start(_empty_dir(tmp_path / "v"), "--seed-data", str(world), "--webhook",
                               "7001:othercode7001", "--profile", "all-variants", command=b24conform, env=clean_env())
    try:
        code, output, results = _run_from(installed, _empty_dir(tmp_path / "w"), "--target", webhook,
                                          "--ca-bundle", ca, "--allow-writes")
    finally:
        stop(proc)
    assert code == 0, output[-6000:]
    assert not [c["id"] for c in results["clauses"] if c["status"] in {"failed", "error"}]
