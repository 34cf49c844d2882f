"""Adding up the verdicts on recorded exchanges into the reports `run` writes.

A `Tally` takes the HAR entries one by one and keeps only what the reports need: per check of
checks.CHECKS the number of exchanges it judged and found problems in, the exchanges that showed each
distinct problem (the first MAX_KEYS problems per check, each with the first exchange that showed it),
two passing samples, and the first MAX_NOT_JUDGED exchanges that could not be judged. Memory stays
flat however many entries a file has.

`results()` turns that into results.json through reporting.results.build_results (every clause of
spec/clauses.yaml once: a clause no applied check names is `not_covered`, with the reason), plus a
`traffic` section (files, counts, the exchanges not judged). `write()` writes results.json, report.md
and report.html with the reporting package's writers, a "Recorded traffic" section at the end of the
two human reports, and junit.xml (one test case per applied check).
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from b24conform import mdtext
from b24conform.htmlpage import render_page
from b24conform.judge.evidence import problem_dicts
from b24conform.reporting import write_reports
from b24conform.reporting.results import RunInfo, build_results
from b24conform.traffic.checks import CHECKS, clauses_covered, judge
from b24conform.traffic.exchange import Exchange, NotJudged, Seen
from b24conform.verdict.accounting import CheckOutcome
from b24conform.verdict.problems import Problem
from b24conform.verdict.redact import redact, redact_data

MAX_KEYS = 50        # distinct problems kept per check, each with the exchange that showed it first
PASSING_SAMPLES = 2
MAX_NOT_JUDGED = 200
EXCERPT = 2000
NODE = "traffic::"
# What the headline says of a clause no check judged (reporting/view.py says "a gap in the suites").
NOT_IN_TRAFFIC = "not judgeable from the recorded traffic (each clause's reason says why)"
NO_EXCHANGE = "not covered: no recorded exchange its traffic checks apply to"
NEEDS_RUN = "not covered: one recorded exchange cannot show it (b24conform run checks it)"


def _curl(ex: Exchange) -> str:
    req = ex.reply.request
    parts = [f"curl -X {req.http_method} '{req.url}'"]
    if req.content_type:
        parts.append(f"-H 'Content-Type: {req.content_type}'")
    if req.body:
        parts.append("--data-raw '" + req.body[:EXCERPT].replace("'", "'\\''") + "'")
    return redact(" ".join(parts))


def evidence_of(ex: Exchange, problems: list[Problem], clauses: tuple[str, ...]) -> dict[str, Any]:
    """One exchange as the reports' evidence: the recorded request and reply, redacted, and where it is."""
    item: dict[str, Any] = {
        "request": ex.reply.request.as_dict(),
        "status": ex.reply.status,
        "response_excerpt": redact(ex.reply.text[:EXCERPT]),
        "curl": _curl(ex),
        "note": redact(f"recorded: {ex.label}"),
        "explicit": True,
        "at": ex.reply.at,
        "exchange": redact_data({"file": ex.place.file, "entry": ex.place.index, "startedDateTime": ex.place.started,
                                 "method": ex.method_as_sent}),
    }
    if problems:
        item["problems"] = problem_dicts([p.within(ex.label) for p in problems], clauses)
    return item


@dataclass
class CheckTally:
    name: str
    clauses: tuple[str, ...]
    judged: int = 0
    failed: int = 0
    keys: set[tuple[str, ...]] = field(default_factory=set)
    more_keys: int = 0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    passing: list[dict[str, Any]] = field(default_factory=list)
    first: str = ""

    def record(self, ex: Exchange, problems: list[Problem]) -> None:
        self.judged += 1
        if not problems:
            if len(self.passing) < PASSING_SAMPLES:
                self.passing.append(evidence_of(ex, [], self.clauses))
            return
        self.failed += 1
        new = [p for p in problems if p.key() not in self.keys]
        if not self.first:
            self.first = f"{ex.label}: {problems[0]}"
        if not new:
            return
        if len(self.keys) >= MAX_KEYS:
            self.more_keys += len({p.key() for p in new})
            return
        self.keys.update(p.key() for p in new)
        self.evidence.append(evidence_of(ex, new, self.clauses))

    def outcome(self) -> CheckOutcome:
        if self.failed:
            more = f"; {self.more_keys} more distinct problems not listed" if self.more_keys else ""
            message = (f"{self.failed} of {self.judged} recorded exchanges with problems{more}; "
                       f"first: {self.first}")
            return CheckOutcome(NODE + self.name, list(self.clauses), "failed", 0.0, redact(message), self.evidence)
        message = f"{self.judged} recorded exchange{'' if self.judged == 1 else 's'} judged, no problem"
        return CheckOutcome(NODE + self.name, list(self.clauses), "passed", 0.0, message, self.passing)


class Tally:
    """The verdicts on every exchange read so far (see the module docstring)."""

    def __init__(self, contract: Any, mode: str) -> None:
        self.contract, self.mode = contract, mode
        self.started = time.time()
        self.files: list[str] = []
        self.entries = 0
        self.ignored = 0
        self.exchanges = 0
        self.not_judged: list[dict[str, Any]] = []
        self.not_judged_total = 0
        self.methods: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()
        self.checks: dict[str, CheckTally] = {}

    def add(self, seen: Seen) -> dict[str, list[Problem]]:
        """Count one entry in; the problems found in it, per check (`traffic proxy` prints them live)."""
        self.entries += 1
        if seen.exchange is not None:
            return self.judge(seen.exchange)
        if seen.not_judged is not None:
            self.skip(seen.not_judged)
        else:
            self.ignored += 1
        return {}

    def judge(self, ex: Exchange) -> dict[str, list[Problem]]:
        self.exchanges += 1
        self._count(ex.method, ex.host)
        try:
            found = judge(ex, self.contract, self.mode)
        except Exception as exc:  # noqa: BLE001 - one odd exchange is listed, never a traceback for the file
            self._not_judged(ex.place, ex.method_as_sent, f"the judge failed on it: {type(exc).__name__}: {exc}")
            return {}
        for name, problems in found.items():
            check = self.checks.get(name)
            if check is None:
                check = self.checks[name] = CheckTally(name, CHECKS[name])
            check.record(ex, problems)
        if ex.params_problem:
            # The reply was judged; what needs the request (batch commands, a list's start) was not.
            self._not_judged(ex.place, ex.method_as_sent, f"request only: {ex.params_problem}")
        return {name: problems for name, problems in found.items() if problems}

    def skip(self, item: NotJudged) -> None:
        self._count(item.method.lower(), item.host)
        self._not_judged(item.place, item.method, item.reason)

    def _count(self, method: str, host: str) -> None:
        if len(self.methods) < 500 or method in self.methods:
            self.methods[method] += 1
        if len(self.hosts) < 50 or host in self.hosts:
            self.hosts[host] += 1

    def _not_judged(self, place: Any, method: str, reason: str) -> None:
        self.not_judged_total += 1
        if len(self.not_judged) < MAX_NOT_JUDGED:
            self.not_judged.append(redact_data({"file": place.file, "entry": place.index,
                                                "startedDateTime": place.started, "method": method,
                                                "reason": reason}))

    @property
    def failed(self) -> bool:
        return any(c.failed for c in self.checks.values())

    # -- results.json ------------------------------------------------------------------------------

    def results(self) -> dict[str, Any]:
        target = "recorded traffic: " + ", ".join(Path(f).name for f in self.files)
        hosts = [h for h in self.hosts if h]
        if hosts:
            target += f" ({', '.join(hosts[:5])}{', …' if len(hosts) > 5 else ''})"
        info = RunInfo(started=self.started, finished=time.time(), mode=self.mode, target=target, kind="live")
        outcomes = [self.checks[name].outcome() for name in CHECKS if name in self.checks]
        results = build_results(self.contract, outcomes, info)
        # Not a gap of the suites: something recorded traffic cannot show (reporting/view.py reads it).
        results["run"]["not_covered_reason"] = NOT_IN_TRAFFIC
        covered = clauses_covered()
        for clause in results["clauses"]:
            if clause["status"] == "not_covered":
                clause["reason"] = NO_EXCHANGE if clause["id"] in covered else NEEDS_RUN
        results["traffic"] = {
            "files": [redact(f) for f in self.files],
            "entries": self.entries,
            "exchanges_judged": self.exchanges,
            "not_rest": self.ignored,
            "not_judged_total": self.not_judged_total,
            "not_judged": self.not_judged,
            "methods": dict(self.methods.most_common()),
            "checks": {name: {"clauses": list(c.clauses), "judged": c.judged, "with_problems": c.failed}
                       for name, c in self.checks.items()},
            "check_clauses": {name: list(clauses) for name, clauses in CHECKS.items()},
        }
        return results

    # -- the files ---------------------------------------------------------------------------------

    def write(self, results: dict[str, Any], report_dir: Path) -> list[Path]:
        paths = write_reports(results, report_dir)
        section = traffic_markdown(results)
        md = report_dir / "report.md"
        md.write_text(md.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + section, encoding="utf-8")
        page = report_dir / "report.html"
        html = page.read_text(encoding="utf-8")
        block = traffic_html(results)
        html = html.replace("</body>", block + "</body>", 1) if "</body>" in html else html + block
        page.write_text(html, encoding="utf-8")
        junit = report_dir / "junit.xml"
        write_junit(self, results, junit)
        return [*paths, junit]


def traffic_markdown(results: dict[str, Any]) -> str:
    t = results["traffic"]
    lines = ["## Recorded traffic", "",
             f"Files: {', '.join(mdtext.code(f, in_table=False) for f in t['files'])}. "
             f"{t['entries']} entries: {t['exchanges_judged']} Bitrix24 REST exchanges judged, "
             f"{t['not_judged_total']} not judged (or judged in part), {t['not_rest']} not Bitrix24 REST calls.", "",
             "| check | clauses | exchanges judged | with problems |", "| --- | --- | --- | --- |"]
    for name, c in t["checks"].items():
        lines.append(f"| `{name}` | {', '.join(c['clauses'])} | {c['judged']} | {c['with_problems']} |")
    if t["not_judged"]:
        lines += ["", "Not judged:", "", "| file | entry | started | method | why |", "| --- | --- | --- | --- | --- |"]
        for item in t["not_judged"]:
            lines.append(f"| {mdtext.code(item['file'])} | {item['entry']} | {mdtext.text(item['startedDateTime'])} | "
                         f"{mdtext.code(item['method'])} | {mdtext.prose(item['reason'])} |")
        if t["not_judged_total"] > len(t["not_judged"]):
            lines.append(f"\n… and {t['not_judged_total'] - len(t['not_judged'])} more (results.json lists the first "
                         f"{len(t['not_judged'])}).")
    return redact("\n".join(lines)) + "\n"


def traffic_html(results: dict[str, Any]) -> str:
    return redact(render_page("traffic-section.html.j2", traffic=results["traffic"]))


def write_junit(tally: Tally, results: dict[str, Any], path: Path) -> Path:
    """One test case per applied check (failed with its problems), one skipped per exchange group not judged."""
    suite = ET.Element("testsuite", name="b24conform traffic")
    failures = tests = skipped = 0
    for name in CHECKS:
        check = tally.checks.get(name)
        if check is None:
            continue
        tests += 1
        case = ET.SubElement(suite, "testcase", classname="b24conform.traffic", name=f"{name} [{', '.join(check.clauses)}]",
                             time="0")
        if check.failed:
            failures += 1
            lines = [p["message"] for item in check.evidence for p in item.get("problems", [])]
            failure = ET.SubElement(case, "failure", message=redact(f"{check.failed} of {check.judged} exchanges with problems"))
            failure.text = redact("\n".join(lines))
    if tally.not_judged_total:
        tests += 1
        skipped += 1
        case = ET.SubElement(suite, "testcase", classname="b24conform.traffic", name="exchanges not judged", time="0")
        ET.SubElement(case, "skipped", message=f"{tally.not_judged_total} exchanges not judged").text = redact(
            "\n".join(f"{i['file']} log.entries[{i['entry']}] {i['method']}: {i['reason']}" for i in tally.not_judged))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
