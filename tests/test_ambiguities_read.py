"""Every ambiguity of spec/ambiguities.yaml is read: some clause of spec/clauses.yaml names it
(`ambiguity:`), and some check (src/b24conform/judge/checks/ or suites/) reads it in its code.

A check reads an ambiguity when its code (not a comment or a docstring) holds the ambiguity's id, or
reads the ambiguity of a clause that names it: `clauses["RT-018"].ambiguity`, `.ambiguities`, or
`clause_accepted_errors(contract, mode, "COMM-002")`, where the clause id is a string of that function
(its markers included) or of a module-level constant the function uses. A mention in prose says why
a check does not read it, so it does not count.
"""
from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from b24conform.contract import load_contract

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "src" / "b24conform" / "judge" / "checks").glob("*.py")) + sorted((ROOT / "suites").glob("*.py"))
AMBIGUITY_ID = re.compile(r"\bAMB(?:-[A-Z0-9]+)+\b")
CLAUSE_ID = re.compile(r"^[A-Z]+-\d+$")
READS_A_CLAUSES_AMBIGUITY = {"ambiguity", "ambiguities"}  # attributes of a clause
READS_THROUGH_A_CLAUSE = {"clause_accepted_errors"}     # helpers given a clause id

# Ambiguities no verdict depends on: every mode accepts every reading, and the checks ask only what all
# readings share, so there is nothing for a check to read. The last tests hold each to that: the day
# a mode accepts fewer readings, a check must read it and it leaves this table.
NO_VERDICT_DEPENDS = {
    "AMB-EMAIL-ERROR-CREATES": "an activity left behind by an e-mail send error or not: the judge's cleanup finds it by its marks either way",
    "AMB-DESCRIPTION-TYPE": "which of 2 and 3 means HTML: the number is stored and read back as sent",
    "AMB-GET-KEYS": "the keys of get and list's '*': COMMUNICATIONS and FILES are read through list's select, which both readings give",
}
STILL_TO_DO = set(NO_VERDICT_DEPENDS)


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)}


def _strings(node: ast.AST, prose: set[int]) -> list[str]:
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in prose]


def _reads_a_clauses_ambiguity(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Attribute) and node.attr in READS_A_CLAUSES_AMBIGUITY:
            return True
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in READS_THROUGH_A_CLAUSE:
                return True
    return False


def reads(path: Path) -> tuple[set[str], set[str]]:
    """(ambiguity ids the code of `path` holds, clause ids whose ambiguities it reads)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    prose = _docstrings(tree)
    ambiguities = {m for s in _strings(tree, prose) for m in AMBIGUITY_ID.findall(s)}
    constants: dict[str, list[str]] = {}  # module-level NAME = ... -> its strings
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name):
                constants[target.id] = _strings(stmt, prose)
    clauses: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not _reads_a_clauses_ambiguity(function):
            continue
        texts = _strings(function, prose)
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and node.id in constants:
                texts += constants[node.id]
        clauses |= {t for t in texts if CLAUSE_ID.match(t)}
    return ambiguities, clauses


@cache
def read_ambiguities() -> dict[str, list[str]]:
    """ambiguity id -> the files whose checks read it."""
    contract = load_contract()
    out: dict[str, list[str]] = {}
    for path in SOURCES:
        ambiguities, clauses = reads(path)
        for cid in clauses & set(contract.clauses):
            ambiguities |= set(_named_by(contract.clauses[cid]))
        for amb in ambiguities:
            out.setdefault(amb, []).append(str(path.relative_to(ROOT)))
    return out


def _named_by(clause) -> tuple[str, ...]:
    return tuple(getattr(clause, "ambiguities", ()) or ((clause.ambiguity,) if clause.ambiguity else ()))


def unread() -> dict[str, str]:
    """ambiguity id -> what it lacks."""
    contract = load_contract()
    named = {amb for clause in contract.clauses.values() for amb in _named_by(clause)}
    read = read_ambiguities()
    gaps = {}
    for amb in contract.ambiguities:
        lacks = [what for what, ok in (("no clause names it", amb in named), ("no check reads it", amb in read)) if not ok]
        if lacks:
            gaps[amb] = " and ".join(lacks)
    return gaps


def test_every_ambiguity_is_named_by_a_clause_and_read_by_a_check():
    gaps = {amb: why for amb, why in unread().items() if amb not in STILL_TO_DO}
    assert not gaps, "ambiguities read by no check:\n" + "\n".join(f"  {amb}: {why}" for amb, why in sorted(gaps.items()))


def test_the_list_still_to_do_holds_only_ambiguities_still_unread():
    contract = load_contract()
    unknown = sorted(STILL_TO_DO - set(contract.ambiguities))
    done = sorted(STILL_TO_DO - set(unread()) - set(unknown))
    assert not unknown, f"STILL_TO_DO names ambiguities spec/ambiguities.yaml does not hold: {unknown}"
    assert not done, f"now named by a clause and read by a check: remove {done} from STILL_TO_DO"


def test_the_scan_sees_the_ways_checks_read_an_ambiguity():
    # Literal ids in code, a clause's `.ambiguity` by its id, clause_accepted_errors(..., clause id),
    # and a clause id held by a module-level constant (suites/test_required_fields.py CLAUSES).
    read = read_ambiguities()
    assert "src/b24conform/judge/checks/time_block.py" in read["AMB-TIME-KEYS"]
    assert "suites/test_companions.py" in read["AMB-UPDATE-NO-FIELDS"]
    assert "suites/test_required_fields.py" in read["AMB-SUBJECT-REQUIRED"]
    assert any(p.endswith("test_communications.py") for p in read["AMB-OWNER-NOT-FOUND"])
    # Prose is not a reading: test_email.py's docstring names AMB-EMAIL-ERROR-CREATES, its code does not.
    assert "suites/test_email.py" not in read.get("AMB-EMAIL-ERROR-CREATES", [])


def test_an_ambiguity_read_by_no_check_accepts_every_reading_in_every_mode():
    contract = load_contract()
    narrowed = {amb: mode for amb in NO_VERDICT_DEPENDS for mode in ("strict", "lenient")
                if set(getattr(contract.ambiguities[amb], mode)) != set(contract.ambiguities[amb].readings)}
    assert not narrowed, f"a mode accepts fewer readings, so a check must read these: {narrowed}"
