"""One cheap read-only call before a live run: can the judge reach the portal with these credentials?

Without it, a wrong webhook code or a webhook without the `crm` scope would show up as a wall of
failed clauses. With it, the run stops first and says why in one line.
"""
from __future__ import annotations

import re
from typing import Any

from b24conform.judge.target import Target, TargetError

# Read-only (spec/methods.yaml), needs the crm scope like crm.activity.add, takes no input.
PROBE = "crm.activity.fields"


def problem(reply: Any) -> str | None:
    """What the probe's reply says is wrong with the target or the credentials; None when it is a
    usable answer. Pure."""
    data = reply.json
    if not isinstance(data, dict):
        return (f"{PROBE} answered HTTP {reply.status} without a JSON object: "
                "is the URL a Bitrix24 REST endpoint (https://HOST/rest/USER_ID/CODE/)?")
    if reply.status == 200 and isinstance(data.get("result"), dict) and "error" not in data:
        return None
    code = data.get("error")
    text = data.get("error_description")
    if code is None and text is None:
        return f"{PROBE} answered HTTP {reply.status} with neither a result nor an error"
    return (f"the portal refused {PROBE} (HTTP {reply.status}, error {code!r}: {text!r}); "
            "check the webhook code or token and that it has the crm scope")


# How OpenSSL (through Python's ssl module) names a certificate the client did not trust.
_TLS_VERIFY = re.compile(r"CERTIFICATE_VERIFY_FAILED\]\s*(?:certificate verify failed:\s*)?([^(]*)")


def unreachable(exc: Exception, base_url: str) -> str:
    """The one line for a probe that got no answer. Pure. A TLS verification failure says so and
    names the option that fixes it; anything else keeps the transport's own words."""
    tls = _TLS_VERIFY.search(str(exc))
    if tls:
        reason = tls.group(1).strip() or "certificate verify failed"
        return (f"cannot reach the target: TLS verification of {base_url} failed ({reason}); if the portal's "
                "certificate is signed by a private CA, give that CA (PEM) with --ca-bundle (pytest: --b24-ca-bundle)")
    return f"cannot reach the target: {exc}"


def preflight(target: Target) -> str | None:
    """None when the target answers the probe; else one line saying what is wrong."""
    try:
        reply = target.call(PROBE, {})
    except TargetError as exc:
        return unreachable(exc, target.base_url)
    return problem(reply)
