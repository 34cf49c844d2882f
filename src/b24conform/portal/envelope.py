"""The response envelope: `result` (+ `total`/`next`) + `time`, or `error` + `error_description`.

Every response is JSON with Content-Type application/json, success or not.
"""
from __future__ import annotations

from datetime import timezone
from typing import Any, NamedTuple

from b24conform.portal.coerce import format_datetime
from b24conform.portal.jsoncodec import dumps_bytes

JSON_TYPE = "application/json; charset=utf-8"


class Timing(NamedTuple):
    """What the portal measured for one call (all from the injected clock)."""

    start: float
    finish: float
    processing: float
    operating: float = 0.0
    operating_reset_at: int = 0


def time_block(t: Timing, tz: timezone, with_operating: bool = True) -> dict[str, Any]:
    """The eight keys of the seed's example, same instants in floats and in ISO dates."""
    block: dict[str, Any] = {
        "start": t.start,
        "finish": t.finish,
        "duration": t.finish - t.start,
        "processing": t.processing,
        "date_start": format_datetime(t.start, tz),
        "date_finish": format_datetime(t.finish, tz),
    }
    if with_operating:
        block["operating_reset_at"] = int(t.operating_reset_at)
        block["operating"] = t.operating
    return block


def success_body(result: Any, time: dict[str, Any], total: int | None = None, next_start: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"result": result}
    if next_start is not None:
        body["next"] = next_start
    if total is not None:
        body["total"] = total
    body["time"] = time
    return body


def encode(body: Any) -> bytes:
    return dumps_bytes(body)
