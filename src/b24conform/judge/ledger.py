"""The cleanup ledger: every record the judge may have created, written down before it exists.

Records are activities and the CRM items the judge brings on a live portal (contacts, deals,
companies); an event names its entity, and an event without one is an activity (older ledgers).

An entry is appended (and fsync'd) BEFORE the add request is sent, and completed with the id
afterwards, so that a crash at any point leaves enough on disk for `b24conform cleanup` to find
what was created: ids for completed entries, and the SUBJECT marker / ORIGINATOR_ID for entries
whose answer never arrived. One JSON-lines file per run, under .b24conform/ledger/.
"""
from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b24conform.verdict.redact import redact

DEFAULT_DIR = Path(".b24conform") / "ledger"


ACTIVITY = "activity"
# Deleting in this order never leaves an activity pointing at a deleted deal, nor a deal at a
# deleted contact, for the moment between two calls.
DELETE_ORDER = ("activity", "deal", "contact", "company")


def delete_rank(entity: str) -> int:
    """Where an entity's records go in a deletion: DELETE_ORDER, then anything else."""
    return DELETE_ORDER.index(entity) if entity in DELETE_ORDER else len(DELETE_ORDER)


@dataclass
class Outstanding:
    """What a ledger still owes: ids to delete, by entity, and requests whose outcome is unknown."""

    records: dict[str, list[int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)  # entry keys sent without a known outcome

    @property
    def ids(self) -> list[int]:
        """The activities still owed."""
        return self.records.get(ACTIVITY, [])

    @property
    def empty(self) -> bool:
        return not any(self.records.values()) and not self.unknown

    def in_delete_order(self) -> list[tuple[str, int]]:
        """Every owed (entity, id), activities first: the order one mixed batch deletes them in."""
        return [(entity, record_id) for entity in sorted(self.records, key=delete_rank)
                for record_id in self.records[entity]]


def replay(events: list[dict[str, Any]]) -> Outstanding:
    """Fold a ledger's events into what is still outstanding. Pure."""
    pending: dict[str, str] = {}
    created: dict[tuple[str, int], None] = {}
    for event in events:
        kind = event.get("event")
        entity = event.get("entity") or ACTIVITY
        if kind == "sending":
            pending[event["key"]] = entity
        elif kind == "created":
            entity = pending.pop(event.get("key", ""), None) or entity
            created[(entity, int(event["id"]))] = None
        elif kind == "not_created":
            pending.pop(event["key"], None)
        elif kind == "deleted":
            created.pop((entity, int(event["id"])), None)
        elif kind == "swept":  # a list-based sweep resolved every unknown entry
            pending.clear()
    records: dict[str, list[int]] = {}
    for entity, record_id in created:
        records.setdefault(entity, []).append(record_id)
    return Outstanding(records=records, unknown=list(pending))


def created_ids(events: list[dict[str, Any]], entity: str) -> set[int]:
    """Every id of `entity` these events show created, deleted since or not. Pure."""
    keys = {e["key"]: e.get("entity") or ACTIVITY for e in events if e.get("event") == "sending"}
    return {int(e["id"]) for e in events
            if e.get("event") == "created" and (keys.get(e.get("key", "")) or e.get("entity") or ACTIVITY) == entity}


def read_events(path: Path) -> list[dict[str, Any]]:
    """The events of a ledger file; a torn last line (crash mid-write) is ignored."""
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


class Ledger:
    """Append-only record of one run's writes on one portal. `path=None` keeps it in memory (the
    embedded mock, whose data dies with it)."""

    def __init__(self, path: Path | None, *, portal: str, run_id: str) -> None:
        self.path = path
        # As every other file of the judge: never a credential (a password in the target's userinfo).
        self.portal = redact(portal)
        self.run_id = run_id
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        # The folders this ledger had to create, deepest first. Created at the first write, not here: a
        # read-only run leaves no ledger folder behind, and a settled one removes them again if empty.
        self._made: list[Path] = []

    def _open_for_append(self) -> int:
        assert self.path is not None
        for _ in range(3):  # another worker's settled ledger may remove the (empty) folder in between
            missing = []
            folder = self.path.parent
            while not folder.exists() and folder != folder.parent:
                missing.append(folder)
                folder = folder.parent
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._made += [f for f in missing if f not in self._made]
            try:
                return os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            except FileNotFoundError:
                continue
        return os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _append(self, event: dict[str, Any]) -> None:
        event = {"ts": round(time.time(), 3), "run": self.run_id, "portal": self.portal, **event}
        with self._lock:
            self._events.append(event)
            if self.path is None:
                return
            line = json.dumps(event, ensure_ascii=False) + "\n"
            # Open, write, fsync, close each time: the entry must be on disk before the request
            # leaves, whatever happens to this process afterwards.
            fd = self._open_for_append()
            try:
                os.write(fd, line.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def sending(self, subject: str | None, entity: str = ACTIVITY) -> str:
        key = uuid.uuid4().hex
        self._append({"event": "sending", "key": key, "entity": entity, "subject": subject})
        return key

    def created(self, key: str, record_id: int) -> None:
        self._append({"event": "created", "key": key, "id": int(record_id)})

    def not_created(self, key: str) -> None:
        self._append({"event": "not_created", "key": key})

    def deleted(self, record_id: int, entity: str = ACTIVITY) -> None:
        self._append({"event": "deleted", "entity": entity, "id": int(record_id)})

    def created_ids(self, entity: str) -> set[int]:
        return created_ids(self.events(), entity)

    def swept(self) -> None:
        self._append({"event": "swept"})

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)

    def outstanding(self) -> Outstanding:
        return replay(self.events())

    def discard_if_settled(self) -> bool:
        """Remove the file once nothing is owed; returns True when removed (or in memory)."""
        if not self.outstanding().empty:
            return False
        if self.path is not None and self.path.exists():
            self.path.unlink()
        for folder in self._made:  # deepest first; one that holds anything else stays, and so do its parents
            try:
                folder.rmdir()
            except OSError:
                break
        return True


def ledger_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl")) if directory.exists() else []


def open_ledger(directory: Path, *, portal: str, run_id: str) -> Ledger:
    return Ledger(directory / f"{run_id}.jsonl", portal=portal, run_id=run_id)
