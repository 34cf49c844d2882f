"""Deleting what the judge created: at session end (this run's ledger) and from `b24conform cleanup`
(every ledger of the portal, plus a sweep by marker for requests whose answer was lost)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.judge.ledger import Ledger, ledger_files, read_events, replay
from b24conform.judge.safety import ORIGINATOR, is_marked_subject
from b24conform.judge.target import Target, TargetError



def _not_found_messages() -> tuple[str, ...]:
    """The catalogue's "activity not found" messages; "not found" also covers portals that word it
    differently (deleting an already deleted activity must not count as a cleanup failure)."""
    from b24conform.contract import load_contract

    try:
        entry = load_contract().error("ACTIVITY_NOT_FOUND")
        return (*entry.accepted_messages(), "not found")
    except Exception:  # a broken spec must not stop a cleanup
        return ("not found",)


@dataclass
class CleanupResult:
    deleted: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    ledgers_removed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def delete_activity(target: Target, activity_id: int) -> tuple[bool, str]:
    """(gone, detail). An activity that is already gone counts as deleted."""
    try:
        reply = target.call("crm.activity.delete", {"id": activity_id})
    except TargetError as exc:
        return False, str(exc)
    data = reply.json if isinstance(reply.json, dict) else {}
    if reply.status == 200 and data.get("result") is True:
        return True, "deleted"
    text = f"{data.get('error', '')} {data.get('error_description', '')}"
    if any(h.lower() in text.lower() for h in _not_found_messages()):
        return True, "already gone"
    return False, f"HTTP {reply.status}: {text.strip() or reply.text[:200]}"


def marked_ids(target: Target, *, page_limit: int = 200) -> list[int]:
    """Ids of activities carrying the judge's marks, found with crm.activity.list."""
    found: list[int] = []
    start: int | None = 0
    pages = 0
    while start is not None and pages < page_limit:
        reply = target.call("crm.activity.list", {
            "filter": {"ORIGINATOR_ID": ORIGINATOR},
            "select": ["ID", "SUBJECT", "ORIGINATOR_ID"],
            "order": {"ID": "ASC"},
            "start": start,
        })
        data = reply.json if isinstance(reply.json, dict) else {}
        items = data.get("result") if isinstance(data.get("result"), list) else []
        for item in items:
            # Both marks must be there: ORIGINATOR_ID alone might be shared with some other tool.
            if item.get("ORIGINATOR_ID") == ORIGINATOR and is_marked_subject(item.get("SUBJECT")):
                try:
                    found.append(int(item["ID"]))
                except (KeyError, TypeError, ValueError):
                    continue
        nxt = data.get("next")
        start = int(nxt) if isinstance(nxt, (int, str)) and str(nxt).isdigit() else None
        pages += 1
    return found


def settle_run(target: Target) -> CleanupResult:
    """Session end: delete this run's activities. On the mock nothing is deleted (its data dies
    with it); the ledger is simply closed."""
    result = CleanupResult()
    ledger = target.ledger
    if target.kind == "mock":
        return result
    owed = ledger.outstanding()
    for activity_id in owed.ids:
        gone, detail = delete_activity(target, activity_id)
        if gone:
            ledger.deleted(activity_id)
            result.deleted.append(activity_id)
        else:
            result.failed[activity_id] = detail
    if owed.unknown and result.ok:
        result = _sweep(target, ledger, result)
    if ledger.discard_if_settled() and ledger.path is not None:
        result.ledgers_removed.append(ledger.path.name)
    return result


def _sweep(target: Target, ledger: Ledger, result: CleanupResult) -> CleanupResult:
    try:
        ids = marked_ids(target)
    except TargetError as exc:
        result.failed[0] = f"sweep failed: {exc}"
        return result
    for activity_id in ids:
        gone, detail = delete_activity(target, activity_id)
        if gone:
            ledger.deleted(activity_id)
            result.deleted.append(activity_id)
        else:
            result.failed[activity_id] = detail
    if result.ok:
        ledger.swept()
    return result


def cleanup_portal(target: Target, ledger_dir: Path, *, sweep: bool = True) -> CleanupResult:
    """`b24conform cleanup`: every ledger of this portal, then a sweep by the marks."""
    result = CleanupResult()
    mine: list[tuple[Path, list[dict[str, Any]]]] = []
    for path in ledger_files(ledger_dir):
        events = read_events(path)
        if events and all(e.get("portal") == target.base_url for e in events):
            mine.append((path, events))
    for path, events in mine:
        for activity_id in replay(events).ids:
            gone, detail = delete_activity(target, activity_id)
            if gone:
                result.deleted.append(activity_id)
            else:
                result.failed[activity_id] = detail
    if sweep:
        try:
            for activity_id in marked_ids(target):
                if activity_id in result.deleted:
                    continue
                gone, detail = delete_activity(target, activity_id)
                if gone:
                    result.deleted.append(activity_id)
                else:
                    result.failed[activity_id] = detail
        except TargetError as exc:
            result.failed[0] = f"sweep failed: {exc}"
    if result.ok:
        for path, _ in mine:
            path.unlink(missing_ok=True)
            result.ledgers_removed.append(path.name)
    return result
