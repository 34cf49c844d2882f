"""No Bitrix limit spelled outside spec/limits.yaml (issue #22): a module-level number or a comparison
that equals one of the spec's limits is either read from the contract or one of our own bounds below."""
from __future__ import annotations

import ast
from pathlib import Path

from b24conform.contract import load_contract

ROOT = Path(__file__).resolve().parents[1]
LIMITS = load_contract().limits

# Our own bounds that happen to equal a limit: each says why it is not the portal's number.
OWN_BOUNDS = {
    ("src/b24conform/traffic/report.py", "MAX_KEYS"): "distinct problems kept per check in a traffic report",
    ("src/b24conform/traffic/report.py", "len(self.hosts) < 50"): "hosts named in a traffic report",
    ("src/b24conform/judge/evidence.py", "EXPLICIT_LIMIT"): "explicit evidence records kept per check",
    ("src/b24conform/judge/negative_cases.py", "MAX_REPAIRS"): "repairs a negative case generator tries",
}


def limit_values() -> set[int | float]:
    values = {LIMITS.page_size, LIMITS.batch_max_commands}
    for plan in LIMITS.plans.values():
        values |= {plan.burst}
    return {v for v in values if v not in (0, 1, 2)}   # too common to mean a limit by themselves


def spelled_limits(source: str, values: set[int | float]) -> list[str]:
    """Module-level constants and comparisons of `source` whose number is one of `values`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and node.value.value in values \
                and type(node.value.value) in (int, float):
            found += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.Compare):
            if any(isinstance(c, ast.Constant) and type(c.value) in (int, float) and c.value in values
                   for c in ast.walk(node)):
                found.append(ast.unparse(node))
    return found


def test_the_scanner_finds_a_planted_limit():
    source = "PAGE = 50\nOTHER = 7\ndef f(x):\n    return len(x) > 50\n"
    assert spelled_limits(source, {50}) == ["PAGE", "len(x) > 50"]


def test_no_limit_is_spelled_outside_spec():
    values, found = limit_values(), []
    for folder in ("src/b24conform", "suites"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            found += [(rel, name) for name in spelled_limits(path.read_text(encoding="utf-8"), values)]
    unexplained = [f"{rel}: {name}" for rel, name in found if (rel, name) not in OWN_BOUNDS]
    assert not unexplained, "limits belong in spec/limits.yaml (read them from contract.limits):\n" + "\n".join(unexplained)
    assert not set(OWN_BOUNDS) - set(found), "OWN_BOUNDS names bounds that are gone"
