"""The installed suites run with plain pytest: `pytest --pyargs b24conform._suites` from an empty folder.

pytest resolves --pyargs only to a regular package (one with __init__.py), and the suites must then find their
helpers relatively (`from ._support import ...`), not as a top-level `_support` that only a suites folder on
sys.path provides. The wheel's layout is built here from pyproject.toml's force-include map (what the wheel
packs beside the package), so this runs without building a wheel; tests/test_wheel_install.py runs the same
command against the real, installed wheel (slow).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def wheel_layout(site: Path) -> Path:
    """`site`/b24conform laid out as the wheel installs it: src/b24conform plus the force-included files."""
    package = site / "b24conform"
    shutil.copytree(ROOT / "src" / "b24conform", package, ignore=IGNORE)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for source, dest in config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"].items():
        target = site / dest
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=IGNORE)
        else:
            shutil.copy2(ROOT / source, target)
    return package


def clean_env(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("B24_", "B24CONFORM_", "PYTEST_", "HYPOTHESIS_", "PYTHON"))}
    return env | {"PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "200"}


def test_pytest_pyargs_runs_the_packaged_suites_from_an_empty_folder(tmp_path):
    site, cwd = tmp_path / "site", tmp_path / "empty"
    cwd.mkdir()
    package = wheel_layout(site)
    assert (package / "_suites" / "__init__.py").is_file()
    env = clean_env(site)
    where = subprocess.run([sys.executable, "-c", "import b24conform; print(b24conform.__file__)"], cwd=cwd,
                           env=env, capture_output=True, text=True, timeout=60).stdout.strip()
    assert Path(where).is_relative_to(site), where  # the copy, not the checkout

    proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "b24conform._suites", "-k", "envelope",
                           "-p", "no:cacheprovider"], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert " passed" in output, output[-6000:]
    results = json.loads((cwd / "reports" / "results.json").read_text(encoding="utf-8"))
    assert results["run"]["kind"] == "mock"
    assert {c["status"] for c in results["clauses"] if c["id"].startswith("ENV-")} == {"passed"}
