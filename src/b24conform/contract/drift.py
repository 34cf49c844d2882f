"""`spec drift`: every difference between spec/ and a checkout of the official docs.

What is compared, page by page (the pages are those of spec/provenance.yaml):
  page      a cited page is missing or its git blob differs from the pinned one
  citation  a cited heading or quoted string is no longer on its page
  error     the error tables (messages; for the system table also status and code) against errors.yaml
  field     the fields pages' example descriptors against spec/fields.yaml
  required  the stars of the field tables against fields.yaml `required_marks`
  enum      the crm.enum.* pages' example ids (and symbol codes) against enums.yaml
  example   each example response of the companion pages against the spec's response schemas
A difference says what the spec holds and what the docs hold; no difference means spec/ still says
what the docs say.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from b24conform.contract.docspage import Page, json_block_count, json_examples, starred_names, table_names, tables, ticked
from b24conform.contract.loader import Contract
from b24conform.contract.schemas import registry_for

AB = "api-reference/crm/timeline/activities/activity-base/"
SYSTEM_ERRORS = ("_includes/system-errors.md", "Статусы и коды системных ошибок")
RESPONSE, ERRORS = "Обработка ответа", "Обработка ошибок"

# The error tables spec/errors.yaml catalogues: (page, heading). The system table is compared by
# status, code and text; the others by their backticked messages.
ERROR_TABLES = (
    (AB + "crm-activity-add.md", "Возможные коды ошибок"),
    (AB + "crm-activity-get.md", "Возможные коды ошибок"),
    (AB + "crm-activity-update.md", "Возможные коды ошибок"),
    (AB + "crm-activity-delete.md", "Возможные коды ошибок"),
    ("tutorials/crm/how-to-add-crm-objects/how-to-add-activity-to-contact.md", "Ошибки и диагностика"),
    ("tutorials/crm/how-to-add-crm-objects/how-to-send-email.md", "Ошибки и диагностика"),
)

# How each example response is shaped, by what the page documents (a JSON Schema over spec/schemas).
_TIMED = {"time": {"$ref": "time.json"}}
SHAPES: dict[str, dict[str, Any]] = {
    "add": {"$ref": "success-envelope.json"},
    "get": {"type": "object", "required": ["result", "time"],
            "properties": {"result": {"$ref": "activity-readback.json"}, **_TIMED}},
    "list": {"allOf": [{"$ref": "list-envelope.json"}],
             "properties": {"result": {"items": {"$ref": "activity-readback.json#/$defs/selection"}}}},
    "boolean": {"type": "object", "required": ["result", "time"], "properties": {"result": {"const": True}, **_TIMED}},
    "fields": {"type": "object", "required": ["result", "time"],
               "properties": {"result": {"$ref": "fields-descriptor.json"}, **_TIMED}},
    "enum": {"type": "object", "required": ["result", "time"],
             "properties": {"result": {"$ref": "enum-list.json"}, **_TIMED}},
    "batch": {"$ref": "batch-envelope.json"},
    "error": {"$ref": "error-envelope.json"},
}
# (page, heading, shape): the example responses that are compared. Every JSON block under the heading
# (its subsections included) must have the shape.
EXAMPLES = (
    (AB + "crm-activity-add.md", RESPONSE, "add"),
    (AB + "crm-activity-add.md", ERRORS, "error"),
    (AB + "crm-activity-get.md", RESPONSE, "get"),
    (AB + "crm-activity-get.md", ERRORS, "error"),
    (AB + "crm-activity-list.md", RESPONSE, "list"),
    (AB + "crm-activity-list.md", "Получение COMMUNICATIONS", "list"),
    (AB + "crm-activity-list.md", "Получение вложений", "list"),
    (AB + "crm-activity-list.md", ERRORS, "error"),
    (AB + "crm-activity-update.md", RESPONSE, "boolean"),
    (AB + "crm-activity-update.md", ERRORS, "error"),
    (AB + "crm-activity-delete.md", RESPONSE, "boolean"),
    (AB + "crm-activity-delete.md", ERRORS, "error"),
    (AB + "crm-activity-fields.md", RESPONSE, "fields"),
    (AB + "crm-activity-fields.md", ERRORS, "error"),
    (AB + "crm-activity-communication-fields.md", RESPONSE, "fields"),
    ("settings/how-to-call-rest-api/batch.md", RESPONSE, "batch"),
    ("settings/how-to-call-rest-api/batch.md", ERRORS, "batch"),
)


@dataclass(frozen=True)
class Difference:
    kind: str      # page | citation | error | field | required | enum | example
    page: str
    subject: str   # what differs (an error message, a field name, an enum id ...)
    spec: Any      # what spec/ holds (None: nothing)
    docs: Any      # what the docs hold (None: nothing)

    def text(self) -> str:
        return f"{self.kind}: {self.page}: {self.subject}: spec {self.spec!r}, docs {self.docs!r}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def git_blob(data: bytes) -> str:
    """The git blob hash of a file's bytes (what `git hash-object` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Checkout:
    """A local checkout of the docs repository, read page by page."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._pages: dict[str, Page | None] = {}

    def page(self, path: str) -> Page | None:
        if path not in self._pages:
            file = self.root / path
            self._pages[path] = Page(path, file.read_text(encoding="utf-8")) if file.is_file() else None
        return self._pages[path]

    def blob(self, path: str) -> str | None:
        file = self.root / path
        return git_blob(file.read_bytes()) if file.is_file() else None


def drift(contract: Contract, docs: Checkout) -> list[Difference]:
    """Every difference between `contract` and the docs checkout, in a stable order."""
    found: list[Difference] = []
    for check in (page_drift, citation_drift, error_drift, field_drift, required_drift, enum_drift, example_drift):
        found += check(contract, docs)
    return found


def page_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out = []
    for path, blob in contract.provenance.pages.items():
        now = docs.blob(path)
        if now != blob:
            out.append(Difference("page", path, "git blob", blob, now))
    return out


def all_citations(contract: Contract) -> Iterator[tuple[str, Any]]:
    for err in contract.errors.values():
        yield err.id, err.citations
        for v in err.variants:
            yield f"{err.id} variant", v.citations
    for clause in contract.clauses.values():
        yield clause.id, clause.citations
    for amb in contract.ambiguities.values():
        yield amb.id, amb.citations
    for enum in contract.enums.values():
        yield f"enum {enum.name}", enum.citations


def citation_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out, seen = [], set()
    for owner, citations in all_citations(contract):
        for c in citations:
            page = docs.page(c.page)
            if page is None:
                continue  # reported once as a page difference
            key = (c.page, c.heading, c.quote)
            if key in seen:
                continue
            seen.add(key)
            section = page.section(c.heading)
            if section is None:
                out.append(Difference("citation", c.page, f"heading cited by {owner}", c.heading, None))
            elif c.quote is not None and c.quote not in page.text:
                out.append(Difference("citation", c.page, f"quote cited by {owner}", c.quote, None))
    return out


def _spec_quotes(contract: Contract, page: str, heading: str) -> set[str]:
    quotes = set()
    for err in contract.errors.values():
        for c in (*err.citations, *(c for v in err.variants for c in v.citations)):
            if c.page == page and c.heading == heading and c.quote is not None:
                quotes.add(c.quote)
    return quotes


def error_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out = []
    for path, heading in ERROR_TABLES:
        page = docs.page(path)
        section = page.section(heading) if page else None
        if section is None:
            continue  # a page or citation difference says so
        documented = {text for table in tables(section) for row in table[1:] for text in ticked(row[0])}
        catalogued = _spec_quotes(contract, path, heading)
        out += [Difference("error", path, text, None, text) for text in sorted(documented - catalogued)]
        out += [Difference("error", path, text, text, None) for text in sorted(catalogued - documented)]
    out += _system_error_drift(contract, docs)
    return out


def _system_error_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    path, heading = SYSTEM_ERRORS
    page = docs.page(path)
    section = page.section(heading) if page else None
    if section is None:
        return []
    documented: dict[str, tuple[int, str]] = {}
    for table in tables(section):
        for row in table[1:]:
            if len(row) < 2 or not ticked(row[0]) or not ticked(row[1]):
                continue
            code = ticked(row[1])[0]
            text = row[1].split("`", 2)[-1].strip()
            documented[code] = (int(ticked(row[0])[0]), text)
    catalogued: dict[str, tuple[int, str]] = {}
    for err in contract.errors.values():
        for c in err.citations:
            if (c.page, c.heading) == SYSTEM_ERRORS and c.quote is not None and c.quote in (err.code, err.message):
                catalogued[err.code] = (err.http_status, err.message)
    out = []
    for code in sorted(set(documented) | set(catalogued)):
        if documented.get(code) != catalogued.get(code):
            out.append(Difference("error", path, code, catalogued.get(code), documented.get(code)))
    return out


def _example_result(page: Page | None, heading: str) -> Any:
    section = page.section(heading) if page else None
    examples = json_examples(section) if section is not None else []
    return examples[0].get("result") if examples and isinstance(examples[0], dict) else None


def field_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out = []
    for table in ("activity", "communication"):
        spec_table = contract.fields[table]
        page_path = spec_table["source"][0]["page"]
        documented = _example_result(docs.page(page_path), RESPONSE)
        if not isinstance(documented, dict):
            continue
        omitted = set(spec_table.get("not_in_example") or ())
        held = {k: v for k, v in spec_table["fields"].items() if k not in omitted}
        for name in list(dict.fromkeys([*held, *documented])):
            if held.get(name) != documented.get(name):
                out.append(Difference("field", page_path, f"{table} {name}", held.get(name), documented.get(name)))
        if list(held) != [n for n in documented if n in held]:
            out.append(Difference("field", page_path, f"{table} order", list(held), list(documented)))
        listed = table_names(docs.page(page_path).section("Обзор полей системного дела") or "") if omitted else []
        out += [Difference("field", page_path, f"{table} {name} (table only)", name, None)
                for name in sorted(omitted) if name not in listed or name in documented]
    return out


def required_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out = []
    for mark in contract.fields.get("required_marks") or ():
        page = docs.page(mark["page"])
        section = page.section(mark["heading"]) if page else None
        if section is None:
            continue
        starred = starred_names(section)
        if list(mark["names"]) != starred:
            out.append(Difference("required", mark["page"], f"starred in {mark['heading']}", list(mark["names"]), starred))
    return out


def enum_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out = []
    for enum in contract.enums.values():
        page_path = enum.citations[0].page if enum.citations else None
        documented = _example_result(docs.page(page_path), RESPONSE) if page_path else None
        if not isinstance(documented, list):
            continue
        keys = ("ID", "SYMBOL_CODE", "SYMBOL_CODE_SHORT") if enum.name == "ownertype" else ("ID",)
        held = [tuple(v.get(k) for k in keys) for v in enum.values]
        # Smart processes (DYNAMIC_<id>) in an example are the example portal's own, not the enum's.
        shown = [tuple(_as_int(v.get(k)) if k == "ID" else v.get(k) for k in keys) for v in documented
                 if isinstance(v, dict) and not str(v.get("SYMBOL_CODE") or "").startswith("DYNAMIC_")]
        if held != shown:
            out.append(Difference("enum", page_path, f"{enum.method} values", held, shown))
    return out


def _as_int(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def example_drift(contract: Contract, docs: Checkout) -> list[Difference]:
    out = []
    registry = registry_for(contract)
    for path, heading, shape in EXAMPLES:
        page = docs.page(path)
        section = page.section(heading) if page else None
        if section is None:
            continue
        validator = Draft202012Validator(SHAPES[shape], registry=registry)
        examples = json_examples(section)
        if len(examples) != json_block_count(section):
            out.append(Difference("example", path, f"{heading}: JSON blocks that do not parse", 0,
                                  json_block_count(section) - len(examples)))
        for n, example in enumerate(examples, start=1):
            problems = sorted({f"{'/'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
                               for e in validator.iter_errors(example)})
            if problems:
                out.append(Difference("example", path, f"{heading} example {n} as {shape}", shape, problems))
    return out


def enum_pages(contract: Contract) -> list[str]:
    return [enum.citations[0].page for enum in contract.enums.values() if enum.citations]
