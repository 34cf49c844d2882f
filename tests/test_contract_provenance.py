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


# Variants shown only by evidence beside the docs (the vendor's source, a recorded reply) cite no page.
EVIDENCE_ONLY = ({f"{e.id} variant" for e in CONTRACT.errors.values() for v in e.variants if v.evidence and not v.citations}
                 | {e.id for e in CONTRACT.errors.values() if e.evidence and not e.citations})


@pytest.mark.parametrize("key,citations", list(_all_citations()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_source_cites_a_page_of_the_snapshot(key, citations):
    assert citations or key in EVIDENCE_ONLY, f"{key} cites nothing"
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


# ------------------------------------------------------------------ evidence beside the docs

def test_the_evidence_is_pinned_and_cited():
    evidence = CONTRACT.provenance.evidence
    assert evidence, "provenance.yaml has no evidence"
    for item in evidence.values():
        assert len(item.commit) == 40 and 0 < item.start <= item.end and item.facts, item.id
    cited = {i for e in CONTRACT.errors.values() for i in (*e.evidence, *(i for v in e.variants for i in v.evidence))}
    assert cited and cited <= set(evidence), sorted(cited - set(evidence))


def test_an_evidence_link_points_at_the_lines():
    item = next(iter(CONTRACT.provenance.evidence.values()))
    assert item.link() == (f"https://github.com/{item.repository}/blob/{item.commit}/{item.path}"
                           f"#L{item.start}-L{item.end}")


def _with_evidence_reference(data, ref):
    entry = next(e for e in data["errors"] if e.get("evidence"))
    entry["evidence"] = [*entry["evidence"], ref]


def test_a_broken_evidence_reference_is_reported(tmp_path):
    root = _spec_with(tmp_path, "errors.yaml", lambda data: _with_evidence_reference(data, "NO-SUCH-EVIDENCE"))
    problems = validate_spec(root)
    assert any("'NO-SUCH-EVIDENCE' is not in provenance.yaml evidence" in p for p in problems), problems


def test_a_broken_evidence_reference_in_a_variant_is_reported(tmp_path):
    def edit(data):
        entry = next(e for e in data["errors"] if e.get("variants"))
        entry["variants"].append({"text": "Some other wording.", "evidence": ["NO-SUCH-EVIDENCE"]})

    problems = validate_spec(_spec_with(tmp_path, "errors.yaml", edit))
    assert any("/variants/" in p and "'NO-SUCH-EVIDENCE'" in p for p in problems), problems


def test_a_variant_without_source_or_evidence_is_reported(tmp_path):
    def edit(data):
        entry = next(e for e in data["errors"] if e.get("variants"))
        entry["variants"].append({"text": "Some other wording."})

    problems = validate_spec(_spec_with(tmp_path, "errors.yaml", edit))
    assert any("variant 'Some other wording.'" in p and "non-empty list of citations" in p for p in problems), problems


@pytest.mark.parametrize("key,value,expected", [
    ("commit", "main", "is not a 40-digit git commit"),
    ("commit", "C9B48305DA6110FBA2E38D43DF20BEB24F6AA9A8", "is not a 40-digit git commit"),
    ("lines", "120", "must be a range"),
    ("lines", "141-120", "end before they start"),
    ("kind", "blog", "kind 'blog' not in"),
])
def test_a_malformed_evidence_entry_is_reported(tmp_path, key, value, expected):
    def edit(data):
        data["evidence"][0][key] = value

    root = _spec_with(tmp_path, "provenance.yaml", edit)
    problems = validate_spec(root)
    assert any(expected in p for p in problems), problems
    with pytest.raises(ContractError, match=expected):
        _ = load_contract(root).provenance


def test_a_repeated_evidence_id_is_reported(tmp_path):
    root = _spec_with(tmp_path, "provenance.yaml", lambda data: data["evidence"].append(dict(data["evidence"][0])))
    assert any("id appears twice" in p for p in validate_spec(root))


def test_the_loader_refuses_evidence_that_is_not_a_list_of_ids(tmp_path):
    def edit(data):
        next(e for e in data["errors"] if e.get("evidence"))["evidence"] = "VENDOR-REST-APAUTH"

    root = _spec_with(tmp_path, "errors.yaml", edit)
    with pytest.raises(ContractError, match="list of provenance.yaml evidence ids"):
        _ = load_contract(root).errors
    assert any("evidence must be a non-empty list" in p for p in validate_spec(root))


def test_spec_docs_links_every_evidence_at_its_lines(tmp_path):
    md_path, html_path = write_docs(CONTRACT, tmp_path)
    md, page = md_path.read_text(encoding="utf-8"), html_path.read_text(encoding="utf-8")
    for item in CONTRACT.provenance.evidence.values():
        assert f"(<{item.link()}>)" in md, item.id
        assert f'href="{item.link()}"' in page.replace("&amp;", "&"), item.id
