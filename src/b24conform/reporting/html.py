"""report.html: one self-contained page (inline CSS and JS, no network), a status filter, and rows
that expand to show each check's message and evidence. Every value is HTML-escaped."""
from __future__ import annotations

from html import escape
from typing import Any

from b24conform.judge.accounting import STATUSES

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}
h1{font-size:1.3rem}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
tr.clause{cursor:pointer}tr.clause:hover{background:#f6f6f6}
.st{font-weight:600;border-radius:3px;padding:0 .4rem}
.passed{color:#176d2c}.failed{color:#b3261e}.error{color:#7a3e9d}.skipped{color:#8a6d00}.not_checkable,.not_covered{color:#555}
tr.detail{display:none}tr.detail.open{display:table-row}
pre{white-space:pre-wrap;word-break:break-all;background:#f4f4f4;padding:.4rem;margin:.2rem 0;max-height:20rem;overflow:auto}
.filters label{margin-right:1rem}.muted{color:#666}
"""

JS = """
function applyFilter(){
  var on={};document.querySelectorAll('.filters input').forEach(function(b){on[b.value]=b.checked;});
  document.querySelectorAll('tr.clause').forEach(function(r){
    var show=!!on[r.dataset.status];r.style.display=show?'':'none';
    var d=document.getElementById('d-'+r.dataset.id);if(d&&!show){d.classList.remove('open');}
  });
}
document.addEventListener('DOMContentLoaded',function(){
  document.querySelectorAll('.filters input').forEach(function(b){b.addEventListener('change',applyFilter);});
  document.querySelectorAll('tr.clause').forEach(function(r){
    r.addEventListener('click',function(){document.getElementById('d-'+r.dataset.id).classList.toggle('open');});
  });
  applyFilter();
});
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _evidence(items: list[dict[str, Any]]) -> str:
    out = []
    for ev in items:
        req = ev.get("request") or {}
        head = f"{req.get('http_method', '')} {req.get('url', '')}" if isinstance(req, dict) else str(req)
        body = req.get("body", "") if isinstance(req, dict) else ""
        note = f" — {_e(ev['note'])}" if ev.get("note") else ""
        out.append(
            f"<div><b>{_e(head)}</b> → HTTP {_e(ev.get('status'))}{note}"
            f"<pre>{_e(body)}</pre><pre>{_e(ev.get('response_excerpt'))}</pre>"
            + (f"<details><summary>curl</summary><pre>{_e(ev.get('curl'))}</pre></details>" if ev.get("curl") else "")
            + "</div>"
        )
    return "".join(out)


def _detail(clause: dict[str, Any]) -> str:
    parts = []
    if clause.get("reason"):
        parts.append(f"<p><b>reason:</b> {_e(clause['reason'])}</p>")
    amb = clause.get("ambiguity")
    if amb:
        parts.append(f"<p><b>ambiguity {_e(amb.get('id'))}</b>: {_e(amb.get('title'))} "
                     f"(mode {_e(amb.get('mode'))} accepts {_e(', '.join(amb.get('accepted_readings', [])))})</p>")
    for check in clause.get("checks", []):
        parts.append(
            f"<p><code>{_e(check['nodeid'])}</code> <span class='st {_e(check['outcome'])}'>{_e(check['outcome'])}</span>"
            f" <span class='muted'>{_e(check.get('duration_s'))} s</span></p>"
            + (f"<pre>{_e(check['message'])}</pre>" if check.get("message") else "")
            + _evidence(check.get("evidence") or [])
        )
    return "".join(parts) or "<p class='muted'>no checks</p>"


def render(results: dict[str, Any]) -> str:
    from b24conform.reporting.results import coverage

    checked, checkable = coverage(results)
    run = results["run"]
    counts = run["counts"]["clauses"]
    filters = "".join(
        f"<label><input type='checkbox' value='{s}' checked> <span class='st {s}'>{s.replace('_', ' ')}</span> "
        f"({counts.get(s, 0)})</label>" for s in STATUSES)
    rows = []
    for c in results["clauses"]:
        cid = _e(c["id"])
        rows.append(
            f"<tr class='clause' data-status='{_e(c['status'])}' data-id='{cid}'>"
            f"<td>{cid}</td><td>{_e(c['level'])}</td><td><span class='st {_e(c['status'])}'>"
            f"{_e(c['status'].replace('_', ' '))}</span></td><td>{_e(c['title'])}</td>"
            f"<td>{len(c.get('checks', []))}</td></tr>"
            f"<tr class='detail' id='d-{cid}'><td colspan='5'>{_detail(c)}</td></tr>"
        )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>b24conform report</title>"
        f"<style>{CSS}</style></head><body>"
        "<h1>b24conform: crm.activity.add conformance</h1>"
        f"<p class='coverage'><b>{checked} of {checkable} clauses checked</b></p>"
        f"<p>Target <code>{_e(run['target'])}</code> ({_e(run['kind'])}), mode <b>{_e(run['mode'])}</b>, "
        f"{_e(run['started'])} – {_e(run['finished'])} ({_e(run['duration_s'])} s), "
        f"b24conform {_e(run['b24conform_version'])}</p>"
        f"<div class='filters'>{filters}</div>"
        "<table><thead><tr><th>clause</th><th>level</th><th>status</th><th>title</th><th>checks</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<script>{JS}</script></body></html>"
    )
