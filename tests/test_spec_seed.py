"""The spec against the seed page: every example validates, every error string is catalogued, every field is typed.

The seed is parsed here, not copied: if the page changes, these tests notice. The helpers are imported by
the other test_spec_* files.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest

from b24conform.contract import load_contract
from b24conform.contract.schemas import errors_for, registry_for

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed" / "crm.activity.add.txt"


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"seed page not found at {SEED} (the shared folder is not mounted next to the repo)")
    return SEED.read_text(encoding="utf-8")


def section(text: str, start: str, end: str) -> str:
    """The lines between the heading line `start` and the next heading line `end`."""
    match = re.search(rf"^{re.escape(start)}$(.*?)^{re.escape(end)}$", text, re.S | re.M)
    assert match, f"seed has no section {start!r} .. {end!r}"
    return match.group(1)


# ------------------------------------------------------------------ the field table

def table_fields(text: str) -> dict[str, bool]:
    """Field name -> starred, from the seed's "Parameter fields" table."""
    body = section(text, "Parameter fields", "Value Usage Examples for Fields")
    return {m.group(1): bool(m.group(2)) for m in re.finditer(r"^([A-Z][A-Z0-9_]+)(\*?)$", body, re.M)}


# ------------------------------------------------------------------ code examples

_TOKEN = re.compile(r"""\s+|//[^\n]*|'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|=>|[\[\]{}:,]|[A-Za-z_]\w*""")


def _tokens(source: str) -> list[str]:
    out, pos = [], 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        assert match, f"cannot tokenize literal at {source[pos:pos + 30]!r}"
        if not match.group().isspace() and not match.group().startswith("//"):
            out.append(match.group())
        pos = match.end()
    return out


def parse_literal(source: str) -> Any:
    """A PHP array or JavaScript object literal, as the seed's SDK examples write them, as Python data."""
    tokens = _tokens(source)
    value, _ = _value(tokens, 0)
    return value


def _value(tokens: list[str], i: int) -> tuple[Any, int]:
    tok = tokens[i]
    if tok in "[{":
        return _container(tokens, i)
    if tok[0] in "'\"":
        return re.sub(r"\\(.)", r"\1", tok[1:-1]), i + 1
    if re.fullmatch(r"-?\d+", tok):
        return int(tok), i + 1
    if re.fullmatch(r"-?\d+\.\d+", tok):
        return float(tok), i + 1
    return {"true": True, "false": False, "null": None}[tok], i + 1


def _container(tokens: list[str], i: int) -> tuple[Any, int]:
    close = "]" if tokens[i] == "[" else "}"
    items: list[Any] = []
    mapping: dict[str, Any] = {}
    i += 1
    while tokens[i] != close:
        if tokens[i + 1] in ("=>", ":"):  # key => value (PHP) or key: value (JS)
            key = tokens[i].strip("'\"")
            mapping[key], i = _value(tokens, i + 2)
        else:
            item, i = _value(tokens, i)
            items.append(item)
        if tokens[i] == ",":
            i += 1
    assert not (items and mapping), "mixed list/map literal"
    return (mapping if mapping or close == "}" else items), i + 1


def curl_bodies(text: str) -> list[dict[str, Any]]:
    return [json.loads(m) for m in re.findall(r"-d '(\{.*?\})' \\", text, re.S)]


def sdk_params(text: str) -> list[Any]:
    """The parameter literal that follows the method name in each PHP / JavaScript example."""
    found = []
    for match in re.finditer(r"""['"]crm\.activity\.add['"]\s*,\s*""", text):
        start = match.end()
        depth, end = 0, start
        for end in range(start, len(text)):
            depth += text[end] in "[{"
            depth -= text[end] in "]}"
            if depth == 0:
                break
        found.append(parse_literal(text[start:end + 1]))
    return found


# ------------------------------------------------------------------ PHP form encoding

def php_form_encode(params: dict[str, Any]) -> str:
    """What PHP's http_build_query (CRest, the PHP SDK over form) sends for `params`."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}[{k}]" if prefix else str(k), v)
        elif isinstance(value, list):
            for k, v in enumerate(value):
                walk(f"{prefix}[{k}]", v)
        else:
            pairs.append((prefix, "1" if value is True else "0" if value is False else str(value)))

    walk("", params)
    return urlencode(pairs)


def php_form_decode(body: str) -> dict[str, Any]:
    """A form body with PHP nested keys as nested dicts; maps keyed 0..n-1 become lists. Leaves are strings."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, *rest = re.match(r"^([^\[]+)((?:\[[^\]]*\])*)$", key).groups()
        path = [head, *re.findall(r"\[([^\]]*)\]", rest[0])]
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _lists(v) for k, v in node.items()}
    if node and list(node) == [str(i) for i in range(len(node))]:
        return list(node.values())
    return node


def coerce_to_schema(value: Any, schema_name: str) -> Any:
    """Turn form strings into the integers the schema declares, as a portal reading a form body does."""
    resolver = registry_for(load_contract()).resolver()
    resolved = resolver.lookup(schema_name)
    return _coerce(value, resolved.contents, resolved.resolver)


def _coerce(value: Any, schema: Any, resolver: Any) -> Any:
    if not isinstance(schema, dict):
        return value
    if "$ref" in schema:
        resolved = resolver.lookup(schema["$ref"])
        return _coerce(value, resolved.contents, resolved.resolver)
    for sub in schema.get("allOf", ()):
        value = _coerce(value, sub, resolver)
    if isinstance(value, dict):
        def sub_schema(key: str) -> Any:
            if key in schema.get("properties", {}):
                return schema["properties"][key]
            for pattern, sub in schema.get("patternProperties", {}).items():
                if re.search(pattern, key):
                    return sub
            return {}
        return {k: _coerce(v, sub_schema(k), resolver) for k, v in value.items()}
    if isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        return [_coerce(v, prefix[i] if i < len(prefix) else schema.get("items", {}), resolver)
                for i, v in enumerate(value)]
    if isinstance(value, str) and "integer" in str(schema.get("type")) and re.fullmatch(r"-?\d+", value):
        return int(value)
    return value


# ------------------------------------------------------------------ responses and errors

def first_json_after(text: str, marker: str) -> Any:
    start = text.index("{", text.index(marker))
    return json.JSONDecoder().raw_decode(text[start:])[0]


def method_error_messages(text: str) -> list[str]:
    """Messages of "Possible Error Codes": message/meaning pairs, and bullet groups sharing one meaning."""
    lines = [ln.strip() for ln in section(text, "Possible Error Codes", "Statuses and System Error Codes")
             .splitlines() if ln.strip()]
    assert lines[:2] == ["Code", "Description"], lines[:2]
    lines, messages, i = lines[2:], [], 0
    while i < len(lines):
        if lines[i].startswith("•"):
            while lines[i].startswith("•"):
                messages.append(lines[i].lstrip("• ").strip())
                i += 1
            i += 1  # the group's meaning
        else:
            messages.append(lines[i])
            i += 2
    return messages


def system_errors(text: str) -> list[tuple[int, str, str]]:
    """(status, code, message) of "Statuses and System Error Codes"."""
    body = section(text, "Statuses and System Error Codes", "Continue Learning")
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    return [(int(lines[i]), lines[i + 1], lines[i + 2])
            for i in range(len(lines) - 2) if re.fullmatch(r"[2-5]\d\d", lines[i])]


# ================================================================== tests

def test_the_table_has_29_fields_and_every_one_is_in_the_schema():
    fields = table_fields(seed_text())
    assert len(fields) == 29, sorted(fields)
    properties = load_contract().schema("activity-add-fields.json")["properties"]
    assert set(fields) | {"COMPLETED"} == set(properties)


def test_starred_fields_are_required_except_where_an_ambiguity_decides():
    contract = load_contract()
    fields = table_fields(seed_text())
    schema = contract.schema("activity-add-fields.json")
    required = set(schema["required"])
    starred = {name for name, star in fields.items() if star}
    owner_optional = "a" in contract.ambiguities["AMB-OWNER-REQUIRED"].strict
    subject_required = "a" in contract.ambiguities["AMB-SUBJECT-REQUIRED"].strict
    expected = starred - ({"OWNER_ID", "OWNER_TYPE_ID"} if owner_optional else set())
    expected |= {"SUBJECT"} if subject_required else set()
    assert required == expected
    assert {"AMB-OWNER-REQUIRED", "AMB-SUBJECT-REQUIRED"} <= set(schema["x-b24-ambiguities"])


def test_curl_examples_validate_and_only_the_second_carries_auth():
    webhook, oauth = curl_bodies(seed_text())
    assert "auth" not in webhook and "auth" in oauth
    for body in (webhook, oauth):
        assert errors_for("add-request.json", body) == []


def test_sdk_examples_say_the_same_as_curl():
    text = seed_text()
    webhook = curl_bodies(text)[0]
    literals = sdk_params(text)
    assert len(literals) == 4  # two JavaScript, two PHP
    for literal in literals:
        assert literal == webhook


@pytest.mark.parametrize("which", [2, 3], ids=["php-sdk", "crest"])
def test_php_examples_sent_form_encoded_validate(which):
    params = sdk_params(seed_text())[which]
    body = php_form_encode(params)
    assert "fields%5BCOMMUNICATIONS%5D%5B0%5D%5BVALUE%5D=%2B18005551234" in body
    decoded = php_form_decode(body)
    assert decoded["fields"]["OWNER_ID"] == "102"  # a form carries strings only
    assert errors_for("add-request.json", decoded) != [], "form strings must not pass as integers unread"
    typed = coerce_to_schema(decoded, "add-request.json")
    assert errors_for("add-request.json", typed) == []
    assert typed == params


def test_seed_success_example_validates():
    body = first_json_after(seed_text(), "HTTP status: 200")
    assert body["result"] == 999
    assert errors_for("success-envelope.json", body) == []


def test_seed_error_example_validates():
    body = first_json_after(seed_text(), "HTTP status: 400")
    assert body == {"error": "", "error_description": "Access denied."}
    assert errors_for("error-envelope.json", body) == []


def test_every_method_error_of_the_seed_is_catalogued_byte_for_byte():
    messages = method_error_messages(seed_text())
    assert len(messages) == 19, messages
    catalogued = set()
    for entry in load_contract().errors.values():
        catalogued.add(entry.message)
        catalogued.update(v.text for v in entry.variants)
    missing = [m for m in messages if m not in catalogued]
    assert not missing


def test_the_error_example_message_is_a_catalogue_message():
    message = first_json_after(seed_text(), "HTTP status: 400")["error_description"]
    assert message in {e.message for e in load_contract().errors.values()}


def test_every_system_error_of_the_seed_is_catalogued_with_its_status():
    rows = system_errors(seed_text())
    assert len(rows) == 15, rows
    catalogue = {(e.http_status, e.code, e.message) for e in load_contract().errors.values()}
    missing = [row for row in rows if row not in catalogue]
    assert not missing
