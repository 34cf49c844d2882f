"""portal/jsoncodec.py: orjson's bytes where they mean what the stdlib's mean, the stdlib's otherwise."""
from __future__ import annotations

import json
import math
import re
from datetime import timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from b24conform.portal.envelope import Timing, success_body, time_block
from b24conform.portal.jsoncodec import _fast, dumps_bytes, dumps_text, has_long_digit_run, loads_bytes

STDLIB = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))

scalars = (
    st.none() | st.booleans() | st.text()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=12)


def _same(a, b) -> bool:
    """Equality that treats NaN as equal to NaN (both encoders keep it as the NaN token)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=300, deadline=None)
@given(values)
def test_every_value_reads_back_as_the_stdlib_encoding_does(value):
    ours = dumps_bytes(value)
    assert ours.isascii()
    assert _same(json.loads(ours), json.loads(STDLIB.encode(value)))
    assert dumps_text(value) == ours.decode("ascii")


def test_the_cases_orjson_would_change_take_the_stdlib_path():
    assert dumps_bytes({"s": "é"}) == b'{"s":"\\u00e9"}'          # PHP-style escapes
    assert dumps_bytes([float("inf"), float("nan")]) == b"[Infinity,NaN]"  # not [null,null]
    assert dumps_bytes({"n": 2**64}) == b'{"n":18446744073709551616}'   # beyond 64 bits
    assert dumps_bytes({1: "a"}) == b'{"1":"a"}'                  # a key that is not a string


def test_an_add_answer_takes_the_fast_path():
    # Otherwise the module would be a slower stdlib and no test would notice.
    body = success_body(42, time_block(Timing(1795968735.4352126, 1795968735.4353, 2.5e-05, 0.0, 1795969335), timezone.utc))
    assert _fast(body) is not None
    assert json.loads(dumps_bytes(body)) == json.loads(STDLIB.encode(body))


def _stdlib_reading(raw: bytes):
    decoder = json.JSONDecoder(parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    try:
        return ("value", decoder.decode(raw.decode("utf-8")))
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc) is UnicodeDecodeError)


def _our_reading(raw: bytes):
    decoder = json.JSONDecoder(parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
    try:
        return ("value", loads_bytes(raw, decoder))
    except (ValueError, RecursionError) as exc:
        return ("error", type(exc) is UnicodeDecodeError)


@settings(max_examples=300, deadline=None)
@given(values)
def test_a_body_reads_as_the_stdlib_reads_it(value):
    raw = json.dumps(value).encode()  # NaN / Infinity / big ints / any code point included
    ours, theirs = _our_reading(raw), _stdlib_reading(raw)
    assert ours[0] == theirs[0] and _same(ours[1], theirs[1])


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.builds(lambda v, cut: json.dumps(v).encode()[:cut], values, st.integers(0, 30)))
def test_broken_bodies_fail_as_the_stdlib_fails(raw):
    ours, theirs = _our_reading(raw), _stdlib_reading(raw)
    assert ours[0] == theirs[0] and _same(ours[1], theirs[1])


def test_the_cases_orjson_reads_differently_take_the_stdlib_path():
    decoder = json.JSONDecoder()
    assert loads_bytes(b'{"n":18446744073709551616}', decoder) == {"n": 18446744073709551616}  # not a float
    assert loads_bytes(b'{"n":-9223372036854775809}', decoder) == {"n": -9223372036854775809}
    assert loads_bytes(b'{"x":1e400}', decoder) == {"x": float("inf")}
    assert loads_bytes(b'{"s":"\\ud800"}', decoder) == {"s": "\ud800"}


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b"0", b"9", b"5", b"a", b".", b"-", b"\xff", b"\x00", b"/", b":"]), max_size=60)
       .map(b"".join) | st.binary(max_size=80))
def test_the_digit_run_test_means_a_regex_of_nineteen_digits(raw):
    assert has_long_digit_run(raw) == (re.search(rb"[0-9]{19}", raw) is not None)


def test_the_digit_run_test_at_its_edges():
    assert has_long_digit_run(b"1" * 19) and has_long_digit_run(b'{"n":-' + b"9" * 25 + b"}")
    assert not has_long_digit_run(b"1" * 18) and not has_long_digit_run(b"1" * 18 + b"." + b"1" * 18)
    assert not has_long_digit_run(b"/" * 30 + b":" * 30)  # the bytes either side of "0".."9"
