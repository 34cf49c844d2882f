"""CLI commands of the judge area: `run`, `cleanup`, `diff`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from b24conform.judge.hypothesis_profiles import PROFILES, default_profile


# The pytest plugins a run needs, by module: the judge, Hypothesis (profiles), schemathesis (the schema tests)
# and, when installed, pytest-xdist (-n). A run loads these and no other plugin found by entry point, so its
# verdicts do not depend on what else is installed (a plugin that reorders, reseeds or reruns checks), and pytest
# does not assertion-rewrite every module of every plugin's distribution on import (with bytecode writing off,
# PYTHONDONTWRITEBYTECODE=1, that took ~2 s of each run). The suites' own asserts are still rewritten. More
# plugins can be added with PYTEST_ADDOPTS="-p NAME".
RUN_PLUGINS = ("b24conform.judge.plugin", "_hypothesis_pytestplugin", "schemathesis.pytest.plugin")
OPTIONAL_RUN_PLUGINS = ("xdist.plugin",)


def run_plugins() -> list[str]:
    import importlib.util

    available = [name for name in OPTIONAL_RUN_PLUGINS if importlib.util.find_spec(name.partition(".")[0])]
    return [*RUN_PLUGINS, *available]


def pytest_args(
    suites: Path, *, target: str | None, oauth_token: str | None, ca_bundle: str | None, allow_writes: bool,
    mode: str | None, report_dir: Path, keyword: str | None, hypothesis_profile: str, workers: int | None,
    verbose: bool, extra: list[str] | None = None,
) -> list[str]:
    """The pytest command line of a `run`. Pure, so it is tested without running pytest."""
    plugins = [arg for name in run_plugins() for arg in ("-p", name)]
    # no:unraisableexception: its only output is pytest warnings, which a run does not show (the
    # reports are the output), and it ends the session with a full gc.collect (~0.16 s a run).
    args = [str(suites), "--disable-plugin-autoload", *plugins, "-p", "no:cacheprovider", "-p", "no:unraisableexception",
            "--rootdir", str(suites.parent),
            "--b24-report-dir", str(report_dir), "--junitxml", str(report_dir / "junit.xml"),
            "--hypothesis-profile", hypothesis_profile]
    if target:
        args += ["--b24-target", target]
    if oauth_token:
        args += ["--b24-oauth-token", oauth_token]
    if ca_bundle:
        args += ["--b24-ca-bundle", ca_bundle]
    if allow_writes:
        args.append("--b24-allow-writes")
    if mode:
        args.append(f"--b24-{mode}")
    if keyword:
        args += ["-k", keyword]
    if workers:
        args += ["-n", str(workers)]
    if verbose:
        args += ["-v", "-rfEs"]
    else:
        # The rich progress bar replaces pytest's terminal; details go to the reports.
        args += ["-p", "no:terminal"]
    return [*args, *(extra or [])]


def summary_table(results: dict) -> Table:
    counts = results["run"]["counts"]["clauses"]
    table = Table(title=f"b24conform: {results['run']['target']} ({results['run']['kind']}, {results['run']['mode']})")
    for name in ("passed", "failed", "skipped", "not_checkable", "not_covered"):
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(counts.get(k, 0)) for k in ("passed", "failed", "skipped", "not_checkable", "not_covered")))
    return table


def failing_lines(results: dict, limit: int = 40) -> list[str]:
    lines = []
    shown = {"failed"} if results["run"].get("partial_selection") else {"failed", "not_covered"}
    for clause in results["clauses"]:
        if clause["status"] in shown:
            lines.append(f"{clause['id']} {clause['status']}: {clause.get('reason') or ''}".strip())
    lines.sort(key=lambda line: " not_covered:" in line)  # failures first, stable otherwise
    return lines[:limit]


def run_exit_code(pytest_code: int, results: dict | None) -> int:
    """0 only when pytest succeeded and every applicable clause passed."""
    if results is None:
        return int(pytest_code) or 1
    from b24conform.reporting.results import applicable_passed

    if int(pytest_code) not in (0,):
        return int(pytest_code)
    return 0 if applicable_passed(results) else 1


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def run(
        target: Optional[str] = typer.Option(None, "--target", envvar="B24_TARGET", show_envvar=True,
                                             help="webhook base https://HOST/rest/1/CODE/ or https://HOST/rest/ "
                                                  "(default: embedded mock portal)"),
        oauth_token: Optional[str] = typer.Option(None, "--oauth-token", envvar="B24_OAUTH_TOKEN", show_envvar=True),
        ca_bundle: Optional[str] = typer.Option(None, "--ca-bundle", envvar="B24_CA_BUNDLE", show_envvar=True),
        allow_writes: bool = typer.Option(False, "--allow-writes", help="allow creating (marked, cleaned-up) activities on a live portal"),
        strict: Optional[bool] = typer.Option(None, "--strict/--lenient", help="verdict for documented ambiguities (default strict)"),
        report_dir: Path = typer.Option(Path("reports"), "--report-dir", envvar="B24_REPORT_DIR"),
        keyword: Optional[str] = typer.Option(None, "-k", help="only checks matching this pytest -k expression"),
        hypothesis_profile: Optional[str] = typer.Option(
            None, "--hypothesis-profile",
            help=f"one of {', '.join(PROFILES)} (default: live against a --target, ci on the embedded mock)"),
        workers: Optional[int] = typer.Option(None, "-n", help="parallel workers (pytest-xdist)"),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="pytest's own output instead of the progress bar"),
    ) -> None:
        """Run the conformance suites against a portal (default: the embedded mock) and write the reports."""
        import pytest

        from b24conform.judge.progress import ProgressPlugin
        from b24conform.judge.redact import redact, register_secret
        from b24conform.judge.suites_dir import SuitesNotFound, suites_dir

        console = Console()
        hypothesis_profile = hypothesis_profile or default_profile(target)
        if hypothesis_profile not in PROFILES:
            raise typer.BadParameter(f"choose one of {', '.join(PROFILES)}", param_hint="--hypothesis-profile")
        try:
            suites = suites_dir()
        except SuitesNotFound as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from None
        register_secret(oauth_token)
        mode = None if strict is None else ("strict" if strict else "lenient")
        report_dir = report_dir.resolve()
        results_path = report_dir / "results.json"
        results_path.unlink(missing_ok=True)  # never summarise a previous run's file
        args = pytest_args(suites, target=target, oauth_token=oauth_token, ca_bundle=ca_bundle,
                           allow_writes=allow_writes, mode=mode, report_dir=report_dir, keyword=keyword,
                           hypothesis_profile=hypothesis_profile, workers=workers, verbose=verbose)
        progress = None if verbose else ProgressPlugin(console)
        code = pytest.main(args, plugins=[progress] if progress else [])
        for error in progress.collect_errors if progress else ():
            console.print("[red]collection error[/] " + escape(error), highlight=False)
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else None
        if results is None:
            console.print(f"[red]no results were written (pytest exit code {int(code)})[/]")
        else:
            console.print(summary_table(results))
            for line in failing_lines(results):
                console.print(redact(line), markup=False, highlight=False)
            console.print(f"reports: {report_dir}")
        raise typer.Exit(run_exit_code(int(code), results))

    @app.command()
    def cleanup(
        target: str = typer.Option(..., "--target", envvar="B24_TARGET", show_envvar=True,
                                   help="the portal: https://HOST/rest/1/CODE/ or https://HOST/rest/ with --oauth-token"),
        oauth_token: Optional[str] = typer.Option(None, "--oauth-token", envvar="B24_OAUTH_TOKEN", show_envvar=True),
        ca_bundle: Optional[str] = typer.Option(None, "--ca-bundle", envvar="B24_CA_BUNDLE", show_envvar=True),
        ledger_dir: Path = typer.Option(Path(".b24conform") / "ledger", "--ledger-dir", envvar="B24_LEDGER_DIR"),
        sweep: bool = typer.Option(True, "--sweep/--no-sweep",
                                   help="also delete activities found by the marks (ORIGINATOR_ID and SUBJECT prefix)"),
    ) -> None:
        """Delete activities left on a portal by earlier runs (ledger ids, then a sweep by marks)."""
        import warnings

        from b24conform.judge.cleanup import cleanup_portal
        from b24conform.judge.client import TargetURLError
        from b24conform.judge.factory import InsecureTargetWarning, live_endpoints
        from b24conform.judge.redact import redact, register_secret
        from b24conform.judge.settings import Settings
        from b24conform.judge.target import Target

        console = Console()
        register_secret(oauth_token)
        settings = Settings(target=target, oauth_token=oauth_token, ca_bundle=ca_bundle)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", InsecureTargetWarning)
                endpoints = live_endpoints(settings)
        except TargetURLError as exc:
            console.print(f"[red]error:[/] {redact(exc)}")
            raise typer.Exit(2) from None
        for warning in caught:
            console.print(f"[yellow]warning:[/] {redact(warning.message)}")
        tgt = Target(endpoints, kind="live", run_id="cleanup", allow_writes=True, ca_bundle=ca_bundle)
        try:
            result = cleanup_portal(tgt, ledger_dir, sweep=sweep)
        finally:
            tgt.close()
        console.print(f"{result.summary()}; removed {len(result.ledgers_removed)} ledger file(s)")
        for activity_id, detail in result.failed.items():
            console.print(redact(f"could not delete activity {activity_id}: {detail}"), markup=False)
        for entity, failures in result.failed_items.items():
            for record_id, detail in failures.items():
                console.print(redact(f"could not delete {entity} {record_id}: {detail}"), markup=False)
        raise typer.Exit(0 if result.ok else 1)

    @app.command()
    def diff(
        baseline: Path = typer.Argument(..., help="results.json of the baseline run"),
        current: Path = typer.Argument(..., help="results.json of this run"),
    ) -> None:
        """Compare two results.json files; exit 1 only if a clause that passed now fails."""
        from b24conform.reporting import diff as diffing

        try:
            result = diffing.compare(diffing.load(baseline), diffing.load(current))
        except diffing.DiffInputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(diffing.render(result))
        raise typer.Exit(result.exit_code)
