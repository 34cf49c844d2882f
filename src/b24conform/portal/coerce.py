"""Reading loosely typed input the way a PHP portal does: "2" and 2 are the same integer.

Pure helpers shared by validation (is it valid?), records (store it normalised) and read-back.
"""
from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

# ASCII digits, at most 40 of them: longer strings are no id anyone can mean, and int() of
# thousands of digits raises (Python's int_max_str_digits guard).
_INT_RE = re.compile(r"^\s*[+-]?[0-9]{1,40}\s*$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
_FROM_RE = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<addr>[^<>]+)>\s*$")
_B64_RE = re.compile(r"^[A-Za-z0-9+/_-]*={0,2}$")


def as_int(value: Any) -> int | None:
    """An integer from an int or a decimal string; None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and len(value) <= 64 and _INT_RE.match(value):
        try:
            return int(value)
        except ValueError:  # more digits than int_max_str_digits: no id or enum is that long
            return None
    return None


def as_text(value: Any) -> str | None:
    """A scalar as text (numbers as PHP prints them); None for null, lists and objects."""
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_email(value: Any) -> bool:
    return isinstance(value, str) and bool(_EMAIL_RE.match(value.strip()))


def parse_message_from(value: Any) -> str | None:
    """The address of a SETTINGS.MESSAGE_FROM of the form `Name <addr>`; None when malformed."""
    if not isinstance(value, str):
        return None
    match = _FROM_RE.match(value)
    if not match or not is_email(match.group("addr")):
        return None
    return match.group("addr").strip()


def decode_base64_lenient(text: Any) -> bytes | None:
    """AMB-FILES-BASE64 reading a: standard or URL-safe alphabet, padding optional.

    The seed's own "base64_encoded_content_here" decodes; characters outside both alphabets do not.
    """
    if not isinstance(text, str):
        return None
    compact = "".join(text.split())
    if not _B64_RE.match(compact):
        return None
    core = compact.rstrip("=").replace("-", "+").replace("_", "/")
    if len(core) % 4 == 1:
        return None
    try:
        return base64.b64decode(core + "=" * (-len(core) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def parse_offset(offset: str) -> timezone:
    match = re.fullmatch(r"([+-])(\d{2}):(\d{2})", offset)
    if not match:
        raise ValueError(f"UTC offset must look like +03:00, not {offset!r}")
    sign = 1 if match.group(1) == "+" else -1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def parse_datetime(value: Any, portal_tz: timezone) -> float | None:
    """A datetime input as a Unix timestamp; a value without offset is portal-local time."""
    text = as_text(value)
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=portal_tz)
        ts = parsed.timestamp()
        format_datetime(ts, portal_tz, strict=True)  # must also print in the portal's offset
        return ts
    except (ValueError, OverflowError, OSError):
        return None


def format_datetime(ts: float | None, portal_tz: timezone, strict: bool = False) -> str | None:
    """YYYY-MM-DDThh:mm:ss+hh:mm in the portal's offset, as portals print datetimes.

    An instant that cannot be printed there (year 9999 + offset) reads back as null."""
    if ts is None:
        return None
    try:
        return _format_second(int(ts // 1), portal_tz)
    except (ValueError, OverflowError, OSError):
        if strict:
            raise
        return None


@lru_cache(maxsize=4096)
def _format_second(second: int, portal_tz: timezone) -> str:
    # Cached: every answer prints its time block's instants, mostly the same second as the last one.
    return datetime.fromtimestamp(second, portal_tz).isoformat(timespec="seconds")
