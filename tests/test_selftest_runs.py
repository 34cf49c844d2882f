"""How the self-test builds one run's command line: light (example-based) runs leave out the plugins
only generative files use."""
from __future__ import annotations

from pathlib import Path

from b24conform.selftest.detection import LIGHT_RUN_NEEDS_NOT, RunSpec, default_suites, pytest_command, without_plugins


def test_without_plugins_drops_only_the_named_pairs() -> None:
    args = ["a", "-p", "x", "-p", "keep", "-p", "y", "b", "-p"]
    assert without_plugins(args, ["x", "y"]) == ["a", "-p", "keep", "b", "-p"]
    assert without_plugins(args, []) == args


def _plugins(cmd: list[str]) -> set[str]:
    return {cmd[i + 1] for i, a in enumerate(cmd[:-1]) if a == "-p"}


def test_light_runs_skip_the_generative_plugins(tmp_path: Path) -> None:
    suites = default_suites()
    light = pytest_command(RunSpec("p", "p", ("RT-008",), heavy=False), tmp_path / "r.json", tmp_path, suites, "strict")
    heavy = pytest_command(RunSpec("p", "p", ("RT-008",), heavy=True), tmp_path / "r.json", tmp_path, suites, "strict")
    assert not _plugins(light) & set(LIGHT_RUN_NEEDS_NOT)
    assert set(LIGHT_RUN_NEEDS_NOT) <= _plugins(heavy)
    # the faithful run (every file) keeps everything
    whole = pytest_command(RunSpec("faithful", None, ()), tmp_path / "r.json", tmp_path, suites, "strict")
    assert set(LIGHT_RUN_NEEDS_NOT) <= _plugins(whole)
