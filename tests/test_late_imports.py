"""A function-local import stays only with its reason written beside it (issue #22): start-up cost, an
optional dependency, or a cycle the layers cannot break. An unexplained one hides the real graph."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def unexplained_late_imports(source: str) -> list[int]:
    """Line numbers of imports inside a function with no comment on their line or above their block."""
    lines = source.splitlines()
    found = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not _explained(lines, node.lineno - 1):
                found.append(node.lineno)
    return sorted(set(found))


def _explained(lines: list[str], index: int) -> bool:
    if "#" in lines[index]:
        return True
    # the comment may head the block of imports this one belongs to
    for line in reversed(lines[:index]):
        text = line.strip()
        if text.startswith("#"):
            return True
        if not text or text.startswith(("from ", "import ", ")")) or text.endswith((",", "(")):
            continue
        return False
    return False


def test_the_scanner_tells_a_reason_from_none():
    source = ("def f():\n    import json\n    return json\n"
              "def g():\n    # start-up: only for this command\n    import json\n\n    from os import path\n    return path\n"
              "def h():\n    from os import sep  # optional\n    return sep\n")
    assert unexplained_late_imports(source) == [2]


def test_every_late_import_says_why():
    missing = []
    for path in sorted((ROOT / "src" / "b24conform").rglob("*.py")):
        lines = unexplained_late_imports(path.read_text(encoding="utf-8"))
        missing += [f"{path.relative_to(ROOT).as_posix()}:{n}" for n in lines]
    assert not missing, "function-local imports without a reason (move them up, or say why):\n" + "\n".join(missing)
