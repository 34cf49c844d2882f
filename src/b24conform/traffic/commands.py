"""`b24conform traffic`: judge recorded traffic (HAR files), sending no request of its own."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from b24conform.cliparams import ca_bundle_file, output_file, output_folder
from b24conform.contract import load_contract
from b24conform.contract.model import DEFAULT_MODE
from b24conform.har import HarError
from b24conform.exitcodes import EXIT_NONCONFORMANT, EXIT_NOTHING, EXIT_USAGE
from b24conform.traffic.verdict import (  # noqa: F401  (check_files: the tests' entry point too)
    check_files,
    exit_code,
    summary,
)
from b24conform.verdict.redact import redact

CHECK_EPILOG = (
    "Exit codes: 0 no problem in what could be judged; 1 a problem; 2 bad input (a file that is not HAR 1.2: "
    "not JSON, cut short, another version; one line naming the file); 5 nothing judged (no Bitrix24 REST "
    "exchange found, or none readable)."
)

PROXY_EPILOG = (
    "Exit codes: 0 no problem in what passed; 1 a problem; 2 bad options, or no mitmdump (one line saying how "
    "to install it); 3 the portal could not be reached at start; 5 nothing judged (no Bitrix24 REST exchange "
    "passed). Stop with Ctrl-C or SIGTERM: the reports and the HAR are written then."
)

traffic_app = typer.Typer(no_args_is_help=True, help="Judge recorded traffic (HAR files) against the contract.")


def register(app: typer.Typer) -> None:
    app.add_typer(traffic_app, name="traffic")


@traffic_app.command(epilog=CHECK_EPILOG)
def check(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="HAR 1.2 files (browser DevTools, mitmproxy, "
                                       "Charles, Postman, Insomnia)"),
    strict: Optional[bool] = typer.Option(None, "--strict/--lenient",
                                          help="--strict holds the portal to the add page's own reading of each "
                                               "documented ambiguity; the default (--lenient) accepts every reading a source shows"),
    report_dir: Path = typer.Option(Path("reports"), "--report-dir", envvar="B24_REPORT_DIR", show_envvar=True,
                                    parser=output_folder, metavar="DIR"),
) -> None:
    """Judge the Bitrix24 REST exchanges of HAR files by every check one request and its reply support;
    write results.json, report.md, report.html and junit.xml. Sends no request."""
    mode = DEFAULT_MODE if strict is None else ("strict" if strict else "lenient")
    try:
        tally = check_files(files, load_contract(), mode)
    except HarError as exc:
        typer.echo(redact(f"error: {exc.path}: {exc.reason}"), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    report_dir = report_dir.resolve()
    results = tally.results()
    tally.write(results, report_dir)
    for line in summary(tally, results, report_dir):
        typer.echo(line)
    code = exit_code(tally)
    if code == EXIT_NOTHING:
        typer.echo("nothing judged: no Bitrix24 REST exchange " + ("could be read" if tally.not_judged_total
                                                                  else "found") + " in " +
                   redact(", ".join(str(f) for f in files)), err=True)
    elif code == EXIT_NONCONFORMANT:
        typer.echo("non-conformant: the recorded traffic shows at least one problem", err=True)
    raise typer.Exit(code)


@traffic_app.command(epilog=PROXY_EPILOG)
def proxy(
    upstream: str = typer.Option(..., "--upstream", metavar="URL", help="The portal: https://HOST[:PORT], no path"),
    listen_port: int = typer.Option(8081, "--listen-port", min=0, max=65535, metavar="N",
                                    help="Port on 127.0.0.1 the app calls instead of the portal (0 = a free one)"),
    report_dir: Path = typer.Option(Path("reports"), "--report-dir", envvar="B24_REPORT_DIR", show_envvar=True,
                                    parser=output_folder, metavar="DIR"),
    har: Optional[Path] = typer.Option(None, "--har", metavar="FILE",
                                       help="The HAR 1.2 file of every exchange that passed (default DIR/traffic.har; "
                                            "not redacted: it holds the exchanges as they were)"),
    mitmdump: Optional[str] = typer.Option(None, "--mitmdump", envvar="B24_MITMDUMP", show_envvar=True, metavar="PATH",
                                           help="mitmproxy's mitmdump, installed apart (default: the one on PATH)"),
    upstream_insecure: bool = typer.Option(False, "--upstream-insecure",
                                           help="Do not verify the portal's TLS certificate (mitmproxy's ssl_insecure)"),
    ca_bundle: Optional[Path] = typer.Option(None, "--ca-bundle", parser=ca_bundle_file, metavar="FILE",
                                             help="CA (PEM) that signed the portal's certificate"),
    strict: Optional[bool] = typer.Option(None, "--strict/--lenient", help="As for `traffic check`"),
) -> None:
    """Put a validating reverse proxy (mitmproxy's mitmdump, run as a separate process) in front of a portal:
    every exchange passes unchanged and is judged as it passes, each problem printed at once; on stop the
    reports of `traffic check` and the HAR of everything that passed are written."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.traffic.proxy import run

    if har is not None:
        har = output_file(har, "--har")
    mode = DEFAULT_MODE if strict is None else ("strict" if strict else "lenient")
    raise typer.Exit(run(upstream=upstream, port=listen_port, report_dir=report_dir, har=har, mitmdump=mitmdump,
                         insecure=upstream_insecure, ca_bundle=ca_bundle, mode=mode,
                         out=typer.echo, err=lambda line: typer.echo(line, err=True)))
