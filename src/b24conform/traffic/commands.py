"""`b24conform traffic`: judge recorded traffic (HAR files), sending no request of its own."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from b24conform.cliparams import output_folder

EXIT_PASSED = 0      # no problem in what could be judged
EXIT_PROBLEM = 1     # a check found a problem
EXIT_BAD_INPUT = 2   # a file that is not HAR 1.2 (one line naming it and why), or a bad option
EXIT_NOTHING = 5     # no Bitrix24 REST exchange that could be judged
CHECK_EPILOG = (
    "Exit codes: 0 no problem in what could be judged; 1 a problem; 2 bad input (a file that is not HAR 1.2: "
    "not JSON, cut short, another version; one line naming the file); 5 nothing judged (no Bitrix24 REST "
    "exchange found, or none readable)."
)

traffic_app = typer.Typer(no_args_is_help=True, help="Judge recorded traffic (HAR files) against the contract.")


def check_files(paths: list[Path], contract: Any, mode: str) -> Any:
    """Every entry of every file, read as a stream and judged; raises HarError on a bad file."""
    from b24conform.traffic.exchange import read_entry
    from b24conform.traffic.har import iter_entries
    from b24conform.traffic.report import Tally

    tally = Tally(contract, mode)
    for path in paths:
        tally.files.append(str(path))
        for index, entry in iter_entries(path):
            tally.add(read_entry(entry, str(path), index))
    return tally


def exit_code(tally: Any) -> int:
    if tally.exchanges == 0:
        return EXIT_NOTHING
    return EXIT_PROBLEM if tally.failed else EXIT_PASSED


def summary(tally: Any, results: dict[str, Any], report_dir: Path) -> list[str]:
    """What the command prints: the headline, the counts, the problems, where the reports are."""
    from b24conform.judge.commands import problem_lines
    from b24conform.judge.redact import redact
    from b24conform.reporting.view import headline
    head = headline(results).text
    lines = [head,
             f"entries: {tally.entries}; Bitrix24 REST exchanges judged: {tally.exchanges}; "
             f"not judged: {tally.not_judged_total}; not Bitrix24 REST calls: {tally.ignored}"]
    lines += problem_lines(results)
    lines += [f"not judged: {i['file']} log.entries[{i['entry']}] {i['method']}: {i['reason']}"
              for i in tally.not_judged[:5]]
    if tally.not_judged_total > 5:
        lines.append(f"… {tally.not_judged_total - 5} more not judged (report.md)")
    lines.append(f"reports: {report_dir}")
    return [redact(line) for line in lines]


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
    from b24conform.contract import load_contract
    from b24conform.contract.model import DEFAULT_MODE
    from b24conform.judge.redact import redact
    from b24conform.traffic.har import HarError

    mode = DEFAULT_MODE if strict is None else ("strict" if strict else "lenient")
    try:
        tally = check_files(files, load_contract(), mode)
    except HarError as exc:
        typer.echo(redact(f"error: {exc.path}: {exc.reason}"), err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
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
    elif code == EXIT_PROBLEM:
        typer.echo("non-conformant: the recorded traffic shows at least one problem", err=True)
    raise typer.Exit(code)
