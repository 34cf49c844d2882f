"""The spec documentation: fields, errors, clauses and ambiguities as Markdown and self-contained HTML.

Both formats are rendered from one neutral model (sections of tables), so they cannot drift apart:
Markdown through mdtext, HTML through the template spec-docs.html.j2.
Every text comes from spec/; nothing here spells a message or a verdict.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from referencing.exceptions import Unresolvable

from b24conform import mdtext
from b24conform.contract.loader import Contract
from b24conform.contract.model import Clause
from b24conform.contract.provenance import Citation
from b24conform.contract.schemas import file_resolver
from b24conform.htmlpage import render_page


@dataclass(frozen=True)
class Code:
    """A cell text shown literally (a message, a code, a field name)."""

    text: str


@dataclass(frozen=True)
class Link:
    """A cell text that links somewhere (a citation of the docs at the pinned commit)."""

    text: str
    url: str


Part = Union[str, Code, Link]
Cell = Union[Part, list[Part]]  # a list renders as separate lines


@dataclass
class Section:
    anchor: str
    title: str
    intro: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    row_ids: list[str] = field(default_factory=list)  # HTML anchors, one per row (may be empty)


# ------------------------------------------------------------------ the model

def type_label(prop: dict[str, Any], schema_name: str, contract: Contract) -> str:
    """A reader's description of a property's type, e.g. "integer, one of 0-3 (crm.enum.contenttype)"."""
    ref = prop.get("$ref")
    if ref:
        # A definition of the same file is described in place; another file is named.
        if not ref.startswith("#/$defs/"):
            return f"see {ref}"
        try:
            return type_label(file_resolver(schema_name, contract).lookup(ref).contents, schema_name, contract)
        except Unresolvable:
            return f"see {ref}"
    kind = prop.get("type", "any")
    if "x-b24-enum" in prop:
        enum = contract.enums[prop["x-b24-enum"]]
        names = ", ".join(f"{v['ID']} {v['NAME'] or '(none)'}" for v in enum.values)
        return f"{kind}, an id of {enum.method}: {names}"
    if prop.get("enum"):
        return f"{kind}, one of " + " / ".join(str(v) for v in prop["enum"])
    if prop.get("format") == "date-time":
        return "date-time, ISO 8601 with offset (2023-12-31T12:00:00+00:00)"
    if kind == "integer" and "minimum" in prop:
        return f"integer >= {prop['minimum']}"
    if kind == "string" and prop.get("minLength"):
        return "string, not empty or blank" if prop.get("pattern") == "\\S" else "string, not empty"
    if kind == "array" and prop.get("prefixItems"):
        parts = [f"{p.get('type', 'any')} ({p.get('description', '').rstrip('.').lower()})" for p in prop["prefixItems"]]
        closed = prop.get("items") is False
        return f"list of {'exactly ' if closed else 'at least '}{len(parts)}: " + ", ".join(parts)
    if kind == "array":
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        what = items.get("$ref") or items.get("type", "any")
        least = f" (at least {prop['minItems']})" if prop.get("minItems") else ""
        return f"list{least} of {what}"
    if kind == "object" and prop.get("properties"):
        return "object with " + ", ".join(prop["properties"]) + ", and others"
    return str(kind)


def _required_label(name: str, required: set[str], choices: dict[str, str]) -> str:
    # Name the ambiguities whose verdict decided this field's required-ness, so readers see why.
    deciding = [amb for amb, how in choices.items() if re.search(rf"\b{re.escape(name)}\b", how)]
    label = "yes" if name in required else "no"
    return f"{label} ({', '.join(deciding)})" if deciding else label


def _refusal_label(prop: dict[str, Any]) -> str:
    # x-b24-refused-by: the catalogue errors the docs give for breaking the property's constraints.
    # Elsewhere the constraints say what a client should send, and a portal need not refuse the rest.
    errors = prop.get("x-b24-refused-by")
    return ", ".join(errors) if errors else "none of its own"


def properties_section(contract: Contract, schema_name: str, anchor: str, title: str) -> Section:
    """One row per property of a request schema: name, required, type, meaning."""
    schema = contract.schema(schema_name)
    required = set(schema.get("required", []))
    choices = schema.get("x-b24-ambiguities") or {}
    # The contract binds clients: an unknown name is flagged as a client's mistake (a typo), while a
    # portal reading the wire ignores it.
    unknown = ("outside the contract (a portal ignores them)" if schema.get("additionalProperties") is False
               else "allowed")
    patterns = ", ".join(f"`{p}`" for p in schema.get("patternProperties", {}))
    intro = f"{schema.get('description', '')} Schema `{schema_name}`. Other names: {unknown}"
    intro += f", except {patterns}, which are allowed." if patterns else "."
    if any("x-b24-refused-by" in prop for prop in schema["properties"].values()):
        intro += (" Refused when broken: the errors the docs give for a value of the wrong type or outside its"
                  " list; \"none of its own\" means a portal may accept such a value (AMB-UNLISTED-VALUES),"
                  " though the field can still take part in another error, such as the binding.")
    section = Section(anchor=anchor, title=title, intro=intro,
                      columns=["field", "required", "type", "refused when broken", "meaning"])
    for name, prop in schema["properties"].items():
        section.rows.append([Code(name), _required_label(name, required, choices),
                             type_label(prop, schema_name, contract), _refusal_label(prop), prop.get("description", "")])
        section.row_ids.append(f"{anchor}-{name}")
    return section


def fields_section(contract: Contract) -> Section:
    return properties_section(contract, "activity-add-fields.json", "fields", "Fields of crm.activity.add")


def shaping_ambiguities_section(contract: Contract) -> Section:
    """Which ambiguity verdicts each schema encodes."""
    section = Section(anchor="schema-choices", title="Choices the schemas encode",
                      intro="Where the docs are ambiguous, the schemas follow the strict reading.",
                      columns=["schema", "ambiguity", "how"])
    for name in contract.schema_names():
        for amb_id, how in (contract.schema(name).get("x-b24-ambiguities") or {}).items():
            section.rows.append([Code(name), amb_id, how])
            section.row_ids.append("")
    return section


def _sources(contract: Contract, citations: Iterable[Citation], label: str = "source") -> list[Part]:
    """Each citation as a link to its page at the pinned commit."""
    return [Link(f"{label}: {c.text()}", contract.provenance.link(c)) for c in citations]


def _evidence(contract: Contract, ids: Iterable[str], label: str = "evidence") -> list[Part]:
    """Each evidence id of provenance.yaml as a link to its lines at the pinned commit."""
    parts: list[Part] = []
    for eid in ids:
        item = contract.provenance.evidence.get(eid)
        parts.append(Link(f"{label}: {item.text()}", item.link()) if item else f"{label}: {eid} (not in provenance.yaml)")
    return parts


def errors_section(contract: Contract) -> Section:
    section = Section(anchor="errors", title="Errors",
                      intro="Every error a portal may answer, with the exact `error_description`.",
                      columns=["id", "kind", "HTTP", "error", "error_description", "when"])
    for err in contract.errors.values():
        message: list[Part] = [Code(err.message)]
        for v in err.variants:
            seen = "also documented" if v.citations else "also in the vendor's source or real replies"
            message += [f"{seen}: {v.text!r}", *_sources(contract, v.citations), *_evidence(contract, v.evidence)]
        if not err.message_pinned:
            message.append("not given by the docs: exact on the reference portal only")
        message += _sources(contract, err.citations)
        message += _evidence(contract, err.evidence)
        section.rows.append([err.id, err.kind, str(err.http_status), Code(err.code or '""'), message,
                             err.trigger or err.meaning])
        section.row_ids.append(f"error-{err.id}")
    return section


def _family(clause: Clause) -> str:
    return clause.id.split("-")[0]


def clause_sections(contract: Contract) -> list[Section]:
    sections: dict[str, Section] = {}
    for clause in contract.clauses.values():
        family = _family(clause)
        section = sections.setdefault(family, Section(
            anchor=f"clauses-{family.lower()}", title=f"Clauses: {family}",
            columns=["id", "level", "clause", "relies on", "where", "check"]))
        relies: list[str | Code] = [f"error {e}" for e in clause.errors]
        relies += [Code(s) for s in clause.schemas]
        relies += [f"ambiguity {amb}" for amb in clause.ambiguities]
        check: list[str | Code] = [clause.check] + ([clause.reason] if clause.reason else [])
        section.rows.append([clause.id, clause.level, [clause.title, clause.statement, *_sources(contract, clause.citations)],
                             relies, clause.where + (", writes" if clause.writes else ""), check])
        section.row_ids.append(clause.id)
    return list(sections.values())


def ambiguities_section(contract: Contract) -> Section:
    section = Section(anchor="ambiguities", title="Ambiguities",
                      intro="Where the sources disagree: two official pages, a page and the vendor's published code, "
                            "or a page and a real recorded reply. The default (lenient) mode accepts every reading a "
                            "source shows; strict mode (opt-in) accepts only the strict readings; the reference "
                            "portal shows the portal reading, and spec/variants.yaml serves the others.",
                      columns=["id", "question", "readings", "strict", "lenient", "portal"])
    for amb in contract.ambiguities.values():
        readings = [f"{key}: {text}" for key, text in amb.readings.items()]
        question: list[Part] = [amb.title, *_sources(contract, amb.citations), *_evidence(contract, amb.evidence)]
        question += [f"note: {amb.note}"] if amb.note else []
        section.rows.append([amb.id, question, readings, ", ".join(amb.strict), ", ".join(amb.lenient), amb.portal])
        section.row_ids.append(amb.id)
    return section


def provenance_section(contract: Contract) -> Section:
    docs = contract.provenance
    section = Section(anchor="provenance", title="Sources",
                      intro="Every source below cites this one snapshot of the official docs "
                            f"({docs.repository}, MIT): a page and a heading, linked at the pinned commit.",
                      columns=["repository", "commit", "date", "pages cited"])
    section.rows.append([Link(docs.repository, docs.url), Link(docs.commit, f"{docs.url}/tree/{docs.commit}"),
                         docs.date, str(len(docs.pages))])
    return section


def evidence_section(contract: Contract) -> Section:
    section = Section(anchor="evidence", title="Evidence beside the docs",
                      intro="The vendor's published source and recorded replies of real portals, each pinned "
                            "at a commit and a line range. The facts are b24conform's summaries; only messages, "
                            "codes, statuses and keys are quoted.",
                      columns=["id", "kind", "lines", "date", "facts"])
    for item in contract.provenance.evidence.values():
        section.rows.append([item.id, item.kind, Link(f"{item.repository} {item.path} lines {item.start}-{item.end}",
                                                      item.link()), item.date or "", list(item.facts)])
        section.row_ids.append(f"evidence-{item.id}")
    return section


def document(contract: Contract) -> list[Section]:
    return [fields_section(contract),
            properties_section(contract, "communication.json", "communication", "A COMMUNICATIONS item"),
            properties_section(contract, "file-data.json", "file-data", "A FILES item"),
            shaping_ambiguities_section(contract), errors_section(contract),
            *clause_sections(contract), ambiguities_section(contract), provenance_section(contract),
            evidence_section(contract)]


TITLE = "b24conform: the crm.activity.add contract"
SUBTITLE = "Generated from spec/ by `b24conform spec docs`. Do not edit by hand."


# ------------------------------------------------------------------ Markdown

def _md_part(part: Part) -> str:
    if isinstance(part, Code):
        return mdtext.code(part.text)
    if isinstance(part, Link):
        return mdtext.link(part.text, part.url)
    return mdtext.prose(part)


def _md_cell(cell: Cell) -> str:
    parts = cell if isinstance(cell, list) else [cell]
    return "<br>".join(_md_part(p) for p in parts)


def render_markdown(sections: Iterable[Section]) -> str:
    sections = list(sections)
    lines = [f"# {TITLE}", "", SUBTITLE, "", "Contents:", ""]
    lines += [f"- {mdtext.link(s.title, '#' + s.anchor, in_table=False)}" for s in sections]
    for section in sections:
        lines += ["", f'<a id="{section.anchor}"></a>', "", f"## {mdtext.prose(section.title, in_table=False)}", ""]
        if section.intro:
            lines += [mdtext.prose(section.intro, in_table=False), ""]
        lines.append("| " + " | ".join(mdtext.text(c) for c in section.columns) + " |")
        lines.append("|" + "---|" * len(section.columns))
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in section.rows]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ HTML

def _html_pieces(part: Part) -> list[dict[str, str]]:
    """One part of a cell as the template lays it out; the spec's `ticked` words become code."""
    if isinstance(part, Code):
        return [{"kind": "code", "text": part.text}]
    if isinstance(part, Link):
        return [{"kind": "link", "text": part.text, "url": part.url}]
    return [{"kind": "code" if is_code else "text", "text": piece} for piece, is_code in mdtext.code_spans(part)]


def _html_lines(cell: Cell) -> list[list[dict[str, str]]]:
    return [_html_pieces(part) for part in (cell if isinstance(cell, list) else [cell])]


def html_view(sections: Iterable[Section]) -> dict[str, Any]:
    """What spec-docs.html.j2 lays out: plain data, every text still unescaped."""
    return {
        "title": TITLE,
        "subtitle": _html_pieces(SUBTITLE),
        "sections": [{
            "anchor": section.anchor,
            "title": section.title,
            "intro": _html_pieces(section.intro) if section.intro else [],
            "columns": section.columns,
            "rows": [{"id": section.row_ids[i] if i < len(section.row_ids) else "",
                      "cells": [_html_lines(cell) for cell in row]} for i, row in enumerate(section.rows)],
        } for section in sections],
    }


def render_html(sections: Iterable[Section]) -> str:
    return render_page("spec-docs.html.j2", **html_view(sections))


def write_docs(contract: Contract, out_dir: Path) -> list[Path]:
    """Write spec.md and spec.html into `out_dir`; returns their paths."""
    sections = document(contract)
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, html_path = out_dir / "spec.md", out_dir / "spec.html"
    md_path.write_text(render_markdown(sections), encoding="utf-8")
    html_path.write_text(render_html(sections), encoding="utf-8")
    return [md_path, html_path]
