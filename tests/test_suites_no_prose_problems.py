"""Checks in suites/ report problems as data (`Problem(kind, ...)`), never as sentences.

A string given to `judge` becomes a problem of kind `other`: it cannot be grouped, baselined or
compared by `diff`, so a prose problem that creeps back in is caught here rather than in a report.
"""
from __future__ import annotations

import ast
from pathlib import Path

SUITES = Path(__file__).resolve().parent.parent / "suites"


def _prose(node: ast.AST) -> list[ast.AST]:
    """The string literals among the problems an expression stands for. Calls are not entered: a
    string inside `Problem(...)` or `check_error(...)` is an argument, not a problem."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return [node]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [hit for elt in node.elts for hit in _prose(elt)]
    if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
        return _prose(node.elt)
    if isinstance(node, ast.BinOp):
        return _prose(node.left) + _prose(node.right)
    if isinstance(node, ast.IfExp):
        return _prose(node.body) + _prose(node.orelse)
    if isinstance(node, ast.Starred):
        return _prose(node.value)
    return []


def _names_problems(target: ast.AST) -> bool:
    return isinstance(target, ast.Name) and "problems" in target.id


def _problem_expressions(tree: ast.AST) -> list[ast.AST]:
    """Everything that becomes a problem: what is appended or added to a `problems` list, and the
    problems argument of `judge(evidence, reply, problems, note)`."""
    found: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in {"append", "extend", "insert"} \
                    and _names_problems(func.value):
                found += node.args[-1:]
            if isinstance(func, ast.Name) and func.id == "judge":
                found += node.args[2:3] + [kw.value for kw in node.keywords if kw.arg == "problems"]
        elif isinstance(node, ast.AugAssign) and _names_problems(node.target):
            found.append(node.value)
        elif isinstance(node, ast.Assign) and any(_names_problems(t) for t in node.targets):
            found.append(node.value)
    return found


def prose_problems(source: str, filename: str = "<suite>") -> list[str]:
    tree = ast.parse(source, filename)
    hits = sorted((hit for expr in _problem_expressions(tree) for hit in _prose(expr)), key=lambda h: h.lineno)
    return [f"{filename}:{hit.lineno}: {ast.unparse(hit)[:80]}" for hit in hits]


def test_the_scan_sees_every_form_a_prose_problem_takes():
    source = '''
problems.append(f"{n} items")
problems.append("an item appeared twice")
problems += [f"select {s}: {name} is missing" for name in names]
problems += check(reply) + ["also this"]
judge(evidence, reply, [f"{admitted} admitted"], "note")
judge(evidence, reply, problems=["plain"])
problems = ["from the start"]
'''
    assert len(prose_problems(source)) == 7


def test_problems_as_data_pass_the_scan():
    source = '''
problems.append(Problem("list-total", "total", expected=0, actual=body["total"], context="start=-1"))
problems += [Problem("list-select-missing", name, expected=select) for name in names]
problems += within(f"step {error_id}", check_error(reply, contract, mode, error_id))
judge(evidence, reply, check_error(reply, contract, mode, "ADD_SUBJECT_MISSING"), f"select {select}")
problems = [] if not alt else problems
'''
    assert prose_problems(source) == []


def test_no_suite_reports_a_problem_as_prose():
    found = [hit for path in sorted(SUITES.glob("*.py"))
             for hit in prose_problems(path.read_text(encoding="utf-8"), path.name)]
    assert not found, "prose problems (use Problem(kind, ...) with a kind of problem_kinds.KINDS):\n" + "\n".join(found)
