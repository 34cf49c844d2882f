"""SQLite store of activities, their communications and files, and the mail outbox.

Durability: WAL journal with synchronous=NORMAL: a 200 answer means the transaction is committed to
the WAL, which survives a crash or kill -9 of the portal process (tests/test_robustness_durability.py);
only an operating-system crash or power loss could drop the last commits. FULL would add one fsync per
add and, under the store's lock, cap the portal at the disk's fsync rate (BENCHMARKS.md).
Ids come from AUTOINCREMENT, so an id is never handed out twice, even after a delete.
Concurrency: one connection behind a lock (SQLite serialises writers anyway). Long calls run on a
worker thread, one at a time per listener, each operation its own transaction. Short calls run on
the event loop through `call_grouped`: their operations join one transaction per loop iteration,
committed by one COMMIT before any of those calls is answered -- group commit, so the WAL write is
paid once for all the calls of an iteration and a 200 still means committed.
Failure inside a group: every operation serialises its data before it writes, so a value that
cannot be stored fails that call alone, having written nothing. What can still fail mid-operation
is SQLite itself (a full disk, an I/O error); then the whole group is rolled back at once and every
call of it fails (GroupAborted), the same as when its COMMIT fails. Nothing partial is ever
committed. (A SAVEPOINT per operation would confine such a failure to one call, at two more
statements per operation: ~5 % of an add, BENCHMARKS.md.)
The `outbox` table is where "sent" e-mails go; nothing is ever mailed.
CRM items (leads, deals, contacts, companies) live in one table per type, so each type keeps its own
AUTOINCREMENT sequence as on a real portal; the seed world is written into them at start (seed ids
first, so API-created ids continue after the highest). Their PHONE / EMAIL / ... values live in
`crm_multifield`, one row per value, whose id is the value's ID.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, TypeVar

from b24conform.portal.jsoncodec import dumps_text

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS communication (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS communication_activity ON communication(activity_id);
CREATE TABLE IF NOT EXISTS file (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS file_activity ON file(activity_id);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id INTEGER NOT NULL,
    message_from TEXT NOT NULL,
    recipients TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    copy_to_sender INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS crm_lead (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS crm_deal (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS crm_contact (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS crm_company (id INTEGER PRIMARY KEY AUTOINCREMENT, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS crm_multifield (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entity TEXT NOT NULL,
    element_id INTEGER NOT NULL,
    type_id TEXT NOT NULL,
    value_type TEXT NOT NULL,
    value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS crm_multifield_element ON crm_multifield(entity, element_id);
"""

# CRM item kind -> its table (a fixed map: table names never come from a request).
ITEM_TABLES = {"lead": "crm_lead", "deal": "crm_deal", "contact": "crm_contact", "company": "crm_company"}

# One multi-field value: (ID or None for a new value, TYPE_ID, VALUE_TYPE, VALUE).
MultiValue = tuple["int | None", str, str, str]


@lru_cache(maxsize=16384)
def _decoded(text: str) -> Any:
    # Stored rows are read far more often than written (crm.activity.list decodes every activity on
    # every call): decode each distinct text once. Keyed by the text itself, so a changed row is a
    # new key and the cache can never be stale. Shared objects: callers copy before changing a key.
    return json.loads(text)


def _row(text: str) -> dict[str, Any]:
    """A stored JSON object, as a dict the caller may change at the top level."""
    return dict(_decoded(text))


class Store:
    def __init__(self, path: str | Path = ":memory:") -> None:
        path = str(path)
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves so each call is one transaction.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._group: _Group | None = None  # the open group transaction; set only while _lock is held
        self._local = threading.local()    # .grouping: a call_grouped call is running on this thread

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self):
        if getattr(self._local, "grouping", False):
            return _GroupedOperation(self)
        return _Transaction(self._conn, self._lock)

    async def call_grouped(self, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) right here on the event loop, its store operations joining this loop iteration's
        transaction; returns once that transaction is committed (raises if the COMMIT failed)."""
        self._local.grouping, self._local.joined = True, None
        try:
            result = fn(*args)
        finally:
            self._local.grouping = False
            group, self._local.joined = self._local.joined, None
        if group is not None:
            await group.committed
        return result

    def _join_group(self) -> "_Group":
        owner = threading.get_ident()
        group = self._group
        if group is None or group.owner != owner:
            self._lock.acquire()  # another thread's transaction (or another loop's group) ends first
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self._lock.release()
                raise
            loop = asyncio.get_running_loop()
            group = self._group = _Group(owner, loop.create_future())
            loop.call_soon(self._commit_group, group)
        self._local.joined = group
        return group

    def _abort_group(self, group: "_Group", cause: BaseException) -> None:
        """An operation of the open group failed half-way: undo the whole group now."""
        if self._group is not group:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # SQLite may have rolled back by itself (SQLITE_FULL, IOERR)
        finally:
            self._group = None
            self._lock.release()
        if not group.committed.done():
            error = GroupAborted("an operation of the same transaction group failed; nothing was stored")
            error.__cause__ = cause
            group.committed.set_exception(error)
            group.committed.exception()  # marks it retrieved: a group of one call has no one else to hear it

    def _commit_group(self, group: "_Group") -> None:
        if self._group is not group:
            return  # aborted already
        try:
            self._conn.execute("COMMIT")
            error: BaseException | None = None
        except BaseException as exc:  # noqa: BLE001 - handed to every call of the group
            error = exc
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        finally:
            self._group = None
            self._lock.release()
        if not group.committed.done():
            if error is None:
                group.committed.set_result(None)
            else:
                group.committed.set_exception(error)

    # ------------------------------------------------------------------ writes

    def add(
        self,
        record: dict[str, Any],
        communications: list[dict[str, Any]],
        files: list[tuple[str, bytes]],
        mail: dict[str, Any] | None = None,
    ) -> int:
        data = dumps_text(record)
        children = self._child_rows(communications, files)
        recipients = dumps_text(mail["to"]) if mail is not None else None
        with self._tx() as cur:
            cur.execute("INSERT INTO activity (data) VALUES (?)", (data,))
            activity_id = int(cur.lastrowid)
            self._put_children(cur, activity_id, children)
            if mail is not None:
                cur.execute(
                    "INSERT INTO outbox (activity_id, message_from, recipients, subject, body, copy_to_sender)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (activity_id, mail["from"], recipients, mail["subject"], mail["body"], int(mail["copy"])),
                )
            return activity_id

    @staticmethod
    def _child_rows(communications, files) -> tuple[list[str] | None, list[tuple[str, bytes]] | None]:
        """The children as rows, serialised before any write (see the module docstring)."""
        comms = None if communications is None else [dumps_text(comm) for comm in communications]
        return comms, None if files is None else [(str(name), bytes(content)) for name, content in files]

    def _put_children(self, cur: sqlite3.Cursor, activity_id: int, children) -> None:
        comms, files = children
        for data in comms or ():
            cur.execute("INSERT INTO communication (activity_id, data) VALUES (?, ?)", (activity_id, data))
        for name, content in files or ():
            cur.execute("INSERT INTO file (activity_id, name, content) VALUES (?, ?, ?)", (activity_id, name, content))

    def update(
        self,
        activity_id: int,
        record: dict[str, Any],
        communications: list[dict[str, Any]] | None = None,
        files: list[tuple[str, bytes]] | None = None,
    ) -> bool:
        data = dumps_text(record)
        comms, file_rows = self._child_rows(communications, files)
        with self._tx() as cur:
            cur.execute("UPDATE activity SET data = ? WHERE id = ?", (data, activity_id))
            if cur.rowcount == 0:
                return False
            if comms is not None:
                cur.execute("DELETE FROM communication WHERE activity_id = ?", (activity_id,))
                self._put_children(cur, activity_id, (comms, None))
            if file_rows is not None:
                cur.execute("DELETE FROM file WHERE activity_id = ?", (activity_id,))
                self._put_children(cur, activity_id, (None, file_rows))
            return True

    def delete(self, activity_id: int) -> bool:
        with self._tx() as cur:
            cur.execute("DELETE FROM activity WHERE id = ?", (activity_id,))
            found = cur.rowcount > 0
            cur.execute("DELETE FROM communication WHERE activity_id = ?", (activity_id,))
            cur.execute("DELETE FROM file WHERE activity_id = ?", (activity_id,))
            return found

    # ------------------------------------------------------------------ CRM items

    def seed_items(self, kind: str, rows: list[tuple[int, dict[str, Any], list[MultiValue]]]) -> None:
        """Write the seed world's items with their own ids (the world wins over an older copy of
        the same id in a kept database file)."""
        table = ITEM_TABLES[kind]
        with self._tx() as cur:
            for item_id, data, multi in rows:
                cur.execute(f"INSERT OR REPLACE INTO {table} (id, data) VALUES (?, ?)", (item_id, dumps_text(data)))
                self._put_multi(cur, kind, item_id, multi)

    def add_item(self, kind: str, data: dict[str, Any], multi: list[MultiValue]) -> int:
        text = dumps_text(data)
        with self._tx() as cur:
            cur.execute(f"INSERT INTO {ITEM_TABLES[kind]} (data) VALUES (?)", (text,))
            item_id = int(cur.lastrowid)
            self._put_multi(cur, kind, item_id, multi)
            return item_id

    def update_item(self, kind: str, item_id: int, data: dict[str, Any], multi: list[MultiValue] | None) -> bool:
        """Replace the item's data, and its multi-field values when `multi` is given (values that
        keep their ID keep it)."""
        text = dumps_text(data)
        with self._tx() as cur:
            cur.execute(f"UPDATE {ITEM_TABLES[kind]} SET data = ? WHERE id = ?", (text, item_id))
            if cur.rowcount == 0:
                return False
            if multi is not None:
                self._put_multi(cur, kind, item_id, multi)
            return True

    def delete_item(self, kind: str, item_id: int) -> bool:
        with self._tx() as cur:
            cur.execute(f"DELETE FROM {ITEM_TABLES[kind]} WHERE id = ?", (item_id,))
            found = cur.rowcount > 0
            cur.execute("DELETE FROM crm_multifield WHERE entity = ? AND element_id = ?", (kind, item_id))
            return found

    def item_data(self, kind: str, item_id: int) -> dict[str, Any] | None:
        """The stored fields of one item, without its multi-field values (binding checks)."""
        with self._tx() as cur:
            row = cur.execute(f"SELECT data FROM {ITEM_TABLES[kind]} WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        return {**_row(row[0]), "ID": item_id}

    def get_item(self, kind: str, item_id: int) -> dict[str, Any] | None:
        found = self.items(kind, item_id)
        return found[0] if found else None

    def items(self, kind: str, item_id: int | None = None) -> list[dict[str, Any]]:
        """Items of a kind (or the one with item_id), oldest first, each with its multi-field
        values under their TYPE_ID as [{"ID", "VALUE_TYPE", "VALUE", "TYPE_ID"}]."""
        where, args = ("", ()) if item_id is None else (" WHERE id = ?", (item_id,))
        with self._tx() as cur:
            rows = cur.execute(f"SELECT id, data FROM {ITEM_TABLES[kind]}{where} ORDER BY id", args).fetchall()
            multi = cur.execute(
                "SELECT element_id, id, type_id, value_type, value FROM crm_multifield WHERE entity = ?"
                + ("" if item_id is None else " AND element_id = ?") + " ORDER BY id",
                (kind,) if item_id is None else (kind, item_id),
            ).fetchall()
        records = {rid: {**_row(data), "ID": rid} for rid, data in rows}
        for element_id, vid, type_id, value_type, value in multi:
            if element_id in records:
                records[element_id].setdefault(type_id, []).append(
                    {"ID": vid, "VALUE_TYPE": value_type, "VALUE": value, "TYPE_ID": type_id}
                )
        return list(records.values())

    @staticmethod
    def _put_multi(cur: sqlite3.Cursor, kind: str, item_id: int, multi: list[MultiValue]) -> None:
        cur.execute("DELETE FROM crm_multifield WHERE entity = ? AND element_id = ?", (kind, item_id))
        for value_id, type_id, value_type, value in multi:
            cur.execute(
                "INSERT INTO crm_multifield (id, entity, element_id, type_id, value_type, value) VALUES (?, ?, ?, ?, ?, ?)",
                (value_id, kind, item_id, type_id, value_type, value),
            )

    # ------------------------------------------------------------------ reads

    def get(self, activity_id: int) -> dict[str, Any] | None:
        with self._tx() as cur:
            row = cur.execute("SELECT id, data FROM activity WHERE id = ?", (activity_id,)).fetchone()
            if row is None:
                return None
            return self._full(cur, row)

    def all(self, children: bool = True) -> list[dict[str, Any]]:
        """Every activity, oldest first. children=False leaves out COMMUNICATIONS and FILES (see
        attach_children): crm.activity.list reads them for one page, not for the whole store."""
        # Three queries for the whole store rather than two per activity.
        with self._tx() as cur:
            rows = cur.execute("SELECT id, data FROM activity ORDER BY id").fetchall()
            if children:
                comms, files = self._children_rows(cur, None)
        records: dict[int, dict[str, Any]] = {}
        for activity_id, data in rows:
            record = _row(data)
            record["ID"] = activity_id
            records[activity_id] = record
        if children:
            self._attach(records, comms, files)
        return list(records.values())

    def attach_children(self, records: list[dict[str, Any]]) -> None:
        """Fill COMMUNICATIONS and FILES of records read with all(children=False), as stored now
        (a separate read: an activity deleted in between gets none)."""
        if not records:
            return
        with self._tx() as cur:
            comms, files = self._children_rows(cur, [r["ID"] for r in records])
        self._attach({r["ID"]: r for r in records}, comms, files)

    @staticmethod
    def _children_rows(cur: sqlite3.Cursor, ids: list[int] | None) -> tuple[list[Any], list[Any]]:
        where = "" if ids is None else f" WHERE activity_id IN ({','.join('?' * len(ids))})"
        args = () if ids is None else tuple(ids)
        comms = cur.execute(f"SELECT activity_id, id, data FROM communication{where} ORDER BY id", args).fetchall()
        files = cur.execute(f"SELECT activity_id, id, name, length(content) FROM file{where} ORDER BY id", args).fetchall()
        return comms, files

    @staticmethod
    def _attach(records: dict[int, dict[str, Any]], comms: list[Any], files: list[Any]) -> None:
        for record in records.values():
            record["COMMUNICATIONS"], record["FILES"] = [], []
        for activity_id, cid, data in comms:
            if activity_id in records:
                records[activity_id]["COMMUNICATIONS"].append({**_decoded(data), "ID": cid, "ACTIVITY_ID": activity_id})
        for activity_id, fid, name, size in files:
            if activity_id in records:
                records[activity_id]["FILES"].append({"id": fid, "name": name, "size": size})

    def _full(self, cur: sqlite3.Cursor, row: tuple[int, str]) -> dict[str, Any]:
        activity_id, data = row
        record = _row(data)
        record["ID"] = activity_id
        record["COMMUNICATIONS"] = [
            {**_decoded(d), "ID": cid, "ACTIVITY_ID": activity_id}
            for cid, d in cur.execute(
                "SELECT id, data FROM communication WHERE activity_id = ? ORDER BY id", (activity_id,)
            ).fetchall()
        ]
        record["FILES"] = [
            {"id": fid, "name": name, "size": size}
            for fid, name, size in cur.execute(
                "SELECT id, name, length(content) FROM file WHERE activity_id = ? ORDER BY id", (activity_id,)
            ).fetchall()
        ]
        return record

    def file_content(self, file_id: int) -> tuple[str, bytes] | None:
        with self._tx() as cur:
            row = cur.execute("SELECT name, content FROM file WHERE id = ?", (file_id,)).fetchone()
            return (row[0], bytes(row[1])) if row else None

    def outbox(self) -> list[dict[str, Any]]:
        with self._tx() as cur:
            rows = cur.execute(
                "SELECT id, activity_id, message_from, recipients, subject, body, copy_to_sender FROM outbox ORDER BY id"
            ).fetchall()
        return [
            {"id": r[0], "activity_id": r[1], "from": r[2], "to": json.loads(r[3]), "subject": r[4], "body": r[5], "copy": bool(r[6])}
            for r in rows
        ]


class _Group:
    def __init__(self, owner: int, committed: "asyncio.Future[None]") -> None:
        self.owner, self.committed = owner, committed


class GroupAborted(sqlite3.OperationalError):
    """Another operation of the same group transaction failed half-way; this call's writes were
    rolled back with it."""


class _GroupedOperation:
    """One store operation inside the loop's group transaction; a failure aborts the group."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __enter__(self) -> sqlite3.Cursor:
        self._group = self._store._join_group()
        return self._store._conn.cursor()

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._store._abort_group(self._group, exc)


class _Transaction:
    """Lock + BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error) around one store operation."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.Lock) -> None:
        self._conn, self._lock = conn, lock

    def __enter__(self) -> sqlite3.Cursor:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise
        self._cur = self._conn.cursor()
        return self._cur

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self._conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self._lock.release()
