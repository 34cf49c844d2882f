"""CLI commands of the contract area: `b24conform spec validate` and `b24conform spec docs`."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from b24conform.contract.paths import spec_dir

spec_app = typer.Typer(no_args_is_help=True, help="Check and render the contract in spec/.")

SPEC_DIR_HELP = "The spec/ folder to use (default: $B24CONFORM_SPEC_DIR or the checkout's spec/)."


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


@spec_app.command("validate")
def validate_command(
    spec_dir_option: Optional[Path] = typer.Option(None, "--spec-dir", help=SPEC_DIR_HELP),
) -> None:
    """Lint openapi.yaml and the schemas, resolve every $ref, cross-check clauses, errors and ambiguities."""
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


@spec_app.command("docs")
def docs_command(
    out: Path = typer.Option(Path("reports/spec"), "--out", help="Folder for spec.md and spec.html."),
    spec_dir_option: Optional[Path] = typer.Option(None, "--spec-dir", help=SPEC_DIR_HELP),
) -> None:
    """Render fields, errors, clauses and ambiguities as Markdown and HTML."""
    from b24conform.contract.docs import write_docs
    from b24conform.contract.loader import ContractError, load_contract

    root = (spec_dir_option or spec_dir()).resolve()
    try:
        written = write_docs(load_contract(root), out)
    except ContractError as exc:
        Console(stderr=True).print(f"[bold red]cannot render:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    for path in written:
        print(path)
