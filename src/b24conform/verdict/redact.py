"""Secrets never leave the judge: webhook codes, OAuth tokens and known secrets become "***".

Every output of b24conform (reports, evidence, curl reproductions, pytest output, exception
messages) goes through `redact()`, and the report files once more, whole, where they are written
(reporting.write_reports, through `redact_data()`). The rules are structural (a webhook code is
whatever follows /rest/<user id>/ in a URL; `auth` is the OAuth token's parameter name; a URL's
userinfo password is what sits between "user:" and "@") so that even a secret the judge never saw,
typed by a user into a URL, is hidden; secrets registered at start are replaced literally as a
second line of defence (e.g. a token echoed in an error message).
"""
from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"

# /rest/<user id>/<code>/ : the code is the credential. The user id is not secret.
_WEBHOOK = re.compile(r"(/rest/\d+/)([^/\s\"'?#&<>]+)")
# The placeholder of the examples in help and error texts (https://HOST/rest/1/CODE/). Bitrix24 issues codes of
# lower-case letters and digits, so leaving this one upper-case word readable hides no real code.
PLACEHOLDER_CODE = "CODE"
# auth=... in a query string or a form body; also access/refresh tokens some clients add.
_QUERY_AUTH = re.compile(r"(?i)((?:^|[?&\s\"'])(?:auth|access_token|refresh_token)=)([^&\s\"'<>#]+)")
# "auth": "..." in a JSON body (also Python reprs with single quotes).
_JSON_AUTH = re.compile(r"(?i)([\"'](?:auth|access_token|refresh_token)[\"']\s*:\s*[\"'])([^\"']*)")
# fields[auth]=... never happens, but auth[access_token]=... (PHP SDK style) does.
_PHP_AUTH = re.compile(r"(?i)((?:^|[?&])auth\[[^\]]*\]=)([^&\s\"'<>#]+)")
# scheme://user:PASSWORD@host: the password of a URL's userinfo (the user name is kept, as is a userinfo
# without a password). Stops where an authority ends, so a path or query with "@" in it is left alone.
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^\s/?#@:\"'<>]*:)([^\s/?#@\"'<>]+)(@)")

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(*values: str | None) -> None:
    """Remember secrets to mask literally wherever they appear. Short values are ignored: masking a
    two-letter string would shred unrelated text and a code that short protects nothing anyway."""
    with _lock:
        for value in values:
            if value and len(value) >= 6:
                _secrets.add(value)


def known_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_secrets)


def forget_secrets() -> None:
    """For tests: start from an empty registry."""
    with _lock:
        _secrets.clear()


def redact(text: Any) -> str:
    """`text` as a string with every secret masked."""
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    # Longest first so that a secret containing another one is masked whole.
    for secret in sorted(known_secrets(), key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), text)
    text = _WEBHOOK.sub(lambda m: m.group(0) if m.group(2) == PLACEHOLDER_CODE else m.group(1) + MASK, text)
    text = _QUERY_AUTH.sub(lambda m: m.group(1) + MASK, text)
    text = _PHP_AUTH.sub(lambda m: m.group(1) + MASK, text)
    text = _JSON_AUTH.sub(lambda m: m.group(1) + MASK, text)
    return text


def redact_data(value: Any) -> Any:
    """A JSON-like value with every string redacted and `auth` values masked (for evidence)."""
    if isinstance(value, dict):
        return {
            k: (MASK if str(k).lower() in {"auth", "access_token", "refresh_token"} else redact_data(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_data(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value
