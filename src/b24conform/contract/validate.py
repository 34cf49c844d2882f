"""Checks that spec/ is whole and consistent.

Every check is a pure function that returns a list of problems (empty = clean), so tests can call
them one by one and the CLI only prints. The files are read raw here, not through the loader,
because the loader stops at the first inconsistency while a validator should list them all.

The shape of each spec file is a JSON Schema of spec/schemas/spec-files/ (SPEC_FILE_SCHEMAS); the checks
below are what a schema cannot say: that an id named in one place exists in another.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from b24conform.contract.provenance import citation_problems, evidence_problems
from b24conform.yamltext import load_yaml

# Each spec file -> its JSON Schema under spec/schemas/spec-files/.
SPEC_FILE_SCHEMAS = {
    "errors.yaml": "errors.schema.json",
    "item_errors.yaml": "errors.schema.json",
    "clauses.yaml": "clauses.schema.json",
    "ambiguities.yaml": "ambiguities.schema.json",
    "enums.yaml": "enums.schema.json",
    "methods.yaml": "methods.schema.json",
    "fields.yaml": "fields.schema.json",
    "provenance.yaml": "provenance.schema.json",
    "limits.yaml": "limits.schema.json",
    "items.yaml": "items.schema.json",
    "deviations.yaml": "deviations.schema.json",
    "variants.yaml": "variants.schema.json",
}
SPEC_FILE_SCHEMA_DIR = Path("schemas") / "spec-files"

# operationIds other modules address the OpenAPI document by; renaming one breaks them.
REQUIRED_OPERATION_IDS = (
    "activityAdd", "activityAddJson", "activityAddOAuth", "activityGet", "activityList", "activityUpdate",
    "activityDelete", "activityFields", "enumActivityType", "enumActivityDirection", "enumActivityPriority",
    "enumActivityStatus", "enumActivityNotifyType", "enumContentType", "enumOwnerType", "batch",
)
# The add operations must declare every error that errors.yaml says crm.activity.add may answer.
ADD_OPERATION_IDS = ("activityAdd", "activityAddJson", "activityAddOAuth")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass
class SpecFiles:
    """spec/ read raw; `problems` holds what could not be read."""

    root: Path
    errors: list[dict[str, Any]] = field(default_factory=list)
    clauses: list[dict[str, Any]] = field(default_factory=list)
    ambiguities: list[dict[str, Any]] = field(default_factory=list)
    enums: dict[str, Any] = field(default_factory=dict)
    openapi: dict[str, Any] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    methods: dict[str, Any] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)
    item_errors: list[dict[str, Any]] = field(default_factory=list)
    items: dict[str, Any] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)  # file name -> the file as parsed (schema checks)
    problems: list[str] = field(default_factory=list)


def _read(path: Path, problems: list[str]) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return json.loads(text) if path.suffix == ".json" else load_yaml(text)
    except FileNotFoundError:
        problems.append(f"{path.name}: missing")
    except (json.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(f"{path.name}: cannot be parsed: {exc}")
    return None


def _list_under(data: Any, key: str) -> list[dict[str, Any]]:
    # A file of the wrong shape is the schema check's to report; the cross-reference checks see no entries.
    items = data.get(key) if isinstance(data, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _map_under(data: Any, key: str | None = None) -> dict[str, Any]:
    value = data.get(key) if key is not None and isinstance(data, dict) else data
    return value if isinstance(value, dict) else {}


def read_spec(root: Path) -> SpecFiles:
    """Read every file of spec/ at `root`, collecting unreadable ones as problems."""
    root = root.resolve()
    spec = SpecFiles(root=root)
    p = spec.problems
    docs = spec.documents
    for name in SPEC_FILE_SCHEMAS:
        docs[name] = _read(root / name, p)
    spec.errors = _list_under(docs["errors.yaml"], "errors")
    spec.item_errors = _list_under(docs["item_errors.yaml"], "errors")
    spec.clauses = _list_under(docs["clauses.yaml"], "clauses")
    spec.ambiguities = _list_under(docs["ambiguities.yaml"], "ambiguities")
    spec.enums = _map_under(docs["enums.yaml"], "enums")
    spec.methods = _map_under(docs["methods.yaml"], "methods")
    spec.provenance = _map_under(docs["provenance.yaml"])
    spec.fields = _map_under(docs["fields.yaml"])
    spec.items = _map_under(docs["items.yaml"])
    spec.limits = _map_under(docs["limits.yaml"])
    spec.openapi = _read(root / "openapi.yaml", p) or {}
    for path in sorted((root / "schemas").glob("*.json")):
        data = _read(path, p)
        if data is not None:
            spec.schemas[path.name] = data
    if not spec.schemas:
        p.append("schemas/: no schema files")
    return spec


# ---------------------------------------------------------------- shapes (JSON Schema)

def _step(node: Any, key: Any) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and key < len(node):
        return node[key]
    return None


def _label(data: Any, path: list[Any]) -> tuple[str, str]:
    """(entry, rest) naming where in a file a problem is: the innermost list item with an `id` or `name`
    stands for the path up to it ("CALL-001"), the keys below it follow, dotted ("where")."""
    entry, rest, node = "", [], data
    for key in path:
        node = _step(node, key)
        label = (node.get("id") or node.get("name")) if isinstance(node, dict) and isinstance(key, int) else None
        if isinstance(label, str):
            entry, rest = label, []
        else:
            rest.append(str(key))
    return entry, ".".join(rest)


_TYPE_WORDS = {"boolean": "true or false", "integer": "an integer", "number": "a number", "string": "a string",
               "array": "a list", "object": "a mapping", "null": "null"}


def _schema_message(err: Any) -> str:
    """One schema error in the words the header comments of the spec files use."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    value, why = err.instance, schema.get("description")
    if err.validator == "enum":
        return f"{value!r} not in {sorted(str(v) for v in err.validator_value)}"
    if err.validator == "const":
        return f"must be {err.validator_value!r}, got {value!r}"
    if err.validator == "required":
        missing = re.match(r"'(.*)' is a required property", err.message)
        return f"missing `{missing.group(1) if missing else err.message}`" + (f" ({why})" if why else "")
    if err.validator == "type":
        types = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return f"must be {' or '.join(_TYPE_WORDS.get(t, t) for t in types)}, got {value!r}"
    if err.validator == "pattern":
        return f"{value!r} is not {why}" if why else f"{value!r} does not match {err.validator_value}"
    if err.validator in ("minProperties", "minItems") and why:
        return f"needs {why}"
    return err.message


@lru_cache(maxsize=32)
def _file_validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def document_problems(file: str, data: Any, root: Path) -> list[str]:
    """`data` (spec file `file`, as parsed) checked against its schema in `root`/schemas/spec-files: one
    line per problem, "file: entry: key.path message"."""
    schema_path = root / SPEC_FILE_SCHEMA_DIR / SPEC_FILE_SCHEMAS[file]
    if not schema_path.exists():
        return [f"{SPEC_FILE_SCHEMA_DIR.as_posix()}/{SPEC_FILE_SCHEMAS[file]}: missing (the schema of {file})"]
    problems = []
    errors = sorted(_file_validator(schema_path.resolve()).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    for err in errors:
        entry, rest = _label(data, list(err.absolute_path))
        where = ": ".join(part for part in (file, entry) if part)
        message = _schema_message(err)
        problems.append(f"{where}: {rest} {message}" if rest else f"{where}: {message}")
    return problems


def spec_file_problems(spec: SpecFiles) -> list[str]:
    """Every spec file that could be read, against its schema (spec/schemas/spec-files/)."""
    problems = []
    for file, data in spec.documents.items():
        if data is not None:
            problems += document_problems(file, data, spec.root)
    return problems


# ---------------------------------------------------------------- ids and cross-references

def duplicate_ids(spec: SpecFiles) -> list[str]:
    problems = []
    for file, items in (("errors.yaml", spec.errors), ("item_errors.yaml", spec.item_errors),
                        ("clauses.yaml", spec.clauses), ("ambiguities.yaml", spec.ambiguities)):
        counts = Counter(item.get("id") for item in items)
        problems += [f"{file}: id {i!r} appears {n} times" for i, n in counts.items() if n > 1]
    shared = {e.get("id") for e in spec.errors} & {e.get("id") for e in spec.item_errors}
    problems += [f"item_errors.yaml: id {i!r} is also an id of errors.yaml" for i in sorted(shared, key=str)]
    return problems


def error_problems(spec: SpecFiles) -> list[str]:
    """A message_pattern matches its own entry's message."""
    problems = []
    for file, entries in (("errors.yaml", spec.errors), ("item_errors.yaml", spec.item_errors)):
        for err in entries:
            pattern = err.get("message_pattern")
            if not isinstance(pattern, str):
                continue
            try:
                if not re.fullmatch(pattern, str(err.get("message", ""))):
                    problems.append(f"{file}: {err.get('id', '?')}: message_pattern does not match the entry's own message")
            except re.error:
                pass  # the schema's `regex` format reports it
    return problems


def _named(value: Any) -> list[Any]:
    """A key that holds one name or a list of them."""
    return [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []


def clause_problems(spec: SpecFiles) -> list[str]:
    """The errors, schemas and ambiguities a clause names exist."""
    error_ids = {e.get("id") for e in spec.errors}
    ambiguity_ids = {a.get("id") for a in spec.ambiguities}
    problems = []
    for clause in spec.clauses:
        where = f"clauses.yaml: {clause.get('id', '?')}"
        problems += [f"{where}: unknown error id {e!r}" for e in _named(clause.get("errors")) if e not in error_ids]
        problems += [f"{where}: unknown schema {s!r}" for s in _named(clause.get("schemas")) if s not in spec.schemas]
        problems += [f"{where}: unknown ambiguity {a!r}" for a in _named(clause.get("ambiguity")) if a not in ambiguity_ids]
    return problems


def ambiguity_problems(spec: SpecFiles) -> list[str]:
    """Modes, the portal's reading and the readings' errors name readings and errors that exist; lenient
    accepts at least what strict accepts."""
    known_errors = {e.get("id") for e in spec.errors}
    problems = []
    for amb in spec.ambiguities:
        where = f"ambiguities.yaml: {amb.get('id', '?')}"
        readings = _map_under(amb, "readings")
        for mode in ("strict", "lenient"):
            problems += [f"{where}: {mode} names unknown reading {r!r}" for r in _named(amb.get(mode)) if r not in readings]
        if amb.get("portal") not in readings:
            problems.append(f"{where}: portal names unknown reading {amb.get('portal')!r}")
        for reading, ids in _map_under(amb, "errors").items():
            if reading not in readings:
                problems.append(f"{where}: errors names unknown reading {reading!r}")
            problems += [f"{where}: errors.{reading} names unknown error {i!r}" for i in _named(ids) if i not in known_errors]
        # lenient mode must accept at least what strict mode accepts, or "lenient" would fail more.
        missing = set(_named(amb.get("strict"))) - set(_named(amb.get("lenient")))
        if missing:
            problems.append(f"{where}: lenient does not accept strict's reading(s) {sorted(missing)}")
    return problems


# ---------------------------------------------------------------- provenance

def _cited(spec: SpecFiles) -> Iterator[tuple[str, Any]]:
    """(where, raw source) of every entry that must cite the docs."""
    for file, entries in (("errors.yaml", spec.errors), ("item_errors.yaml", spec.item_errors)):
        for err in entries:
            # An error only the vendor's source or a recorded reply shows (no page spells it) cites no page,
            # like such a variant: `source: []` beside its `evidence`.
            if err.get("source") or not err.get("evidence"):
                yield f"{file}: {err.get('id', '?')}", err.get("source")
            for variant in err.get("variants") or ():
                # A variant shown only by evidence beside the docs (the vendor's source, a recorded reply)
                # cites no page; evidence_reference_problems checks its ids.
                if isinstance(variant, dict) and ("source" in variant or "evidence" not in variant):
                    yield f"{file}: {err.get('id', '?')}: variant {variant.get('text')!r}", variant.get("source")
    for clause in spec.clauses:
        yield f"clauses.yaml: {clause.get('id', '?')}", clause.get("source")
    for amb in spec.ambiguities:
        yield f"ambiguities.yaml: {amb.get('id', '?')}", amb.get("sources")
    for name, enum in spec.enums.items():
        yield f"enums.yaml: {name}", (enum or {}).get("source") if isinstance(enum, dict) else None
    for table in ("activity", "communication"):
        yield f"fields.yaml: {table}", (spec.fields.get(table) or {}).get("source")
    marks = spec.fields.get("required_marks") or []
    yield "fields.yaml: required_marks", [{"page": m.get("page"), "heading": m.get("heading")} for m in marks
                                          if isinstance(m, dict)] or None
    for block in ("input", "readback", "by_type"):
        yield f"fields.yaml: {block}", _map_under(spec.fields, block).get("source")
    for name, kind in _map_under(spec.items, "kinds").items():
        yield f"items.yaml: kinds.{name}", _map_under(kind).get("source")
    for name, record in _map_under(spec.items, "users").items():
        yield f"items.yaml: users.{name}", _map_under(record).get("source")
    for block in ("list", "batch", "plans", "operating"):
        yield f"limits.yaml: {block}", _map_under(spec.limits, block).get("source")


def provenance_problems(spec: SpecFiles) -> list[str]:
    """Every source cites a page of the pinned snapshot (no network needed); the snapshot's own shape
    (docs.commit, the pages' blobs) is provenance.schema.json's to check."""
    pages = _map_under(spec.provenance, "pages")
    problems: list[str] = []
    for where, raw in _cited(spec):
        shape = citation_problems(raw, where)
        problems += shape
        if not shape:
            problems += [f"{where}: page {c['page']} is not in the docs snapshot (provenance.yaml pages)"
                         for c in raw if c["page"] not in pages]
    for name, method in spec.methods.items():
        source = str((method or {}).get("source", "")) if isinstance(method, dict) else ""
        if not source.startswith("none:") and source not in pages:
            problems.append(f"methods.yaml: {name}: page {source!r} is not in the docs snapshot (provenance.yaml pages)")
    return problems + evidence_problems(spec.provenance.get("evidence")) + evidence_reference_problems(spec)


def evidence_reference_problems(spec: SpecFiles) -> list[str]:
    """Every `evidence:` of errors.yaml (entries, variants, at any depth), clauses.yaml and ambiguities.yaml
    is a non-empty list naming entries of provenance.yaml `evidence`."""
    raw = spec.provenance.get("evidence")
    known = {e.get("id") for e in raw if isinstance(e, dict)} if isinstance(raw, list) else set()
    problems = []
    for file, items in (("errors.yaml", spec.errors), ("clauses.yaml", spec.clauses),
                        ("ambiguities.yaml", spec.ambiguities)):
        for item in items:
            for pointer, node in _carrying(item, "evidence"):
                where = f"{file}: {item.get('id', '?')}{pointer}"
                ids = node["evidence"]
                if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
                    problems.append(f"{where}: evidence must be a non-empty list of provenance.yaml evidence ids")
                    continue
                problems += [f"{where}: evidence {i!r} is not in provenance.yaml evidence" for i in ids if i not in known]
    return problems


def fields_problems(spec: SpecFiles) -> list[str]:
    """Every name fields.yaml's lists use has a descriptor, and every single-valued descriptor's type has a
    value kind."""
    problems = []
    tables = {table: _map_under(_map_under(spec.fields, table), "fields") for table in ("activity", "communication")}
    for table, descriptors in tables.items():
        problems += [f"fields.yaml: {table}.not_in_example names {name}, which has no descriptor"
                     for name in _named(_map_under(spec.fields, table).get("not_in_example")) if name not in descriptors]
    activity = tables["activity"]
    value_types = _map_under(spec.fields, "value_types")
    for name, desc in activity.items():
        if isinstance(desc, dict) and not desc.get("isMultiple") and desc.get("type") not in value_types:
            problems.append(f"fields.yaml: activity.{name}: type {desc.get('type')!r} has no entry in value_types")
    for block, keys in (("input", ("derived", "settable")),
                        ("readback", ("keys", "multi", "unset_as", "select_aliases", "numbers", "defaults"))):
        for key in keys:
            value = _map_under(spec.fields, block).get(key)
            names = list(value.values() if key == "select_aliases" else value) if isinstance(value, (dict, list)) else []
            problems += [f"fields.yaml: {block}.{key} names {n}, which has no activity descriptor"
                         for n in names if n not in activity]
    return problems + _defaults_problems(spec, activity, value_types) + _by_type_problems(spec)


# A default is stored as it is: an int field holds an integer, a flag Y or N.
_DEFAULT_FITS = {"int": lambda v: isinstance(v, int) and not isinstance(v, bool), "flag": lambda v: v in ("Y", "N")}


def _defaults_problems(spec: SpecFiles, activity: dict[str, Any], value_types: dict[str, Any]) -> list[str]:
    problems = []
    for name, value in _map_under(_map_under(spec.fields, "readback"), "defaults").items():
        desc = activity.get(name)
        kind = value_types.get(desc.get("type")) if isinstance(desc, dict) else None
        if kind is None:
            continue  # an unknown name or type: reported above
        fits = _DEFAULT_FITS.get(kind)
        if fits is None:
            problems.append(f"fields.yaml: readback.defaults.{name}: a {kind} field takes no default (int and flag fields do)")
        elif not fits(value):
            expected = "an integer" if kind == "int" else '"Y" or "N"'
            problems.append(f"fields.yaml: readback.defaults.{name} is {value!r}, not {expected} ({kind} field)")
    return problems


def _by_type_problems(spec: SpecFiles) -> list[str]:
    """Each fill names a type add creates (enums.yaml activitytype `creatable`), once."""
    creatable = set(_named(_map_under(_map_under(spec.enums, "activitytype")).get("creatable")))
    fills = _map_under(spec.fields, "by_type").get("fill")
    # A TYPE_ID that is no integer is the schema's to report.
    ids = Counter(f["TYPE_ID"] for f in (fills if isinstance(fills, list) else [])
                  if isinstance(f, dict) and isinstance(f.get("TYPE_ID"), int))
    problems = [f"fields.yaml: by_type.fill names TYPE_ID {i}, which enums.yaml activitytype does not list as creatable"
                for i in ids if i not in creatable]
    return problems + [f"fields.yaml: by_type.fill names TYPE_ID {i} {n} times" for i, n in ids.items() if n > 1]


# What user.current, user.get and profile print from the seed user before the keys of items.yaml `users`.
USER_OWN_KEYS = ("ID", "ACTIVE", "ADMIN")


def items_problems(spec: SpecFiles) -> list[str]:
    """Each item kind's typed lists name its own fields, its not-found errors exist in item_errors.yaml, the
    presence flags name multi-fields, and the users' keys leave out what the seed user gives itself."""
    known_errors = {e.get("id") for e in spec.item_errors}
    multi = set(_named(spec.items.get("multi_fields")))
    problems = [f"items.yaml: presence.{flag} names {name!r}, which is not a multi-field"
                for flag, name in _map_under(spec.items, "presence").items() if name not in multi]
    for name, kind in _map_under(spec.items, "kinds").items():
        where = f"items.yaml: kinds.{name}"
        fields = set(_named(_map_under(kind).get("fields")))
        for key in ("ids", "datetimes", "money", "flags", "defaults"):
            value = _map_under(kind).get(key)
            problems += [f"{where}.{key} names {f}, which is not in its fields"
                         for f in (value if isinstance(value, (list, dict)) else []) if f not in fields]
        problems += [f"{where}.not_found.{op} names unknown error {eid!r}"
                     for op, eid in _map_under(_map_under(kind), "not_found").items() if eid not in known_errors]
    for name, record in _map_under(spec.items, "users").items():
        problems += [f"items.yaml: users.{name}.keys names {key}, which the portal prints from the seed user itself"
                     for key in _map_under(_map_under(record), "keys") if key in USER_OWN_KEYS]
    return problems


# ---------------------------------------------------------------- schemas

def schema_file_problems(spec: SpecFiles) -> list[str]:
    """Each schema file is valid JSON Schema 2020-12 and has no $id: a bare `$id` such as "time.json"
    becomes the base of the file's $refs, which tools that resolve by file (Redocly's example check,
    Swagger UI, Prism) cannot follow; without it every $ref resolves relative to the file itself."""
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
    problems = []
    for name, schema in spec.schemas.items():
        if not isinstance(schema, dict):
            problems.append(f"schemas/{name}: not a JSON object")
            continue
        if "$id" in schema:
            problems.append(f"schemas/{name}: has $id {schema['$id']!r}; $refs must resolve relative to the file")
        for err in meta.iter_errors(schema):
            path = "/".join(str(p) for p in err.absolute_path) or "(root)"
            problems.append(f"schemas/{name}: {path}: {err.message}")
        for amb in schema.get("x-b24-ambiguities") or {}:
            if amb not in {a.get("id") for a in spec.ambiguities}:
                problems.append(f"schemas/{name}: x-b24-ambiguities names unknown ambiguity {amb!r}")
    return problems


def _carrying(node: Any, key: str, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON pointer, object) of every object of a document that has `key`."""
    if isinstance(node, dict):
        if key in node:
            yield pointer, node
        for name, value in node.items():
            yield from _carrying(value, key, f"{pointer}/{name}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _carrying(value, key, f"{pointer}/{i}")


def enum_agreement_problems(spec: SpecFiles) -> list[str]:
    """Enum lists written into schemas equal the ids of enums.yaml (as integers, or as decimal strings)."""
    problems = []
    for name, schema in spec.schemas.items():
        for pointer, node in _carrying(schema, "x-b24-enum"):
            enum_name = node["x-b24-enum"]
            source = spec.enums.get(enum_name)
            if not source:
                problems.append(f"schemas/{name}#{pointer}: x-b24-enum names unknown enum {enum_name!r}")
                continue
            ids = [int(v["ID"]) for v in source.get("values") or ()]
            expected = [str(i) for i in ids] if node.get("type") == "string" else ids
            if node.get("enum") != expected:
                problems.append(f"schemas/{name}#{pointer}: enum {node.get('enum')} differs from enums.yaml "
                                f"{enum_name} ids {expected}")
    return problems


# ---------------------------------------------------------------- $ref resolution

OPENAPI_URI = "openapi.yaml"

_SKIPPED_KEYS = frozenset({"example", "enum", "const", "default"})


def _refs(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(location, $ref) pairs of a document, leaving out literal example values."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer or "/", ref
        for key, value in node.items():
            if key in _SKIPPED_KEYS:
                continue
            if key == "examples" and isinstance(value, dict):
                # OpenAPI example objects: their `value` is data, only the objects themselves may be refs.
                for ex_name, example in value.items():
                    if isinstance(example, dict):
                        yield from _refs({k: v for k, v in example.items() if k != "value"},
                                         f"{pointer}/examples/{ex_name}")
                continue
            if key == "examples":
                continue
            yield from _refs(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _refs(value, f"{pointer}/{i}")


def _registry(documents: dict[Path, Any]) -> Registry:
    """Every document a $ref of spec/ may name, under its file URI, so relative refs resolve as in any
    tool that reads the files by path. The schema files are JSON Schemas ($anchor, $defs); openapi.yaml
    is no JSON Schema, only a JSON pointer into it is asked of it. A schema file that is not even an
    object is registered as plain data: its refs fail as unresolvable, not as a crash."""
    resources = []
    for path, doc in documents.items():
        schema = path.suffix == ".json" and isinstance(doc, dict)
        resource = Resource.from_contents(doc, default_specification=DRAFT202012) if schema else Resource.opaque(doc)
        resources.append((path.resolve().as_uri(), resource))
    return Registry().with_resources(resources)


def ref_problems(spec: SpecFiles) -> list[str]:
    """Every $ref of openapi.yaml and of the schema files names an existing document and location."""
    documents: dict[Path, Any] = {spec.root / "openapi.yaml": spec.openapi}
    documents.update({spec.root / "schemas" / n: s for n, s in spec.schemas.items()})
    registry = _registry(documents)
    problems = []
    for path, doc in documents.items():
        label = path.relative_to(spec.root).as_posix()
        for location, ref in _refs(doc):
            file_part, _, fragment = ref.partition("#")
            if re.match(r"^[a-z][a-z0-9+.-]*:", file_part):
                problems.append(f"{label}: {location}: $ref {ref!r} points outside spec/")
                continue
            target = (path.parent / file_part).resolve() if file_part else path
            if target not in documents:
                problems.append(f"{label}: {location}: $ref {ref!r}: no such file")
                continue
            try:
                registry.resolver(base_uri=path.resolve().as_uri()).lookup(ref)
            except Unresolvable:
                problems.append(f"{label}: {location}: $ref {ref!r}: no such location #{fragment}")
            except (AttributeError, TypeError) as exc:
                # finding an anchor walks every schema file, and referencing trips on a keyword of the
                # wrong type (the metaschema check names which); here it is one line, not a crash
                problems.append(f"{label}: {location}: $ref {ref!r}: cannot be followed through a malformed "
                                f"schema ({type(exc).__name__}: {exc})")
    return problems


# ---------------------------------------------------------------- OpenAPI

def openapi_lint_problems(spec: SpecFiles) -> list[str]:
    """openapi-spec-validator's verdict on openapi.yaml, external refs resolved from spec/."""
    from openapi_spec_validator import OpenAPIV31SpecValidator  # start-up: ~40 ms, only for `spec validate`

    if not spec.openapi:
        return []
    base_uri = (spec.root / "openapi.yaml").resolve().as_uri()
    try:
        found = list(OpenAPIV31SpecValidator(spec.openapi, base_uri=base_uri).iter_errors())
    except Exception as exc:  # the validator raises (rather than reports) on refs it cannot resolve
        return [f"openapi.yaml: validator stopped: {type(exc).__name__}: {exc}"]
    return [f"openapi.yaml: {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def _operations(openapi: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in (openapi.get("paths") or {}).items():
        for method in HTTP_METHODS:
            if isinstance(item, dict) and isinstance(item.get(method), dict):
                yield path, method, item[method]


def _deref_local(openapi: dict[str, Any], node: Any) -> Any:
    """`node`, its in-document $refs followed; None where one leads nowhere (ref_problems names it)."""
    resolver = Registry().with_resource(OPENAPI_URI, Resource.opaque(openapi)).resolver(base_uri=OPENAPI_URI)
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        if node["$ref"] in seen:  # a loop of refs names no response
            return None
        seen.add(node["$ref"])
        try:
            node = resolver.lookup(node["$ref"]).contents
        except Unresolvable:
            return None
    return node


def operation_error_ids(openapi: dict[str, Any], operation: dict[str, Any]) -> dict[str, list[str]]:
    """status -> the x-b24-error-ids its response declares."""
    out = {}
    for status, response in (operation.get("responses") or {}).items():
        response = _deref_local(openapi, response) or {}
        out[str(status)] = list(response.get("x-b24-error-ids") or [])
    return out


def openapi_contract_problems(spec: SpecFiles) -> list[str]:
    """operationIds, and x-b24-error-ids that exist, sit under their own status, and cover crm.activity.add."""
    errors = {e.get("id"): e for e in spec.errors}
    problems = []
    operation_ids = Counter(op.get("operationId") for _, _, op in _operations(spec.openapi))
    problems += [f"openapi.yaml: operationId {o!r} used {n} times" for o, n in operation_ids.items() if n > 1]
    problems += [f"openapi.yaml: operationId {o!r} missing" for o in REQUIRED_OPERATION_IDS if o not in operation_ids]
    add_error_ids = {e["id"] for e in spec.errors
                     if {"crm.activity.add", "*"} & set(e.get("methods") or ())}
    for path, method, op in _operations(spec.openapi):
        label = f"openapi.yaml: {method.upper()} {path}"
        declared = operation_error_ids(spec.openapi, op)
        for status, ids in declared.items():
            for eid in ids:
                if eid not in errors:
                    problems.append(f"{label}: response {status}: unknown error id {eid!r}")
                elif str(errors[eid].get("http_status")) != status:
                    problems.append(f"{label}: response {status}: error {eid} has HTTP status "
                                    f"{errors[eid].get('http_status')} in errors.yaml")
        if op.get("operationId") in ADD_OPERATION_IDS:
            seen = {eid for ids in declared.values() for eid in ids}
            problems += [f"{label}: error {eid} of crm.activity.add is not declared on any response"
                         for eid in sorted(add_error_ids - seen)]
    return problems


def refusal_mark_problems(spec: SpecFiles) -> list[str]:
    """Every x-b24-refused-by (the refusal the docs give for breaking a property) is a non-empty list
    of error ids of errors.yaml."""
    known = {e.get("id") for e in spec.errors}
    documents = [(f"schemas/{name}", schema) for name, schema in spec.schemas.items()]
    documents.append(("openapi.yaml", spec.openapi))
    problems = []
    for label, document in documents:
        for pointer, node in _carrying(document, "x-b24-refused-by"):
            value = node["x-b24-refused-by"]
            if not (isinstance(value, list) and value):
                problems.append(f"{label}#{pointer}: x-b24-refused-by must be a non-empty list of error ids")
                continue
            problems += [f"{label}#{pointer}: x-b24-refused-by names unknown error {eid!r}"
                         for eid in value if eid not in known]
        readings = {a.get("id"): a.get("readings") or {} for a in spec.ambiguities}
        for pointer, node in _carrying(document, "x-b24-refusal-waived-by"):
            waived = node["x-b24-refusal-waived-by"]
            if not isinstance(waived, dict) or not waived:
                problems.append(f"{label}#{pointer}: x-b24-refusal-waived-by must map ambiguity ids to a reading")
                continue
            problems += [f"{label}#{pointer}: x-b24-refusal-waived-by names unknown reading {amb} {r!r}"
                         for amb, r in waived.items() if r not in readings.get(amb, {})]
    return problems


# ---------------------------------------------------------------- all together

CHECKS = (
    spec_file_problems, duplicate_ids, error_problems, clause_problems, ambiguity_problems, provenance_problems,
    fields_problems, items_problems,
    schema_file_problems, refusal_mark_problems,
    enum_agreement_problems, ref_problems, openapi_lint_problems, openapi_contract_problems,
)


def validate_spec(root: Path) -> list[str]:
    """Every problem of spec/ at `root`; empty when it is clean."""
    spec = read_spec(root)
    problems = list(spec.problems)
    for check in CHECKS:
        problems += check(spec)
    return problems


def summary(root: Path) -> dict[str, Any]:
    """Counts shown by `b24conform spec validate`."""
    spec = read_spec(root)
    return {
        "clauses": len(spec.clauses),
        "clauses_by_family": dict(sorted(Counter(str(c.get("id", "?")).split("-")[0] for c in spec.clauses).items())),
        "clauses_by_check": dict(sorted(Counter(c.get("check", "automated") for c in spec.clauses).items())),
        "errors": len(spec.errors),
        "errors_by_kind": dict(sorted(Counter(e.get("kind", "?") for e in spec.errors).items())),
        "ambiguities": len(spec.ambiguities),
        "schemas": len(spec.schemas),
        "operations": sum(1 for _ in _operations(spec.openapi)),
    }
