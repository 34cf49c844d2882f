"""report.html and spec.html come from templates with autoescaping: a hostile text (a reply, a failure
message, a spec string) is shown as the text it is, never read as markup, in element and attribute alike.
That the templates ship in the wheel is test_wheel_install's (every data file of the package)."""
from __future__ import annotations

from html.parser import HTMLParser

from b24conform.contract import load_contract
from b24conform.contract.docs import Code, Link, Section, render_html
from b24conform.verdict.accounting import CheckOutcome
from b24conform.reporting import html as html_report
from b24conform.reporting.results import RunInfo, build_results

HOSTILE = "<script>alert(1)</script> & \"quoted\" 'single' &amp; </pre></td>"


class Page(HTMLParser):
    """The page as a browser builds it: its elements, their attributes and its texts."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.texts: list[str] = []
        self._in: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [value or "" for _, value in attrs]
        self._in.append(tag)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        self.texts.append(data)

    def text(self) -> str:
        return "".join(self.texts)


def hostile_run() -> dict:
    reply = {"request": {"http_method": "POST", "url": f"https://h/rest/1/x/crm.activity.add?{HOSTILE}",
                         "body": HOSTILE}, "status": 400, "response_excerpt": HOSTILE, "curl": f"curl '{HOSTILE}'",
             "note": HOSTILE, "credential": HOSTILE}
    checks = [CheckOutcome("s.py::test_x", ["CALL-001"], "failed", 0.1, f"AssertionError: {HOSTILE}", [reply]),
              CheckOutcome("s.py::test_y", ["CALL-004"], "skipped", 0.0, HOSTILE)]
    info = RunInfo(started=0.0, finished=1.0, mode="strict", target=f"https://h/{HOSTILE}", kind="live")
    return build_results(load_contract(), checks, info)


def test_a_hostile_text_in_the_report_is_shown_as_text():
    page = html_report.render(hostile_run())
    parsed = Page(page)
    assert parsed.tags.count("script") == 1 and "<script>alert" not in page  # only the page's own script
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &#39;single&#39; &amp;amp;" in page
    # Every place it was put shows it whole: the failure message, the reply, the skip reason, the target.
    assert parsed.text().count(HOSTILE) >= 6
    assert not any("<" in value for value in parsed.attributes)


def test_a_hostile_text_in_the_spec_docs_is_shown_as_text():
    link = Link(HOSTILE, "https://e/'><script>alert(2)</script>")
    section = Section(anchor="t'\"", title=HOSTILE, intro=f"{HOSTILE} `{HOSTILE}`", columns=[HOSTILE],
                      rows=[[HOSTILE, Code(HOSTILE), [link, HOSTILE]]], row_ids=["r'\"><script>"])
    page = render_html([section])
    parsed = Page(page)
    assert "script" not in parsed.tags and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quoted&#34; &#39;single&#39; &amp;amp;" in page
    assert parsed.text().count(HOSTILE) >= 6  # nav, heading, intro, intro's code, header, cells, link
    assert "https://e/'><script>alert(2)</script>" in parsed.attributes and "r'\"><script>" in parsed.attributes


def test_ordinary_text_is_left_alone_by_the_escaping():
    page = render_html([Section(anchor="a", title="Fields of crm.activity.add", intro="Schema `fields.json`.",
                                columns=["field"], rows=[["OWNER_ID, 1-3"]], row_ids=["r"])])
    assert "<h2>Fields of crm.activity.add</h2>" in page and "<p>Schema <code>fields.json</code>.</p>" in page
    assert '<tr id="r"><td>OWNER_ID, 1-3</td></tr>' in page



def test_a_hostile_text_in_the_traffic_section_is_shown_as_text():
    from b24conform.traffic.report import traffic_html

    traffic = {"files": [HOSTILE], "entries": 1, "exchanges_judged": 0, "not_judged_total": 1, "not_rest": 0,
               "checks": {HOSTILE: {"clauses": ["ENV-001"], "judged": 0, "with_problems": 0}},
               "not_judged": [{"file": HOSTILE, "entry": 0, "startedDateTime": HOSTILE, "method": HOSTILE,
                               "reason": HOSTILE}]}
    section = traffic_html({"traffic": traffic})
    parsed = Page(section)
    assert "script" not in parsed.tags and "<script>" not in section
    assert parsed.text().count(HOSTILE) == 6
