"""The pinned snapshot of the official docs (spec/provenance.yaml) and the citations that point into it.

Every `source` in spec/ is a list of citations: a page path and a heading of that page in the snapshot,
the exact `quote` where the page spells it (an error message, a field name), and a `note` on what the
citation shows. A citation renders as text for reports and as a link to the page at the pinned commit.

Beside the docs, provenance.yaml pins `evidence`: the vendor's published source and recorded replies of
real portals, each a file of a GitHub repository at a commit and a line range, with the facts it shows.
An entry of errors.yaml names them by id in `evidence:`; each renders as a link to those lines.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote as url_quote

CITATION_KEYS = frozenset({"page", "heading", "quote", "note"})
COMMIT = re.compile(r"^[0-9a-f]{40}$")
EVIDENCE_KINDS = frozenset({"vendor-source", "recording", "sdk-test"})
EVIDENCE_KEYS = frozenset({"id", "kind", "repository", "commit", "path", "lines", "date", "facts"})
EVIDENCE_ID = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
LINES = re.compile(r"^([1-9][0-9]*)-([1-9][0-9]*)$")
REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


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
class Evidence:
    """Lines of a file in a public GitHub repository at a commit, and what they show."""

    id: str
    kind: str        # one of EVIDENCE_KINDS
    repository: str  # owner/name on GitHub
    commit: str
    path: str
    start: int
    end: int
    facts: tuple[str, ...]
    date: str | None = None

    def link(self) -> str:
        """The lines on GitHub at the pinned commit."""
        return (f"https://github.com/{self.repository}/blob/{self.commit}/{url_quote(self.path)}"
                f"#L{self.start}-L{self.end}")

    def text(self) -> str:
        return f"{self.id}: {self.repository}@{self.commit[:12]} {self.path} lines {self.start}-{self.end}"


@dataclass(frozen=True)
class Provenance:
    repository: str
    url: str
    commit: str
    date: str
    pages: dict[str, str]  # cited page path -> git blob hash at `commit`
    evidence: dict[str, Evidence] = field(default_factory=dict)  # id -> evidence beside the docs

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


def evidence_problems(raw: Any) -> list[str]:
    """Why provenance.yaml's `evidence` is not a list of well-formed entries (empty when it is one)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        return ["provenance.yaml: `evidence` must be a list of entries (id, kind, repository, commit, path, lines, facts)"]
    problems, seen = [], set()
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.append(f"provenance.yaml: evidence {i + 1}: not a mapping")
            continue
        at = f"provenance.yaml: evidence {item.get('id', i + 1)}"
        unknown = set(item) - EVIDENCE_KEYS
        if unknown:
            problems.append(f"{at}: unknown key(s) {sorted(unknown)}")
        eid = item.get("id")
        if not isinstance(eid, str) or not EVIDENCE_ID.match(eid):
            problems.append(f"{at}: id {eid!r} must be upper-case words joined by hyphens")
        elif eid in seen:
            problems.append(f"{at}: id appears twice")
        seen.add(eid)
        if item.get("kind") not in EVIDENCE_KINDS:
            problems.append(f"{at}: kind {item.get('kind')!r} not in {sorted(EVIDENCE_KINDS)}")
        if not isinstance(item.get("repository"), str) or not REPOSITORY.match(item["repository"]):
            problems.append(f"{at}: repository {item.get('repository')!r} is not a GitHub owner/name")
        if not isinstance(item.get("commit"), str) or not COMMIT.match(item["commit"]):
            problems.append(f"{at}: commit {item.get('commit')!r} is not a 40-digit git commit")
        if not isinstance(item.get("path"), str) or not item["path"] or item["path"].startswith("/"):
            problems.append(f"{at}: path {item.get('path')!r} must be a file path inside the repository")
        lines = LINES.match(str(item.get("lines", "")))
        if not isinstance(item.get("lines"), str) or not lines:
            problems.append(f"{at}: lines {item.get('lines')!r} must be a range \"start-end\" of line numbers")
        elif int(lines.group(1)) > int(lines.group(2)):
            problems.append(f"{at}: lines {item['lines']!r} end before they start")
        facts = item.get("facts")
        if not isinstance(facts, list) or not facts or not all(isinstance(f, str) and f for f in facts):
            problems.append(f"{at}: facts must be a non-empty list of statements")
        if "date" in item and not isinstance(item["date"], (str, datetime.date)):
            problems.append(f"{at}: date must be a date")
    return problems


def parse_evidence(raw: Any) -> dict[str, Evidence]:
    """The entries of a checked `evidence` list, by id."""
    result = {}
    for item in raw or ():
        start, end = (int(n) for n in item["lines"].split("-"))
        result[item["id"]] = Evidence(
            id=item["id"], kind=item["kind"], repository=item["repository"], commit=item["commit"],
            path=item["path"], start=start, end=end, facts=tuple(item["facts"]),
            date=str(item["date"]) if item.get("date") is not None else None)
    return result


def parse_provenance(data: Any) -> Provenance:
    docs = data["docs"]
    return Provenance(repository=docs["repository"], url=docs["url"].rstrip("/"), commit=docs["commit"],
                      date=str(docs["date"]), pages={str(k): str(v) for k, v in (data.get("pages") or {}).items()},
                      evidence=parse_evidence(data.get("evidence")))
