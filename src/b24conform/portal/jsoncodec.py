"""JSON in and out of the portal: orjson where it means what the stdlib means, the stdlib otherwise.

Out:

With the stdlib, encoding the stored row and the answer took ~20 of the ~120 us of CPU an add cost
in-process; orjson does it in about a tenth of that. It differs from the stdlib in three ways, each
caught here and handed to the stdlib instead, so the meaning of every answer and stored row stays
what the stdlib gives:

* it writes non-ASCII as UTF-8, where PHP (and the portal) escape it as \\uXXXX -> `isascii()`;
* it writes NaN and +-Infinity as null -> any `null` in its output (a few bytes to scan; a value
  with a real null simply takes the stdlib path);
* it refuses integers beyond 64 bits and keys that are not strings -> TypeError.

Floats may print differently (`0.000025` for `2.5e-05`): the same number, valid JSON either way.

In (request bodies): orjson reads integers beyond 64 bits as floats, where the stdlib keeps them exact, and
refuses what the stdlib reads leniently (lone surrogates, 1e400 as infinity); a body with a run of 19 digits,
or one orjson refuses, is read by the stdlib, which has the last word on what is valid.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

# PHP's json_encode escapes non-ASCII by default; the portal does the same. One encoder for every
# answer: json.dumps builds a new one per call whenever an option differs from its defaults.
_STDLIB = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))


def _fast(value: Any) -> bytes | None:
    try:
        out = orjson.dumps(value)
    except TypeError:
        return None
    if b"null" in out or not out.isascii():
        return None
    return out


def dumps_bytes(value: Any) -> bytes:
    """Compact JSON, ASCII only (an answer body)."""
    out = _fast(value)
    return out if out is not None else _STDLIB.encode(value).encode("ascii")


def dumps_text(value: Any) -> str:
    """Compact JSON as text, ASCII only (a stored row)."""
    out = _fast(value)
    return out.decode("ascii") if out is not None else _STDLIB.encode(value)


# Every digit becomes "0" and every other byte "x": a run of 19 digits is then a substring search. A
# regex `[0-9]{19}` did the same at ~5 us per add body (~3 % of an add under load), this at ~0.7 us.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x78 for b in range(256))
_LONG_RUN = b"0" * 19


def has_long_digit_run(body: bytes) -> bool:
    """True when `body` holds 19 or more ASCII digits in a row (a number orjson may read as a float)."""
    return _LONG_RUN in body.translate(_DIGITS_AS_ZERO)


def loads_bytes(body: bytes, decoder: json.JSONDecoder) -> Any:
    """decoder.decode(body as UTF-8), faster: raises ValueError (UnicodeDecodeError included) or
    RecursionError exactly when that would."""
    if not has_long_digit_run(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # the stdlib decides, and raises its own error
    return decoder.decode(body.decode("utf-8"))
