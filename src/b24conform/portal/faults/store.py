"""Persistence faults: the store, wrapped.

The wrapper answers like the store (same methods, same results) but keeps less than it says: an add
that is not kept, ids handed out again, a delete or update that changes nothing, a list that never
sees the newest row. Everything else goes to the faithful store unchanged.
"""
from __future__ import annotations

from typing import Any

from b24conform.portal.store import Store


class DeviantStore:
    def __init__(self, inner: Store, faults: frozenset[str]) -> None:
        self.inner, self.faults = inner, faults

    def __getattr__(self, name: str) -> Any:
        # Every method without a fault (reads, CRM items, group commit, close) is the faithful store's.
        return getattr(self.inner, name)

    def add(self, record: dict[str, Any], communications: Any, files: Any, mail: Any = None) -> int:
        if "reuse_ids" in self.faults:
            self._forget_highest_id()
        new_id = self.inner.add(record, communications, files, mail)
        if "no_persist" in self.faults:
            self.inner.delete(new_id)
        return new_id

    def _forget_highest_id(self) -> None:
        # AUTOINCREMENT continues from sqlite_sequence; setting it back to the highest live id makes
        # the next add reuse a deleted one, like a table without AUTOINCREMENT.
        with self.inner._tx() as cur:
            cur.execute("UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX(id), 0) FROM activity)"
                        " WHERE name = 'activity'")

    def update(self, activity_id: int, record: dict[str, Any], communications: Any = None, files: Any = None) -> bool:
        if "update_noop" in self.faults:
            return self.inner.get(activity_id) is not None
        return self.inner.update(activity_id, record, communications, files)

    def delete(self, activity_id: int) -> bool:
        if "delete_noop" in self.faults:
            return self.inner.get(activity_id) is not None
        return self.inner.delete(activity_id)

    def all(self, children: bool = True) -> list[dict[str, Any]]:
        rows = self.inner.all(children)
        if "list_omits_new" in self.faults and rows:
            newest = max(r["ID"] for r in rows)
            rows = [r for r in rows if r["ID"] != newest]
        return rows


FAULTS = frozenset({"no_persist", "reuse_ids", "delete_noop", "update_noop", "list_omits_new"})


def deviant_store(store: Store, faults: frozenset[str]) -> Store | DeviantStore:
    mine = faults & FAULTS
    return DeviantStore(store, mine) if mine else store
