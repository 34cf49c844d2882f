"""The pinned snapshot of the official docs (spec/provenance.yaml) and the citations that point into it.

Every `source` in spec/ is a list of citations: a page path and a heading of that page in the snapshot,
the exact `quote` where the page spells it (an error message, a field name), and a `note` on what the
citation shows. A citation renders as text for reports and as a link to the page at the pinned commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote as url_quote

CITATION_KEYS = frozenset({"page", "heading", "quote", "note"})
COMMIT = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Citation:
    page: str
    heading: str
    quote: str | None = None
    note: str | None = None

    def text(self) -> str:
        parts = [f"{self.page} § {self.heading}"]
        if self.quote is not None:
            parts.append(f'"{self.quote}"')
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(parts)


@dataclass(frozen=True)
class Provenance:
    repository: str
    url: str
    commit: str
    date: str
    pages: dict[str, str]  # cited page path -> git blob hash at `commit`

    def link(self, citation: Citation) -> str:
        """The page at the pinned commit, anchored at the heading as GitHub renders it."""
        return f"{self.url}/blob/{self.commit}/{url_quote(citation.page)}#{url_quote(heading_slug(citation.heading))}"


def heading_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def citation_problems(raw: Any, where: str) -> list[str]:
    """Why `raw` is not a list of citations (empty when it is one)."""
    if not isinstance(raw, list) or not raw:
        return [f"{where}: source must be a non-empty list of citations (page, heading[, quote, note])"]
    problems = []
    for i, item in enumerate(raw):
        at = f"{where}: citation {i + 1}"
        if not isinstance(item, dict):
            problems.append(f"{at}: not a mapping")
            continue
        unknown = set(item) - CITATION_KEYS
        if unknown:
            problems.append(f"{at}: unknown key(s) {sorted(unknown)}")
        for key in ("page", "heading"):
            if not isinstance(item.get(key), str) or not item.get(key):
                problems.append(f"{at}: `{key}` must be a non-empty string")
        for key in ("quote", "note"):
            if key in item and not isinstance(item[key], str):
                problems.append(f"{at}: `{key}` must be a string")
    return problems


def parse_citations(raw: Any) -> tuple[Citation, ...]:
    """The citations of a checked `source` list."""
    return tuple(Citation(page=c["page"], heading=c["heading"], quote=c.get("quote"), note=c.get("note")) for c in raw)


def source_text(citations: tuple[Citation, ...]) -> str:
    return "; ".join(c.text() for c in citations)


def parse_provenance(data: Any) -> Provenance:
    docs = data["docs"]
    return Provenance(repository=docs["repository"], url=docs["url"].rstrip("/"), commit=docs["commit"],
                      date=str(docs["date"]), pages={str(k): str(v) for k, v in (data.get("pages") or {}).items()})
