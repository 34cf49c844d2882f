"""reports/detection.json and reports/detection.md: the kill matrix of the deviant profiles and the pass
list of the legitimate variants."""
from __future__ import annotations

import json
from pathlib import Path

from b24conform import mdtext
from b24conform.selftest.detection import Detection
from b24conform.verdict.redact import redact

JSON_NAME = "detection.json"
MD_NAME = "detection.md"

_MARK = {"failed": "K", "no-verdict": "?", "passed": ".", "skipped": "s", "no check": "-"}


def write_reports(det: Detection, report_dir: Path) -> tuple[Path, Path]:
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    data = det.as_dict()
    json_path = report_dir / JSON_NAME
    json_path.write_text(redact(json.dumps(data, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    md_path = report_dir / MD_NAME
    md_path.write_text(redact(render_markdown(det)), encoding="utf-8")
    return json_path, md_path


def _checks_table(rows: list[dict], with_variant: bool = False) -> list[str]:
    head = "| variant | clauses | check | reason |" if with_variant else "| clauses | check | reason |"
    lines = [head, "| --- | --- | --- | --- |" if with_variant else "| --- | --- | --- |"]
    for r in rows:
        cells = [f"`{r['variant']}`"] if with_variant else []
        cells += [", ".join(r["clauses"]) or "-", mdtext.code(r["check"]), mdtext.prose(" ".join(r["reason"].split())[:300])]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def render_markdown(det: Detection) -> str:
    d = det.as_dict()
    strict = d["mode"] == "strict"
    lines = [
        "# Detection power and specificity of the b24conform suites",
        "",
        f"Mode **{d['mode']}**; {d['jobs']} parallel processes; wall time **{d['wall_seconds']:.1f} s**; "
        f"self-test **{'passed' if d.get('passed') else 'FAILED'}**."
        + (" Every portal was served and judged as a live target with the batch plan on (`--batch-plan`): "
           "only the deviant profiles naming a live-checkable clause ran." if d.get("batch_plan") else ""),
        "",
        "| | |",
        "| --- | --- |",
        f"| deviant profiles killed | **{d['killed']}/{d['profiles_total']}** |",
        f"| legitimate variants passed{' (strict: killed on their strict_fails)' if strict else ''} | "
        f"**{d.get('variants_passed', 0)}/{d.get('variants_total', 0)}** |",
        f"| false alarms on the faithful portal | **{len(d['false_alarms'])}** |",
        f"| false alarms on the legitimate variants | **{len(d.get('variant_false_alarms') or [])}** |",
        f"| no-verdicts (faithful run; profiles without a verdict) | {len(d.get('faithful_no_verdicts') or [])}; "
        f"{sum(p['verdict'] == 'no-verdict' for p in d['profiles'])} |",
        f"| distinct deviations (profiles with different operations) | {d.get('distinct_deviations', 0)} |",
        f"| detection rate | **{100 * d['detection_rate']:.1f} %** |",
        f"| faithful run: checks | {d['faithful']['checks']} ({_fmt_counts(d['faithful']['check_outcomes'])}) |",
        "",
        "A deviant profile is *killed* when a check of a clause it names reports a conformance failure (an"
        " assertion of `assert_conforms`; a check that also fails on the faithful portal does not count); a"
        " failure only on other clauses is a miss. A crash, a target error or a failing fixture is a *no-verdict*,"
        " never a kill: a profile whose named clauses only got no-verdicts fails the self-test. Every profile run"
        " also executes the smoke clauses " + ", ".join(d["smoke"]) + ".",
        "",
        "A legitimate variant (spec/variants.yaml) follows only documented readings; it runs the whole suite and"
        " passes with no failed check and no no-verdict; each failed check is a false alarm. "
        + ("In strict mode a variant with strict_fails is judged like a deviant profile instead: it must be killed"
           " on one of its strict_fails (failures elsewhere are collateral); a variant without them must still"
           " pass the whole suite." if strict else
           "`--mode strict` instead requires each variant with strict_fails to be killed on one of them."),
        "",
    ]
    lines += ["## False alarms (faithful portal)", ""]
    if d["false_alarms"]:
        lines += _checks_table(d["false_alarms"])
    else:
        lines.append("None: every check passed or was skipped as not applicable.")
    if d.get("faithful_no_verdicts"):
        lines += ["", "Checks without a verdict on the faithful portal (they fail the self-test too):", ""]
        lines += _checks_table(d["faithful_no_verdicts"])
    skipped = d["faithful"].get("skipped_clauses") or {}
    if skipped:
        lines += ["", "Clauses skipped on the faithful run: " + ", ".join(sorted(skipped)) + "."]
    missing = d["faithful"].get("clauses_without_checks") or []
    if missing:
        lines += ["", "Automated clauses with no check in the suites: " + ", ".join(missing) + "."]
    lines += _variant_sections(d)
    lines += ["", "## Misses and no-verdicts (deviant profiles)", ""]
    misses = [p for p in d["profiles"] if p["verdict"] != "killed"]
    if misses:
        lines += ["| profile | clauses named | verdict | why |", "| --- | --- | --- | --- |"]
        for p in misses:
            lines.append(f"| `{p['profile']}` | {', '.join(p['named'])} | {p['verdict']} | {mdtext.prose(p['reason'][:500])} |")
    else:
        lines.append("None.")
    lines += ["", "## Kill matrix", "",
              "`K` a check of the clause reported a failure (killed), `?` no verdict (crash, target error, fixture),"
              " `.` its checks passed, `s` skipped, `-` no check; collateral = other clauses that failed in the"
              " same run.", ""]
    lines += ["| family | profile | named clauses | verdict | collateral | s |", "| --- | --- | --- | --- | --- | --- |"]
    for p in sorted(d["profiles"], key=lambda x: (x["family"], x["profile"])):
        cells = " ".join(f"{c}:{_MARK.get(p['clause_status'].get(c, 'no check'), '?')}" for c in p["named"])
        verdict = {"killed": "**killed**", "miss": "MISS", "no-verdict": "NO VERDICT",
                   "live-miss": "live miss (without the plan too)"}.get(p["verdict"], p["verdict"])
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


def _variant_sections(d: dict) -> list[str]:
    variants = d.get("variants") or []
    if not variants:
        return ["", "## Legitimate variants", "", "None ran."]
    strict = d["mode"] == "strict"
    lines = ["", "## Legitimate variants", "",
             "| variant | readings | verdict | checks | strict_fails | s |" if strict else
             "| variant | readings | verdict | checks | s |",
             "| --- | --- | --- | --- | --- | --- |" if strict else "| --- | --- | --- | --- | --- |"]
    for v in variants:
        verdict = {"passed": "passed", "killed": "killed (strict)", "false-alarm": "**FALSE ALARM**",
                   "no-verdict": "**NO VERDICT**", "not-killed": "**NOT KILLED**"}.get(v["verdict"], v["verdict"])
        readings = ", ".join(v["readings"]) if not v.get("composed_of") else f"{len(v['composed_of'])} variants composed"
        cells = [f"`{v['variant']}`", readings, verdict, _fmt_counts(v["checks"])]
        if strict:
            fails = ", ".join(f"{c}:{'K' if c in v['killed_by'] else '.'}" for c in v["expected_failures"])
            cells.append(fails)
        cells.append(f"{v['wall']:.1f}")
        lines.append("| " + " | ".join(cells) + " |")
    alarms = d.get("variant_false_alarms") or []
    lines += ["", "### False alarms on legitimate variants", ""]
    lines += _checks_table(alarms, with_variant=True) if alarms else ["None."]
    nv = [{"variant": v["variant"], **x} for v in variants for x in v["no_verdicts"]]
    if nv:
        lines += ["", "### No-verdicts on legitimate variants", ""]
        lines += _checks_table(nv, with_variant=True)
    other = [v for v in variants if v["verdict"] == "not-killed"]
    if other:
        lines += ["", "Not killed in strict mode: " + "; ".join(f"`{v['variant']}`: {mdtext.prose(v['reason'], in_table=False)}" for v in other) + "."]
    return lines


def _killer_table(d: dict) -> list[str]:
    killers = d.get("clause_killers") or {}
    if not killers:
        return []
    if d.get("whole_catalogue"):
        scope = "every profile and variant ran: a clause without a killer fails the self-test"
    elif not d.get("complete"):
        scope = "a subset ran: clauses without a killer here may have one in the full run"
    else:
        scope = "every profile and variant ran"
    lines = ["", "## Clauses and the profiles that kill them", "",
             f"Automated clauses of spec/clauses.yaml -> the profiles (in strict mode also the variants) a check of"
             f" that clause killed ({scope}).", "",
             "| clause | killing profiles |", "| --- | --- |"]
    for cid, who in killers.items():
        lines.append(f"| {cid} | {', '.join(f'`{p}`' for p in who) if who else '**none**'} |")
    return lines


def _fmt_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
