"""What both human reports show, decided once: problem labels, how an actual value reads, the
coverage figures. report.md and report.html only lay these out."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from b24conform.verdict.accounting import STATUSES


def coverage(results: dict[str, Any]) -> tuple[int, int]:
    """(clauses checked, clauses a client can check): a clause is checked when a check judged it,
    passed or failed. Skipped, errors and not covered are not checked."""
    clauses = results.get("clauses", [])
    checkable = [c for c in clauses if c["status"] != "not_checkable"]
    return sum(1 for c in checkable if c["status"] in {"passed", "failed"}), len(checkable)

SHOWN_PROBLEMS = 10  # report.md lists this many problems in full; report.html lists all
TEXT_KINDS = frozenset({"other", "check-failed", "schemathesis"})  # their actual value is a sentence


def problem_labels(problems: list[dict[str, Any]]) -> dict[str, str]:
    """P1, P2, ... in the order of results.json (causes first, each followed by its consequences)."""
    return {p["id"]: f"P{i}" for i, p in enumerate(problems, 1)}


def roots(problems: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each problem that follows from none, with the problems that follow from it."""
    by_id = {p["id"]: p for p in problems}
    return [(p, [by_id[c] for c in p.get("consequences") or () if c in by_id])
            for p in problems if not p.get("follows") or p["follows"] not in by_id]


def actual_text(problem: dict[str, Any]) -> str:
    """The actual value as a vendor reads it: JSON for a value, the sentence itself for a text."""
    actual = problem.get("actual")
    if problem.get("kind") in TEXT_KINDS and isinstance(actual, str):
        return actual
    return json.dumps(actual, ensure_ascii=False, sort_keys=True)


def coverage_cells(results: dict[str, Any]) -> list[tuple[str, Any]]:
    """("checked", "N of M") then each clause status with its count, in STATUSES order."""
    checked, checkable = coverage(results)
    counts = results["run"]["counts"]["clauses"]
    return [("checked", f"{checked} of {checkable}")] + [(s, counts.get(s, 0)) for s in STATUSES]


def citations(problem: dict[str, Any]) -> list[tuple[str, str | None, list[str]]]:
    """The docs sections a problem's clauses cite, each once with the clauses citing it, in clause
    order: many clauses come from the same section, and a line per clause would repeat it."""
    grouped: dict[str, tuple[str, str | None, list[str]]] = {}
    for cid in problem.get("clauses", []):
        for source in problem.get("sources", {}).get(cid, []):
            section = f"{source['page']} § {source['heading']}" if source.get("page") else source.get("text", "")
            _, _, clauses = grouped.setdefault(source.get("link") or section, (section, source.get("link"), []))
            if cid not in clauses:
                clauses.append(cid)
    return list(grouped.values())


def no_problems(results: dict[str, Any]) -> str:
    """The Problems section of a run without problems: a clean bill only for what was checked."""
    checked, _ = coverage(results)
    if headline(results).green:
        return "None: no check found a deviation from the docs."
    if checked == 0:
        return "None found, because nothing was checked."
    return f"None among the {checked} clauses checked; the others have no verdict (see above)."


def lead(problems: int, failed: int, causes: int | None = None) -> str:
    """The sentence under the Problems heading."""
    clauses = f"{failed} failed clause{'' if failed == 1 else 's'}"
    if problems == 1:
        return f"One problem behind {clauses}: fix it and they can pass."
    if causes is not None and causes < problems:
        return (f"{problems} problems behind {clauses}, from {causes} root cause{'' if causes == 1 else 's'}: "
                "a problem others follow from comes first, its consequences beneath it, then the most "
                "widespread. Fix the first and re-run: its consequences may go with it.")
    return (f"{problems} problems behind {clauses}, the most widespread first: "
            "fixing the first often fixes many clauses at once.")


# -- the headline: one verdict, decided from the coverage, shared by the CLI, report.md and report.html --

# What would check a clause a run left unchecked, read off the skip reason the judge recorded (accounting.
# skip_reason, the plugin's fixtures, the world): every remedy whose marker the reason names. A reason
# naming none is shown as it is.
REMEDIES: tuple[tuple[str, str], ...] = (
    ("--allow-writes", "--allow-writes (the judge then creates, marks and deletes its own records)"),
    ("capability 'oauth'", "an OAuth token: --oauth-token (pytest: --b24-oauth-token)"),
    ("B24_TRIP_LIMITS", "a portal declared safe to trip its rate limits: B24_TRIP_LIMITS=1 (pytest: --b24-trip-limits)"),
    ("capability 'https'", "the plain-HTTP base: B24_HTTP_URL (pytest: --b24-http-url)"),
    ("capability 'mock'", "the embedded reference portal (its own set-up: users, tokens, scopes)"),
)
NOT_SELECTED = "not in this run's selection (-k or a file argument): run without it"
NO_CHECK = "no check names it (a gap in the suites)"
NOT_RUN = "not run: the run was interrupted before its checks ran; run again"
NO_ANSWER = ("no judgeable answer from the target (a timeout, a TLS failure, a gateway's page): "
             "see the clauses marked error, then run again")


@dataclass(frozen=True)
class Unchecked:
    """Clauses left without a verdict for one reason: what would check them."""

    why: str
    clauses: tuple[str, ...]


@dataclass(frozen=True)
class Headline:
    state: str      # conformant | partly_checked | nothing_checked | not_conformant | no_verdict | interrupted
    label: str      # "Conformant", "Partly checked", ...
    sentence: str   # what the run found, after the label
    checked: int
    checkable: int
    unchecked: tuple[Unchecked, ...] = ()       # applicable clauses without a verdict, by what would check them
    not_applicable: tuple[Unchecked, ...] = ()  # clauses a target of this kind cannot be checked for

    @property
    def green(self) -> bool:
        """Only a run that checked every applicable clause, and found every one passing."""
        return self.state == "conformant"

    @property
    def text(self) -> str:
        return f"{self.label}: {self.sentence}"


def _why(clause: dict[str, Any], run: dict[str, Any]) -> str:
    status = clause["status"]
    if status == "not_run":
        return NOT_RUN
    if status == "error":
        return NO_ANSWER
    if status == "not_covered":
        # A source of results other than the suites (recorded traffic) says why nothing judged a clause.
        return NOT_SELECTED if run.get("partial_selection") else run.get("not_covered_reason") or NO_CHECK
    reason = clause.get("reason") or "skipped"
    remedies = [remedy for marker, remedy in REMEDIES if marker in reason]
    if remedies:
        return " and ".join(remedies)
    # "AUTH-004 needs ..." and "AUTH-005 needs ..." are one reason.
    return re.sub(r"^(?:[A-Z]+-\d+(?:, )?)+\s*", "", reason)


def _grouped(pairs: list[tuple[str, str]]) -> tuple[Unchecked, ...]:
    groups: dict[str, list[str]] = {}
    for why, cid in pairs:
        groups.setdefault(why, []).append(cid)
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))  # stable: first seen first among equals
    return tuple(Unchecked(why, tuple(ids)) for why, ids in ordered)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(results: dict[str, Any]) -> Headline:
    """The run's verdict from its coverage: green "Conformant" only when every clause that applies
    to the target was checked and passed. A clause a live portal cannot offer the set-up for (where:
    mock) does not apply to it; everything else left unchecked (skipped for want of an option, not
    selected, not run, no answer) is listed with what would check it, and withholds the green."""
    run = results["run"]
    clauses = results.get("clauses", [])
    checked, checkable = coverage(results)
    counts = {s: sum(1 for c in clauses if c["status"] == s) for s in STATUSES}
    live = run.get("kind") == "live"
    inapplicable = [c for c in clauses if c["status"] == "skipped" and live and c.get("where") == "mock"]
    skip = {c["id"] for c in inapplicable}
    pending = [c for c in clauses if c["status"] in {"skipped", "not_covered", "not_run", "error"} and c["id"] not in skip]
    unchecked = _grouped([(_why(c, run), c["id"]) for c in pending])
    not_applicable = _grouped([("a live portal cannot offer the set-up: " + _why(c, run), c["id"]) for c in inapplicable])
    share = f" ({100 * checked / checkable:.0f} %)" if checkable else ""
    scope = f"{checked} of {checkable} clauses checked{share}"
    failed, errors = counts["failed"], counts["error"]
    problems = len(results.get("problems") or [])
    causes = len(roots(results.get("problems") or []))
    found = f"{_plural(failed, 'clause')} failed, from {_plural(problems, 'problem')}" if failed else ""
    if failed and causes < problems:
        found += f" ({_plural(causes, 'root cause')})"
    if run.get("interrupted"):
        rest = f"; of those checked, {found}" if failed else ", none of those checked failed"
        state, label = "interrupted", "Interrupted"
        sentence = (f"the run stopped before it finished: {scope}{rest}; "
                    f"{_plural(counts['not_run'], 'clause')} not run, with no verdict on them.")
    elif failed:
        state, label = "not_conformant", "Not conformant"
        sentence = f"{found}; {scope}."
    elif errors:
        state, label = "no_verdict", "No verdict"
        sentence = (f"{_plural(errors, 'clause')} could not be judged (the target gave no judgeable answer), "
                    f"none failed; {scope}.")
    elif checked == 0:
        state, label = "nothing_checked", "Nothing checked"
        sentence = f"{scope}: no check judged any clause, so there is no verdict."
    elif pending:
        state, label = "partly_checked", "Partly checked"
        sentence = (f"{scope}, all passed; {_plural(len(pending), 'clause')} not checked, "
                    "so this is no verdict on them.")
    else:
        state, label = "conformant", "Conformant"
        sentence = f"every clause that applies to this target was checked and passed ({scope})."
        if inapplicable:
            sentence = sentence[:-1] + f"; {_plural(len(inapplicable), 'clause')} need the embedded reference portal."
    return Headline(state, label, sentence, checked, checkable, unchecked, not_applicable)
