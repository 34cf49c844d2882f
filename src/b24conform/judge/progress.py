"""Live progress for `b24conform run`: a pytest plugin that moves a rich progress bar per check.

Registered by the `run` command only (never by the pytest11 entry point), so plain pytest runs keep
pytest's own terminal output.
"""
from __future__ import annotations

from typing import Any

import pytest
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from b24conform.verdict.redact import redact


class ProgressPlugin:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("[green]{task.fields[passed]} passed[/] [red]{task.fields[failed]} failed[/] "
                       "[yellow]{task.fields[skipped]} skipped[/]"),
            TimeElapsedColumn(), console=self.console, transient=False,
        )
        self.task: Any = None
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}
        self._states: dict[str, str] = {}
        self.collect_errors: list[str] = []

    def _ensure(self, total: int | None) -> None:
        if self.task is None:
            self.progress.start()
            self.task = self.progress.add_task("checks", total=total, **self.counts)
        elif total is not None:
            self.progress.update(self.task, total=total)

    def pytest_collectreport(self, report: Any) -> None:
        # With pytest's terminal off, a suite file that fails to import would go unseen; keep it.
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {redact(report.longreprtext)[-1500:]}")

    def pytest_collection_finish(self, session: Any) -> None:
        self._ensure(len(session.items))

    @pytest.hookimpl(optionalhook=True)  # only exists when pytest-xdist is installed
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # Every worker collects the same items; the total is one worker's count.
        self._ensure(len(ids))

    def pytest_runtest_logreport(self, report: Any) -> None:
        self._ensure(None)
        state = self._states.get(report.nodeid, "passed")
        if report.failed:
            state = "failed"
        elif report.skipped and state != "failed":
            state = "skipped"
        self._states[report.nodeid] = state
        if report.when == "teardown":
            self.counts[self._states.pop(report.nodeid)] += 1
            self.progress.update(self.task, advance=1, **self.counts)

    def pytest_unconfigure(self, config: Any) -> None:
        if self.task is not None:
            self.progress.stop()
