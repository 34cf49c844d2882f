"""Option parsers and checks shared by the CLI areas, so that every bad value is refused by the CLI layer,
before a command creates anything, with one line that names the option.

The parsers plug into typer's `parser=` hook and fail with typer.BadParameter; typer attaches the option
to the exception and the entry point in cli.py prints it as `error: --option: message`, exit code 2.
"""
from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import Any

import typer

# The usage-error code of click (which typer vendors): every bad value or bad combination of options exits with it.
USAGE_ERROR = 2


def one_line(text: Any) -> str:
    """`text` with every run of whitespace (newlines included) folded into one space."""
    return " ".join(str(text).split())


def nearest_existing(path: Path) -> Path:
    """`path` itself or its closest ancestor that exists (where a mkdir(parents=True) would start)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def creatable_problem(path: Path) -> str | None:
    """Why `path` (a file or folder that may not exist yet, nor its parents) cannot be created; None if it can."""
    base = nearest_existing(path)
    if base == Path(os.path.abspath(path)):
        return None
    if not base.is_dir():
        return f"{base} is not a folder"
    if not os.access(base, os.W_OK | os.X_OK):
        return f"folder {base} is not writable"
    return None


def output_folder(value: Any) -> Path:
    """typer parser: a folder the command writes into, existing and writable, or creatable (parents included)."""
    path = Path(value)
    if path.exists():
        if not path.is_dir():
            raise typer.BadParameter(f"{path} is not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise typer.BadParameter(f"folder {path} is not writable")
        return path
    problem = creatable_problem(path)
    if problem:
        raise typer.BadParameter(f"cannot create {path}: {problem}")
    return path


def output_file(path: Path, option: str) -> Path:
    """A file the command will write (`option` names it in the message): not a folder, in a folder that is
    writable or creatable; absolute."""
    if path.is_dir():
        raise typer.BadParameter(f"{path} is a folder", param_hint=option)
    try:
        output_folder(path.parent)
    except typer.BadParameter as exc:
        raise typer.BadParameter(exc.message, param_hint=option) from None
    return path.resolve()


def ca_bundle_file(value: Any) -> Path:
    """typer parser: a CA bundle the TLS stack can load, i.e. a readable file with at least one PEM certificate.

    Found here rather than at the first request, where it would surface as an SSLError and a traceback.
    """
    path = Path(value)
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist")
    if not path.is_file():
        raise typer.BadParameter(f"{path} is not a file")
    try:
        ssl.create_default_context(cafile=str(path))
    except ssl.SSLError as exc:
        reason = getattr(exc, "reason", None) or one_line(exc)
        raise typer.BadParameter(f"{path} is not a CA bundle: no PEM certificate could be loaded from it ({reason})") from None
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {exc.strerror or one_line(exc)}") from None
    return path


def keyword_expression(value: Any) -> str:
    """typer parser: a pytest -k expression, checked as pytest would compile it (so a typo is not a run that
    checked nothing)."""
    from _pytest.mark.expression import Expression  # start-up: pytest, ~50 ms, only when -k is given

    text = str(value)
    try:
        Expression.compile(text)
    except Exception as exc:  # noqa: BLE001 - SyntaxError in pytest >= 9, ParseError before
        message = getattr(exc, "msg", None) or getattr(exc, "message", None) or str(exc)
        column = getattr(exc, "offset", None) or getattr(exc, "column", None)
        where = f" at column {column}" if column else ""
        raise typer.BadParameter(f"not a valid expression{where}: {one_line(message)}") from None
    return text
