"""One exit code, one meaning, whichever command ends with it (issue #22: one name per idea)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from b24conform import exitcodes

ROOT = Path(__file__).resolve().parents[1]
CODES = {name: value for name, value in vars(exitcodes).items() if name.startswith("EXIT_") and isinstance(value, int)}


def test_the_codes_are_distinct_numbers():
    assert sorted(CODES.values()) == list(range(6))


def test_no_module_spells_an_exit_code_of_its_own():
    spelled = []
    for path in (ROOT / "src" / "b24conform").rglob("*.py"):
        if path.name == "exitcodes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int):
                spelled += [f"{path.relative_to(ROOT)}:{node.lineno} {t.id}" for t in node.targets
                            if isinstance(t, ast.Name) and t.id.startswith("EXIT_")]
    assert not spelled, "exit codes belong in b24conform/exitcodes.py:\n" + "\n".join(spelled)


def test_the_readme_table_of_run_says_what_the_help_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("**Exit codes of `run`**"):]
    table = table[:table.index("\n\n", table.index("| code |"))]
    rows = dict(re.findall(r"^\| (\d) \| (.+) \|$", table, flags=re.M))
    assert sorted(int(code) for code in rows) == sorted(CODES.values())
    for code, meaning in rows.items():
        assert f"{code} " in exitcodes.EXIT_CODES_HELP, meaning
    assert "never a verdict" in rows[str(exitcodes.EXIT_TARGET)] and "never a verdict" in exitcodes.EXIT_CODES_HELP
