"""One cheap read-only call before a live run: can the judge reach the portal with these credentials?

Without it, a wrong webhook code or a webhook without the `crm` scope would show up as a wall of
failed clauses. With it, the run stops first and says why in one line.
"""
from __future__ import annotations

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


def preflight(target: Target) -> str | None:
    """None when the target answers the probe; else one line saying what is wrong."""
    try:
        reply = target.call(PROBE, {})
    except TargetError as exc:
        return f"cannot reach the target: {exc}"
    return problem(reply)
