"""Checks that spec/ is whole and consistent.

Every check is a pure function that returns a list of problems (empty = clean), so tests can call
them one by one and the CLI only prints. The files are read raw here, not through the loader,
because the loader stops at the first inconsistency while a validator should list them all.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from jsonschema import Draft202012Validator

from b24conform.contract.provenance import COMMIT, citation_problems, evidence_problems
from b24conform.yamltext import load_yaml

# Allowed values, as the header comments of clauses.yaml and errors.yaml define them.
CLAUSE_WHERE = frozenset({"any", "oauth", "mock", "https", "limits"})
CLAUSE_LEVELS = frozenset({"MUST", "SHOULD"})
CLAUSE_CHECKS = frozenset({"automated", "none"})
CLAUSE_ID = re.compile(r"^[A-Z]+-[0-9]{3}$")
ERROR_KINDS = frozenset({"method", "general", "companion", "transport"})
ERROR_REACHABLE = frozenset({"input", "permissions", "context", "environment", "limits", "server_fault"})

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


def _list_under(data: Any, key: str, file: str, problems: list[str]) -> list[dict[str, Any]]:
    if data is None:
        return []
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        problems.append(f"{file}: top-level `{key}` must be a list of mappings")
        return []
    return items


def read_spec(root: Path) -> SpecFiles:
    """Read every file of spec/ at `root`, collecting unreadable ones as problems."""
    root = root.resolve()
    spec = SpecFiles(root=root)
    p = spec.problems
    spec.errors = _list_under(_read(root / "errors.yaml", p), "errors", "errors.yaml", p)
    spec.clauses = _list_under(_read(root / "clauses.yaml", p), "clauses", "clauses.yaml", p)
    spec.ambiguities = _list_under(_read(root / "ambiguities.yaml", p), "ambiguities", "ambiguities.yaml", p)
    enums = _read(root / "enums.yaml", p)
    spec.enums = (enums or {}).get("enums") or {} if isinstance(enums, dict) else {}
    spec.openapi = _read(root / "openapi.yaml", p) or {}
    provenance = _read(root / "provenance.yaml", p)
    spec.provenance = provenance if isinstance(provenance, dict) else {}
    fields = _read(root / "fields.yaml", p)
    spec.fields = fields if isinstance(fields, dict) else {}
    methods = _read(root / "methods.yaml", p)
    spec.methods = (methods or {}).get("methods") or {} if isinstance(methods, dict) else {}
    for path in sorted((root / "schemas").glob("*.json")):
        data = _read(path, p)
        if data is not None:
            spec.schemas[path.name] = data
    if not spec.schemas:
        p.append("schemas/: no schema files")
    return spec


# ---------------------------------------------------------------- ids and cross-references

def duplicate_ids(spec: SpecFiles) -> list[str]:
    problems = []
    for file, items in (("errors.yaml", spec.errors), ("clauses.yaml", spec.clauses),
                        ("ambiguities.yaml", spec.ambiguities)):
        counts = Counter(item.get("id") for item in items)
        problems += [f"{file}: id {i!r} appears {n} times" for i, n in counts.items() if n > 1]
    return problems


def error_problems(spec: SpecFiles) -> list[str]:
    problems = []
    for err in spec.errors:
        eid = err.get("id", "?")
        for key in ("id", "kind", "http_status", "code", "message"):
            if key not in err:
                problems.append(f"errors.yaml: {eid}: missing `{key}`")
        if err.get("kind") not in ERROR_KINDS:
            problems.append(f"errors.yaml: {eid}: kind {err.get('kind')!r} not in {sorted(ERROR_KINDS)}")
        if err.get("reachable") not in ERROR_REACHABLE:
            problems.append(f"errors.yaml: {eid}: reachable {err.get('reachable')!r} not in {sorted(ERROR_REACHABLE)}")
        if not isinstance(err.get("http_status"), int):
            problems.append(f"errors.yaml: {eid}: http_status must be an integer")
        if not isinstance(err.get("message_pinned"), bool):
            # Decides whether live portals are held to the wording (judge/checks/errors.py): no default.
            problems.append(f"errors.yaml: {eid}: message_pinned must be true or false, got {err.get('message_pinned')!r}")
        if not re.fullmatch(r"[A-Za-z0-9_]*", str(err.get("code", ""))):
            problems.append(f"errors.yaml: {eid}: code {err.get('code')!r} has characters outside [A-Za-z0-9_]")
        pattern = err.get("message_pattern")
        if pattern is not None:
            try:
                if not re.fullmatch(pattern, str(err.get("message", ""))):
                    problems.append(f"errors.yaml: {eid}: message_pattern does not match the entry's own message")
            except re.error as exc:
                problems.append(f"errors.yaml: {eid}: message_pattern is not a regular expression ({exc})")
    return problems


def clause_problems(spec: SpecFiles) -> list[str]:
    error_ids = {e.get("id") for e in spec.errors}
    ambiguity_ids = {a.get("id") for a in spec.ambiguities}
    problems = []
    for clause in spec.clauses:
        cid = clause.get("id", "?")
        where = f"clauses.yaml: {cid}"
        if not CLAUSE_ID.match(str(cid)):
            problems.append(f"{where}: id does not look like FAMILY-NNN")
        for key in ("title", "statement", "level", "source", "where"):
            if not clause.get(key):
                problems.append(f"{where}: missing `{key}`")
        if clause.get("level") not in CLAUSE_LEVELS:
            problems.append(f"{where}: level {clause.get('level')!r} not in {sorted(CLAUSE_LEVELS)}")
        if clause.get("where") not in CLAUSE_WHERE:
            problems.append(f"{where}: where {clause.get('where')!r} not in {sorted(CLAUSE_WHERE)}")
        check = clause.get("check", "automated")
        if check not in CLAUSE_CHECKS:
            problems.append(f"{where}: check {check!r} not in {sorted(CLAUSE_CHECKS)}")
        if check == "none" and not clause.get("reason"):
            problems.append(f"{where}: check is none but no reason says why")
        problems += [f"{where}: unknown error id {e!r}" for e in clause.get("errors") or () if e not in error_ids]
        problems += [f"{where}: unknown schema {s!r}" for s in clause.get("schemas") or () if s not in spec.schemas]
        named = clause.get("ambiguity") or []
        for amb in [named] if isinstance(named, str) else named:
            if amb not in ambiguity_ids:
                problems.append(f"{where}: unknown ambiguity {amb!r}")
    return problems


def ambiguity_problems(spec: SpecFiles) -> list[str]:
    problems = []
    for amb in spec.ambiguities:
        where = f"ambiguities.yaml: {amb.get('id', '?')}"
        readings = amb.get("readings")
        if not isinstance(readings, dict) or len(readings) < 2:
            problems.append(f"{where}: needs at least two readings")
            readings = readings if isinstance(readings, dict) else {}
        for mode in ("strict", "lenient"):
            chosen = amb.get(mode) or []
            if not chosen:
                problems.append(f"{where}: `{mode}` accepts no reading")
            problems += [f"{where}: {mode} names unknown reading {r!r}" for r in chosen if r not in readings]
        if amb.get("portal") not in readings:
            problems.append(f"{where}: portal names unknown reading {amb.get('portal')!r}")
        reading_errors = amb.get("errors") or {}
        if not isinstance(reading_errors, dict):
            problems.append(f"{where}: `errors` must map readings to lists of error ids")
            reading_errors = {}
        known_errors = {e.get("id") for e in spec.errors}
        for reading, ids in reading_errors.items():
            if reading not in readings:
                problems.append(f"{where}: errors names unknown reading {reading!r}")
            problems += [f"{where}: errors.{reading} names unknown error {i!r}" for i in (ids or []) if i not in known_errors]
        # lenient mode must accept at least what strict mode accepts, or "lenient" would fail more.
        missing = set(amb.get("strict") or []) - set(amb.get("lenient") or [])
        if missing:
            problems.append(f"{where}: lenient does not accept strict's reading(s) {sorted(missing)}")
    return problems


# ---------------------------------------------------------------- provenance

def _cited(spec: SpecFiles) -> Iterator[tuple[str, Any]]:
    """(where, raw source) of every entry that must cite the docs."""
    for err in spec.errors:
        # An error only the vendor's source or a recorded reply shows (no page spells it) cites no page,
        # like such a variant: `source: []` beside its `evidence`.
        if err.get("source") or not err.get("evidence"):
            yield f"errors.yaml: {err.get('id', '?')}", err.get("source")
        for variant in err.get("variants") or ():
            # A variant shown only by evidence beside the docs (the vendor's source, a recorded reply)
            # cites no page; evidence_reference_problems checks its ids.
            if isinstance(variant, dict) and ("source" in variant or "evidence" not in variant):
                yield f"errors.yaml: {err.get('id', '?')}: variant {variant.get('text')!r}", variant.get("source")
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


def provenance_problems(spec: SpecFiles) -> list[str]:
    """The pinned snapshot is whole, and every source cites a page of it (no network needed)."""
    docs = spec.provenance.get("docs")
    if not isinstance(docs, dict):
        return ["provenance.yaml: missing `docs` (repository, url, commit, date)"]
    problems = [f"provenance.yaml: docs.{k} missing" for k in ("repository", "url", "commit", "date") if not docs.get(k)]
    if docs.get("commit") and not COMMIT.match(str(docs["commit"])):
        problems.append(f"provenance.yaml: docs.commit {docs['commit']!r} is not a 40-digit git commit")
    pages = spec.provenance.get("pages")
    if not isinstance(pages, dict) or not pages:
        return problems + ["provenance.yaml: `pages` must map each cited page to its blob hash"]
    problems += [f"provenance.yaml: page {path}: blob {blob!r} is not a 40-digit git hash"
                 for path, blob in pages.items() if not COMMIT.match(str(blob))]
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


DESCRIPTOR_FLAGS = ("isRequired", "isReadOnly", "isImmutable", "isMultiple", "isDynamic")


def fields_problems(spec: SpecFiles) -> list[str]:
    """Each descriptor of fields.yaml has a type, the five flags as booleans, and a title."""
    problems = []
    for table in ("activity", "communication"):
        entries = (spec.fields.get(table) or {}).get("fields")
        if not isinstance(entries, dict) or not entries:
            problems.append(f"fields.yaml: `{table}.fields` must map field names to descriptors")
            continue
        for name, desc in entries.items():
            where = f"fields.yaml: {table}.{name}"
            if not isinstance(desc, dict):
                problems.append(f"{where}: not a mapping")
                continue
            if not isinstance(desc.get("type"), str) or not isinstance(desc.get("title"), str):
                problems.append(f"{where}: needs a string `type` and `title`")
            problems += [f"{where}: `{flag}` must be true or false" for flag in DESCRIPTOR_FLAGS
                         if not isinstance(desc.get(flag), bool)]
        for name in (spec.fields.get(table) or {}).get("not_in_example") or ():
            if name not in entries:
                problems.append(f"fields.yaml: {table}.not_in_example names {name}, which has no descriptor")
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


def _follow_pointer(doc: Any, fragment: str) -> bool:
    if fragment in ("", "/"):
        return True
    if not fragment.startswith("/"):
        return _has_anchor(doc, fragment)
    node = doc
    for raw in fragment[1:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _has_anchor(node: Any, anchor: str) -> bool:
    if isinstance(node, dict):
        if node.get("$anchor") == anchor:
            return True
        return any(_has_anchor(v, anchor) for v in node.values())
    if isinstance(node, list):
        return any(_has_anchor(v, anchor) for v in node)
    return False


def ref_problems(spec: SpecFiles) -> list[str]:
    """Every $ref of openapi.yaml and of the schema files names an existing document and location."""
    documents: dict[Path, Any] = {spec.root / "openapi.yaml": spec.openapi}
    documents.update({spec.root / "schemas" / n: s for n, s in spec.schemas.items()})
    problems = []
    for path, doc in documents.items():
        label = path.relative_to(spec.root).as_posix()
        for location, ref in _refs(doc):
            file_part, _, fragment = ref.partition("#")
            if re.match(r"^[a-z][a-z0-9+.-]*:", file_part):
                problems.append(f"{label}: {location}: $ref {ref!r} points outside spec/")
                continue
            target = (path.parent / file_part).resolve() if file_part else path
            target_doc = documents.get(target)
            if target_doc is None:
                problems.append(f"{label}: {location}: $ref {ref!r}: no such file")
            elif not _follow_pointer(target_doc, fragment):
                problems.append(f"{label}: {location}: $ref {ref!r}: no such location #{fragment}")
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
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = openapi
        for part in node["$ref"][2:].split("/"):
            target = target.get(part) if isinstance(target, dict) else None
        node = target
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
    duplicate_ids, error_problems, clause_problems, ambiguity_problems, provenance_problems, fields_problems,
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
