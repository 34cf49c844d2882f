"""wire.py: PHP-style keys, JSON, multipart and query strings give the same params."""
from __future__ import annotations

import json

import pytest

from b24conform.portal.wire import (
    BodyError,
    decode_php_pairs,
    encode_php_pairs,
    listify,
    parse_body,
    parse_json,
    parse_query,
    split_php_key,
)
from b24conform.portal.testing import SEED_FIELDS


def test_split_php_key():
    assert split_php_key("fields[COMMUNICATIONS][0][VALUE]") == ["fields", "COMMUNICATIONS", "0", "VALUE"]
    assert split_php_key("select[]") == ["select", ""]
    assert split_php_key("plain") == ["plain"]
    assert split_php_key("a[") == ["a["]


def test_numeric_keys_become_lists_only_when_dense():
    assert decode_php_pairs([("a[0]", "x"), ("a[1]", "y")]) == {"a": ["x", "y"]}
    assert decode_php_pairs([("a[1]", "x"), ("a[2]", "y")]) == {"a": {"1": "x", "2": "y"}}
    assert decode_php_pairs([("select[]", "ID"), ("select[]", "*")]) == {"select": ["ID", "*"]}
    assert listify({"0": {"1": 1, "0": 0}}) == [[0, 1]]


@pytest.mark.parametrize(
    "node, expected",
    [
        ({"1": "b", "0": "a"}, ["a", "b"]),                     # any order, as PHP arrays print
        ({"0": {"0": "x"}}, [["x"]]),                            # nested
        ({"0": "a", "x": 1}, {"0": "a", "x": 1}),                # a named key keeps the object
        ({"x": 1, "0": "a"}, {"x": 1, "0": "a"}),                # ... also when it comes first
        ({"01": 1}, {"01": 1}),                                  # leading zero: not an index in PHP
        ({"0": "a", "2": "c"}, {"0": "a", "2": "c"}),            # a gap
        ({"²": 1}, {"²": 1}),                                    # a digit that is not ASCII
        ({}, {}),                                                # empty stays as it came
        ([{"1": 1, "0": 0}, 5], [[0, 1], 5]),                    # inside a list
    ],
)
def test_json_objects_with_index_keys_become_lists(node, expected):
    assert parse_json(json.dumps({"p": node}).encode()) == {"p": expected}


def test_form_round_trip_of_the_seed_fields():
    pairs = encode_php_pairs({"fields": SEED_FIELDS})
    decoded = decode_php_pairs(pairs)["fields"]
    # Form values are strings; the structure is the same.
    assert decoded["COMMUNICATIONS"] == [{"VALUE": "+18005551234", "ENTITY_ID": "134", "ENTITY_TYPE_ID": "3"}]
    assert decoded["FILES"] == [{"fileData": ["example.jpg", "base64_encoded_content_here"]}]
    assert decoded["TYPE_ID"] == "2"


def test_multipart_equals_form():
    body = (
        b"--B\r\nContent-Disposition: form-data; name=\"fields[SUBJECT]\"\r\n\r\nNew call\r\n"
        b"--B\r\nContent-Disposition: form-data; name=\"select[]\"\r\n\r\nID\r\n--B--\r\n"
    )
    assert parse_body(body, "multipart/form-data; boundary=B") == parse_query("fields[SUBJECT]=New+call&select[]=ID")


@pytest.mark.parametrize(
    "body, ctype",
    [
        (b"{bad", "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"fields[A]=%ff", "application/x-www-form-urlencoded"),
        (b"<xml/>", "text/xml"),
        (("[" * 40 + "]" * 40).join(['{"a":', "}"]).encode(), "application/json"),
        (("&".join([f"a{'[x]' * 40}=1"])).encode(), "application/x-www-form-urlencoded"),
    ],
)
def test_unreadable_bodies(body, ctype):
    with pytest.raises(BodyError):
        parse_body(body, ctype)


def test_depth_limit_is_32():
    ok = {"a": 1}
    for _ in range(31):
        ok = {"a": ok}
    assert parse_json(json.dumps(ok).encode())
    with pytest.raises(BodyError):
        parse_json(json.dumps({"a": ok}).encode())


def test_append_after_a_replaced_node_starts_at_zero():
    # The append counter is kept per node; a node replaced by a scalar must not lend its count
    # to a new node (the counter is keyed by object identity).
    pairs = [("a[x][]", "1"), ("a[x][]", "2"), ("a[x]", "s")] + [(f"a[y{i}][]", "v") for i in range(50)]
    params = decode_php_pairs(pairs)
    assert params["a"]["x"] == "s"
    assert all(params["a"][f"y{i}"] == ["v"] for i in range(50))


def test_explicit_index_moves_the_next_append():
    assert decode_php_pairs([("s[5]", "a"), ("s[]", "b")]) == {"s": {"5": "a", "6": "b"}}


def test_an_empty_query_is_no_parameters_and_a_lone_name_is_one() -> None:
    assert parse_query(b"") == {} and parse_query("") == {}
    assert parse_query(b"auth") == {"auth": ""}  # a name without "=" is still a parameter
