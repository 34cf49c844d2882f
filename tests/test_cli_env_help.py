"""Every environment variable the tool reads or names is documented in `b24conform run --help` and in the
README (its table "Environment variables", in "Check your own portal")."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# B24_NAME, and the two B24CONFORM_* overrides (contract/paths.py, judge/suites_dir.py). B24CONFORM_SUITES
# alone is not a variable: it is the flag the suites' conftest.py declares.
NAME = re.compile(r"\bB24_[A-Z][A-Z0-9_]*|\bB24CONFORM_[A-Z_]+_DIR\b")


def names_in_src() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "src").rglob("*.py"):
        found |= set(NAME.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_names_are_found():
    names = names_in_src()
    assert {"B24_TARGET", "B24_TRIP_LIMITS", "B24_HTTP_URL", "B24_MODE", "B24CONFORM_SUITES_DIR"} <= names


def test_every_variable_is_in_run_help():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("B24_", "B24CONFORM_"))} | {"COLUMNS": "300"}
    proc = subprocess.run([sys.executable, "-m", "b24conform", "run", "--help"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.replace("│", " ")
    assert sorted(name for name in names_in_src() if not re.search(rf"\b{name}\b", text)) == []


def test_every_variable_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Check your own portal", 1)[1].split("\n## ", 1)[0]
    table = section.split("**Environment variables.**", 1)[1]
    table = "\n".join(line for line in table.splitlines() if line.startswith("| `"))
    assert sorted(name for name in names_in_src() if f"`{name}`" not in table) == []
