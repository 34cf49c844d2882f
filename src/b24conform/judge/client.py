"""The HTTP side of a target: endpoints, credentials, wire encodings and the httpx client.

Pure helpers (URL building, PHP-style form encoding, webhook parsing) are kept apart from the one
function that builds the httpx client, so they are tested without a network.
"""
from __future__ import annotations

import ipaddress
import json
import os
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import httpx

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


class TargetURLError(ValueError):
    """The --b24-target URL cannot be used."""


@dataclass(frozen=True)
class Webhook:
    user_id: int
    code: str


@dataclass(frozen=True)
class Endpoints:
    """Where a portal answers and with which credentials."""

    base_url: str                       # scheme://host[:port], no trailing slash
    webhook: Webhook | None = None
    oauth_token: str | None = None
    http_base_url: str | None = None    # the plain-HTTP endpoint, for the HTTPS-required probe
    # mock-only credentials (restricted user, webhook without crm scope, expired token)
    restricted: Webhook | None = None
    unscoped: Webhook | None = None
    expired_token: str | None = None

    def secrets(self) -> list[str]:
        hooks = [h.code for h in (self.webhook, self.restricted, self.unscoped) if h]
        # A password in the target's userinfo (https://user:PASSWORD@HOST/...), as typed and as decoded.
        passwords = [p for url in (self.base_url, self.http_base_url) if url
                     for p in (urlsplit(url).password, unquote(urlsplit(url).password or "")) if p]
        return [*hooks, *(t for t in (self.oauth_token, self.expired_token) if t), *passwords]


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_webhook_path(path: str) -> Webhook | None:
    """/rest/<user id>/<code>/[method] -> Webhook, else None."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "rest" and parts[1].isdigit():
        return Webhook(int(parts[1]), parts[2])
    return None


def parse_target_url(url: str) -> tuple[str, Webhook | None]:
    """A --b24-target value -> (base_url, webhook or None for an OAuth base /rest/).

    http:// is accepted only for loopback hosts (the caller warns); any other host must be HTTPS
    because Bitrix24 refuses plain HTTP and the credentials would travel in clear.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise TargetURLError("target must be an https:// URL such as https://HOST/rest/1/CODE/")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise TargetURLError("plain http:// targets are accepted only for loopback hosts (127.0.0.1, ::1, localhost)")
    try:
        port = parts.port
    except ValueError:  # urlsplit's own check: not a number, or not in 0-65535
        port = 0
    if port == 0:
        raise TargetURLError(f"target port must be a number from 1 to 65535, not {_port_text(parts.netloc)!r}")
    base = f"{parts.scheme}://{parts.netloc}"
    webhook = parse_webhook_path(parts.path)
    if webhook is None and parts.path.rstrip("/") not in {"/rest", ""}:
        raise TargetURLError("target path must be /rest/<user id>/<code>/ (webhook) or /rest/ (OAuth)")
    return base, webhook


def _port_text(netloc: str) -> str:
    """The port part of a netloc as typed (userinfo left out: it may hold a password)."""
    return netloc.rpartition("@")[2].rpartition("]")[2].rpartition(":")[2]


def parse_credential_webhook(value: Any, base_url: str) -> Webhook | None:
    """A webhook as the mock portal hands it out: a full URL, "uid/code", or a Webhook-like object."""
    if value is None:
        return None
    if isinstance(value, Webhook):
        return value
    if hasattr(value, "user_id") and hasattr(value, "code"):
        return Webhook(int(value.user_id), str(value.code))
    text = str(value)
    if "://" in text or text.startswith("/rest/"):
        return parse_webhook_path(urlsplit(text).path)
    parts = [p for p in text.split("/") if p]
    if len(parts) == 2 and parts[0].isdigit():
        return Webhook(int(parts[0]), parts[1])
    return None


def php_pairs(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Flatten params into PHP nested keys (fields[COMMUNICATIONS][0][VALUE]) as PHP's
    http_build_query does: True/False become 1/0 and None is left out."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        if value is None:
            return []
        if isinstance(value, bool):
            return [(prefix, "1" if value else "0")]
        return [(prefix, str(value))]
    pairs: list[tuple[str, str]] = []
    for key, item in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(php_pairs(item, name))
    return pairs


def php_encode(params: dict[str, Any]) -> str:
    return urlencode(php_pairs(params))


def multipart_encode(pairs: list[tuple[str, str]], boundary: str = "b24conform-multipart-boundary") -> tuple[bytes, str]:
    """multipart/form-data of (name, value) pairs (PHP keys as part names, UTF-8 values) and its Content-Type."""
    lines: list[bytes] = []
    for name, value in pairs:
        disposition = 'form-data; name="' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines += [b"--" + boundary.encode(), b"Content-Disposition: " + disposition.encode("utf-8"), b"",
                  str(value).encode("utf-8")]
    lines += [b"--" + boundary.encode() + b"--", b""]
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


WRONG_CODE = "b24conformwrongcode"


def method_url(endpoints: Endpoints, method: str, *, auth: str, suffix: str = "", http: bool = False) -> tuple[str, str | None]:
    """The URL of `method` for an auth variant, and the OAuth token to put in `auth` (or None)."""
    base = endpoints.base_url
    if http:
        if not endpoints.http_base_url:
            raise TargetURLError("this target has no plain-HTTP endpoint (capability 'https')")
        base = endpoints.http_base_url
    name = quote(method, safe=".") + suffix

    def hook_url(hook: Webhook | None, what: str) -> str:
        if hook is None:
            raise TargetURLError(f"this target has no {what}")
        return f"{base}/rest/{hook.user_id}/{quote(hook.code, safe='')}/{name}"

    if auth == "webhook":
        if endpoints.webhook is None:
            # An OAuth-only target: its one credential plays the webhook's part.
            return method_url(endpoints, method, auth="oauth_body", suffix=suffix, http=http)
        return hook_url(endpoints.webhook, "webhook"), None
    if auth == "restricted":
        return hook_url(endpoints.restricted, "restricted-user webhook (mock only)"), None
    if auth == "unscoped":
        return hook_url(endpoints.unscoped, "webhook without the crm scope (mock only)"), None
    if auth == "bad_code":
        hook = endpoints.webhook or Webhook(1, "x")
        wrong = WRONG_CODE if hook.code != WRONG_CODE else WRONG_CODE + "2"
        return hook_url(Webhook(hook.user_id, wrong), "webhook"), None
    if auth == "bad_user":
        hook = endpoints.webhook
        if hook is None:
            raise TargetURLError("this target has no webhook")
        return hook_url(Webhook(hook.user_id + 1, hook.code), "webhook"), None
    plain = f"{base}/rest/{name}"
    if auth == "none":
        return plain, None
    if auth in {"oauth_body", "oauth_query"}:
        if not endpoints.oauth_token:
            raise TargetURLError("this target has no OAuth token (capability 'oauth')")
        return plain, endpoints.oauth_token
    if auth == "expired":
        if not endpoints.expired_token:
            raise TargetURLError("this target has no expired token (mock only)")
        return plain, endpoints.expired_token
    raise ValueError(f"unknown auth variant {auth!r}")


def ssl_context(ca_bundle: str | os.PathLike[str] | None) -> ssl.SSLContext:
    """Verification always on: the CA bundle given, else SSL_CERT_FILE, else the system store."""
    bundle = ca_bundle or os.environ.get("SSL_CERT_FILE") or None
    if bundle:
        return ssl.create_default_context(cafile=str(bundle))
    return ssl.create_default_context()


def make_client(ca_bundle: str | os.PathLike[str] | None, *, timeout: float = 30.0) -> httpx.Client:
    # No transport retries (httpx's default is 0, stated here on purpose): an add is never repeated.
    transport = httpx.HTTPTransport(retries=0, verify=ssl_context(ca_bundle))
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                        headers={"Accept": "application/json", "User-Agent": "b24conform"})


@dataclass
class Encoded:
    http_method: str
    url: str
    content_type: str | None
    body: bytes
    extra_headers: dict[str, str] = field(default_factory=dict)


def encode_request(url: str, params: dict[str, Any] | None, *, encoding: str, token: str | None,
                   auth: str, raw_body: bytes | None = None, content_type: str | None = None) -> Encoded:
    """Put params (and the OAuth token) on the wire in one of the three encodings."""
    params = dict(params or {})
    if token is not None and auth != "oauth_query":
        params["auth"] = token
    if token is not None and auth == "oauth_query":
        url = f"{url}?{urlencode({'auth': token})}"
    if raw_body is not None:
        return Encoded("POST", url, content_type or "application/json", raw_body)
    if encoding == "json":
        body = json.dumps(params, ensure_ascii=False).encode("utf-8")
        return Encoded("POST", url, content_type or "application/json", body)
    if encoding == "form":
        return Encoded("POST", url, content_type or "application/x-www-form-urlencoded", php_encode(params).encode())
    if encoding == "multipart":
        # general-principles.md: every method also takes multipart/form-data; one part per PHP key.
        body, ctype = multipart_encode(php_pairs(params))
        return Encoded("POST", url, content_type or ctype, body)
    if encoding == "query":
        query = php_encode(params)
        sep = "&" if "?" in url else "?"
        return Encoded("GET", f"{url}{sep}{query}" if query else url, None, b"")
    raise ValueError(f"unknown encoding {encoding!r}")
