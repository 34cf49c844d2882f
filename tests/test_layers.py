"""Imports run one way: the import-linter contracts of pyproject.toml hold, and no module of b24conform
imports itself through others.

The graph is grimp's, the one import-linter checks: it sees function-local imports and those under
TYPE_CHECKING too, so a late import cannot hide a circle or an import that runs back up a layer.
"""
from __future__ import annotations

import copy
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "b24conform"
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract}
CONFIG = read_configuration(str(ROOT / "pyproject.toml"))
GRAPH = grimp.build_graph(PACKAGE, cache_dir=None)


def contracts() -> list:
    return [CONTRACT_TYPES[options["type"]](name=options["name"], session_options=CONFIG["session_options"],
                                            contract_options=options)
            for options in CONFIG["contracts_options"]]


def broken(graph: grimp.ImportGraph) -> list[str]:
    """The names of the contracts the graph breaks (each checked on a copy: a check may change it)."""
    return [c.name for c in contracts() if not c.check(copy.deepcopy(graph), verbose=False).kept]


def cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself), found
    with Tarjan's algorithm, iteratively: each is a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(imports):
        if start in index:
            continue
        work = [(start, iter(sorted(imports.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(imports.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in imports.get(node, ()):
                    found.append(sorted(component))
    return found


def imports_of(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules if m.startswith(PACKAGE)}


def test_the_contracts_are_configured():
    names = [c["id"] for c in CONFIG["contracts_options"]]
    assert names == ["packages", "judge-portal-seam", "portal"]


def test_every_contract_is_kept():
    assert broken(GRAPH) == []


@pytest.mark.parametrize("importer, imported, contract", [
    ("b24conform.reporting.results", "b24conform.judge.plugin", "packages"),      # reporting back into judge
    ("b24conform.verdict.problems", "b24conform.reporting.view", "packages"),      # verdict up into reporting
    ("b24conform.portal.app", "b24conform.judge.target", "packages"),             # portal up into judge
    ("b24conform.judge.harlog", "b24conform.traffic.report", "packages"),         # judge up into traffic
    ("b24conform.contract.loader", "b24conform.verdict.redact", "packages"),
    ("b24conform.judge.target", "b24conform.portal.app", "judge"),                # a second seam into the portal
    ("b24conform.portal.state", "b24conform.portal.assembly", "portal"),           # state knowing its parts
    ("b24conform.portal.state", "b24conform.portal.methods", "portal"),
    ("b24conform.portal.calls", "b24conform.portal.methods.activity", "portal"),
    ("b24conform.portal.faults.rules", "b24conform.portal.profiles", "portal"),    # a layer reading profile files
    ("b24conform.portal.app", "b24conform.portal.faults.wire", "portal"),          # the shell knowing its faults
    ("b24conform.portal.assembly", "b24conform.portal.server", "portal"),
])
def test_an_import_back_up_a_layer_breaks_a_contract(importer, imported, contract):
    graph = copy.deepcopy(GRAPH)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    assert [name for name in broken(graph) if name.startswith(contract)], (importer, imported)


def test_no_module_imports_itself_through_others():
    assert cycles(imports_of(GRAPH)) == []


def test_a_function_local_import_closing_a_circle_is_found():
    graph = copy.deepcopy(GRAPH)
    # what batch.py did before the assembly module: `from b24conform.portal.calls import invoke` inside a function,
    # with calls -> state -> methods -> batch
    graph.add_import(importer="b24conform.portal.state", imported="b24conform.portal.methods", line_number=40,
                     line_contents="from b24conform.portal.methods import registry")
    graph.add_import(importer="b24conform.portal.methods", imported="b24conform.portal.batch", line_number=23,
                     line_contents="from b24conform.portal import batch")
    (circle,) = cycles(imports_of(graph))
    assert {"b24conform.portal.state", "b24conform.portal.methods", "b24conform.portal.batch",
            "b24conform.portal.calls"} <= set(circle)


def test_cycles_finds_each_circle_once():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_grimp_sees_function_local_imports():
    # the check above is only as good as the graph: a late import must be an edge in it
    details = GRAPH.get_import_details(importer="b24conform.judge.factory", imported="b24conform.portal.server")
    assert details, "judge/factory.py imports the portal's server inside a function; grimp should see it"
