"""Mutation testing of the checks: every function in src/b24conform/judge/checks/ and the suite helpers
(suites/_support.py), with mutmut 3, against the project's own unit tests of the checks (tests/test_checks_*.py,
tests/test_problems.py).

Not CI, and mutmut is no project dependency: install its pinned lock into the venv first
(`.venv/bin/pip install --require-hashes -r benchmarks/mutation.lock`, made by tools/lock.sh against requirements.lock).
The run happens in a temporary copy of the repository (mutmut writes its `mutants/` folder and reads its
configuration from setup.cfg there), so the checkout is never touched. Prints and (unless --no-write) writes
the `mutation` section of BENCHMARKS.md: mutants, killed, survived, no tests, timeouts, per file, and every
surviving mutant with its diff.

mutmut's exit codes per mutant: 1 killed (a test failed), 0 survived, 33 no test runs the function, 36 timeout.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import Counter
from pathlib import Path

import _bench

MUTATE = ["src/b24conform/judge/checks/", "suites/_support.py"]
TESTS = ["tests/test_checks_*.py", "tests/test_problems.py"]
STATUS = {1: "killed", 0: "survived", 33: "no tests", 34: "skipped", 35: "suspicious", 36: "timeout", 37: "type check"}


def prepare(root: Path, work: Path) -> None:
    for folder in ("src", "spec", "suites"):
        shutil.copytree(root / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (work / "tests").mkdir()
    for pattern in TESTS:
        for path in root.glob(pattern):
            shutil.copy2(path, work / "tests" / path.name)
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


def _shape(line: str) -> list[tuple[int, str]]:
    """The line's tokens with every string literal made the same: equal shapes differ in text only."""
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return [(0, line)]
    return [(t.type, "S" if t.type == tokenize.STRING else t.string) for t in toks]


def classify(orig: str, mutant: str) -> tuple[str, str]:
    """(class, diff) of a surviving mutant. text: only a string literal changed (a problem's wording or a
    label); detail: a Problem(...) argument changed (a problem is still reported, so the verdict stands);
    logic: anything else - a candidate for a verdict the tests do not pin."""
    a, b = orig.splitlines(), mutant.splitlines()
    changed = [i for i, (x, y) in enumerate(zip(a, b)) if x != y] + list(range(min(len(a), len(b)), max(len(a), len(b))))
    if not changed:
        return "logic", ""
    pairs = [(a[i] if i < len(a) else "", b[i] if i < len(b) else "") for i in changed]
    diff = " / ".join(f"{x.strip()} -> {y.strip()}" for x, y in pairs)[:300]
    if all(_shape(x) == _shape(y) for x, y in pairs):
        return "text", diff
    inside = _problem_lines(orig)
    if all(i in inside for i in changed):
        return "detail", diff
    return "logic", diff


def _problem_lines(source: str) -> set[int]:
    """0-based line numbers of `source` that lie inside a Problem(...) call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem":
            lines.update(range(node.lineno - 1, (node.end_lineno or node.lineno)))
    return lines


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
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="b24-mutation-"))
    try:
        prepare(_bench.ROOT, work)
        # The venv's editable install puts the checkout's src/ on sys.path: the mutated copy must come first.
        # The folder exists before the interpreter starts, or the import system caches it as absent.
        (work / "mutants" / "src").mkdir(parents=True)
        env = {**os.environ, "PYTHONPATH": str(work / "mutants" / "src")}
        started = time.monotonic()
        proc = subprocess.run([_bench.VENV_BIN / "mutmut", "run", "--max-children", str(args.max_children)],
                              cwd=work, capture_output=True, text=True, env=env)
        wall = time.monotonic() - started
        codes = collect(work)
        if not codes:
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
            return 1
        status = {name: STATUS.get(code, f"exit {code}") for name, code in codes.items()}
        counts = Counter(status.values())
        by_file: dict[str, Counter] = {}
        for name, st in status.items():
            by_file.setdefault(name.split(".x_")[0].split("__mutmut")[0], Counter())[st] += 1
        survivors = sorted(n for n, st in status.items() if st == "survived")
        why = explain(work, survivors)
        classes = Counter(c for c, _ in why.values())
        print(f"{len(status)} mutants in {wall:.0f} s: " + ", ".join(f"{v} {k}" for k, v in counts.most_common())
              + "; survivors: " + ", ".join(f"{v} {k}" for k, v in classes.most_common()))
        lines = [f"Command: `{_bench.command_line()}` (mutmut {_mutmut_version()}, --max-children {args.max_children}, "
                 f"{wall:.0f} s wall)", "",
                 f"Mutated: {', '.join(MUTATE)}. Killing tests: {', '.join(TESTS)}.", "",
                 "| | mutants |", "| --- | ---: |", f"| generated | {len(status)} |"]
        lines += [f"| {k} | {v} |" for k, v in counts.most_common()]
        lines += ["", "| module | " + " | ".join(STATUS.values()) + " |", "| --- |" + " ---: |" * len(STATUS)]
        for module, c in sorted(by_file.items()):
            lines.append(f"| `{module}` | " + " | ".join(str(c.get(s, 0)) for s in STATUS.values()) + " |")
        lines += ["", "Survivors by kind: text = only a string literal changed (a problem's wording or label; the"
                  " verdict, problems or none, stands); detail = a `Problem(...)` argument changed (still a problem);"
                  " logic = anything else, a candidate for a verdict the unit tests do not pin.", "",
                  "| survivor kind | mutants |", "| --- | ---: |"]
        lines += [f"| {k} | {v} |" for k, v in classes.most_common()]
        logic = Counter(n.rsplit("__mutmut_", 1)[0].replace(".x_", ".") for n in survivors if why[n][0] == "logic")
        lines += ["", "Logic survivors per function:", "", "| function | logic survivors |", "| --- | ---: |"]
        lines += [f"| `{f}` | {v} |" for f, v in logic.most_common()]
        lines += ["", "<details><summary>Every logic survivor, with its change</summary>", "",
                  "| mutant | change |", "| --- | --- |"]
        for name in survivors:
            if why[name][0] == "logic":
                lines.append(f"| `{name}` | `{why[name][1].replace('|', '/').replace('`', chr(39))}` |")
        lines += ["", "</details>", "", _bench.facts_table()]
        _bench.publish("mutation", "Mutation testing of the checks (mutmut)", lines, write=not args.no_write)
        return 0
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _mutmut_version() -> str:
    out = subprocess.run([_bench.VENV_BIN / "mutmut", "--version"], capture_output=True, text=True)
    return out.stdout.strip().rsplit(" ", 1)[-1]


if __name__ == "__main__":
    sys.exit(main())
