"""The problems of a run: per check, what it found; across the run, the distinct problems.

One fault of a portal breaks many clauses (a `result` of `true` fails every check that needs the new
id). Grouping the problems the checks found by their identity (Problem.key: the kind, the item and,
where they are constants of the docs, the expected and actual values) turns a wall of failed clauses
into the few defects to fix, each with the clauses it broke.

Some problems follow from others: a wrong webhook code the portal accepted shows as a reply without
the error envelope, and the delete it honoured as a list that no longer finds the activity. The kinds
table says which kinds are causes and which kinds may follow from each (problem_kinds: `cause`,
`precedes`); `order` puts each cause first and its consequences beneath it.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from b24conform.verdict.accounting import CheckOutcome
from b24conform.verdict.problem_kinds import KINDS
from b24conform.verdict.problems import Problem
from b24conform.reporting.reproduction import Script, consequence
from b24conform.verdict.redact import redact, redact_data

HEADLINE = 300


def problem_id(key: Iterable[str]) -> str:
    """A short stable id of a problem's identity: anchors in report.html, lines of `diff`."""
    key = list(key)
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:8]
    return f"{key[0]}-{digest}"


def _reply_of(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in {"problems", "explicit"}}


def unexplained(check: CheckOutcome) -> dict[str, Any]:
    """A failed check that recorded no problem (an exception in the check, a bare assert): its
    headline is all there is, kept as the problem's actual value, never parsed."""
    headline = " ".join((check.message or "failed").split())[:HEADLINE]
    problem = Problem("check-failed", "check", actual=headline, clauses=tuple(check.clauses))
    return problem.as_dict()


def check_problems(check: CheckOutcome) -> list[dict[str, Any]]:
    """The distinct problems of a failed check, each with the reply that showed it last (for a
    hypothesis test, the shrunk example) and the check's clauses where the judge left them out."""
    if check.outcome != "failed":
        return []
    found: dict[str, dict[str, Any]] = {}
    for item in check.evidence:
        for problem in item.get("problems") or ():
            entry = dict(problem, evidence=_reply_of(item))
            entry["clauses"] = list(problem.get("clauses") or check.clauses)
            entry["id"] = problem_id(problem["key"])
            found.pop(entry["id"], None)
            found[entry["id"]] = entry
    if not found:
        entry = unexplained(check)
        entry["id"] = problem_id(entry["key"])
        found[entry["id"]] = entry
    return redact_data(list(found.values()))


def distinct(clauses: list[dict[str, Any]], sources: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The run's distinct problems, causes first (`order`): each with the clauses and checks it broke,
    the docs source of each clause, one example reply (with its reproduction) and, where it follows
    from another problem, that problem (`follows`; the cause lists its `consequences`)."""
    groups: dict[str, dict[str, Any]] = {}
    order_of = {c["id"]: i for i, c in enumerate(clauses)}
    for clause in clauses:
        for check in clause.get("checks", []):
            for problem in check.get("problems") or ():
                group = groups.get(problem["id"])
                if group is None:
                    group = groups[problem["id"]] = {
                        **{k: v for k, v in problem.items() if k not in {"clauses", "context"}},
                        "clauses": [], "checks": [],
                    }
                for cid in problem.get("clauses") or [clause["id"]]:
                    if cid not in group["clauses"]:
                        group["clauses"].append(cid)
                if check["nodeid"] not in group["checks"]:
                    group["checks"].append(check["nodeid"])
    for group in groups.values():
        group["clauses"].sort(key=lambda cid: order_of.get(cid, len(order_of)))
        group["sources"] = {cid: list(sources.get(cid, [])) for cid in group["clauses"]}
    return replay_causes(order(list(groups.values()), occurrences(clauses)), clauses)


# -- causes and consequences -----------------------------------------------------------------------


def _reply_id(reply: Mapping[str, Any]) -> tuple[str, ...]:
    req = reply.get("request") if isinstance(reply.get("request"), dict) else {}
    return (str(req.get("http_method")), str(req.get("url")), str(req.get("body")), str(reply.get("status")),
            str(reply.get("response_excerpt")))


def _entity(url: str) -> str:
    """`crm.activity.get` -> `activity`: the record type a CRM method reads or writes."""
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    parts = name.split(".")
    return parts[1] if len(parts) >= 3 and parts[0] == "crm" else name


# A filter key names a record by ID whatever its prefix (=, <=, @, !, ...): the answer depends on that record.
_ID_KEY = re.compile(r"^[<>=!@%]*ID$")
_ID_QUERY_KEY = re.compile(r"^(?:id|ID|filter\[[<>=!@%]*ID\](?:\[\d+\])?)$")
_PART_NAME = re.compile(r'name="([^"]+)"\r?\n\r?\n([^\r\n]*)')


def _ids(values: Any) -> set[int]:
    out = set()
    for value in values if isinstance(values, list) else [values]:
        if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, str) and value.isdigit():
            out.add(int(value))
    return out


def _pairs_named(pairs: Any) -> set[int]:
    """The ids a flat list of PHP-keyed (name, value) pairs names: id, ID, filter[ID], filter[<=ID], filter[@ID][0]..."""
    return {i for key, value in pairs if _ID_QUERY_KEY.match(key) for i in _ids(value)}


def records_named(reply: Mapping[str, Any]) -> frozenset[tuple[str, int]]:
    """The records a reply's request names by id: the `id` of a get, update or delete, the `filter`
    ID of a list (with any prefix), the same inside each command of a batch, and in a multipart body's
    parts. Read from a JSON or multipart body only; anything else names none."""
    req = reply.get("request") if isinstance(reply.get("request"), dict) else {}
    text = str(req.get("body") or "")
    entity = _entity(str(req.get("url") or ""))
    try:
        body = json.loads(text)
    except (TypeError, ValueError):
        if "multipart/form-data" in str(req.get("content_type") or ""):
            return frozenset((entity, i) for i in _pairs_named(_PART_NAME.findall(text)))
        return frozenset()
    if not isinstance(body, dict):
        return frozenset()
    flt = body.get("filter") if isinstance(body.get("filter"), dict) else {}
    found = {(entity, i) for i in _ids(body.get("id")) | _ids(body.get("ID"))}
    found |= {(entity, i) for key, value in flt.items() if _ID_KEY.match(str(key)) for i in _ids(value)}
    cmd = body.get("cmd")
    for command in (cmd.values() if isinstance(cmd, dict) else cmd if isinstance(cmd, list) else []):
        if isinstance(command, str) and "?" in command:
            name, _, query = command.partition("?")
            found |= {(_entity(name), i) for i in _pairs_named(parse_qsl(query))}
    return frozenset(found)


def occurrences(clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every problem as a check found it, once per check: its id, kind and the reply that showed it."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for clause in clauses:
        for check in clause.get("checks", []):
            for problem in check.get("problems") or ():
                seen[(check["nodeid"], problem["id"])] = {
                    "id": problem["id"], "kind": problem["kind"], **_seen_in(problem.get("evidence") or {})}
    return list(seen.values())


def _seen_in(reply: Mapping[str, Any]) -> dict[str, Any]:
    return {"reply": _reply_id(reply), "at": reply.get("at"), "records": records_named(reply)}


def _explains(cause: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    """`found` may follow from `cause`: its kind is one the cause's kind precedes, and it was seen in
    the cause's own reply, or later in a reply naming a record the cause's honoured request named."""
    if found["kind"] not in KINDS[cause["kind"]].precedes:
        return False
    return found["reply"] == cause["reply"] or _later_on_its_records(cause, found)


def _later_on_its_records(cause: Mapping[str, Any], found: Mapping[str, Any]) -> bool:
    later = isinstance(found["at"], (int, float)) and isinstance(cause["at"], (int, float)) and found["at"] > cause["at"]
    return later and bool(found["records"] & cause["records"])


def _rank(group: Mapping[str, Any]) -> int:
    entry = KINDS.get(group["kind"])
    return entry.cause if entry is not None and entry.cause is not None else len(KINDS)


def order(groups: list[dict[str, Any]], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems, each cause before what follows from it: a problem follows from a cause when
    every time it was found, that cause explains it (`_explains`). Causes first by their rank (a
    credential accepted, then a request honoured), then the most widespread; each followed by its
    consequences. Sets `follows` and `consequences` on every problem."""
    by_id = {g["id"]: g for g in groups}
    causes = [o for o in found if KINDS.get(o["kind"]) is not None and KINDS[o["kind"]].cause is not None]
    widespread = {pid: (_rank(g), -len(g["clauses"]), -len(g["checks"]), g["kind"], pid) for pid, g in by_id.items()}
    follows: dict[str, str] = {}
    for pid, group in by_id.items():
        if _rank(group) < len(KINDS):
            continue  # a cause follows from nothing
        mine = [o for o in found if o["id"] == pid]
        explained = [{c["id"] for c in causes if _explains(c, o)} for o in mine]
        if mine and all(explained):
            common = set.intersection(*explained) or set.union(*explained)
            follows[pid] = min(common, key=lambda cid: widespread[cid])
    for group in groups:
        group["follows"] = follows.get(group["id"])
        group["consequences"] = []
    out = []
    for root in sorted((g for g in groups if g["follows"] is None), key=lambda g: widespread[g["id"]]):
        beneath = sorted((g for g in groups if g["follows"] == root["id"]), key=lambda g: widespread[g["id"]])
        root["consequences"] = [g["id"] for g in beneath]
        out += [root, *beneath]
    return out


def replay_causes(problems: list[dict[str, Any]], clauses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each consequence's reproduction sends first the requests of its cause that made it (`_explains`:
    earlier, naming a record its own request names): a list that lost the activity a wrong-code delete
    removed shows the loss only after that delete. The reproductions come from the judge, each built in
    the process that saw its reply; the cause is known only here, across the run. A consequence seen in
    its cause's own reply needs nothing more; a script this cannot read is left as the judge wrote it."""
    evidence_of: dict[str, list[dict[str, Any]]] = {}
    for clause in clauses:
        for check in clause.get("checks", []):
            for problem in check.get("problems") or ():
                if isinstance(problem.get("evidence"), dict):
                    evidence_of.setdefault(problem["id"], []).append(problem["evidence"])
    for problem in problems:
        evidence = problem.get("evidence")
        if not problem.get("follows") or not isinstance(evidence, dict):
            continue
        found = _seen_in(evidence)
        causes: dict[tuple[str, ...], dict[str, Any]] = {}
        for item in evidence_of.get(problem["follows"], []):
            seen = _seen_in(item)
            if seen["reply"] != found["reply"] and _later_on_its_records(seen, found):
                causes.setdefault(seen["reply"], item)
        if not causes:
            continue
        ordered = sorted(causes.values(), key=lambda item: item.get("at") or 0.0)
        own = Script.parse(evidence.get("reproduce") or evidence.get("curl") or "")
        scripts = [Script.parse(item.get("reproduce") or item.get("curl") or "") for item in ordered]
        if own is None or any(s is None for s in scripts):
            continue
        sent = "its request" if len(scripts) == 1 else f"its {len(scripts)} requests"
        note = (f"# It follows from problem {problem['follows']}: {sent} naming these records "
                f"{'goes' if len(scripts) == 1 else 'go'} first, as in the run.")
        composed = consequence(own, [s for s in scripts if s is not None], note).render()
        problem["evidence"] = {**evidence, "reproduce": redact(composed)}
    return problems


def root_problems(clause: Mapping[str, Any], ranked: list[dict[str, Any]]) -> list[str]:
    """The ids of the problems that failed a clause in the run's order: causes first (the likeliest root)."""
    mine = {p["id"] for check in clause.get("checks", []) for p in check.get("problems") or ()}
    return [g["id"] for g in ranked if g["id"] in mine]
