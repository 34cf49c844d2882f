"""CLI commands of the portal area: `b24conform serve`."""
from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Optional

import typer

from b24conform.portal.config import ALL_SCOPES, OAuthToken, PortalConfig, Webhook, _code

DEFAULT_DB = Path(".b24conform/portal.sqlite3")
DEFAULT_TLS_DIR = Path(".b24conform/tls")


def parse_webhook(text: str) -> Webhook:
    """USER_ID:CODE"""
    user, sep, code = text.partition(":")
    if not sep or not (user.isascii() and user.isdigit()) or not code:
        raise typer.BadParameter(f"expected USER_ID:CODE, got {text!r}")
    return Webhook(int(user), code)


def parse_scoped_webhook(text: str) -> Webhook:
    """USER_ID:CODE=scope1,scope2"""
    hook, sep, scopes = text.partition("=")
    if not sep:
        raise typer.BadParameter(f"expected USER_ID:CODE=scope1,scope2, got {text!r}")
    base = parse_webhook(hook)
    return Webhook(base.user_id, base.code, tuple(s.strip() for s in scopes.split(",") if s.strip()))


def parse_token(text: str) -> OAuthToken:
    """TOKEN[:USER_ID]"""
    token, sep, user = text.rpartition(":") if ":" in text else (text, "", "")
    if sep and not (user.isascii() and user.isdigit()):
        raise typer.BadParameter(f"expected TOKEN[:USER_ID], got {text!r}")
    return OAuthToken(token, int(user) if sep else 1)


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
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(0, help="Port (0 = a free port)."),
    webhook: list[str] = typer.Option([], "--webhook", help="USER_ID:CODE (repeatable; one is generated without it)."),
    webhook_scope: list[str] = typer.Option([], "--webhook-scope", help="USER_ID:CODE=scope1,scope2: a webhook with only these scopes."),
    oauth_token: list[str] = typer.Option([], "--oauth-token", help="TOKEN[:USER_ID] (repeatable)."),
    expired_token: list[str] = typer.Option([], "--expired-token", help="An access token that is expired."),
    app_token: list[str] = typer.Option([], "--app-token", help="TOKEN[:USER_ID]: an OAuth token with an application context (PROVIDER_ID REST_APP)."),
    db: str = typer.Option(str(DEFAULT_DB), help='SQLite file (":memory:" allowed).'),
    tls: bool = typer.Option(True, "--tls/--no-tls", help="Serve HTTPS with a local CA (default) or plain HTTP."),
    tls_dir: Path = typer.Option(DEFAULT_TLS_DIR, help="Where the CA and server certificate live (reused when present)."),
    http_port: Optional[int] = typer.Option(None, help="Also listen on plain HTTP here, answering INVALID_REQUEST (0 = a free port)."),
    limits: str = typer.Option("off", help="Request limits: off | standard | enterprise."),
    operating_budget: float = typer.Option(480.0, help="Per-method operating-time budget (seconds per 10 minutes)."),
    profile: Optional[str] = typer.Option(None, help="Deviation profile to run (spec/deviations.yaml)."),
    profiles_file: Optional[Path] = typer.Option(None, help="Read deviation profiles from this file instead."),
    seed_data: Optional[Path] = typer.Option(None, help="Seed data YAML replacing the packaged one."),
) -> None:
    """Run the reference portal until SIGINT / SIGTERM."""
    from b24conform.portal.profiles import ProfileError
    from b24conform.portal.server import start_portal

    try:
        config = build_config(
            host, port, webhook, webhook_scope, oauth_token, expired_token, app_token, db, tls, tls_dir, http_port,
            limits, operating_budget, profile, profiles_file, seed_data,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
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
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    print("stopped")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("serve")(serve)
