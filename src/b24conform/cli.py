"""The `b24conform` command. Each area contributes its commands from its own module."""
from __future__ import annotations

import typer

from b24conform import __version__

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Conformance suite and reference portal for the Bitrix24 REST method crm.activity.add.",
)


def _version(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Conformance suite and reference portal for crm.activity.add."""


def _register() -> None:
    # Imported here so that each area stays the only owner of its commands.
    from b24conform.contract import commands as contract_commands
    from b24conform.judge import commands as judge_commands
    from b24conform.portal import commands as portal_commands
    from b24conform.selftest import commands as selftest_commands

    contract_commands.register(app)
    portal_commands.register(app)
    judge_commands.register(app)
    selftest_commands.register(app)


_register()
