"""report.html: one self-contained page (inline CSS and JS, nothing loaded from the network).

It reads top to bottom as a vendor works: the problems to fix (each with the clauses it broke, the
docs it contradicts, expected against actual and a curl that reproduces it), then how much was
checked, then every clause, expandable to its checks and evidence. Every value is HTML-escaped.
"""
from __future__ import annotations

from html import escape
from typing import Any

from b24conform.verdict.accounting import STATUSES
from b24conform.reporting.view import (TEXT_KINDS, actual_text, citations, coverage_cells, headline, lead, no_problems,
                                       problem_labels, roots)

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem auto;max-width:78rem;padding:0 1rem;color:#222}
h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:2px solid #eee;padding-bottom:.2rem}
h3{font-size:1rem;margin:0 0 .4rem}
.run{color:#555;margin:.2rem 0 0}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
tr.clause{cursor:pointer}tr.clause:hover{background:#f6f6f6}tr.clause:target,tr.clause.hl{background:#fff6d6}
.st{font-weight:600;border-radius:3px;padding:0 .4rem;white-space:nowrap}
.passed{color:#176d2c}.failed{color:#b3261e}.error{color:#7a3e9d}.skipped{color:#8a6d00}.not_checkable,.not_covered,.not_run{color:#555}
tr.detail{display:none}tr.detail.open{display:table-row}tr.detail>td{background:#fafafa}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.4rem;margin:.2rem 0;max-height:20rem;overflow:auto;font-size:12.5px}
code{font-size:12.5px;background:#f4f4f4;padding:0 .2rem;border-radius:2px}
.filters label{margin-right:1rem;white-space:nowrap}.muted{color:#666}
.none{background:#eef7ef;border:1px solid #bfe0c4;border-radius:6px;padding:.6rem .8rem}
.problem{border:1px solid #e3c4c1;border-left:5px solid #b3261e;border-radius:6px;padding:.7rem .9rem;margin:.7rem 0;background:#fffafa}
.plabel{display:inline-block;background:#b3261e;color:#fff;border-radius:3px;padding:0 .4rem;margin-right:.4rem;font-size:.9rem}
.breaks{color:#b3261e;font-weight:600;margin-left:.4rem;font-size:.9rem}
.message{font-family:ui-monospace,monospace;font-size:13px;margin:.2rem 0 .5rem}
table.ea{width:auto;margin:.3rem 0}table.ea th{width:6rem;color:#555;font-weight:600;border:none;padding:.15rem .5rem .15rem 0}
table.ea td{border:none;padding:.15rem 0}
.cl{display:inline-block;margin:0 .25rem .2rem 0;padding:0 .3rem;border:1px solid #ccc;border-radius:3px;text-decoration:none;color:#222;font-size:12.5px}
.cl:hover{background:#f0f0f0}
details{margin:.3rem 0}summary{cursor:pointer;color:#444}
.bar{display:flex;height:1.1rem;border-radius:4px;overflow:hidden;margin:.4rem 0;border:1px solid #ddd}
.bar span{display:block}
.bar .passed{background:#3b9a57}.bar .failed{background:#d0463d}.bar .error{background:#9a62bd}
.bar .skipped{background:#e0c048}.bar .not_checkable{background:#bbb}.bar .not_covered{background:#888}.bar .not_run{background:#ddd}
.sw{display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.25rem;vertical-align:-1px}
.sw.passed{background:#3b9a57}.sw.failed{background:#d0463d}.sw.error{background:#9a62bd}.sw.skipped{background:#e0c048}
.sw.not_checkable{background:#bbb}.sw.not_covered{background:#888}.sw.not_run{background:#ddd}
.root{color:#b3261e}.reply{margin:.4rem 0 .8rem}
.consequences{margin:0 0 1rem 2rem}.problem.consequence{border-left-color:#e3a49f;background:#fffdfd}
.verdict{font-weight:600;margin:.6rem 0 0;padding:.35rem .7rem;border-radius:4px;display:inline-block}
.verdict.ok{background:#e3f3e6;color:#176d2c}.verdict.bad{background:#fbe4e2;color:#b3261e}
.verdict.warn{background:#fdf3d7;color:#7a5b00}
.unchecked{margin:.4rem 0 0;padding-left:1.2rem}.unchecked li{margin:.15rem 0}
"""

JS = """
function applyFilter(){
  var on={};document.querySelectorAll('.filters input').forEach(function(b){on[b.value]=b.checked;});
  document.querySelectorAll('tr.clause').forEach(function(r){
    var show=!!on[r.dataset.status];r.style.display=show?'':'none';
    var d=document.getElementById('d-'+r.dataset.id);if(d&&!show){d.classList.remove('open');}
  });
}
function openClause(id){
  var r=document.getElementById('c-'+id),d=document.getElementById('d-'+id);if(!r){return;}
  var box=document.querySelector(".filters input[value='"+r.dataset.status+"']");
  if(box&&!box.checked){box.checked=true;applyFilter();}
  d.classList.add('open');document.querySelectorAll('tr.clause.hl').forEach(function(x){x.classList.remove('hl');});
  r.classList.add('hl');
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('.filters input').forEach(function(b){b.addEventListener('change',applyFilter);});
  document.querySelectorAll('tr.clause').forEach(function(r){
    r.addEventListener('click',function(e){if(e.target.tagName!=='A'){document.getElementById('d-'+r.dataset.id).classList.toggle('open');}});
  });
  document.querySelectorAll('a.cl').forEach(function(a){
    a.addEventListener('click',function(){openClause(a.dataset.clause);});
  });
  applyFilter();
  if(location.hash.indexOf('#c-')===0){openClause(location.hash.slice(3));}
});
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _reply_key(ev: dict[str, Any]) -> tuple[str, ...]:
    req = ev.get("request") if isinstance(ev.get("request"), dict) else {}
    return (str(req.get("http_method")), str(req.get("url")), str(req.get("body")), str(ev.get("status")),
            str(ev.get("response_excerpt")))


def _evidence(items: list[dict[str, Any]], shows: dict[tuple[str, ...], list[str]]) -> str:
    """Each distinct reply once (the judge captures every reply and a check records the ones it
    judged, so the same one often comes twice), its notes merged, marked with the problems it showed."""
    replies: dict[tuple[str, ...], tuple[dict[str, Any], list[str]]] = {}
    for ev in items:
        _, notes = replies.setdefault(_reply_key(ev), (ev, []))
        if ev.get("note") and ev["note"] not in notes:
            notes.append(ev["note"])
    out = []
    for key, (ev, notes) in replies.items():
        req = ev.get("request") or {}
        head = f"{req.get('http_method', '')} {req.get('url', '')}" if isinstance(req, dict) else str(req)
        body = req.get("body", "") if isinstance(req, dict) else ""
        note = f" — {_e('; '.join(notes))}" if notes else ""
        if ev.get("credential"):  # sent wrong on purpose: the *** in its URL is not the real code
            note += f" <span class='muted'>(credential: {_e(ev['credential'])})</span>"
        marks = "".join(f" <span class='root'>shows <a href='#{_e(pid)}'>{_e(label)}</a></span>"
                        for pid, label in shows.get(key, []))
        out.append(
            f"<div class='reply'><b>{_e(head)}</b> → HTTP {_e(ev.get('status'))}{note}{marks}"
            f"<pre>{_e(body)}</pre><pre>{_e(ev.get('response_excerpt'))}</pre>"
            + (f"<details><summary>curl</summary><pre>{_e(ev.get('curl'))}</pre></details>" if ev.get("curl") else "")
            + "</div>"
        )
    return "".join(out)


def _clause_links(clauses: list[str]) -> str:
    return "".join(f"<a class='cl' href='#c-{_e(cid)}' data-clause='{_e(cid)}'>{_e(cid)}</a>" for cid in clauses)


def _sources(problem: dict[str, Any]) -> str:
    items = []
    for text, link, citing in citations(problem):
        shown = f"<a href='{_e(link)}' rel='noreferrer'>{_e(text)}</a>" if link else _e(text)
        items.append(f"<li>{shown} <span class='muted'>({_e(', '.join(citing))})</span></li>")
    if not items:
        return ""
    n = len(problem["clauses"])
    return f"<details><summary>what the docs say: {_plural(len(items), 'citation')} for {_plural(n, 'clause')}</summary><ul>{''.join(items)}</ul></details>"


def _problem(label: str, problem: dict[str, Any], labels: dict[str, str] | None = None) -> str:
    evidence = problem.get("evidence") or {}
    req = evidence.get("request") or {}
    n = len(problem["clauses"])
    labels = labels or {}
    # A text kind's message is its actual value already.
    actual = "" if problem["kind"] in TEXT_KINDS else f"<tr><th>actual</th><td><code>{_e(actual_text(problem))}</code></td></tr>"
    reproduce = ""
    script = evidence.get("reproduce") or evidence.get("curl")
    if script:
        reproduce = (f"<p><b>Reproduce</b> <span class='muted'>(your webhook code or token in place of ***; "
                     "a credential sent wrong on purpose is shown as such)</span></p>"
                     f"<pre class='curl'>{_e(script)}</pre>"
                     f"<details><summary>the reply: HTTP {_e(evidence.get('status'))} to {_e(req.get('http_method'))} "
                     f"{_e(req.get('url'))}</summary><pre>{_e(evidence.get('response_excerpt'))}</pre></details>")
    cause = problem.get("follows")
    beneath = len(problem.get("consequences") or ())
    css = "problem consequence" if cause in labels else "problem"
    follows = (f"<span class='muted'> follows from <a href='#{_e(cause)}'>{_e(labels[cause])}</a></span>"
               if cause in labels else "")
    more = f"<span class='muted'> · {_plural(beneath, 'problem')} follow from it</span>" if beneath else ""
    return (
        f"<article class='{css}' id='{_e(problem['id'])}'>"
        f"<h3><span class='plabel'>{_e(label)}</span>{_e(problem['title'])}"
        f"<span class='breaks'>breaks {_plural(n, 'clause')}</span>{follows}{more}</h3>"
        f"<p class='message'>{_e(problem['message'])}</p>"
        "<table class='ea'>"
        f"<tr><th>expected</th><td>{_e(problem['expectation'])}</td></tr>{actual}"
        f"<tr><th>kind</th><td><code>{_e(problem['kind'])}</code></td></tr>"
        f"<tr><th>clauses</th><td>{_clause_links(problem['clauses'])}</td></tr>"
        "</table>"
        f"{_sources(problem)}{reproduce}"
        "</article>"
    )


def _problems(results: dict[str, Any]) -> str:
    problems = results.get("problems") or []
    if not problems:
        return f"<section id='problems'><h2>Problems</h2><p class='none'>{_e(no_problems(results))}</p></section>"
    failed = results["run"]["counts"]["clauses"].get("failed", 0)
    labels = problem_labels(problems)
    grouped = roots(problems)
    parts = []
    for root, beneath in grouped:
        parts.append(_problem(labels[root["id"]], root, labels))
        if beneath:
            parts.append(f"<div class='consequences'><p class='muted'>Follow from {_e(labels[root['id']])} "
                         f"(fix it first: they may go with it)</p>"
                         + "".join(_problem(labels[p["id"]], p, labels) for p in beneath) + "</div>")
    return (
        "<section id='problems'>"
        f"<h2>Problems ({len(problems)})</h2>"
        f"<p>{_e(lead(len(problems), failed, len(grouped)))}</p>"
        + "".join(parts)
        + "</section>"
    )


def _coverage(results: dict[str, Any]) -> str:
    cells = coverage_cells(results)
    checked = cells[0][1]
    counts = dict(cells[1:])
    segments = "".join(f"<span class='{s}' style='flex:{counts[s]}' title='{_e(s.replace('_', ' '))}: {counts[s]}'></span>"
                       for s in STATUSES if counts.get(s))
    filters = "".join(
        f"<label><input type='checkbox' value='{s}' checked> <span class='sw {s}'></span>"
        f"<span class='st {s}'>{s.replace('_', ' ')}</span> ({counts.get(s, 0)})</label>" for s in STATUSES)
    return (
        "<section id='coverage'><h2>Coverage</h2>"
        f"<p class='coverage'><b>{_e(checked)} clauses checked</b> "
        "<span class='muted'>(a clause is checked when a check judged it, passed or failed)</span></p>"
        f"<div class='bar'>{segments}</div>"
        f"<div class='filters'>{filters}</div></section>"
    )


def _shown_by(check: dict[str, Any], labels: dict[str, str]) -> dict[tuple[str, ...], list[tuple[str, str]]]:
    """Which of the check's replies showed which problem (by the reply each problem carries)."""
    shows: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for problem in check.get("problems") or ():
        if problem.get("evidence") and problem["id"] in labels:
            entry = (problem["id"], labels[problem["id"]])
            bucket = shows.setdefault(_reply_key(problem["evidence"]), [])
            if entry not in bucket:
                bucket.append(entry)
    return shows


def _detail(clause: dict[str, Any], labels: dict[str, str], by_id: dict[str, dict[str, Any]]) -> str:
    parts = []
    for pid in clause.get("problems") or ():
        parts.append(f"<p class='root'><b>root problem <a href='#{_e(pid)}'>{_e(labels[pid])}</a></b>: "
                     f"{_e(by_id[pid]['message'])}</p>")
    if clause.get("reason") and not clause.get("problems"):
        parts.append(f"<p><b>reason:</b> {_e(clause['reason'])}</p>")
    amb = clause.get("ambiguity")
    if amb:
        parts.append(f"<p><b>ambiguity {_e(amb.get('id'))}</b>: {_e(amb.get('title'))} "
                     f"(mode {_e(amb.get('mode'))} accepts {_e(', '.join(amb.get('accepted_readings', [])))})</p>")
    for check in clause.get("checks", []):
        parts.append(
            f"<p><code>{_e(check['nodeid'])}</code> <span class='st {_e(check['outcome'])}'>{_e(check['outcome'])}</span>"
            f" <span class='muted'>{_e(check.get('duration_s'))} s</span></p>"
            + (f"<details><summary>message</summary><pre>{_e(check['message'])}</pre></details>" if check.get("message") else "")
            + _evidence(check.get("evidence") or [], _shown_by(check, labels))
        )
    return "".join(parts) or "<p class='muted'>no checks</p>"


def _matrix(results: dict[str, Any]) -> str:
    problems = results.get("problems") or []
    labels, by_id = problem_labels(problems), {p["id"]: p for p in problems}
    rows = []
    for c in results["clauses"]:
        cid = _e(c["id"])
        roots = " ".join(f"<a href='#{_e(pid)}'>{_e(labels[pid])}</a>" for pid in c.get("problems") or ())
        rows.append(
            f"<tr class='clause' id='c-{cid}' data-status='{_e(c['status'])}' data-id='{cid}'>"
            f"<td>{cid}</td><td>{_e(c['level'])}</td><td><span class='st {_e(c['status'])}'>"
            f"{_e(c['status'].replace('_', ' '))}</span></td><td>{_e(c['title'])}</td>"
            f"<td>{roots}</td><td>{len(c.get('checks', []))}</td></tr>"
            f"<tr class='detail' id='d-{cid}'><td colspan='6'>{_detail(c, labels, by_id)}</td></tr>"
        )
    return (
        "<section id='matrix'><h2>Clauses</h2>"
        "<p class='muted'>Click a clause for its checks and the requests and replies they judged.</p>"
        "<table><thead><tr><th>clause</th><th>level</th><th>status</th><th>title</th><th>problem</th>"
        f"<th>checks</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _verdict(results: dict[str, Any]) -> str:
    """The headline (view.headline): green only when every applicable clause was checked and passed;
    then what was not checked, with what would check it."""
    head = headline(results)
    tone = "ok" if head.green else "bad" if head.state == "not_conformant" else "warn"
    out = f"<p class='verdict {tone}' data-state='{_e(head.state)}'>{_e(head.text)}</p>"
    groups = [*head.unchecked, *head.not_applicable]
    if groups:
        items = "".join(f"<li><b>{_e(_plural(len(g.clauses), 'clause'))}</b>: {_e(g.why)} "
                        f"<span class='muted'>{_clause_links(list(g.clauses))}</span></li>" for g in groups)
        out += f"<details class='unchecked-list' open><summary>Not checked, and what would check it</summary><ul class='unchecked'>{items}</ul></details>"
    return out


def render(results: dict[str, Any]) -> str:
    run = results["run"]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<title>b24conform report</title>"
        f"<style>{CSS}</style></head><body>"
        "<header><h1>b24conform: crm.activity.add conformance</h1>"
        f"<p class='run'>Target <code>{_e(run['target'])}</code> ({_e(run['kind'])}), mode <b>{_e(run['mode'])}</b>, "
        f"{_e(run['started'])} – {_e(run['finished'])} ({_e(run['duration_s'])} s), "
        f"b24conform {_e(run['b24conform_version'])}{', <b>interrupted</b>' if run.get('interrupted') else ''}</p>"
        f"{_verdict(results)}</header>"
        + _problems(results) + _coverage(results) + _matrix(results)
        + f"<script>{JS}</script></body></html>"
    )
