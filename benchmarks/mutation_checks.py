"""Mutation testing of the checks: every function in src/b24conform/judge/checks/ and the suite helpers
(suites/_support.py), with mutmut 3, against the project's own unit tests of the checks (tests/test_checks_*.py,
tests/test_problems.py, tests/test_support_*.py).

How a survivor is classified (by parsing the original and the mutated function with `ast` and comparing them).
The rule: a survivor is equivalent only when it cannot change WHETHER a problem is reported, for any input; the
checks drop falsy problems, so `problems.append(Problem(...))` mutated to `problems.append(None)` removes a
detection. So:
- logic (may change a verdict): a `Problem(...)` or an appended value replaced by None or dropped; a comparison
  operator, an and/or, or a number changed anywhere (inside `Problem(...)` too); a string used as a dict key, a
  `.get(...)` argument or a comparison/`in` operand; a problem's kind, ambiguity or mode (read downstream:
  traffic/checks.py drops time-keys-missing problems by kind and ambiguity); any other change outside `Problem(...)`.
- detail: one of the fields of a `Problem(...)` a person reads (subject, expected, expects, actual, error_id,
  context) dropped or replaced as a whole (by None): the same problem, shown differently. A change INSIDE such a
  field's expression (a call's argument dropped or None, a guard made always true) is logic: it can make the
  expression raise (`body.get(...)` on a non-dict, `getattr(reply, "text")` of a bare body), and a check that
  raises reports no problem.
- text: a detail change where only string literals changed (the wording).
A logic survivor is not shown equivalent by this script: benchmarks/mutation_equivalent.py holds, one by one, the
argument why a given change (function and changed lines, as printed) cannot change whether a problem is reported.
The section lists every logic survivor with its argument, or UNEXPLAINED; an argument whose change no longer
survives is listed as stale. A mutant no test reaches ("no tests") is not killed either: it is classified and
counted with the survivors.

Not CI, and mutmut is no project dependency: install its pinned lock into the venv first
(`.venv/bin/pip install --require-hashes -r benchmarks/mutation.lock`, made by tools/lock.sh against requirements.lock),
or beside it: `.venv/bin/pip install --require-hashes --target DIR -r benchmarks/mutation.lock`, then run with
`MUTMUT=DIR/bin/mutmut PYTHONPATH=DIR`.
The run happens in a temporary copy of the repository (mutmut writes its `mutants/` folder and reads its
configuration from setup.cfg there), so the checkout is never touched. Prints and (unless --no-write) writes
the `mutation` section of BENCHMARKS.md: mutants, killed, survived, no tests, timeouts, per file, and every
surviving mutant with its diff.

mutmut's exit codes per mutant: 1 killed (a test failed), 0 survived, 33 no test runs the function, 36 timeout.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

import _bench
from mutation_equivalent import EQUIVALENT

MUTATE = ["src/b24conform/judge/checks/", "suites/_support.py"]
# test_support_*.py: the helpers' unit tests AND their exact-verdict tests (test_support_exact.py was once left out).
TESTS = ["tests/test_checks_*.py", "tests/test_problems.py", "tests/test_support_*.py"]
# mutmut's executable: the venv's, or $MUTMUT (e.g. the lock installed with `pip install --target DIR`, run with
# PYTHONPATH=DIR, which the run passes on behind the mutated copy).
MUTMUT = os.environ.get("MUTMUT") or str(_bench.VENV_BIN / "mutmut")
STATUS = {1: "killed", 0: "survived", 33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout", 37: "type check"}


def prepare(root: Path, work: Path) -> None:
    for folder in ("src", "spec", "suites"):
        shutil.copytree(root / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (work / "tests").mkdir()
    for pattern in TESTS:
        for path in root.glob(pattern):
            shutil.copy2(path, work / "tests" / path.name)
    shutil.copy2(root / "tests" / "recorded.py", work / "tests" / "recorded.py")  # the recorded values the tests share
    if (root / "tests" / "data").exists():
        shutil.copytree(root / "tests" / "data", work / "tests" / "data")
    (work / "setup.cfg").write_text(
        # setup.cfg lists are one item a line. The whole src/ is copied (imports need it); only MUTATE is mutated.
        "[mutmut]\n"
        "source_paths =\n    src\n    suites\n"
        "only_mutate =\n" + "".join(f"    {m}*\n" if m.endswith("/") else f"    {m}\n" for m in MUTATE) +
        "also_copy =\n    spec\n"
        "pytest_add_cli_args_test_selection =\n    tests/\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n",
        encoding="utf-8",
    )


def collect(work: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in (work / "mutants").rglob("*.meta"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        codes.update(data.get("exit_code_by_key", {}))
    return codes


def _functions(path: Path) -> dict[str, str]:
    """name -> source of every function mutmut wrote into one mutated file (originals and mutants)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = {}
    for node in ast.parse(text).body:  # mutmut writes them at module level
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[node.name] = "\n".join(lines[node.lineno - 1:node.end_lineno])
    return out


# Problem's fields in order (positional arguments map onto them); a mutant that changes only those a person
# reads (DETAIL) leaves every verdict as it was. kind, ambiguity and mode are read downstream (traffic/checks.py
# drops a time-keys-missing problem by kind and ambiguity), so a change to them is logic.
PROBLEM_FIELDS = ["kind", "subject", "expected", "expects", "actual", "error_id", "ambiguity", "mode", "context"]
DETAIL_FIELDS = {"subject", "expected", "expects", "actual", "error_id", "context"}


def _diffs(a, b, chain=()):
    """Every smallest place where two ASTs differ: (ancestors as (node, field, index), original, mutant)."""
    if type(a) is not type(b):
        yield chain, a, b
        return
    if not isinstance(a, ast.AST):
        if a != b:
            yield chain, a, b
        return
    for name in a._fields:
        x, y = getattr(a, name, None), getattr(b, name, None)
        if isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):  # an argument or keyword dropped: the node holding the list is the change
                yield chain, a, b
                return
            for i, (p, q) in enumerate(zip(x, y)):
                yield from _diffs(p, q, chain + ((a, name, i),))
        elif isinstance(x, ast.AST) or isinstance(y, ast.AST):
            yield from _diffs(x, y, chain + ((a, name, None),))
        elif x != y:
            yield chain, a, b
            return


def _is_problem(node) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return getattr(func, "id", None) == "Problem" or getattr(func, "attr", None) == "Problem"


def _problem_fields(call: ast.Call) -> dict:
    out = {PROBLEM_FIELDS[i] if i < len(PROBLEM_FIELDS) else f"arg{i}": ast.dump(a) for i, a in enumerate(call.args)}
    out.update({k.arg or "**": ast.dump(k.value) for k in call.keywords})
    return out


def _kind_of(chain, a, b) -> str:
    """logic, detail or text for one place where the mutant differs."""
    if isinstance(a, (ast.cmpop, ast.boolop)) or isinstance(b, (ast.cmpop, ast.boolop)):
        return "logic"  # a comparison or and/or changed
    for x in (a, b):
        if isinstance(x, ast.Constant) and isinstance(x.value, (int, float)) and not isinstance(x.value, bool):
            return "logic"  # a number changed
    if _is_problem(a) and _is_problem(b):  # an argument of Problem(...) dropped or added
        fa, fb = _problem_fields(a), _problem_fields(b)
        changed = {k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k)}
        return "detail" if ast.dump(a.func) == ast.dump(b.func) and changed <= DETAIL_FIELDS else "logic"
    # the nearest Problem(...) around the change, and the field the change is in
    for depth in range(len(chain) - 1, -1, -1):
        node, name, index = chain[depth]
        if _is_problem(node):
            if name == "args":
                field_name = PROBLEM_FIELDS[index] if index < len(PROBLEM_FIELDS) else "?"
            elif name == "keywords":
                field_name = node.keywords[index].arg or "?"
            else:
                field_name = "?"  # the callee itself
            if field_name not in DETAIL_FIELDS:
                return "logic"
            for inner, inner_name, _ in chain[depth + 1:]:
                if isinstance(inner, ast.Compare) or (isinstance(inner, ast.Subscript) and inner_name == "slice"):
                    return "logic"  # a comparison operand or a key, even inside a shown value
                if (isinstance(inner, ast.Call) and inner_name in ("args", "keywords")
                        and getattr(inner.func, "attr", None) == "get"):
                    return "logic"  # a .get(...) argument
            if all(isinstance(x, ast.Constant) and isinstance(x.value, str) for x in (a, b)):
                return "text"
            rest = chain[depth + 1:]
            if not rest or (len(rest) == 1 and isinstance(rest[0][0], ast.keyword)):
                return "detail"  # the whole shown value replaced (by None): the same problem, shown otherwise
            # Inside a shown value's expression (an argument dropped or None, a guard made always true) the
            # change can make that expression raise (`.get` on a non-dict, `ids[-1]` of none): no problem then.
            return "logic"
    return "logic"  # outside any Problem(...): a Problem replaced or dropped, a key, a call, a condition


def classify(orig: str, mutant: str) -> tuple[str, str]:
    """(class, diff) of a surviving mutant, by comparing the ASTs of the original and the mutated function.
    text/detail only where every change lies in a field of a Problem(...) a person reads (subject, expected,
    expects, actual, error_id, context) and is neither a number, a comparison nor a key/.get/comparison operand:
    text when only string literals changed, detail otherwise. Anything else is logic."""
    a, b = orig.splitlines(), mutant.splitlines()
    changed = [i for i, (x, y) in enumerate(zip(a, b)) if x != y] + list(range(min(len(a), len(b)), max(len(a), len(b))))
    pairs = [(a[i] if i < len(a) else "", b[i] if i < len(b) else "") for i in changed]
    diff = " / ".join(f"{x.strip()} -> {y.strip()}" for x, y in pairs)
    try:
        places = list(_diffs(ast.parse(textwrap.dedent(orig)), ast.parse(textwrap.dedent(mutant))))
    except SyntaxError:
        return "logic", diff or "(unparsable)"
    if not places:
        return "logic", diff or "(no change found)"
    kinds = {_kind_of(*p) for p in places}
    return ("logic" if "logic" in kinds else "detail" if "detail" in kinds else "text"), diff


def explain(work: Path, names: list[str]) -> dict[str, tuple[str, str]]:
    cache: dict[Path, dict[str, str]] = {}
    out = {}
    for name in names:
        module, _, func = name.rpartition(".")
        base = func.rsplit("__mutmut_", 1)[0]
        rel = Path(*module.split("."))
        path = next((p for p in (work / "mutants" / "src" / rel.with_suffix(".py"), work / "mutants" / "src" / rel / "__init__.py",
                                 work / "mutants" / rel.with_suffix(".py")) if p.exists()), None)
        if path is None:
            out[name] = ("logic", "(source not found)")
            continue
        if path not in cache:
            cache[path] = _functions(path)
        funcs = cache[path]
        orig = base + "__mutmut_orig"
        out[name] = classify(funcs.get(orig, ""), funcs.get(func, "").replace(func, orig, 1))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-children", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary copy (prints its path)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--reclassify", type=Path, metavar="DIR",
                    help="classify the results of a run kept with --keep again (after editing mutation_equivalent.py); "
                         "never writes BENCHMARKS.md")
    args = ap.parse_args()
    if args.reclassify:
        return report(args.reclassify, float("nan"), args.max_children, write=False)
    work = Path(tempfile.mkdtemp(prefix="b24-mutation-"))
    try:
        prepare(_bench.ROOT, work)
        # The venv's editable install puts the checkout's src/ on sys.path: the mutated copy must come first.
        # The folder exists before the interpreter starts, or the import system caches it as absent.
        (work / "mutants" / "src").mkdir(parents=True)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(work / "mutants" / "src"), os.environ.get("PYTHONPATH", "")) if p)}
        started = time.monotonic()
        proc = subprocess.run([MUTMUT, "run", "--max-children", str(args.max_children)],
                              cwd=work, capture_output=True, text=True, env=env)
        wall = time.monotonic() - started
        if not collect(work):
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
            return 1
        return report(work, wall, args.max_children, write=not args.no_write)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def report(work: Path, wall: float, max_children: int, *, write: bool) -> int:
    """Classify the mutants of a finished run in `work`, print the section and (if `write`) publish it."""
    codes = collect(work)
    status = {name: STATUS.get(code, f"exit {code}") for name, code in codes.items()}
    counts = Counter(status.values())
    by_file: dict[str, Counter] = {}
    for name, st in status.items():
        by_file.setdefault(name.split(".x_")[0].split("__mutmut")[0], Counter())[st] += 1
    # Not killed: survived, or no test runs the function at all (a detection nobody would see go).
    survivors = sorted(n for n, st in status.items() if st in ("survived", "no tests"))
    why = explain(work, survivors)
    classes = Counter(c for c, _ in why.values())
    logic_names = [n for n in survivors if why[n][0] == "logic"]
    argued = {(e["function"], e["change"]): e["why"] for e in EQUIVALENT}
    argument = {n: argued.get((function_of(n), why[n][1])) for n in logic_names}
    explained = [n for n in logic_names if argument[n]]
    unexplained = [n for n in logic_names if not argument[n]]
    used = {(function_of(n), why[n][1]) for n in explained}
    stale = [e for e in EQUIVALENT if (e["function"], e["change"]) not in used]
    print(f"{len(status)} mutants in {wall:.0f} s: " + ", ".join(f"{v} {k}" for k, v in counts.most_common())
          + "; not killed: " + ", ".join(f"{v} {k}" for k, v in classes.most_common())
          + f"; logic: {len(explained)} explained, {len(unexplained)} unexplained; {len(stale)} stale arguments")
    lines = [f"Command: `{_bench.command_line()}` (mutmut {_mutmut_version()}, --max-children {max_children}, "
             f"{wall:.0f} s wall)", "",
             f"Mutated: {', '.join(MUTATE)}. Killing tests: {', '.join(TESTS)}.", "",
             "| | mutants |", "| --- | ---: |", f"| generated | {len(status)} |"]
    lines += [f"| {k} | {v} |" for k, v in counts.most_common()]
    lines += [f"| logic survivors (survived or no tests) | {len(logic_names)} |",
              f"| of which shown equivalent one by one (below) | {len(explained)} |",
              f"| of which unexplained | {len(unexplained)} |"]
    lines += ["", "| module | " + " | ".join(STATUS.values()) + " |", "| --- |" + " ---: |" * len(STATUS)]
    for module, c in sorted(by_file.items()):
        lines.append(f"| `{module}` | " + " | ".join(str(c.get(s, 0)) for s in STATUS.values()) + " |")
    lines += ["", "Survivors (survived or no tests) by kind. A survivor is equivalent only when it cannot change"
              " WHETHER a problem is reported, for any input. text = only a string literal changed, inside a field of"
              " a `Problem(...)` a person reads (subject, expected, expects, actual, error_id, context); detail = one"
              " of those fields dropped or replaced as a whole (still the same problem, shown differently). logic ="
              " anything else: a `Problem(...)` or an appended value replaced by None or dropped, a comparison, and/or"
              " or a number changed anywhere, a string used as a key, a `.get(...)` argument or a comparison/`in`"
              " operand, a problem's kind, ambiguity or mode (read downstream), a call's argument, a condition, and"
              " any change inside a shown field's expression (it can make the expression raise: no problem then).", "",
              "| survivor kind | mutants |", "| --- | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in classes.most_common()]
    per_module: dict[str, Counter] = {}
    for n in survivors:
        per_module.setdefault(n.split(".x_")[0], Counter())[why[n][0]] += 1
    lines += ["", "| module | logic | detail | text |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| `{m}` | {c['logic']} | {c['detail']} | {c['text']} |" for m, c in sorted(per_module.items())]
    logic = Counter(function_of(n) for n in logic_names)
    lines += ["", "Logic survivors per function:", "", "| function | logic survivors |", "| --- | ---: |"]
    lines += [f"| `{f}` | {v} |" for f, v in logic.most_common()]
    lines += ["", "Every logic survivor, with its change and the argument why no input can change whether a problem"
              " is reported (benchmarks/mutation_equivalent.py), or UNEXPLAINED:", "",
              "| mutant | change | why equivalent |", "| --- | --- | --- |"]
    for name in logic_names:
        lines.append(f"| `{name}` | `{_cell(why[name][1][:300])}` | {_cell(argument[name] or '**UNEXPLAINED**')} |")
    if stale:
        lines += ["", "Stale arguments (their change no longer survives: killed, or the code changed):", ""]
        lines += [f"- `{e['function']}`: `{_cell(e['change'][:200])}`" for e in stale]
    lines += ["", _bench.facts_table()]
    _bench.publish("mutation", "Mutation testing of the checks (mutmut)", lines, write=write)
    return 1 if unexplained else 0


def function_of(name: str) -> str:
    """module.function of a mutant's name (b24conform.judge.checks.errors.x_method_of__mutmut_6 ->
    b24conform.judge.checks.errors.method_of)."""
    return name.rsplit("__mutmut_", 1)[0].replace(".x_", ".", 1)


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("`", "'")


def _mutmut_version() -> str:
    out = subprocess.run([MUTMUT, "--version"], capture_output=True, text=True)
    return out.stdout.strip().rsplit(" ", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
