"""dev.py, the README's two commands: what `test` adds to pytest's arguments."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("b24conform_dev_script", ROOT / "dev.py")
dev = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(dev)


def test_by_default_two_workers_and_one_hypothesis_seed() -> None:
    assert dev.added_pytest_options([]) == ["-n", "2", "--hypothesis-seed=0"]
    assert dev.added_pytest_options(["-k", "wire"]) == ["-n", "2", "--hypothesis-seed=0"]


def test_the_callers_choice_wins() -> None:
    assert dev.added_pytest_options(["-n0"]) == ["--hypothesis-seed=0"]
    assert dev.added_pytest_options(["-n", "4"]) == ["--hypothesis-seed=0"]
    assert dev.added_pytest_options(["--hypothesis-seed=7"]) == ["-n", "2"]
    assert dev.added_pytest_options(["--hypothesis-seed", "7", "-n", "1"]) == []
