"""The `b24conform` command. Each area contributes its commands from its own module."""
from __future__ import annotations

import sys
from typing import Any

import typer

# typer (>= 0.26) vendors click and exports only BadParameter and its base TyperException; the entry point
# needs the two subclasses below by type, so they come from the vendored module.
from typer._click.exceptions import MissingParameter, NoArgsIsHelpError

from b24conform import __version__
from b24conform.cliparams import one_line
from b24conform.contract import commands as contract_commands
from b24conform.contract.loader import load_contract
from b24conform.judge import commands as judge_commands
from b24conform.portal import commands as portal_commands
from b24conform.selftest import commands as selftest_commands
from b24conform.traffic import commands as traffic_commands


def _option_hint(exc: typer.BadParameter) -> str | None:
    """The option a BadParameter is about, as the user typed it: its long form (`--jobs`, not `'--jobs' / '-j'`)."""
    if exc.param_hint is not None:
        hints = [exc.param_hint] if isinstance(exc.param_hint, str) else list(exc.param_hint)
        return " / ".join(hints)
    param = exc.param
    if isinstance(param, typer.core.TyperOption) and param.opts:
        longs = [opt for opt in param.opts if opt.startswith("--")]
        return (longs or param.opts)[0]
    if param is not None:  # an argument: its name as the usage line shows it
        return str(param.metavar or param.name).upper()
    return None


def error_line(exc: typer.TyperException) -> str:
    """The one line a refused command prints: `error: --option: what is wrong`."""
    if isinstance(exc, typer.BadParameter) and not isinstance(exc, MissingParameter):
        hint = _option_hint(exc)
        # typer validates through pydantic, which frames a validator's ValueError as "Value error, ...".
        message = exc.message.removeprefix("Value error, ")
        text = f"{hint}: {message}" if hint else message
    else:
        text = exc.format_message()
    return "error: " + one_line(text)


class OneLineErrorsTyper(typer.Typer):
    """typer.Typer whose console entry point reports every refused input as one line on stderr.

    typer (with rich installed) draws usage errors as a framed panel after a usage block; scripts and CI
    logs want one greppable line. Running click in non-standalone mode hands the exception back here.
    Tests that go through typer.testing.CliRunner do not pass here and still see typer's own rendering.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            result = super().__call__(*args, **kwargs)
        except NoArgsIsHelpError as exc:
            # typer has printed the help already; click's message is whatever it did not print.
            if exc.format_message().strip():
                typer.echo(exc.format_message())
            sys.exit(exc.exit_code)
        except typer.TyperException as exc:
            typer.echo(error_line(exc), err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        # Non-standalone click returns the exit code of typer.Exit / ctx.exit, or the command's return value.
        sys.exit(result if isinstance(result, int) else 0)


app = OneLineErrorsTyper(
    no_args_is_help=True,
    add_completion=False,
    help="Conformance suite and reference portal for the Bitrix24 REST method crm.activity.add.",
)


def spec_version() -> str:
    """info.version of the contract's openapi.yaml, or why it cannot be read (--version must not fail)."""
    try:
        version = load_contract().openapi["info"]["version"]
    except Exception as exc:  # noqa: BLE001 - a broken spec is reported in the version line, not raised
        return f"unreadable ({one_line(exc)})"
    return str(version)


def version_line() -> str:
    return f"b24conform {__version__}, spec {spec_version()}"


def _version(value: bool) -> None:
    if value:
        print(version_line())
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the tool version and the version of the spec (openapi.yaml info.version)."),
) -> None:
    """Conformance suite and reference portal for crm.activity.add."""


def _register() -> None:
    # Each area owns its commands and registers them itself.
    contract_commands.register(app)
    portal_commands.register(app)
    judge_commands.register(app)
    selftest_commands.register(app)
    traffic_commands.register(app)
    _default_epilogs()


# Exit codes of the judge's cleanup and diff, for their --help. Kept here while the judge area does not state
# them itself: a command that has an epilog of its own keeps it.
JUDGE_EPILOGS = {
    "cleanup": ("Exit codes: 0 every activity found was deleted; 1 some could not be deleted; "
                "2 bad input (a missing or malformed --target, an unusable --ca-bundle); "
                "3 the target could not be reached or refused the credentials."),
    "diff": ("Exit codes: 0 no clause regressed; 1 a clause that passed now fails; "
             "2 bad input (a missing or unreadable results.json), one line on stderr."),
}


def _default_epilogs() -> None:
    for info in app.registered_commands:
        name = info.name or (info.callback.__name__ if info.callback else None)
        if name in JUDGE_EPILOGS and not info.epilog:
            info.epilog = JUDGE_EPILOGS[name]


_register()
