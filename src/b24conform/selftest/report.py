"""reports/detection.json and reports/detection.md: the kill matrix of the self-test."""
from __future__ import annotations

import json
from pathlib import Path

from b24conform.judge.redact import redact
from b24conform.selftest.detection import Detection

JSON_NAME = "detection.json"
MD_NAME = "detection.md"

_MARK = {"failed": "K", "error": "K", "passed": ".", "skipped": "s", "no check": "-"}


def write_reports(det: Detection, report_dir: Path) -> tuple[Path, Path]:
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    data = det.as_dict()
    json_path = report_dir / JSON_NAME
    json_path.write_text(redact(json.dumps(data, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    md_path = report_dir / MD_NAME
    md_path.write_text(redact(render_markdown(det)), encoding="utf-8")
    return json_path, md_path


def _esc(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(det: Detection) -> str:
    d = det.as_dict()
    lines = [
        "# Detection power of the b24conform suites",
        "",
        f"Mode **{d['mode']}**; {d['jobs']} parallel processes; wall time **{d['wall_seconds']:.1f} s**.",
        "",
        "| | |",
        "| --- | --- |",
        f"| deviation profiles judged | {d['profiles_total']} |",
        f"| distinct deviations (profiles with different operations) | {d.get('distinct_deviations', 0)} |",
        f"| killed | {d['killed']} |",
        f"| missed | {d['missed']} |",
        f"| detection rate | **{100 * d['detection_rate']:.1f} %** |",
        f"| false alarms on the faithful portal | **{len(d['false_alarms'])}** |",
        *([f"| strict-only profiles accepted by lenient judging | "
           f"{sum(p['verdict'] == 'accepted' for p in d['profiles'])} |"] if d["mode"] == "lenient" else []),
        f"| faithful run: checks | {d['faithful']['checks']} ({_fmt_counts(d['faithful']['check_outcomes'])}) |",
        "",
        "A profile is *killed* when a check of a clause it names fails (a check that also fails on the faithful"
        " portal does not count); a failure only on other clauses is a miss. Every profile run also executes"
        " the smoke clauses " + ", ".join(d["smoke"]) + ". In lenient mode the profiles marked `strict_only`"
        " must survive (`accepted`); a kill there is an over-strict lenient check and counts as a miss.",
        "",
    ]
    lines += ["## False alarms (faithful portal)", ""]
    if d["false_alarms"]:
        lines += ["| check | clauses | reason |", "| --- | --- | --- |"]
        for fa in d["false_alarms"]:
            lines.append(f"| `{_esc(fa['check'])}` | {', '.join(fa['clauses'])} | {_esc(fa['reason'][:300])} |")
    else:
        lines.append("None: every check passed or was skipped as not applicable.")
    skipped = d["faithful"].get("skipped_clauses") or {}
    if skipped:
        lines += ["", "Clauses skipped on the faithful run: " + ", ".join(sorted(skipped)) + "."]
    missing = d["faithful"].get("clauses_without_checks") or []
    if missing:
        lines += ["", "Automated clauses with no check in the suites: " + ", ".join(missing) + "."]
    lines += ["", "## Misses", ""]
    misses = [p for p in d["profiles"] if p["verdict"] in ("miss", "over-strict")]
    if misses:
        lines += ["| profile | clauses named | why |", "| --- | --- | --- |"]
        for p in misses:
            lines.append(f"| `{p['profile']}` | {', '.join(p['named'])} | {_esc(p['reason'][:500])} |")
    else:
        lines.append("None.")
    lines += ["", "## Kill matrix", "",
              "`K` a check of the clause failed (killed), `.` its checks passed, `s` skipped, `-` no check;"
              " collateral = other clauses that failed in the same run.", ""]
    lines += ["| family | profile | named clauses | verdict | collateral | s |", "| --- | --- | --- | --- | --- | --- |"]
    for p in sorted(d["profiles"], key=lambda x: (x["family"], x["profile"])):
        cells = " ".join(f"{c}:{_MARK.get(p['clause_status'].get(c, 'no check'), '?')}" for c in p["named"])
        verdict = {"killed": "**killed**", "miss": "MISS", "accepted": "accepted (lenient)",
                   "over-strict": "OVER-STRICT"}.get(p["verdict"], p["verdict"])
        lines.append(f"| {p['family']} | `{p['profile']}` | {cells} | {verdict} | {', '.join(p['collateral']) or ''} "
                     f"| {p['wall']:.1f} |")
    lines += _killer_table(d)
    lines += ["", "## Per family", "", "| family | profiles | killed |", "| --- | --- | --- |"]
    fam: dict[str, list[int]] = {}
    for p in d["profiles"]:
        fam.setdefault(p["family"], [0, 0])
        fam[p["family"]][0] += 1
        fam[p["family"]][1] += p["verdict"] == "killed"
    for name, (n, k) in sorted(fam.items()):
        lines.append(f"| {name} | {n} | {k} |")
    lines.append("")
    return "\n".join(lines)


def _killer_table(d: dict) -> list[str]:
    killers = d.get("clause_killers") or {}
    if not killers:
        return []
    scope = ("every profile ran: a clause without a killing profile fails the self-test" if d.get("whole_catalogue")
             else "a subset of the profiles ran: clauses without a killer here may have one in the full run")
    lines = ["", "## Clauses and the profiles that kill them", "",
             f"Automated clauses of spec/clauses.yaml -> the profiles a check of that clause killed ({scope}).", "",
             "| clause | killing profiles |", "| --- | --- |"]
    for cid, who in killers.items():
        lines.append(f"| {cid} | {', '.join(f'`{p}`' for p in who) if who else '**none**'} |")
    return lines


def _fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
