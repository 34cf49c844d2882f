"""Request bodies and query strings -> one params dict, whatever the client's encoding.

Pure functions only. PHP-style keys (`fields[COMMUNICATIONS][0][VALUE]=x`, `select[]=ID`) are
decoded the way PHP fills $_REQUEST: nested arrays, `[]` appends, and an array whose keys are
exactly 0..n-1 becomes a list (that is what PHP's json_encode would print for it). JSON, form,
multipart and the GET query string therefore give identical params.

Every failure is a `BodyError`; the app turns it into ERROR_BAD_BODY.
"""
from __future__ import annotations

import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, urlencode

from b24conform.portal.jsoncodec import loads_bytes

MAX_DEPTH = 32


class BodyError(ValueError):
    """The body or query string cannot be read as parameters."""


_KEY_RE = re.compile(r"\[([^\[\]]*)\]")


def split_php_key(key: str) -> list[str]:
    """`fields[A][0][B]` -> ["fields", "A", "0", "B"]; `select[]` -> ["select", ""] ("" = append).

    Like PHP, anything after the last well-formed bracket is ignored and a key without brackets
    is a plain name.
    """
    head, bracket, _ = key.partition("[")
    if not bracket:
        return [key]
    parts = [head]
    rest = key[len(head):]
    pos = 0
    while True:
        match = _KEY_RE.match(rest, pos)
        if not match:
            break
        parts.append(match.group(1))
        pos = match.end()
    if len(parts) == 1:  # "a[" without a closing bracket: PHP keeps it as a plain name
        return [key]
    return parts


def decode_php_pairs(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Build the nested params of a list of (PHP key, value) pairs."""
    root: dict[str, Any] = {}
    # PHP's next free integer key of each node, kept beside the tree so that `[]` appends cost
    # O(1) each instead of a scan of the node's keys (N appends would otherwise cost O(N^2)).
    # Keyed by id() with the node itself held, so a replaced node's id cannot be reused meanwhile.
    next_free: dict[int, tuple[dict[str, Any], int]] = {}
    for key, value in pairs:
        path = split_php_key(key)
        if len(path) > MAX_DEPTH:
            raise BodyError("nesting too deep")
        if path[0] == "":
            continue  # PHP drops keys with an empty name
        node = root
        for i, part in enumerate(path):
            last = i == len(path) - 1
            free = next_free.get(id(node), (node, 0))[1]
            if part == "":
                part = str(free)
            if _is_index(part):
                next_free[id(node)] = (node, max(free, int(part) + 1))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return listify_values(root)


_INDEX_RE = re.compile(r"0|[1-9][0-9]{0,17}")


def _is_index(key: Any) -> bool:
    # ASCII digits only ("²".isdigit() is True) and no leading zeros: PHP's integer-key rule.
    return isinstance(key, str) and _INDEX_RE.fullmatch(key) is not None


def listify(value: Any) -> Any:
    """Turn every dict whose keys are exactly "0".."n-1" into a list, recursively."""
    if isinstance(value, dict):
        return _as_list({k: listify(v) for k, v in value.items()})
    if isinstance(value, list):
        return [listify(v) for v in value]
    return value


_CONTAINERS = (dict, list)


def _listify_within(value: Any, level: int) -> Any:
    """listify() of a container found `level` containers deep, refusing more than MAX_DEPTH levels in all
    (same limit as depth(); the recursion stops there, so it stays far from Python's own limit).

    Changes the containers in place: they are the parser's fresh objects, and rebuilding each one
    doubled the allocations of reading a body. Only containers are visited: a leaf costs its parent
    one type() test, not a call. JSON gives exact dicts and lists, hence type() rather than isinstance().
    """
    if level >= MAX_DEPTH:
        raise BodyError("nesting too deep")
    deeper = level + 1
    if type(value) is list:
        for i, item in enumerate(value):
            if type(item) in _CONTAINERS:
                value[i] = _listify_within(item, deeper)
        return value
    for key, item in value.items():
        if type(item) in _CONTAINERS:
            value[key] = _listify_within(item, deeper)  # a new value for a present key: iteration stays valid
    return _as_list(value)


def _as_list(node: dict[str, Any]) -> Any:
    """The node as a list when its keys are exactly "0".."n-1" (in any order), else the node."""
    if not node:
        return node
    first = next(iter(node))
    if not (isinstance(first, str) and first[:1] in _DIGITS):  # the usual case, a named key: one test
        return node
    if not all(_is_index(k) for k in node):
        return node
    keys = sorted(int(k) for k in node)
    if keys != list(range(len(keys))):
        return node
    return [node[str(i)] for i in keys]


_DIGITS = frozenset("0123456789")


def listify_values(params: dict[str, Any]) -> dict[str, Any]:
    """listify below the top level: the params themselves always stay a mapping (`0=x` is a
    parameter named "0", not a list)."""
    return {str(k): listify(v) for k, v in params.items()}


def parse_query(query: bytes | str) -> dict[str, Any]:
    """A query string (or form body) with PHP keys."""
    if not query:
        return {}  # the usual JSON POST: parse_qsl's setup alone cost ~1.5 us of a ~90 us add
    if isinstance(query, bytes):
        try:
            query = query.decode("ascii")
        except UnicodeDecodeError as exc:
            raise BodyError("query string is not ASCII") from exc
    try:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BodyError("form data is not valid UTF-8") from exc
    return decode_php_pairs(pairs)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# One decoder for every body: json.loads builds a new one per call whenever an option is given.
_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        # NaN / Infinity are not JSON; refusing them keeps every answer valid JSON too.
        data = loads_bytes(body, _DECODER)
    except UnicodeDecodeError as exc:
        raise BodyError("body is not valid UTF-8") from exc
    except (ValueError, RecursionError) as exc:
        raise BodyError("body is not valid JSON") from exc
    if isinstance(data, list) and not data:
        data = {}  # PHP's json_decode gives the same empty array for [] and {}
    if not isinstance(data, dict):
        raise BodyError("JSON body is not an object")
    # One walk does both the depth limit and listify; the top level stays a mapping (`0=x` is a
    # parameter named "0", not a list).
    for key, item in data.items():
        if type(item) in _CONTAINERS:
            data[key] = _listify_within(item, 1)
    return data


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    # The stdlib e-mail parser reads multipart/form-data well enough for a mock, and saves a
    # dependency. File parts are read as text fields (their content, UTF-8), like a PHP form field.
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise BodyError("multipart body without parts")
    pairs: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            raise BodyError("multipart part without a name")
        payload = part.get_payload(decode=True) or b""
        try:
            pairs.append((str(name), payload.decode("utf-8")))
        except UnicodeDecodeError as exc:
            raise BodyError("multipart field is not valid UTF-8") from exc
    return decode_php_pairs(pairs)


def parse_body(body: bytes, content_type: str | None) -> dict[str, Any]:
    """The params of a request body, chosen by its Content-Type."""
    if not body.strip():
        return {}
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        return parse_json(body)
    if mime == "application/x-www-form-urlencoded":
        return parse_query(body)
    if mime == "multipart/form-data":
        return parse_multipart(body, content_type or "")
    if mime == "":
        # curl without -H sends form data; some clients send bare JSON. Guess from the first byte.
        return parse_json(body) if body.lstrip()[:1] in (b"{", b"[") else parse_query(body)
    raise BodyError(f"unsupported content type {mime}")


def merge_params(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """PHP's $_REQUEST: query-string values, overridden by body values of the same name."""
    merged = dict(query)
    merged.update(body)
    return merged


def encode_php_pairs(params: Any, prefix: str = "") -> list[tuple[str, str]]:
    """The inverse of decode_php_pairs: what PHP's http_build_query sends (CRest, BX24, batch)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(params, dict):
        items = list(params.items())
    elif isinstance(params, list):
        items = list(enumerate(params))
    else:
        if params is None:
            return [(prefix, "")]
        if isinstance(params, bool):
            return [(prefix, "1" if params else "0")]
        return [(prefix, str(params))]
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(encode_php_pairs(value, name))
    return pairs


def encode_php_query(params: Any) -> str:
    return urlencode(encode_php_pairs(params))
