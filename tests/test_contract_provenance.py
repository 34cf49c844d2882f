"""Every source in spec/ cites the pinned docs snapshot, and `spec docs` links each citation."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from b24conform.contract.docs import write_docs
from b24conform.contract.drift import all_citations
from b24conform.contract.loader import ContractError, load_contract, parse_clauses
from b24conform.contract.paths import spec_dir
from b24conform.contract.provenance import heading_slug
from b24conform.contract.validate import provenance_problems, read_spec, validate_spec

CONTRACT = load_contract()
NOTES_OUTSIDE = ("docs-contract", "peers-and-real-behaviour", "../shared", "seed:", "reference docs")


def _all_citations():
    return all_citations(CONTRACT)


def test_the_snapshot_is_pinned():
    docs = CONTRACT.provenance
    assert docs.repository == "bitrix-tools/b24-rest-docs"
    assert len(docs.commit) == 40 and docs.date
    assert all(len(blob) == 40 for blob in docs.pages.values())


@pytest.mark.parametrize("key,citations", list(_all_citations()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_source_cites_a_page_of_the_snapshot(key, citations):
    assert citations, f"{key} cites nothing"
    for citation in citations:
        assert citation.page in CONTRACT.provenance.pages, (key, citation.page)
        assert citation.heading
        assert not any(word in citation.text() for word in NOTES_OUTSIDE), (key, citation.text())


def test_no_source_points_outside_the_repository():
    for name in ("clauses.yaml", "errors.yaml", "ambiguities.yaml", "enums.yaml"):
        text = (spec_dir() / name).read_text(encoding="utf-8")
        assert "docs-contract.md" not in text and "peers-and-real-behaviour.md" not in text, name


def test_the_spec_validates_without_network():
    assert provenance_problems(read_spec(spec_dir())) == []


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "spec"
    shutil.copytree(spec_dir(), root)
    return root


def _spec_with(tmp_path: Path, name: str, edit) -> Path:
    """A copy of spec/ whose YAML file `name` went through `edit` (which changes the loaded data)."""
    root = _copy(tmp_path)
    data = yaml.safe_load((root / name).read_text(encoding="utf-8"))
    edit(data)
    (root / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return root


def test_a_page_missing_from_the_snapshot_is_reported(tmp_path):
    def edit(data):
        data["clauses"][0]["source"][0]["page"] = "api-reference/no-such-page.md"

    root = _spec_with(tmp_path, "clauses.yaml", edit)
    problems = validate_spec(root)
    assert any("no-such-page.md is not in the docs snapshot" in p for p in problems), problems


def test_a_free_text_source_is_reported(tmp_path):
    def edit(data):
        data["errors"][0]["source"] = "reference docs-contract.md section 3"

    root = _spec_with(tmp_path, "errors.yaml", edit)
    problems = validate_spec(root)
    assert any("source must be a non-empty list of citations" in p for p in problems), problems


def test_an_unpinned_commit_is_reported(tmp_path):
    def edit(data):
        data["docs"]["commit"] = "main"

    root = _spec_with(tmp_path, "provenance.yaml", edit)
    assert any("not a 40-digit git commit" in p for p in validate_spec(root))


def test_the_loader_refuses_a_free_text_source():
    raw = {"id": "A-1", "title": "t", "statement": "s", "level": "MUST", "source": "somewhere", "where": "any"}
    with pytest.raises(ContractError, match="list of citations"):
        parse_clauses({"clauses": [raw]})


def test_spec_docs_links_every_citation_at_the_pinned_commit(tmp_path):
    md_path, html_path = write_docs(CONTRACT, tmp_path)
    md, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    base = f"{CONTRACT.provenance.url}/blob/{CONTRACT.provenance.commit}/"
    for key, citations in _all_citations():
        if key.startswith("enum "):
            continue  # enums are rendered with the fields, not with their sources
        for citation in citations:
            link = CONTRACT.provenance.link(citation)
            assert link.startswith(base + citation.page)
            assert f"(<{link}>)" in md, (key, link)
            assert f'href="{link}"' in page.replace("&amp;", "&"), (key, link)


def test_heading_anchor_is_githubs():
    assert heading_slug("Возможные коды ошибок") == "возможные-коды-ошибок"
    assert heading_slug("Объект time") == "объект-time"
    assert heading_slug("1. Получим данные клиента") == "1-получим-данные-клиента"
