"""CLI commands of the judge area: `run`, `cleanup`, `diff`."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from b24conform.cliparams import ca_bundle_file, keyword_expression, output_file, output_folder
from b24conform.exitcodes import (
    EXIT_CODES_HELP,
    EXIT_COVERAGE,
    EXIT_NONCONFORMANT,
    EXIT_NOTHING,
    EXIT_PASSED,
    EXIT_TARGET,
    EXIT_USAGE,
)
from b24conform.har import HarError, iter_entries
from b24conform.judge.client import TargetURLError
from b24conform.judge.harlog import EntryLines, merge
from b24conform.judge.hypothesis_profiles import PROFILES, default_profile, registered_name
from b24conform.judge.settings import MODE_ENV, OPTIONS, Settings
from b24conform.judge.target import Target
from b24conform.verdict.redact import redact, register_secret


# The pytest plugins a run needs, by module: the judge, Hypothesis (profiles), schemathesis (the schema tests)
# and, when installed, pytest-xdist (-n). A run loads these and no other plugin found by entry point, so its
# verdicts do not depend on what else is installed (a plugin that reorders, reseeds or reruns checks), and pytest
# does not assertion-rewrite every module of every plugin's distribution on import (with bytecode writing off,
# PYTHONDONTWRITEBYTECODE=1, that took ~2 s of each run). The suites' own asserts are still rewritten. More
# plugins can be added with PYTEST_ADDOPTS="-p NAME".
RUN_PLUGINS = ("b24conform.judge.plugin", "_hypothesis_pytestplugin", "schemathesis.pytest.plugin")
OPTIONAL_RUN_PLUGINS = ("xdist.plugin",)


# Where Hypothesis keeps its example database and caches during `run`: the tool's own folder, beside the ledger,
# not .hypothesis/ in the current folder (a run writes nothing there but its reports and, with writes, the ledger).
HYPOTHESIS_HOME = Path(".b24conform") / "hypothesis"
HYPOTHESIS_HOME_ENV = "HYPOTHESIS_STORAGE_DIRECTORY"  # Hypothesis' own variable: set by the user, it wins


def use_hypothesis_home(environ: Any = None) -> Path:
    """Point Hypothesis (this process and, through the environment, pytest-xdist's workers) at its folder."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from hypothesis.configuration import set_hypothesis_home_dir

    environ = os.environ if environ is None else environ
    home = Path(environ.get(HYPOTHESIS_HOME_ENV) or HYPOTHESIS_HOME.resolve())
    environ[HYPOTHESIS_HOME_ENV] = str(home)
    set_hypothesis_home_dir(home)
    return home


def run_plugins() -> list[str]:
    available = [name for name in OPTIONAL_RUN_PLUGINS if importlib.util.find_spec(name.partition(".")[0])]
    return [*RUN_PLUGINS, *available]


# Variables `run` reads that no option of its own names (the others show as "env var" beside their option).
# They go to the pytest plugin unchanged (judge/settings.py OPTIONS and MODE_ENV); tests/test_cli_env_help.py
# checks that every B24_ name in src/ is documented in `run --help` and in the README.
ENV_ONLY = ("B24_MODE", "B24_RATE", "B24_BURST", "B24_HTTP_URL", "B24_TRIP_LIMITS", "B24_BATCH_PLAN", "B24_LEDGER_DIR",
            "B24_RUN_ID", "B24_MOCK_PROFILE", "B24CONFORM_SPEC_DIR", "B24CONFORM_SUITES_DIR", "B24_MITMDUMP")


def env_help() -> str:
    """The environment section of `run --help`, from the settings' own descriptions."""
    described = {o.env: o.help for o in OPTIONS if o.env}
    described[MODE_ENV] = "strict or lenient, as --strict/--lenient"
    described["B24CONFORM_SPEC_DIR"] = "a spec/ folder to judge by instead of the packaged one"
    described["B24CONFORM_SUITES_DIR"] = "a suites folder to run instead of the packaged one"
    described["B24_MITMDUMP"] = "mitmproxy's mitmdump for `traffic proxy` (as its --mitmdump; not read by run)"
    items = [f"{name}: {for_cli(described[name])}" for name in ENV_ONLY]
    return "Environment variables (besides the env var shown with an option): " + "; ".join(items) + "."


FIXTURE_FLAGS = {  # run's option -> the plugin's
    "owner_type_id": "--b24-fixture-owner-type", "owner_id": "--b24-fixture-owner",
    "contact_type_id": "--b24-fixture-contact-type", "contact_id": "--b24-fixture-contact",
    "responsible_id": "--b24-fixture-responsible", "missing_id": "--b24-fixture-missing-id",
}


def pytest_args(
    suites: Path, *, target: str | None, oauth_token: str | None, ca_bundle: str | None, allow_writes: bool,
    mode: str | None, report_dir: Path, keyword: str | None, hypothesis_profile: str, workers: int | None,
    verbose: bool, extra: list[str] | None = None, fixtures: dict[str, int] | None = None,
    preflight_done: bool = False, har: Path | None = None, batch_plan: bool = False,
) -> list[str]:
    """The pytest command line of a `run`. Pure, so it is tested without running pytest."""
    plugins = [arg for name in run_plugins() for arg in ("-p", name)]
    # no:unraisableexception: its only output is pytest warnings, which a run does not show (the
    # reports are the output), and it ends the session with a full gc.collect (~0.16 s a run).
    args = [str(suites), "--disable-plugin-autoload", *plugins, "-p", "no:cacheprovider", "-p", "no:unraisableexception",
            "--rootdir", str(suites.parent),
            "--b24-report-dir", str(report_dir), "--junitxml", str(report_dir / "junit.xml"),
            "--hypothesis-profile", registered_name(hypothesis_profile)]
    if target:
        args += ["--b24-target", target]
    if oauth_token:
        args += ["--b24-oauth-token", oauth_token]
    if ca_bundle:
        args += ["--b24-ca-bundle", ca_bundle]
    if allow_writes:
        args.append("--b24-allow-writes")
    for name, value in (fixtures or {}).items():
        args += [FIXTURE_FLAGS[name], str(value)]
    if preflight_done:
        args.append("--b24-no-preflight")
    if har:
        args += ["--b24-har", str(har)]
    if batch_plan:
        args.append("--b24-batch-plan")
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


SUMMARY_COLUMNS = ("passed", "failed", "error", "skipped", "not_checkable", "not_covered", "not_run")


def coverage_line(results: dict) -> str:
    """The headline (reporting.view.headline), as report.md and report.html open with it."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.reporting.view import headline

    return headline(results).text


def summary_table(results: dict) -> Table:
    counts = results["run"]["counts"]["clauses"]
    table = Table(title=f"b24conform: {results['run']['target']} ({results['run']['kind']}, {results['run']['mode']})")
    # not run: only in an interrupted run
    columns = [k for k in SUMMARY_COLUMNS if k != "not_run" or counts.get(k)]
    for name in columns:
        table.add_column(name.replace("_", " "), justify="right")
    table.add_row(*(str(counts.get(k, 0)) for k in columns))
    return table


def problem_lines(results: dict, shown: int = 12, beneath: int = 3) -> list[str]:
    """The run's problems, one line each with its clause count: causes first, the problems that follow
    from a cause indented beneath it (reporting/problems.py order)."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.reporting.view import problem_labels, roots

    problems = results.get("problems") or []
    labels = problem_labels(problems)

    def line(problem: dict) -> str:
        n = len(problem["clauses"])
        message = " ".join(str(problem.get("message", "")).split())
        message = message if len(message) <= 140 else message[:139] + "…"
        return f"{labels[problem['id']]} {message} [{problem['kind']}]: {n} clause{'' if n == 1 else 's'} ({_ids(problem['clauses'], 6)})"

    grouped = roots(problems)
    lines = [f"problems ({len(problems)}, causes first):"] if problems else []
    for root, after in grouped[:shown]:
        lines.append(line(root))
        lines += ["  ↳ " + line(p) for p in after[:beneath]]
        if len(after) > beneath:
            lines.append(f"  ↳ … {len(after) - beneath} more that follow from {labels[root['id']]} (report.md)")
    if len(grouped) > shown:
        lines.append(f"… {sum(1 + len(after) for _, after in grouped[shown:])} more problems in report.md")
    return lines


def _ids(ids: tuple[str, ...] | list[str], shown: int = 8) -> str:
    more = f", … {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def unchecked_lines(results: dict, limit: int = 12) -> list[str]:
    """The clauses left without a verdict, grouped by what would check them (the headline's list)."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.reporting.view import headline

    head = headline(results)
    return [f"not checked ({len(g.clauses)}): {g.why} [{_ids(g.clauses)}]"
            for g in [*head.unchecked, *head.not_applicable][:limit]]


def run_exit_code(pytest_code: int, results: dict | None, min_coverage: float = 0.0) -> int:
    """The documented exit code (EXIT_*) of a run. Pure."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.reporting.view import coverage

    if results is None:
        return EXIT_TARGET if int(pytest_code) == EXIT_TARGET else EXIT_NOTHING
    statuses = {c["status"] for c in results["clauses"]}
    if "failed" in statuses:
        return EXIT_NONCONFORMANT
    if "error" in statuses:
        return EXIT_TARGET
    checked, checkable = coverage(results)
    if checked == 0:
        return EXIT_NOTHING
    if "not_covered" in statuses and not results["run"].get("partial_selection"):
        return EXIT_NOTHING
    if int(pytest_code) not in (0, 1):  # interrupted, internal error, usage error inside pytest
        return EXIT_NOTHING
    if checkable and 100.0 * checked / checkable < min_coverage:
        return EXIT_COVERAGE
    return EXIT_PASSED


def for_cli(text: str) -> str:
    """A message shared with the pytest plugin, as `b24conform` prints it: its own options only."""
    return re.sub(r" ?\(pytest: [^)]*\)", "", text)


def _endpoints(target: str, oauth_token: str | None) -> tuple[Any, list[str]]:
    """The live target's endpoints and the warnings about it (a plain-HTTP loopback target). A
    --target that cannot be used is bad input (exit 2), found before anything is sent."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.judge.factory import InsecureTargetWarning, live_endpoints

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", InsecureTargetWarning)
            endpoints = live_endpoints(Settings(target=target, oauth_token=oauth_token))
    except TargetURLError as exc:
        hint = "--oauth-token" if "OAuth token" in str(exc) else "--target"
        raise typer.BadParameter(for_cli(redact(str(exc))), param_hint=hint) from None
    return endpoints, [redact(str(w.message)) for w in caught if issubclass(w.category, InsecureTargetWarning)]



def _har_count(path: Path) -> int:
    try:
        return sum(1 for _ in iter_entries(path))
    except HarError:
        return 0


def _live_preflight(endpoints: Any, ca_bundle: Path | None, record: Any = None) -> str | None:
    """The read-only probe of judge/preflight.py, before any check (its exchange to `record`, for --har)."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.judge.preflight import preflight

    probe = Target(endpoints, kind="live", run_id="preflight", ca_bundle=str(ca_bundle) if ca_bundle else None)
    if record is not None:
        probe.wire_observers.append(record.record)
    try:
        return preflight(probe)
    finally:
        probe.close()


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command(epilog=EXIT_CODES_HELP + "\n\n" + env_help())
    def run(
        target: Optional[str] = typer.Option(None, "--target", envvar="B24_TARGET", show_envvar=True,
                                             help="webhook base https://HOST/rest/1/CODE/ or https://HOST/rest/ "
                                                  "(default: embedded mock portal)"),
        oauth_token: Optional[str] = typer.Option(None, "--oauth-token", envvar="B24_OAUTH_TOKEN", show_envvar=True),
        ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", envvar="B24_CA_BUNDLE", show_envvar=True,
                                                 parser=ca_bundle_file, metavar="FILE",
                                                 help="CA bundle (PEM) to verify the target's TLS"),
        allow_writes: bool = typer.Option(False, "--allow-writes", envvar="B24_ALLOW_WRITES", show_envvar=True,
                                          help="allow creating (marked, cleaned-up) activities, contacts and deals on a live portal"),
        strict: Optional[bool] = typer.Option(None, "--strict/--lenient", help="--strict holds the portal to the add page's own reading of each documented ambiguity; the default (--lenient) accepts every reading a source shows"),
        report_dir: Path = typer.Option(Path("reports"), "--report-dir", envvar="B24_REPORT_DIR", show_envvar=True,
                                        parser=output_folder, metavar="DIR"),
        keyword: Optional[str] = typer.Option(None, "-k", parser=keyword_expression, metavar="EXPRESSION",
                                              help="only checks matching this pytest -k expression"),
        hypothesis_profile: Optional[str] = typer.Option(
            None, "--hypothesis-profile",
            help=f"one of {', '.join(PROFILES)} (default: live against a --target, ci on the embedded mock)"),
        workers: Optional[int] = typer.Option(None, "-n", min=1, max=64, help="parallel workers (pytest-xdist)"),
        min_coverage: float = typer.Option(0.0, "--min-coverage", min=0.0, max=100.0, envvar="B24_MIN_COVERAGE",
                                           show_envvar=True,
                                           help="fail (exit 4) when fewer than this percentage of the checkable clauses were checked"),
        owner_type: Optional[int] = typer.Option(None, "--owner-type", min=1, envvar="B24_FIXTURE_OWNER_TYPE", show_envvar=True,
                                                 help="live: owner type id of --owner (default 2, deal)"),
        owner: Optional[int] = typer.Option(None, "--owner", min=1, envvar="B24_FIXTURE_OWNER", show_envvar=True,
                                            help="live: an existing CRM item to bind activities to (default: a deal the judge creates)"),
        contact_type: Optional[int] = typer.Option(None, "--contact-type", min=1, envvar="B24_FIXTURE_CONTACT_TYPE",
                                                   show_envvar=True, help="live: entity type id of --contact (default 3)"),
        contact: Optional[int] = typer.Option(None, "--contact", min=1, envvar="B24_FIXTURE_CONTACT", show_envvar=True,
                                              help="live: an existing contact for COMMUNICATIONS (default: one the judge creates)"),
        responsible: Optional[int] = typer.Option(None, "--responsible", min=1, envvar="B24_FIXTURE_RESPONSIBLE",
                                                  show_envvar=True,
                                                  help="live: the responsible user (default: the webhook's or token's own user)"),
        missing_id: Optional[int] = typer.Option(None, "--missing-id", min=1, envvar="B24_FIXTURE_MISSING_ID", show_envvar=True,
                                                 help="live: an id that exists nowhere (default 987654321)"),
        har: Optional[Path] = typer.Option(
            None, "--har", envvar="B24_HAR", show_envvar=True, metavar="FILE",
            help="save every exchange the judge has with the portal as a HAR 1.2 file (one entry per request; "
                 "webhook codes, tokens and URL passwords *** as in the reports); judge it again with "
                 "`b24conform traffic check FILE`"),
        batch_plan: bool = typer.Option(
            False, "--batch-plan",
            help="(or B24_BATCH_PLAN=1) live: learn the checks' one-off calls first and send them as `batch` commands (up to 50 a request, "
                 "read-backs chained to their add), so a full run fits the standard plan's burst; checks of a status, "
                 "a header or the top-level envelope keep requests of their own"),
        verbose: bool = typer.Option(False, "--verbose", "-v", help="pytest's own output instead of the progress bar"),
    ) -> None:
        """Run the conformance suites against a portal (default: the embedded mock) and write the reports."""
        # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
        import pytest
        from b24conform.judge.progress import ProgressPlugin
        from b24conform.judge.suites_dir import SuitesNotFound, suites_dir

        console = Console()
        hypothesis_profile = hypothesis_profile or default_profile(target)
        if hypothesis_profile not in PROFILES:
            raise typer.BadParameter(f"choose one of {', '.join(PROFILES)}", param_hint="--hypothesis-profile")
        try:
            suites = suites_dir()
        except SuitesNotFound as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_NOTHING) from None
        if oauth_token and not target:
            raise typer.BadParameter("an OAuth token needs --target https://HOST/rest/", param_hint="--oauth-token")
        if batch_plan and not target:
            # The embedded mock is always judged request by request (selftest --batch-plan serves it as a live target).
            raise typer.BadParameter("the batch plan is for a live --target", param_hint="--batch-plan")
        if batch_plan and workers:
            raise typer.BadParameter("the batch plan is learnt in one process: leave out -n", param_hint="--batch-plan")
        if har is not None:
            har = output_file(har, "--har")
        register_secret(oauth_token)
        fixtures = {name: value for name, value in {
            "owner_type_id": owner_type, "owner_id": owner, "contact_type_id": contact_type,
            "contact_id": contact, "responsible_id": responsible, "missing_id": missing_id}.items() if value is not None}
        before = EntryLines() if har is not None else None  # the preflight's exchange leads the HAR
        problem = _live_preflight(_endpoints(target, oauth_token)[0], ca_bundle, before) if target else None
        if problem:
            if har is not None and before is not None:  # the one exchange there was, for the record

                merge(None, har, before.lines)
            typer.echo(for_cli(redact(f"error: {problem}")), err=True)
            raise typer.Exit(EXIT_TARGET)
        mode = None if strict is None else ("strict" if strict else "lenient")
        report_dir = report_dir.resolve()
        results_path = report_dir / "results.json"
        results_path.unlink(missing_ok=True)  # never summarise a previous run's file
        args = pytest_args(suites, target=target, oauth_token=oauth_token,
                           ca_bundle=str(ca_bundle) if ca_bundle else None,
                           allow_writes=allow_writes, mode=mode, report_dir=report_dir, keyword=keyword,
                           hypothesis_profile=hypothesis_profile, workers=workers, verbose=verbose,
                           fixtures=fixtures, preflight_done=bool(target), har=har, batch_plan=batch_plan)
        use_hypothesis_home()
        progress = None if verbose else ProgressPlugin(console)
        code = pytest.main(args, plugins=[p for p in (progress, before) if p is not None])
        for error in progress.collect_errors if progress else ():
            typer.echo("collection error " + redact(error), err=True)
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else None
        exit_code = run_exit_code(int(code), results, min_coverage)
        if results is None:
            typer.echo(f"error: the suites ran no check and wrote no results (pytest exit code {int(code)})", err=True)
            raise typer.Exit(exit_code)
        # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
        from b24conform.reporting.view import headline

        head = headline(results)
        style = "bold green" if head.green else "bold red" if head.state == "not_conformant" else "bold yellow"
        console.print(for_cli(head.text), style=style, markup=False, highlight=False)
        console.print(summary_table(results))
        for line in [*problem_lines(results), *unchecked_lines(results), *results["run"].get("notes", [])]:
            console.print(for_cli(redact(line)), markup=False, highlight=False)
        console.print(f"reports: {report_dir}")
        if har is not None and har.is_file():
            typer.echo(f"har: {har} ({_har_count(har)} exchanges)")
        verdict = {
            EXIT_NONCONFORMANT: "non-conformant: at least one clause failed",
            EXIT_TARGET: "error: the target gave no judgeable answer to some checks (see the clauses marked error); "
                         "this is not a verdict on conformance",
            EXIT_COVERAGE: f"coverage below --min-coverage {min_coverage:g} %",
            EXIT_NOTHING: "error: the run checked nothing, or the suites could not be collected",
        }.get(exit_code)
        if results["run"].get("interrupted") and exit_code != EXIT_NONCONFORMANT:
            verdict = "interrupted: the run stopped before every check ran; the clauses not run have no verdict"
        if verdict:
            typer.echo(verdict, err=True)
        raise typer.Exit(exit_code)

    @app.command(epilog="Exit codes: 0 every record found was deleted; 1 some could not be deleted; "
                        "2 bad input (a missing or malformed --target, an unusable --ca-bundle); "
                        "3 the target could not be reached or refused the credentials (nothing was deleted).")
    def cleanup(
        target: str = typer.Option(..., "--target", envvar="B24_TARGET", show_envvar=True,
                                   help="the portal: https://HOST/rest/1/CODE/ or https://HOST/rest/ with --oauth-token"),
        oauth_token: Optional[str] = typer.Option(None, "--oauth-token", envvar="B24_OAUTH_TOKEN", show_envvar=True),
        ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", envvar="B24_CA_BUNDLE", show_envvar=True,
                                                 parser=ca_bundle_file, metavar="FILE",
                                                 help="CA bundle (PEM) to verify the target's TLS"),
        ledger_dir: Path = typer.Option(Path(".b24conform") / "ledger", "--ledger-dir", envvar="B24_LEDGER_DIR"),
        sweep: bool = typer.Option(True, "--sweep/--no-sweep",
                                   help="also delete activities found by the marks (ORIGINATOR_ID and SUBJECT prefix)"),
    ) -> None:
        """Delete activities left on a portal by earlier runs (ledger ids, then a sweep by marks)."""
        # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
        from b24conform.judge.cleanup import cleanup_portal

        console = Console()
        register_secret(oauth_token)
        endpoints, warnings = _endpoints(target, oauth_token)
        # Before any delete or sweep: an unreachable target or refused credentials is one line, exit 3, as for `run`.
        problem = _live_preflight(endpoints, ca_bundle)
        if problem:
            typer.echo(for_cli(redact(f"error: {problem}")), err=True)
            raise typer.Exit(EXIT_TARGET)
        for warning in warnings:
            console.print(f"[yellow]warning:[/] {warning}")
        tgt = Target(endpoints, kind="live", run_id="cleanup", allow_writes=True,
                     ca_bundle=str(ca_bundle) if ca_bundle else None)
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

    @app.command(epilog="Exit codes: 0 no clause regressed; 1 a clause that passed now fails or is no longer "
                        "checked; 2 bad input (a missing or unreadable results.json); 3 no regression, but some "
                        "clauses are errors (the target gave no judgeable answer).")
    def diff(
        baseline: Path = typer.Argument(..., help="results.json of the baseline run"),
        current: Path = typer.Argument(..., help="results.json of this run"),
    ) -> None:
        """Compare two results.json files: regressions, errors (not verdicts), new passes, other changes."""
        # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
        from b24conform.reporting import diff as diffing

        try:
            result = diffing.compare(diffing.load(baseline), diffing.load(current))
        except diffing.DiffInputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        typer.echo(diffing.render(result))
        raise typer.Exit(result.exit_code)
