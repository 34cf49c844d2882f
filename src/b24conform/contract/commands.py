"""CLI commands of the contract area: `b24conform spec validate` and `b24conform spec docs`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from b24conform.cliparams import one_line, output_folder
from b24conform.contract.loader import ContractError, load_contract
from b24conform.contract.paths import spec_dir

spec_app = typer.Typer(no_args_is_help=True, help="Check and render the contract in spec/.")

SPEC_DIR_HELP = "The spec/ folder to use (default: $B24CONFORM_SPEC_DIR or the checkout's spec/)."

VALIDATE_EPILOG = ("Exit codes: 0 the spec is clean; 1 it has problems (listed on stdout); "
                   "2 bad input (e.g. a --spec-dir that is not a spec folder), one line on stderr.")
DOCS_EPILOG = ("Exit codes: 0 written; 1 the spec cannot be rendered or the files cannot be written, one line on stderr; "
               "2 bad input (a --spec-dir that is not a spec folder, an --out that cannot be a folder), one line on stderr.")


def _spec_folder(value: Path | str) -> Path:
    """typer parser for --spec-dir: an existing folder holding the contract (its openapi.yaml)."""
    path = Path(value)
    if not path.is_dir():
        raise typer.BadParameter(f"{path} does not exist" if not path.exists() else f"{path} is not a folder")
    # openapi.yaml marks a spec folder: without it every check would fail and the report says nothing useful.
    if not (path / "openapi.yaml").is_file():
        raise typer.BadParameter(f"{path} is not a spec folder (no openapi.yaml)")
    return path


DRIFT_EPILOG = ("Exit codes: 0 spec/ says what the docs say; 1 drift (every difference listed); "
                "2 bad input (DOCS_CHECKOUT is not a checkout of the docs, a bad --spec-dir), one line on stderr.")


def _docs_checkout(value: Path | str) -> Path:
    """typer parser for DOCS_CHECKOUT: a folder holding the docs repository's pages."""
    path = Path(value)
    if not path.is_dir():
        raise typer.BadParameter(f"{path} does not exist" if not path.exists() else f"{path} is not a folder")
    # api-reference/ marks the docs repository; without it every page would be reported missing.
    if not (path / "api-reference").is_dir():
        raise typer.BadParameter(f"{path} is not a checkout of the docs (no api-reference/ folder)")
    return path


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.add_typer(spec_app, name="spec")


def _counts_table(counts: dict[str, Any]) -> Table:
    table = Table(title="spec/ contents", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("breakdown")

    def breakdown(parts: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in parts.items())

    table.add_row("clauses", str(counts["clauses"]), breakdown(counts["clauses_by_family"]))
    table.add_row("", "", "check: " + breakdown(counts["clauses_by_check"]))
    table.add_row("errors", str(counts["errors"]), breakdown(counts["errors_by_kind"]))
    table.add_row("ambiguities", str(counts["ambiguities"]), "")
    table.add_row("schemas", str(counts["schemas"]), "")
    table.add_row("operations", str(counts["operations"]), "openapi.yaml")
    return table


@spec_app.command("validate", epilog=VALIDATE_EPILOG)
def validate_command(
    spec_dir_option: Optional[Path] = typer.Option(None, "--spec-dir", parser=_spec_folder, metavar="DIR", help=SPEC_DIR_HELP),
) -> None:
    """Lint openapi.yaml and the schemas, resolve every $ref, cross-check clauses, errors and ambiguities."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.contract.validate import summary, validate_spec

    root = (spec_dir_option or spec_dir()).resolve()
    console = Console()
    problems = validate_spec(root)
    console.print(_counts_table(summary(root)))
    if problems:
        console.print(f"[bold red]{len(problems)} problem(s) in {root}:[/]")
        for problem in problems:
            console.print(f"  - {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"[bold green]spec is clean[/] ({root})")


@spec_app.command("docs", epilog=DOCS_EPILOG)
def docs_command(
    out: Path = typer.Option(Path("reports/spec"), "--out", parser=output_folder, metavar="DIR",
                             help="Folder for spec.md and spec.html (created if missing)."),
    spec_dir_option: Optional[Path] = typer.Option(None, "--spec-dir", parser=_spec_folder, metavar="DIR", help=SPEC_DIR_HELP),
) -> None:
    """Render fields, errors, clauses and ambiguities as Markdown and HTML."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.contract.docs import write_docs

    root = (spec_dir_option or spec_dir()).resolve()
    try:
        written = write_docs(load_contract(root), out)
    except ContractError as exc:
        # typer.echo, not a rich console: rich wraps a long path onto a second line.
        typer.echo(f"error: cannot render {root}: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    except OSError as exc:
        typer.echo(f"error: --out: cannot write {out}: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    for path in written:
        print(path)


@spec_app.command("drift", epilog=DRIFT_EPILOG)
def drift_command(
    docs: Path = typer.Argument(..., parser=_docs_checkout, metavar="DOCS_CHECKOUT",
                                help="A local clone or checkout of github.com/bitrix-tools/b24-rest-docs."),
    as_json: bool = typer.Option(False, "--json", help="Print the differences as JSON."),
    spec_dir_option: Optional[Path] = typer.Option(None, "--spec-dir", parser=_spec_folder, metavar="DIR", help=SPEC_DIR_HELP),
) -> None:
    """Compare spec/ with the docs: error tables, field descriptors, required marks, enums, example responses."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.contract.drift import Checkout, drift

    root = (spec_dir_option or spec_dir()).resolve()
    try:
        contract = load_contract(root)
        found = drift(contract, Checkout(docs))
    except ContractError as exc:
        typer.echo(f"error: cannot read {root}: {one_line(exc)}", err=True)
        raise typer.Exit(2) from None
    pinned = contract.provenance
    if as_json:
        print(json.dumps({"docs": str(docs), "pinned_commit": pinned.commit, "differences": [d.as_dict() for d in found]},
                         ensure_ascii=False, indent=2))
    else:
        for difference in found:
            print(difference.text())
        print(f"{len(found)} difference(s) between {root} and {docs} (spec pinned at {pinned.repository}@{pinned.commit[:12]})")
    if found:
        raise typer.Exit(1)
