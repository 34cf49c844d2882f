"""`b24conform run` writes nothing to the current folder but its reports and the ledger it needs.

Hypothesis keeps its example database and caches under .b24conform/hypothesis (not .hypothesis/), and the
ledger folder exists only while a ledger is owed something: a read-only run never creates it, a run whose
writes were all cleaned up removes it again.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from test_judge_live_paths import B24CONFORM, _judge_env, _start
from test_portal_cli import stop

from b24conform.judge.ledger import Ledger


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in _judge_env(tmp_path).items() if k not in {"B24_LEDGER_DIR", "HYPOTHESIS_STORAGE_DIRECTORY"}}
    return env | {"PYTHONDONTWRITEBYTECODE": "1"}


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([B24CONFORM, "run", *args], cwd=cwd, env=_env(cwd), capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


def _empty_folders(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir() and not any(p.iterdir())]


def _assert_only_reports_and_tool_folder(cwd: Path) -> None:
    assert set(os.listdir(cwd)) <= {"reports", ".b24conform"} and "reports" in os.listdir(cwd), os.listdir(cwd)
    tool = cwd / ".b24conform"
    if tool.exists():
        assert any(tool.iterdir()) and _empty_folders(tool) == [], sorted(map(str, tool.rglob("*")))
        assert not (tool / "ledger").exists()


def test_a_run_on_the_embedded_mock_writes_only_its_reports(tmp_path):
    cwd = tmp_path / "empty"
    cwd.mkdir()
    _run(cwd, "-k", "envelope")
    _assert_only_reports_and_tool_folder(cwd)
    assert (cwd / "reports" / "results.json").is_file()


def test_live_runs_leave_no_ledger_folder_when_nothing_is_owed(tmp_path):
    portal_dir = tmp_path / "portal"
    portal_dir.mkdir()
    proc, webhook, ca = _start(portal_dir)
    try:
        read_only, writes = tmp_path / "ro", tmp_path / "rw"
        read_only.mkdir()
        writes.mkdir()
        _run(read_only, "--target", webhook, "--ca-bundle", ca, "-k", "fields_enums")
        _run(writes, "--target", webhook, "--ca-bundle", ca, "--allow-writes", "-k", "envelope")
    finally:
        stop(proc)
    for cwd in (read_only, writes):
        _assert_only_reports_and_tool_folder(cwd)


def test_the_ledger_creates_its_folder_at_the_first_write_and_removes_it_once_settled(tmp_path):
    folder = tmp_path / "tool" / "ledger"
    quiet = Ledger(folder / "a.jsonl", portal="https://portal.example", run_id="a")
    assert not (tmp_path / "tool").exists() and quiet.discard_if_settled()

    ledger = Ledger(folder / "b.jsonl", portal="https://portal.example", run_id="b")
    key = ledger.sending("[b24conform b] x")
    assert (folder / "b.jsonl").is_file()
    ledger.created(key, 5)
    assert not ledger.discard_if_settled() and (folder / "b.jsonl").is_file()  # owed: kept
    ledger.deleted(5)
    assert ledger.discard_if_settled()
    assert os.listdir(tmp_path) == []  # both folders it made, and nothing else

    (tmp_path / "tool").mkdir()
    (tmp_path / "tool" / "keep.txt").write_text("someone else's file")
    other = Ledger(folder / "c.jsonl", portal="https://portal.example", run_id="c")
    other.not_created(other.sending(None))
    assert other.discard_if_settled()
    assert os.listdir(tmp_path / "tool") == ["keep.txt"]  # a folder that holds anything else stays
