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


BATCH_SIZE = 50  # commands per `batch` call: the documented maximum (ERROR_BATCH_LENGTH_EXCEEDED above it)


def _as_map(value: Any) -> dict[str, Any]:
    """A batch part (result / result_error) as a map by command key; PHP prints an empty one as []."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _verdict(answer: Any, error: Any) -> tuple[bool, str] | None:
    """The verdict on one batched delete, as delete_activity would give it; None when the batch
    answered nothing usable for that command (it is then deleted one by one)."""
    if answer is True:
        return True, "deleted"
    if isinstance(error, dict):
        text = f"{error.get('error', '')} {error.get('error_description', '')}"
        if any(h.lower() in text.lower() for h in _not_found_messages()):
            return True, "already gone"
        return False, f"in batch: {text.strip()}"
    return None


def delete_activities(target: Target, ids: list[int]) -> dict[int, tuple[bool, str]]:
    """(gone, detail) for every id, deleting through `batch`, up to BATCH_SIZE crm.activity.delete
    commands per call. Each id gets the verdict delete_activity would give it: deleted when its
    command answered `true`, gone when it answered ACTIVITY_NOT_FOUND. An id the batch gives no
    verdict for (the batch itself refused or failed, or its command has no answer) is deleted with
    its own crm.activity.delete call."""
    verdicts: dict[int, tuple[bool, str]] = {}
    unique = list(dict.fromkeys(int(i) for i in ids))
    for start in range(0, len(unique), BATCH_SIZE):
        chunk = unique[start:start + BATCH_SIZE]
        cmd = {f"d{activity_id}": f"crm.activity.delete?id={activity_id}" for activity_id in chunk}
        try:
            reply = target.call("batch", {"halt": 0, "cmd": cmd})
        except TargetError:
            reply = None
        data = reply.json if reply is not None and reply.status == 200 and isinstance(reply.json, dict) else {}
        inner = data.get("result") if isinstance(data.get("result"), dict) else {}
        answers, errors = _as_map(inner.get("result")), _as_map(inner.get("result_error"))
        for activity_id in chunk:
            key = f"d{activity_id}"
            verdict = _verdict(answers.get(key), errors.get(key))
            verdicts[activity_id] = verdict if verdict is not None else delete_activity(target, activity_id)
    return verdicts


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
    for activity_id, (gone, detail) in delete_activities(target, owed.ids).items():
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
    for activity_id, (gone, detail) in delete_activities(target, ids).items():
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
    owed = [activity_id for _, events in mine for activity_id in replay(events).ids]
    for activity_id, (gone, detail) in delete_activities(target, owed).items():
        if gone:
            result.deleted.append(activity_id)
        else:
            result.failed[activity_id] = detail
    if sweep:
        try:
            found = [activity_id for activity_id in marked_ids(target) if activity_id not in result.deleted]
            for activity_id, (gone, detail) in delete_activities(target, found).items():
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
