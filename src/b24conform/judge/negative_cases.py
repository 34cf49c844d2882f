"""Which schema-violating requests a conformant portal must refuse.

spec/openapi.yaml describes what a client should send. A portal refuses less than that: it reads the
wire the PHP way (numeric strings as integers, numbers as strings, unknown keys ignored, a body
`auth` unread on the webhook route), and the docs give a refusal only for breaking the properties
marked `x-b24-refused-by` (with the catalogue errors they list). Breaking any other is no refusal
test: a PRIORITY outside its list or an unreadable START_TIME (AMB-UNLISTED-VALUES), an owner id
when a communication binds, a communication TYPE the portal fills in itself. A generated negative
case is a refusal test only when it still breaks the schema after all of that is taken into account.

Used by the schemathesis suite (suites/test_schemathesis.py) and by b24_negative_data_rejection in
b24conform.schemathesis_checks, so that `st run` with the project's configuration asks the same.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from b24conform.contract import Contract, load_contract
from b24conform.contract.schemas import openapi_resolver, registry_for

ADD_FIELDS_SCHEMA = "activity-add-fields.json"

# schema type -> (does the portal read this value as that type?, the value it reads)
COERCIBLE = {
    "integer": (lambda v: isinstance(v, str) and v.strip().lstrip("-").isdigit(), lambda v: int(v)),
    "string": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), str),
}
# Each round changes at least one value; generated bodies are small.
MAX_REPAIRS = 50


def request_schema(contract: Contract, path: str) -> dict:
    """The JSON request-body schema of an operation of spec/openapi.yaml ({} when it takes none): the
    document its $ref names (a schema file or a component), itself when it has none."""
    resolver = openapi_resolver(contract)
    body = contract.openapi["paths"][path]["post"].get("requestBody") or {}
    if "$ref" in body:
        body = resolver.lookup(body["$ref"]).contents
    schema = ((body.get("content") or {}).get("application/json") or {}).get("schema") or {}
    return resolver.lookup(schema["$ref"]).contents if schema.get("$ref") else schema


def refused_properties(contract: Contract, schema: str = ADD_FIELDS_SCHEMA) -> frozenset[str]:
    """The properties of `schema` whose constraints have a documented refusal (x-b24-refused-by)."""
    return frozenset(name for name, prop in contract.schema(schema)["properties"].items()
                     if prop.get("x-b24-refused-by"))


@lru_cache(maxsize=64)
def _validator(path: str) -> Draft202012Validator:
    # Built once per operation: a validator with its registry costs more than the validation itself.
    return Draft202012Validator(_root(path), registry=registry_for(load_contract()))


def _refused(prop: Any) -> bool:
    """Whether breaking a property is refused: it names the errors (x-b24-refused-by), and no reading
    that even strict mode accepts waives them (x-b24-refusal-waived-by: an absent RESPONSIBLE_ID that a
    portal fills from the owner, AMB-RESPONSIBLE-FALLBACK b, is no refusal test)."""
    if not (isinstance(prop, dict) and prop.get("x-b24-refused-by")):
        return False
    ambiguities = load_contract().ambiguities
    return not any(ambiguities[amb].accepts(reading, "strict")
                   for amb, reading in (prop.get("x-b24-refusal-waived-by") or {}).items())


def _marks(schema: dict) -> bool:
    return any(isinstance(p, dict) and p.get("x-b24-refused-by") for p in (schema.get("properties") or {}).values())


def backed(root: dict, where: list) -> bool:
    """Whether the docs give a refusal for breaking the value at `where` of a request whose schema is
    `root`. The nearest object schema on the way that marks any of its properties x-b24-refused-by
    decides: a marked property covers what lies inside it (FILES and its fileData), unless a schema
    inside marks properties of its own (a communication: VALUE, not TYPE). With no mark on the way,
    no refusal is documented (batch's cmd, list's parameters)."""
    verdict = False
    schema, resolver = root, registry_for(load_contract()).resolver()
    for key in where:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            # The schema files' $refs, relative to the file they are in (contract/schemas.py).
            resolved = resolver.lookup(schema["$ref"])
            schema, resolver = resolved.contents, resolved.resolver
        if not isinstance(schema, dict):
            return verdict
        if isinstance(key, int):
            schema = schema.get("items") or {}
            continue
        props = schema.get("properties") or {}
        if _marks(schema):
            verdict = _refused(props.get(key))
        schema = props.get(key) or {}
    return verdict


def _parent(doc: Any, path: list) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def _read_as_the_wire(doc: Any, error: Any) -> bool:
    """Repair one violation the way the portal reads the wire; whether the document changed."""
    where = list(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = set(error.instance) - set(error.schema.get("properties") or {})
        target = _parent(doc, where + [None])  # the object at `where`
        for key in extra:
            del target[key]
        return bool(extra)
    if where[:1] == ["auth"] and "auth" in doc:
        # `auth` is the OAuth token; on the webhook route a body `auth` is not read at all.
        del doc["auth"]
        return True
    if error.validator == "type" and error.instance in (None, "") and where and isinstance(where[-1], str):
        # null, or the empty string a form body sends for it, is an absent value to PHP: a required
        # one is then refused for its absence, which the next round of validation sees.
        del _parent(doc, where)[where[-1]]
        return True
    if error.validator == "type" and isinstance(error.validator_value, str) and where:
        coerce = COERCIBLE.get(error.validator_value)
        if coerce and coerce[0](error.instance):
            _parent(doc, where)[where[-1]] = coerce[1](error.instance)
            return True
    return False


@lru_cache(maxsize=64)
def _root(path: str) -> dict:
    return request_schema(load_contract(), path)


@lru_cache(maxsize=4096)
def _backed_at(path: str, where: tuple) -> bool:
    # Generated bodies of one operation break the same few places over and over: decide each once.
    return backed(_root(path), list(where))


def _missing(error: Any) -> list[str]:
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [name for name in error.validator_value if name not in instance]


def _is_backed(path: str, error: Any) -> bool:
    where = tuple(error.absolute_path)
    if error.validator == "required":
        return any(_backed_at(path, where + (name,)) for name in _missing(error))
    return not where or _backed_at(path, where)


def rejection_demanded(path: str, body: Any) -> bool:
    """Whether a conformant portal must refuse this schema-violating request to operation `path`:
    whether it still breaks a constraint the docs give a refusal for once read the way the portal
    reads the wire (numeric strings as integers, numbers as strings, null as absent, unknown keys and,
    on the webhook route, a body `auth` ignored)."""
    validator = _validator(path)
    # A body that is no JSON object carries no parameters the portal can read.
    doc = copy.deepcopy(body) if isinstance(body, dict) else {}
    for _ in range(MAX_REPAIRS):
        errors = list(validator.iter_errors(doc))
        if not errors:
            return False
        changed = False
        for error in errors:
            try:
                changed = _read_as_the_wire(doc, error) or changed
            except (KeyError, IndexError, TypeError):
                changed = True  # its place went with an earlier change of this round: validate again
        if not changed:
            # What is left breaks the schema as the portal reads it: a refusal test where the docs give one.
            return any(_is_backed(path, error) for error in errors)
    return True
