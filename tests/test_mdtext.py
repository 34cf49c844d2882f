"""mdtext: whatever a text holds, the Markdown b24conform writes shows it as written, in a table cell
and on a line of its own, as CommonMark with GitHub's tables and strikethrough (markdown-it) reads it."""
from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from b24conform.mdtext import code, code_spans, link, prose, text

MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")

# Markdown's own punctuation weighted up, so that every rule is tried.
ONE_LINE = st.text(alphabet=st.sampled_from(list("\\`*_~|[]()!<>&#;:+-=.1aZ _\t")) | st.characters(
    blacklist_categories=("Cs", "Cc")), max_size=40).map(lambda s: " ".join(s.split()))


def shown(markdown: str) -> str:
    """The text a reader sees: tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", MD.render(markdown))).strip()


def cells(markdown_row: str) -> list[str]:
    page = MD.render(f"| a | b |\n|---|---|\n{markdown_row}\n")
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td>(.*?)</td>", page, re.S)]


def test_ordinary_text_is_left_as_it_is():
    for plain in ("SUBJECT is required", "OWNER_TYPE_ID 2 (a deal)", "log.entries[2]", "crm.activity.add, 3 clauses"):
        assert text(plain) == plain and prose(plain) == plain
    assert prose("`result` is not the new id") == "`result` is not the new id"
    assert code("p") == "`p`" and code("") == "``" and code("a`b|c") == "`` a`b\\|c ``" and code("a|b", in_table=False) == "`a|b`"


def test_markup_is_neutralised():
    assert text("<script>alert(1)</script> | x") == "&lt;script&gt;alert(1)&lt;/script&gt; \\| x"
    assert text("*bold* _it_ ~~del~~ [a](http://e) &lt;") == (
        "\\*bold\\* \\_it\\_ \\~\\~del\\~\\~ [a\\](http://e) &amp;lt;")
    assert text("# heading") == "\\# heading" and text("- item") == "\\- item" and text("12. x") == "12\\. x"
    assert text("a\nb\r\nc") == "a b c"
    assert shown(text("a `b` c")) == "a `b` c" and shown(text("x\\*y")) == "x\\*y"


@settings(max_examples=300, deadline=None)
@given(ONE_LINE)
def test_text_reads_as_written(value):
    assert shown(text(value)) == value.strip()
    assert cells(f"| {text(value)} | x |") == [value.strip(), "x"]


@settings(max_examples=300, deadline=None)
@given(ONE_LINE)
def test_a_code_span_reads_as_written(value):
    if not value.strip():
        return
    assert shown(code(value, in_table=False)) == value
    assert cells(f"| {code(value)} | x |") == [value.strip(), "x"]


@settings(max_examples=300, deadline=None)
@given(ONE_LINE)
def test_prose_shows_its_ticked_spans_as_code_and_the_rest_as_written(value):
    pieces = code_spans(value.strip())
    for in_table, markdown in ((False, prose(value, in_table=False)), (True, cells(f"| {prose(value)} | x |")[0])):
        if in_table:
            assert markdown == "".join(piece for piece, _ in pieces).strip()
            continue
        rendered = MD.render(markdown)
        assert [html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", rendered, re.S)] == [
            piece for piece, is_code in pieces if is_code]
        assert shown(markdown) == "".join(piece for piece, _ in pieces).strip()


@settings(max_examples=200, deadline=None)
@given(ONE_LINE.filter(str.strip), st.sampled_from(["https://e/a b(c)", "https://e/x?a=<b>&c=\\d", "#anchor"]))
def test_a_link_keeps_its_text_and_its_target(label, url):
    rendered = MD.render(link(label, url, in_table=False))
    [(href, inner)] = re.findall(r'<a href="([^"]*)">(.*)</a>', rendered, re.S)
    wanted = "".join(piece for piece, _ in code_spans(label.strip())).strip()
    assert html.unescape(re.sub(r"<[^>]+>", "", inner)) == wanted
    assert html.unescape(href).replace("%20", " ") in {url, url.replace("<", "%3C").replace(">", "%3E").replace("\\", "%5C")}
