"""Deleting what the judge created: at session end (this run's ledger) and from `b24conform cleanup`
(every ledger of the portal, plus a sweep by marker for requests whose answer was lost)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.contract import load_contract
from b24conform.judge.ledger import ACTIVITY, DELETE_ORDER, Ledger, delete_rank, ledger_files, read_events, replay
from b24conform.judge.safety import ORIGINATOR, is_marked_subject
from b24conform.judge.target import Target, TargetError
from b24conform.verdict.redact import redact


def _not_found_messages() -> tuple[str, ...]:
    """The catalogue's "activity not found" messages; "not found" also covers portals that word it
    differently (deleting an already deleted activity must not count as a cleanup failure)."""
    try:
        entry = load_contract().error("ACTIVITY_NOT_FOUND")
        return (*entry.accepted_messages(), "not found")
    except Exception:  # a broken spec must not stop a cleanup
        return ("not found",)


@dataclass
class CleanupResult:
    deleted: list[int] = field(default_factory=list)       # activities
    failed: dict[int, str] = field(default_factory=dict)   # activities (0: a sweep that failed)
    ledgers_removed: list[str] = field(default_factory=list)
    # The CRM items the judge brought (contacts, deals, companies), by entity.
    deleted_items: dict[str, list[int]] = field(default_factory=dict)
    failed_items: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed and not any(self.failed_items.values())

    def record(self, entity: str, record_id: int, gone: bool, detail: str) -> None:
        if entity == ACTIVITY and gone:
            self.deleted.append(record_id)
        elif entity == ACTIVITY:
            self.failed[record_id] = detail
        elif gone:
            self.deleted_items.setdefault(entity, []).append(record_id)
        else:
            self.failed_items.setdefault(entity, {})[record_id] = detail

    def summary(self) -> str:
        parts = [f"{len(self.deleted)} activities"]
        parts += [f"{len(ids)} {entity}(s)" for entity, ids in self.deleted_items.items() if ids]
        return "deleted " + ", ".join(parts)


def _is_not_found(text: str) -> bool:
    return any(h.lower() in text.lower() for h in _not_found_messages())


def delete_record(target: Target, entity: str, record_id: int) -> tuple[bool, str]:
    """(gone, detail). A record that is already gone counts as deleted."""
    try:
        reply = target.call(f"crm.{entity}.delete", {"id": record_id})
    except TargetError as exc:
        return False, str(exc)
    data = reply.json if isinstance(reply.json, dict) else {}
    if reply.status == 200 and data.get("result") is True:
        return True, "deleted"
    text = f"{data.get('error', '')} {data.get('error_description', '')}"
    if _is_not_found(text):
        return True, "already gone"
    return False, f"HTTP {reply.status}: {text.strip() or reply.text[:200]}"


BATCH_SIZE = load_contract().limits.batch_max_commands  # commands per `batch` call: the documented maximum


def _as_map(value: Any) -> dict[str, Any]:
    """A batch part (result / result_error) as a map by command key; PHP prints an empty one as []."""
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _verdict(answer: Any, error: Any) -> tuple[bool, str] | None:
    """The verdict on one batched delete, as delete_record would give it; None when the batch
    answered nothing usable for that command (it is then deleted one by one)."""
    if answer is True:
        return True, "deleted"
    if isinstance(error, dict):
        text = f"{error.get('error', '')} {error.get('error_description', '')}"
        if _is_not_found(text):
            return True, "already gone"
        return False, f"in batch: {text.strip()}"
    return None


def _key(entity: str, record_id: int) -> str:
    return f"d{record_id}" if entity == ACTIVITY else f"d{entity}{record_id}"


def delete_many(target: Target, records: list[tuple[str, int]]) -> dict[tuple[str, int], tuple[bool, str]]:
    """(gone, detail) for every (entity, id), in the order given, through `batch`: up to BATCH_SIZE
    crm.<entity>.delete commands per call, entities mixed, so a run's activities, deal and contact
    cost as few requests as their count allows. Each record gets the verdict delete_record would
    give it: deleted when its command answered `true`, gone when it answered "not found". A record
    the batch gives no verdict for (the batch itself refused or failed, or its command has no
    answer) is deleted with its own call."""
    verdicts: dict[tuple[str, int], tuple[bool, str]] = {}
    unique = list(dict.fromkeys((entity, int(i)) for entity, i in records))
    for start in range(0, len(unique), BATCH_SIZE):
        chunk = unique[start:start + BATCH_SIZE]
        cmd = {_key(entity, record_id): f"crm.{entity}.delete?id={record_id}" for entity, record_id in chunk}
        try:
            reply = target.call("batch", {"halt": 0, "cmd": cmd})
        except TargetError:
            reply = None
        data = reply.json if reply is not None and reply.status == 200 and isinstance(reply.json, dict) else {}
        inner = data.get("result") if isinstance(data.get("result"), dict) else {}
        answers, errors = _as_map(inner.get("result")), _as_map(inner.get("result_error"))
        for entity, record_id in chunk:
            key = _key(entity, record_id)
            verdict = _verdict(answers.get(key), errors.get(key))
            verdicts[(entity, record_id)] = verdict if verdict is not None else delete_record(target, entity, record_id)
    return verdicts


def delete_activities(target: Target, ids: list[int]) -> dict[int, tuple[bool, str]]:
    """delete_many for activities alone, keyed by id."""
    return {record_id: verdict for (_, record_id), verdict in delete_many(target, [(ACTIVITY, i) for i in ids]).items()}


def _mark_fields() -> dict[str, str]:
    """entity -> the text field its create marks (spec/methods.yaml)."""
    return {m.entity: m.mark for m in load_contract().methods.values() if m.effect == "create" and m.entity and m.mark}


def marked_ids(target: Target, entity: str = ACTIVITY, *, page_limit: int = 200) -> list[int]:
    """Ids of records carrying both of the judge's marks, found with crm.<entity>.list."""
    mark_field = _mark_fields().get(entity, "SUBJECT")
    found: list[int] = []
    start: int | None = 0
    pages = 0
    while start is not None and pages < page_limit:
        reply = target.call(f"crm.{entity}.list", {
            "filter": {"ORIGINATOR_ID": ORIGINATOR},
            "select": ["ID", mark_field, "ORIGINATOR_ID"],
            "order": {"ID": "ASC"},
            "start": start,
        })
        data = reply.json if isinstance(reply.json, dict) else {}
        items = data.get("result") if isinstance(data.get("result"), list) else []
        for item in items:
            # Both marks must be there: ORIGINATOR_ID alone might be shared with some other tool.
            if isinstance(item, dict) and item.get("ORIGINATOR_ID") == ORIGINATOR and is_marked_subject(item.get(mark_field)):
                try:
                    found.append(int(item["ID"]))
                except (KeyError, TypeError, ValueError):
                    continue
        nxt = data.get("next")
        start = int(nxt) if isinstance(nxt, (int, str)) and str(nxt).isdigit() else None
        pages += 1
    return found


def _delete_into(result: CleanupResult, target: Target, records: list[tuple[str, int]],
                 ledger: Ledger | None = None) -> None:
    for (entity, record_id), (gone, detail) in delete_many(target, records).items():
        if gone and ledger is not None:
            ledger.deleted(record_id, entity)
        result.record(entity, record_id, gone, detail)


def settle_run(target: Target) -> CleanupResult:
    """Session end: delete this run's records, activities first. On the mock nothing is deleted
    (its data dies with it); the ledger is simply closed."""
    result = CleanupResult()
    ledger = target.ledger
    if target.kind == "mock":
        return result
    owed = ledger.outstanding()
    _delete_into(result, target, owed.in_delete_order(), ledger)
    if owed.unknown and result.ok:
        _sweep(target, result, ledger)
    if ledger.discard_if_settled() and ledger.path is not None:
        result.ledgers_removed.append(ledger.path.name)
    return result


def _sweep(target: Target, result: CleanupResult, ledger: Ledger | None = None) -> None:
    """Delete every record carrying both marks that `result` has not deleted yet, in delete order.
    Both marks make a record the judge's own, so the gate lets the target delete it."""
    found: list[tuple[str, int]] = []
    for entity in (e for e in DELETE_ORDER if e in _mark_fields()):
        done = set(result.deleted if entity == ACTIVITY else result.deleted_items.get(entity, []))
        try:
            ids = [i for i in marked_ids(target, entity) if i not in done]
        except TargetError as exc:
            result.failed[0] = f"sweep failed: {exc}"
            return
        target.claim(entity, ids)
        found += [(entity, i) for i in ids]
    _delete_into(result, target, found, ledger)
    if result.ok and ledger is not None:
        ledger.swept()


def cleanup_portal(target: Target, ledger_dir: Path, *, sweep: bool = True) -> CleanupResult:
    """`b24conform cleanup`: every ledger of this portal, then a sweep by the marks."""
    result = CleanupResult()
    mine: list[tuple[Path, list[dict[str, Any]]]] = []
    for path in ledger_files(ledger_dir):
        events = read_events(path)
        # Ledgers name the portal redacted (judge/ledger.py); older ones may not: compare both redacted.
        if events and all(redact(e.get("portal")) == redact(target.base_url) for e in events):
            mine.append((path, events))
    owed = [record for _, events in mine for record in replay(events).in_delete_order()]
    # These ledgers are the judge's own record of what it created: they make the ids its own.
    for entity, record_id in owed:
        target.claim(entity, [record_id])
    _delete_into(result, target, sorted(owed, key=lambda record: delete_rank(record[0])))
    if sweep:
        _sweep(target, result)
    if result.ok:
        for path, _ in mine:
            path.unlink(missing_ok=True)
            result.ledgers_removed.append(path.name)
    return result
