"""`b24conform spec docs`: Markdown and HTML that carry every field, error, clause and ambiguity, escaped."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from b24conform.cli import app
from b24conform.contract import load_contract
from b24conform.contract.docs import Code, Section, document, render_html, render_markdown, write_docs

CONTRACT = load_contract()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    result = CliRunner().invoke(app, ["spec", "docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return (out / "spec.md").read_text(encoding="utf-8"), (out / "spec.html").read_text(encoding="utf-8")


def test_every_clause_id_is_rendered(rendered):
    markdown, page = rendered
    for clause_id in CONTRACT.clauses:
        assert re.search(rf"\| {re.escape(clause_id)} \|", markdown), clause_id
        assert f'<tr id="{clause_id}">' in page, clause_id


def test_every_error_ambiguity_and_field_is_rendered(rendered):
    markdown, page = rendered
    for error in CONTRACT.errors.values():
        assert f"`{error.message.replace('|', chr(92) + '|')}`" in markdown, error.id
        assert f"<code>{escape(error.message)}</code>" in page, error.id
    for amb_id in CONTRACT.ambiguities:
        assert amb_id in markdown and f'id="{amb_id}"' in page
    for name in CONTRACT.schema("activity-add-fields.json")["properties"]:
        assert f"| `{name}` |" in markdown and f'id="fields-{name}"' in page


def test_html_escapes_angle_brackets_and_quotes(rendered):
    _, page = rendered
    assert "Name &lt;address&gt;" in page  # MESSAGE_FROM's format from the schema description
    assert "<address>" not in page
    # The pages escape as Jinja2 does (markupsafe): a quote is &#34;, an apostrophe &#39;.
    assert escape('Email send error. Failed to load module "subscribe"') in page


def test_html_is_well_formed_and_self_contained(rendered):
    _, page = rendered

    class Balance(HTMLParser):
        VOID = {"meta", "br", "link"}

        def __init__(self):
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            assert tag not in {"script", "link", "img"}, f"external or active content: {tag}"
            if tag not in self.VOID:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
            self.stack.pop()

    parser = Balance()
    parser.feed(page)
    assert parser.stack == []
    assert "<style>" in page and "http" not in re.sub(r"https?://json-schema\.org\S*", "", page.split("<body>")[0])


def test_hostile_text_is_escaped_in_both_formats():
    section = Section(anchor="t", title="<T>", intro="a | b <i>", columns=["c"],
                      rows=[["x|y <script>alert(1)</script>"], [Code("a`b|c")]], row_ids=["r1", "r2"])
    markdown, page = render_markdown([section]), render_html([section])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "x\\|y &lt;script&gt;" in markdown
    assert "`` a`b\\|c ``" in markdown
    assert "<i>" not in markdown


def test_required_column_names_the_deciding_ambiguity():
    fields = document(CONTRACT)[0]
    rows = {row[0].text: row[1] for row in fields.rows}
    assert rows["SUBJECT"].startswith("yes") and "AMB-SUBJECT-REQUIRED" in rows["SUBJECT"]
    assert rows["OWNER_ID"].startswith("no") and "AMB-OWNER-REQUIRED" in rows["OWNER_ID"]
    assert rows["DESCRIPTION"] == "no"


def test_write_docs_returns_both_files(tmp_path):
    paths = write_docs(CONTRACT, tmp_path / "nested" / "out")
    assert [p.name for p in paths] == ["spec.md", "spec.html"]
    assert all(p.stat().st_size > 1000 for p in paths)
