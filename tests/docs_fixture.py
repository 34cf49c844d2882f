"""Writes a small docs-shaped tree from spec/: the pages `spec drift` reads, in the docs' own layout.

The tree holds only what spec/ says (headings, quoted strings, error tables, field tables with their
stars, example responses), in the YFM markup of the official pages, so drift against it is zero by
construction; tests then drift a copy on purpose and check that each change is reported. Nothing is
copied from the docs. Run `python tests/docs_fixture.py DIR` to look at one.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from b24conform.contract.drift import EXAMPLES, ERROR_TABLES, RESPONSE, SYSTEM_ERRORS, git_blob
from b24conform.contract.loader import Contract, load_contract

TIME = {"start": 1.5, "finish": 2.0, "duration": 0.5, "processing": 0.1, "date_start": "2024-01-01T10:00:00+03:00",
        "date_finish": "2024-01-01T10:00:01+03:00", "operating_reset_at": 1700000000, "operating": 0.2}
# A well-shaped example for the shapes a fixture can state without a real portal behind it.
EXAMPLE_BODIES: dict[str, Any] = {
    "add": {"result": 999, "time": TIME},
    "boolean": {"result": True, "time": TIME},
    "error": {"error": "", "error_description": "Access denied."},
}


def _json(value: Any) -> str:
    return "```json\n" + json.dumps(value, ensure_ascii=False, indent=4) + "\n```"


def _table(header: str, rows: list[str]) -> str:
    return "\n".join(["#|", header, *rows, "|#"])


def page_texts(contract: Contract) -> dict[str, str]:
    """path -> text of every page of the snapshot, as spec/ describes it."""
    sections: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in contract.provenance.pages:
        sections[path]  # every pinned page exists, even with nothing to compare

    def cite(c: Any) -> None:
        body = sections[c.page][c.heading]
        if c.quote is not None:
            body.append(f"Quoted: `{c.quote}`" if "`" not in c.quote else f"Quoted: {c.quote}")

    for err in contract.errors.values():
        for c in (*err.citations, *(c for v in err.variants for c in v.citations)):
            if (c.page, c.heading) not in ERROR_TABLES and (c.page, c.heading) != SYSTEM_ERRORS:
                cite(c)
            else:
                sections[c.page][c.heading]
    for entity in (*contract.clauses.values(), *contract.ambiguities.values(), *contract.enums.values()):
        for c in entity.citations:
            cite(c)

    for path, heading in ERROR_TABLES:
        quotes = sorted({c.quote for e in contract.errors.values()
                         for c in (*e.citations, *(c for v in e.variants for c in v.citations))
                         if (c.page, c.heading) == (path, heading) and c.quote is not None})
        if quotes:
            sections[path][heading].append(_table("|| **Код** | **Описание** ||", [f"|| `{q}` | - ||" for q in quotes]))
    path, heading = SYSTEM_ERRORS
    rows = [f"|| `{e.http_status}` | `{e.code}`\n{e.message} | - ||" for e in contract.errors.values()
            if any((c.page, c.heading) == SYSTEM_ERRORS and c.quote in (e.code, e.message) for c in e.citations)]
    sections[path][heading].append(_table("|| **Статус** | **Код** | **Описание** ||", rows))

    for table in ("activity", "communication"):
        spec_table = contract.fields[table]
        page = spec_table["source"][0]["page"]
        omitted = set(spec_table.get("not_in_example") or ())
        shown = {k: v for k, v in spec_table["fields"].items() if k not in omitted}
        sections[page][RESPONSE].append(_json({"result": shown, "time": TIME}))
    for mark in contract.fields.get("required_marks") or ():
        # The starred names in their order, then (on the fields page) the rest of the table.
        rest = [n for n in contract.fields["activity"]["fields"] if n not in mark["names"]] if "fields.md" in mark["page"] else []
        names = [*mark["names"], *rest]
        rows = [f"|| **{n}**{'*' if n in mark['names'] else ''}\n`type` | - ||" for n in names]
        sections[mark["page"]][mark["heading"]].append(_table("|| **Поле** `тип` | **Описание** ||", rows))
    for enum in contract.enums.values():
        if enum.citations:
            sections[enum.citations[0].page][RESPONSE].append(_json({"result": list(enum.values), "time": TIME}))
    for path, heading, shape in EXAMPLES:
        if shape in EXAMPLE_BODIES:
            sections[path][heading].append(_json(EXAMPLE_BODIES[shape]))

    texts = {}
    for path, by_heading in sections.items():
        lines = [f"# {Path(path).stem}", ""]
        for heading, body in by_heading.items():
            lines += [f"## {heading}", "", *(part + "\n" for part in body), ""]
        texts[path] = "\n".join(lines)
    return texts


def write_tree(contract: Contract, root: Path) -> Path:
    """Write the tree under `root` (api-reference/ and the rest, as in the docs repository)."""
    for path, text in page_texts(contract).items():
        file = root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    (root / "api-reference").mkdir(exist_ok=True)
    return root


def pin_to(spec_root: Path, docs_root: Path) -> None:
    """Point the spec copy at `spec_root` to the tree's pages (their blobs), as a maintainer bumps the pin."""
    path = spec_root / "provenance.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["pages"] = {page: git_blob((docs_root / page).read_bytes()) for page in data["pages"]}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    print(write_tree(load_contract(), Path(sys.argv[1])))
