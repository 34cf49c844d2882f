"""What a request would do to a portal's data, read off the request itself and spec/methods.yaml.

Pure functions: the Target's gate (gate.py) decides on what they return. They read a request the
way a portal could read it, not the way the judge meant it: every `id` key in any letter case, every
command of a batch and of a batch nested in it, JSON and PHP-style form bodies alike. What cannot be
read counts as a write of an unknown record, so it is refused rather than guessed.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from b24conform.contract.model import MethodEffect

# A batch inside a batch inside a batch ... is refused by portals after one level; deeper than this
# the judge does not try to understand it and treats it as unknown.
MAX_BATCH_DEPTH = 4


@dataclass(frozen=True)
class Touch:
    """One thing a request does: `effect` on `entity`. For change and delete, `ids` are the raw
    values the request names as `id` (None: the request could not be read)."""

    method: str
    effect: str                           # read | create | change | delete | unknown
    entity: str | None = None
    ids: tuple[Any, ...] | None = ()
    mark: str | None = None

    @property
    def writes(self) -> bool:
        return self.effect != "read"


def normalise_method(name: str) -> str:
    name = unquote(str(name)).strip().strip("/").lower()
    return name[: -len(".json")] if name.endswith(".json") else name


def _base_key(key: Any) -> str:
    """`cmd[a][b]` -> `cmd`; keys compared case-insensitively, as Bitrix reads crm parameters.
    PHP also drops leading spaces of a name and cuts it at a NUL byte (`id%00=1` is its `id`)."""
    return str(key).split("\x00", 1)[0].split("[", 1)[0].strip().lower()


def _pairs_of(params: Any) -> list[tuple[str, Any]] | None:
    """Top-level (key, value) pairs of a request's parameters; None when they are not a map."""
    if params is None:
        return []
    if isinstance(params, Mapping):
        return [(str(k), v) for k, v in params.items()]
    if isinstance(params, list) and all(isinstance(p, tuple) and len(p) == 2 for p in params):
        return [(str(k), v) for k, v in params]
    return None


def _values(value: Any) -> Iterable[Any]:
    """Every leaf of a value: a list or map of commands, or a single command."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, tuple) and len(item) == 2:  # a JSON object read as pairs
                yield from _values(item[1])
            else:
                yield from _values(item)
    else:
        yield value


def _json_pairs(raw: bytes) -> list[tuple[str, Any]] | None:
    # Pairs, not a dict: a body with `id` twice must be judged on both values, whichever one the
    # portal keeps.
    try:
        # utf-8-sig: a portal with a lenient JSON reader takes a body that starts with a BOM.
        data = json.loads(raw.decode("utf-8-sig"), object_pairs_hook=list)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return _pairs_of(data) if isinstance(data, list) and all(isinstance(p, tuple) for p in data) else None


def query_pairs(text: str) -> list[tuple[str, str]]:
    """A query string's pairs split at `&` (PHP) and, besides, at both `&` and `;` (servers that
    split there too): every id or command either reading finds is judged."""
    return [*parse_qsl(text, keep_blank_values=True), *parse_qsl(text.replace(";", "&"), keep_blank_values=True)]


# A parameter name as a form names it: `name`, `name[key][]`... Anything else in a body that is not
# a JSON object (JSON a lenient parser still reads, multipart parts, garbage) means the body is
# something the form reading does not understand, so its keys say nothing about what it does.
_FORM_NAME = re.compile(r"[\w .+\-]*(\[[^\[\]]*\])*", re.ASCII)


def _form_pairs(raw: bytes) -> tuple[list[tuple[str, Any]] | None, bool]:
    """The form reading of a body, and whether every name in it (split at `&`) is a clean one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, False
    if not text.strip():
        return [], True
    clean = all(_FORM_NAME.fullmatch(k) for k, _ in parse_qsl(text, keep_blank_values=True))
    return query_pairs(text) or None, clean


def body_pairs(raw: bytes, content_type: str | None) -> list[tuple[str, Any]] | None:
    """The parameters of a raw body, read as JSON and as a form (a portal may do either, whatever
    the Content-Type says); None when the body cannot be read with confidence."""
    if content_type and "multipart" in content_type.lower():
        return None  # PHP reads multipart parts into the parameters; the judge does not parse them
    as_json, (as_form, clean) = _json_pairs(raw), _form_pairs(raw)
    if as_json is None and (as_form is None or not clean):
        # Not JSON and not a clean form: the form reading's keys are fragments of something else
        # (a BOM'd or trailing-comma JSON, a multipart body), which may hide `id` or `cmd`.
        return None
    return [pair for reading in (as_json, as_form) if reading is not None for pair in reading]


def _ids(pairs: list[tuple[str, Any]]) -> tuple[Any, ...]:
    return tuple(leaf for key, value in pairs if _base_key(key) == "id" for leaf in _values(value))


def _commands(pairs: list[tuple[str, Any]]) -> list[Any]:
    return [leaf for key, value in pairs if _base_key(key) == "cmd" for leaf in _values(value)]


def touches(table: Mapping[str, MethodEffect], method: str, pairs: list[tuple[str, Any]] | None,
            depth: int = 0) -> list[Touch]:
    """Everything a call of `method` with parameters `pairs` may do (a batch: its commands')."""
    name = normalise_method(method)
    entry = table.get(name)
    if entry is None:
        return [Touch(name, "unknown", ids=None)]
    if entry.effect == "read":
        return [Touch(name, "read", entry.entity)]
    if entry.effect == "create":
        return [Touch(name, "create", entry.entity, mark=entry.mark)]
    if entry.effect in {"change", "delete"}:
        return [Touch(name, entry.effect, entry.entity, None if pairs is None else _ids(pairs))]
    # batch
    if pairs is None or depth >= MAX_BATCH_DEPTH:
        return [Touch(name, "unknown", ids=None)]
    found: list[Touch] = []
    for command in _commands(pairs):
        if not isinstance(command, str):
            found.append(Touch(name, "unknown", ids=None))
            continue
        inner, _, query = command.partition("?")
        found.extend(touches(table, inner, query_pairs(query), depth + 1))
    return found or [Touch(name, "read")]


def request_touches(table: Mapping[str, MethodEffect], method: str, params: Any = None,
                    raw_body: bytes | None = None, content_type: str | None = None) -> list[Touch]:
    """The touches of one request as the Target is asked to send it."""
    pairs = body_pairs(raw_body, content_type) if raw_body is not None else _pairs_of(params)
    return touches(table, method, pairs)


def as_id(value: Any) -> int | None:
    """A record id only when a portal can read the value one way: an int or a string of digits
    (PHP's (int) reads "007" as 7 too). Exact types only: a subclass may put other text on the wire
    (form encoding uses str()) than the number compared here; bool is not an id."""
    if type(value) is int:
        return value
    if type(value) is str and value.isascii() and value.isdigit():
        return int(value)
    return None
