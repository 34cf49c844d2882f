"""CLI commands of the portal area: `b24conform serve`.

Every option is checked before the portal creates anything (database, TLS files, folders): a refused
`serve` leaves the folder as it found it and prints one line naming the option (see cli.py).
"""
from __future__ import annotations

import difflib
import errno
import os
import re
import signal
import socket
import ssl
import sys
import threading
from pathlib import Path
from typing import Optional

import typer
import yaml

from b24conform.cliparams import USAGE_ERROR, creatable_problem, one_line
from b24conform.portal.config import ALL_SCOPES, LIMIT_PLANS, OAuthToken, PortalConfig, Webhook, _code
from b24conform.portal.limits import DEFAULT_BUDGET, PLANS
from b24conform.portal.profiles import ProfileError, available_profiles, profile_files

DEFAULT_DB = Path(".b24conform/portal.sqlite3")
DEFAULT_TLS_DIR = Path(".b24conform/tls")
TLS_FILES = ("ca.pem", "server.pem", "server.key")

# A webhook code travels in the URL path: letters, digits, "_" and "-" keep it one path segment, unescaped.
_CODE = re.compile(r"[A-Za-z0-9_-]+")
_SQLITE_MAGIC = b"SQLite format 3\x00"

SERVE_EPILOG = (
    "Exit codes: 0 stopped by SIGINT/SIGTERM; 1 the portal failed to start or to run; "
    "2 bad input (a bad value, a port in use, a --db or --tls-dir that cannot be used, an unknown --profile, "
    "a bad --seed-data), refused before any file is created, with one line on stderr."
)


def _user_id(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and int(text) >= 1 else None


def parse_webhook(text: str) -> Webhook:
    """USER_ID:CODE"""
    user, sep, code = text.partition(":")
    if not sep or _user_id(user) is None or not _CODE.fullmatch(code):
        raise typer.BadParameter(
            f"expected USER_ID:CODE (a user id from 1; a code of letters, digits, _ or -), got {text!r}")
    return Webhook(int(user), code)


def parse_scoped_webhook(text: str) -> Webhook:
    """USER_ID:CODE=scope1,scope2"""
    hook, sep, scopes = text.partition("=")
    if not sep:
        raise typer.BadParameter(f"expected USER_ID:CODE=scope1,scope2, got {text!r}")
    base = parse_webhook(hook)
    names = tuple(s.strip() for s in scopes.split(",") if s.strip())
    unknown = [name for name in names if name not in ALL_SCOPES]
    if unknown:
        raise typer.BadParameter(f"unknown scope {unknown[0]!r} in {text!r}; known scopes: {', '.join(ALL_SCOPES)}")
    return Webhook(base.user_id, base.code, names)


def parse_token(text: str) -> OAuthToken:
    """TOKEN[:USER_ID]"""
    token, sep, user = text.rpartition(":") if ":" in text else (text, "", "")
    if not token.strip() or (sep and _user_id(user) is None):
        raise typer.BadParameter(f"expected TOKEN[:USER_ID] (a user id from 1), got {text!r}")
    return OAuthToken(token, int(user) if sep else 1)


def _checked(parse):
    """A typer parser that refuses what `parse` refuses and keeps the text (build_config parses it)."""

    def parser(text: str) -> str:
        parse(text)
        return text

    return parser


def _limits_option(text: str) -> str:
    # The plans are spec/limits.yaml's: a plan added there is accepted here without a code change.
    if text not in LIMIT_PLANS:
        raise typer.BadParameter(f"unknown plan {text!r}; expected off or a plan of spec/limits.yaml: "
                                 f"{', '.join(PLANS)}")
    return text


def _expired_token(text: str) -> str:
    if not text.strip():
        raise typer.BadParameter("an empty token")
    return text


def _db_problem(path: Path, explicit: bool) -> str | None:
    """Why the SQLite file `path` cannot be used. An explicit --db must be in an existing folder; the default
    one's folder (.b24conform/) is created by serve."""
    if path.is_dir():
        return f"{path} is a folder, not a file"
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            return f"{path} is not readable and writable"
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
        if head and head != _SQLITE_MAGIC:
            return f"{path} is not a SQLite database"
    folder = path.parent
    if explicit or folder.exists():
        if not folder.exists():
            return f"folder {folder} does not exist (serve does not create it)"
        if not folder.is_dir():
            return f"{folder} is not a folder"
        # SQLite in WAL mode writes -wal and -shm files next to the database.
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"folder {folder} is not writable"
        return None
    return creatable_problem(path)


def _db_option(text: str) -> str:
    if text != ":memory:":
        problem = _db_problem(Path(text), explicit=True)
        if problem:
            raise typer.BadParameter(problem)
    return text


def _tls_problem(folder: Path, explicit: bool) -> str | None:
    """Why `folder` cannot hold the CA and certificate: a complete set there must load; otherwise serve writes
    a new set, so the folder (or, for an explicit --tls-dir, its existing parent) must be writable."""
    if folder.exists():
        if not folder.is_dir():
            return f"{folder} is not a folder"
        ca, cert, key = (folder / name for name in TLS_FILES)
        if all(p.exists() for p in (ca, cert, key)):
            try:
                ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(str(cert), str(key))
                ssl.create_default_context(cafile=str(ca))
            except (OSError, ssl.SSLError) as exc:
                return f"the certificate files in {folder} do not load ({one_line(exc)}); remove them to get new ones"
            return None
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"folder {folder} is not writable"
        return None
    if explicit:
        parent = Path(os.path.abspath(folder)).parent
        if not parent.is_dir():
            return f"folder {parent} does not exist (serve creates only {folder.name}/ in it)"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"folder {parent} is not writable"
        return None
    return creatable_problem(folder)


def _tls_dir_option(value: Path | str) -> Path:
    folder = Path(value)
    problem = _tls_problem(folder, explicit=True)
    if problem:
        raise typer.BadParameter(problem)
    return folder


def _bind_problem(host: str, port: int) -> str | None:
    """Why the portal could not listen on host:port, found by binding the way its listener does (then closing)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        if isinstance(exc, socket.gaierror):
            return f"cannot listen on {host!r}: {exc.strerror} (an IPv4 address or host name)"
        reason = "already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        return f"cannot listen on {host}:{port}: {reason}"
    finally:
        sock.close()
    return None


def _refuse(hint: str, message: str) -> None:
    raise typer.BadParameter(message, param_hint=hint)


def check_serve_options(
    host: str, port: int, http_port: Optional[int], tls: bool, db: Optional[str], tls_dir: Optional[Path],
    profile: Optional[str], profiles_file: Optional[Path], seed_data: Optional[Path],
) -> None:
    """The checks that need several options, the file contents or the network; raise typer.BadParameter."""
    if profile is not None or profiles_file is not None:
        try:
            known = available_profiles(profiles_file)
        except ProfileError as exc:
            _refuse("--profiles-file" if profiles_file else "--profile", one_line(exc))
        if profile is not None and profile not in known:
            # The catalogue holds a hundred names: suggest the nearest instead of listing them all.
            near = difflib.get_close_matches(profile, known, n=3, cutoff=0.5)
            sources = ", ".join(str(p) for p in profile_files(profiles_file))
            tail = (f"did you mean {', '.join(near)}?" if near
                    else f"{len(known)} profiles and variants are defined in {sources}")
            _refuse("--profile", f"unknown deviation profile {profile!r} (nor variant); {tail}")
    if seed_data is not None:
        problem = _seed_problem(seed_data)
        if problem:
            _refuse("--seed-data", problem)
    if db is None:
        problem = _db_problem(DEFAULT_DB, explicit=False)
        if problem:
            _refuse("--db", f"the default {DEFAULT_DB}: {problem}")
    if tls and tls_dir is None:
        problem = _tls_problem(DEFAULT_TLS_DIR, explicit=False)
        if problem:
            _refuse("--tls-dir", f"the default {DEFAULT_TLS_DIR}: {problem}")
    if http_port is not None and not tls:
        _refuse("--http-port", "the plain-HTTP listener answers next to HTTPS; it needs --tls (drop --no-tls)")
    if http_port and http_port == port:
        _refuse("--http-port", f"{http_port} is also --port")
    problem = _bind_problem(host, port)
    if problem:
        _refuse("--host" if "listen on '" in problem else "--port", problem)
    if http_port is not None:
        problem = _bind_problem(host, http_port)
        if problem:
            _refuse("--http-port", problem)


def _seed_problem(path: Path) -> str | None:
    """What is wrong with a seed-data file: what SeedWorld.load refuses, and items the portal could not look up."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.portal.seed import OWNER_TYPES, SeedWorld

    try:
        world = SeedWorld.load(path)
    except (OSError, UnicodeDecodeError) as exc:
        return f"cannot read {path}: {one_line(exc)}"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return f"{path} is not valid YAML{where}"
    except ValueError as exc:
        return one_line(exc)
    for name in ("users", *OWNER_TYPES):
        items = world.data.get(name, [])
        if not isinstance(items, list):
            return f"{path}: `{name}` must be a list"
        for item in items:
            if not isinstance(item, dict) or _user_id(str(item.get("ID", ""))) is None:
                return f"{path}: every entry of `{name}` needs a numeric ID, got {item!r}"[:300]
    return None


def build_config(
    host: str, port: int, webhooks: list[str], scoped: list[str], tokens: list[str], expired: list[str],
    app_tokens: list[str],
    db: str, tls: bool, tls_dir: Path, http_port: Optional[int], limits: str, operating_budget: float,
    profile: Optional[str], profiles_file: Optional[Path], seed_data: Optional[Path],
) -> PortalConfig:
    hooks = [parse_webhook(w) for w in webhooks] + [parse_scoped_webhook(w) for w in scoped]
    if not webhooks:
        hooks.insert(0, Webhook(1, _code()))
    oauth = [parse_token(t) for t in tokens] + [OAuthToken(t, 1, expired=True) for t in expired]
    for text in app_tokens:
        plain = parse_token(text)
        oauth.append(OAuthToken(plain.token, plain.user_id, app_context="b24conform.cli"))
    return PortalConfig(
        webhooks=hooks,
        oauth_tokens=oauth,
        host=host,
        port=port,
        tls=tls,
        tls_dir=tls_dir,
        http_port=http_port,
        db=db,
        limits=limits,
        operating_budget=operating_budget,
        profile=profile,
        profiles_file=profiles_file,
        seed_data=seed_data,
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind (IPv4)."),
    port: int = typer.Option(0, min=0, max=65535, help="Port (0 = a free port)."),
    webhook: list[str] = typer.Option([], "--webhook", parser=_checked(parse_webhook), metavar="USER_ID:CODE",
                                      help="USER_ID:CODE (repeatable; one is generated without it)."),
    webhook_scope: list[str] = typer.Option([], "--webhook-scope", parser=_checked(parse_scoped_webhook),
                                            metavar="USER_ID:CODE=SCOPES",
                                            help="USER_ID:CODE=scope1,scope2: a webhook with only these scopes."),
    oauth_token: list[str] = typer.Option([], "--oauth-token", parser=_checked(parse_token), metavar="TOKEN[:USER_ID]",
                                          help="TOKEN[:USER_ID] (repeatable)."),
    expired_token: list[str] = typer.Option([], "--expired-token", parser=_expired_token, metavar="TOKEN",
                                            help="An access token that is expired."),
    app_token: list[str] = typer.Option([], "--app-token", parser=_checked(parse_token), metavar="TOKEN[:USER_ID]",
                                        help="TOKEN[:USER_ID]: an OAuth token with an application context (PROVIDER_ID REST_APP)."),
    db: Optional[str] = typer.Option(None, parser=_db_option, metavar="PATH", show_default=str(DEFAULT_DB),
                                     help='SQLite file in an existing folder (":memory:" allowed).'),
    tls: bool = typer.Option(True, "--tls/--no-tls", help="Serve HTTPS with a local CA (default) or plain HTTP."),
    tls_dir: Optional[Path] = typer.Option(None, parser=_tls_dir_option, metavar="DIR", show_default=str(DEFAULT_TLS_DIR),
                                           help="Where the CA and server certificate live (reused when present)."),
    http_port: Optional[int] = typer.Option(None, min=0, max=65535,
                                            help="Also listen on plain HTTP here, answering INVALID_REQUEST (0 = a free port)."),
    limits: str = typer.Option("off", parser=_limits_option, metavar="|".join(LIMIT_PLANS),
                               help="Request limits: off, or a plan of spec/limits.yaml."),
    operating_budget: float = typer.Option(DEFAULT_BUDGET, min=0, help="Per-method operating-time budget (seconds per window, spec/limits.yaml)."),
    profile: Optional[str] = typer.Option(
        None, metavar="NAME",
        help="Deviation profile (spec/deviations.yaml) or legitimate variant (spec/variants.yaml; all-variants = "
             "every variant composed) to serve."),
    profiles_file: Optional[Path] = typer.Option(None, exists=True, dir_okay=False, readable=True,
                                                 help="Read profiles (or variants) from this file instead."),
    seed_data: Optional[Path] = typer.Option(None, exists=True, dir_okay=False, readable=True,
                                             help="Seed data YAML replacing the packaged one."),
) -> None:
    """Run the reference portal until SIGINT / SIGTERM."""
    # start-up: loaded when the command runs, not on every CLI call (cli.py imports this module)
    from b24conform.portal.server import PortalStartError, start_portal

    check_serve_options(host, port, http_port, tls, db, tls_dir, profile, profiles_file, seed_data)
    try:
        config = build_config(
            host, port, webhook, webhook_scope, oauth_token, expired_token, app_token, db or str(DEFAULT_DB), tls,
            tls_dir or DEFAULT_TLS_DIR, http_port, limits, operating_budget, profile, profiles_file, seed_data,
        )
    except ValueError as exc:
        typer.echo(f"error: {one_line(exc)}", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    stop = threading.Event()

    def on_signal(signum, frame) -> None:  # noqa: ARG001
        stop.set()

    # Installed before the start lines go out: a supervisor may signal as soon as it reads them.
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        with start_portal(config) as portal:
            # Webhook lines come last: scripts wait for the first one and may stop reading there.
            if portal.ca_file:
                print(f"ca: {Path(portal.ca_file).resolve()}")
            if portal.http_url:
                print(f"http: {portal.http_url}/")
            if config.profile:
                print(f"profile: {config.profile}")
            # The one place codes are printed: the operator's own start line.
            for hook in config.webhooks:
                print(f"webhook: {portal.webhook_url_for(hook)}")
            sys.stdout.flush()
            while not stop.wait(0.5):
                pass
    except ProfileError as exc:
        typer.echo(f"error: --profile: {one_line(exc)}", err=True)
        raise typer.Exit(USAGE_ERROR) from None
    except (OSError, PortalStartError) as exc:
        # What the checks could not foresee: a port taken since, a disk gone full, a listener that died.
        typer.echo(f"error: the portal could not run: {one_line(exc)}", err=True)
        raise typer.Exit(1) from None
    print("stopped")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("serve", epilog=SERVE_EPILOG)(serve)
