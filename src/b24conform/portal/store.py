"""SQLite store of activities, their communications and files, and the mail outbox.

Durability: WAL journal with synchronous=NORMAL: a 200 answer means the transaction is committed to
the WAL, which survives a crash or kill -9 of the portal process (tests/test_robustness_durability.py);
only an operating-system crash or power loss could drop the last commits. FULL would add one fsync per
add and, under the store's lock, cap the portal at the disk's fsync rate (BENCHMARKS.md).
Ids come from AUTOINCREMENT, so an id is never handed out twice, even after a delete.
Concurrency: one connection shared by the worker threads behind a lock (SQLite serialises writers
anyway); callers run these blocking methods off the event loop, one call at a time per listener
(app.py, a capacity limiter of one).
The `outbox` table is where "sent" e-mails go; nothing is ever mailed.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

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
"""


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

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _tx(self):
        return _Transaction(self._conn, self._lock)

    # ------------------------------------------------------------------ writes

    def add(
        self,
        record: dict[str, Any],
        communications: list[dict[str, Any]],
        files: list[tuple[str, bytes]],
        mail: dict[str, Any] | None = None,
        reuse_ids: bool = False,
    ) -> int:
        with self._tx() as cur:
            if reuse_ids:  # deviation `store: reuse_ids`: hand out max(id)+1 like a table without AUTOINCREMENT
                (top,) = cur.execute("SELECT COALESCE(MAX(id), 0) FROM activity").fetchone()
                cur.execute("INSERT INTO activity (id, data) VALUES (?, ?)", (top + 1, json.dumps(record)))
                activity_id = top + 1
            else:
                cur.execute("INSERT INTO activity (data) VALUES (?)", (json.dumps(record),))
                activity_id = int(cur.lastrowid)
            self._put_children(cur, activity_id, communications, files)
            if mail is not None:
                cur.execute(
                    "INSERT INTO outbox (activity_id, message_from, recipients, subject, body, copy_to_sender)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (activity_id, mail["from"], json.dumps(mail["to"]), mail["subject"], mail["body"], int(mail["copy"])),
                )
            return activity_id

    def _put_children(self, cur: sqlite3.Cursor, activity_id: int, communications, files) -> None:
        for comm in communications or ():
            cur.execute("INSERT INTO communication (activity_id, data) VALUES (?, ?)", (activity_id, json.dumps(comm)))
        for name, content in files or ():
            cur.execute("INSERT INTO file (activity_id, name, content) VALUES (?, ?, ?)", (activity_id, name, content))

    def update(
        self,
        activity_id: int,
        record: dict[str, Any],
        communications: list[dict[str, Any]] | None = None,
        files: list[tuple[str, bytes]] | None = None,
    ) -> bool:
        with self._tx() as cur:
            cur.execute("UPDATE activity SET data = ? WHERE id = ?", (json.dumps(record), activity_id))
            if cur.rowcount == 0:
                return False
            if communications is not None:
                cur.execute("DELETE FROM communication WHERE activity_id = ?", (activity_id,))
                self._put_children(cur, activity_id, communications, None)
            if files is not None:
                cur.execute("DELETE FROM file WHERE activity_id = ?", (activity_id,))
                self._put_children(cur, activity_id, None, files)
            return True

    def delete(self, activity_id: int) -> bool:
        with self._tx() as cur:
            cur.execute("DELETE FROM activity WHERE id = ?", (activity_id,))
            found = cur.rowcount > 0
            cur.execute("DELETE FROM communication WHERE activity_id = ?", (activity_id,))
            cur.execute("DELETE FROM file WHERE activity_id = ?", (activity_id,))
            return found

    # ------------------------------------------------------------------ reads

    def get(self, activity_id: int) -> dict[str, Any] | None:
        with self._tx() as cur:
            row = cur.execute("SELECT id, data FROM activity WHERE id = ?", (activity_id,)).fetchone()
            if row is None:
                return None
            return self._full(cur, row)

    def all(self) -> list[dict[str, Any]]:
        with self._tx() as cur:
            rows = cur.execute("SELECT id, data FROM activity ORDER BY id").fetchall()
            return [self._full(cur, row) for row in rows]

    def _full(self, cur: sqlite3.Cursor, row: tuple[int, str]) -> dict[str, Any]:
        activity_id, data = row
        record = json.loads(data)
        record["ID"] = activity_id
        record["COMMUNICATIONS"] = [
            {**json.loads(d), "ID": cid, "ACTIVITY_ID": activity_id}
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
