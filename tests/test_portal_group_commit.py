"""Group commit of the store (store.call_grouped): the calls of one event-loop iteration share one
transaction, each operation can fail alone, and nobody hears "done" before the COMMIT."""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from b24conform.portal.store import GroupAborted, Store


def _add(store: Store, subject: str) -> int:
    return store.add({"SUBJECT": subject}, [{"VALUE": "x"}], [])


def _count_commits(store: Store) -> list[int]:
    commits: list[int] = []
    original = store._commit_group

    def counting(group):
        commits.append(1)
        return original(group)

    store._commit_group = counting  # type: ignore[method-assign]
    return commits


def test_calls_of_one_iteration_share_one_commit(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    commits = _count_commits(store)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(store.call_grouped(_add, store, f"s{i}") for i in range(10))))

    ids = asyncio.run(main())
    assert len(set(ids)) == 10
    assert len(commits) == 1
    # Committed: a second connection (another process would see the same) reads all ten.
    other = sqlite3.connect(tmp_path / "db.sqlite3")
    assert other.execute("SELECT COUNT(*) FROM activity").fetchone() == (10,)
    store.close()


def test_no_answer_before_the_commit(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    seen_by_other_connection: list[int] = []

    async def main() -> None:
        task = asyncio.ensure_future(store.call_grouped(_add, store, "a"))
        await asyncio.sleep(0)  # the call ran and waits for its group's COMMIT
        assert not task.done()
        other = sqlite3.connect(tmp_path / "db.sqlite3")
        seen_by_other_connection.append(other.execute("SELECT COUNT(*) FROM activity").fetchone()[0])
        await task
        seen_by_other_connection.append(other.execute("SELECT COUNT(*) FROM activity").fetchone()[0])

    asyncio.run(main())
    assert seen_by_other_connection == [0, 1]
    store.close()


class _FailOn:
    """A connection (and its cursors) whose execute fails as on a full disk when `fails(sql, args)`;
    everything else passes through."""

    def __init__(self, inner, fails) -> None:
        self._inner, self._fails = inner, fails

    def execute(self, sql: str, *args):
        if self._fails(sql, args):
            raise sqlite3.OperationalError("database or disk is full")
        return self._inner.execute(sql, *args)

    def cursor(self):
        return _FailOn(self._inner.cursor(), self._fails)

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def _failing_commit(conn: sqlite3.Connection) -> _FailOn:
    return _FailOn(conn, lambda sql, args: sql == "COMMIT")


def _failing_communication_insert(conn: sqlite3.Connection) -> _FailOn:
    """Fails the communication INSERT of a communication whose VALUE is "fail", after its activity row is written."""
    return _FailOn(conn, lambda sql, args: sql.startswith("INSERT INTO communication") and "fail" in str(args))


def test_a_value_that_cannot_be_stored_fails_its_call_alone(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")

    def bad_add(s: Store) -> int:
        # The communication cannot be serialised: found before the activity row is written.
        return s.add({"SUBJECT": "bad"}, [{"VALUE": object()}], [])

    async def main() -> list:
        return list(await asyncio.gather(
            store.call_grouped(_add, store, "good-1"),
            store.call_grouped(bad_add, store),
            store.call_grouped(_add, store, "good-2"),
            return_exceptions=True,
        ))

    first, failed, second = asyncio.run(main())
    assert isinstance(failed, Exception)
    subjects = sorted(r["SUBJECT"] for r in store.all())
    assert subjects == ["good-1", "good-2"]
    assert {r["ID"] for r in store.all()} == {first, second}
    assert all(len(r["COMMUNICATIONS"]) == 1 for r in store.all())
    store.close()


def test_a_store_failure_half_way_rolls_back_its_whole_group(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    real = store._conn
    store._conn = _failing_communication_insert(real)  # type: ignore[assignment]

    def add_failing(s: Store) -> int:
        return s.add({"SUBJECT": "bad"}, [{"VALUE": "fail"}], [])

    async def main() -> list:
        return list(await asyncio.gather(
            store.call_grouped(_add, store, "same-group-1"),
            store.call_grouped(add_failing, store),
            store.call_grouped(_add, store, "same-group-2"),  # opens a new group: unaffected
            return_exceptions=True,
        ))

    first, failed, later = asyncio.run(main())
    assert isinstance(failed, sqlite3.OperationalError) and "disk is full" in str(failed)
    assert isinstance(first, GroupAborted)   # its write went with the group: it must not hear "done"
    assert isinstance(later, int)
    store._conn = real
    rows = store.all()
    assert [r["SUBJECT"] for r in rows] == ["same-group-2"] and [r["ID"] for r in rows] == [later]
    assert all(len(r["COMMUNICATIONS"]) == 1 for r in rows)   # no half-written activity survived
    assert isinstance(_add(store, "after"), int)            # the lock was released
    store.close()


def test_a_lone_failing_call_leaves_no_unretrieved_future(tmp_path: Path, recwarn) -> None:
    store = Store(tmp_path / "db.sqlite3")
    store._conn = _failing_communication_insert(store._conn)  # type: ignore[assignment]
    errors: list[dict] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: errors.append(context))
        with pytest.raises(sqlite3.OperationalError):
            await store.call_grouped(lambda s: s.add({"SUBJECT": "x"}, [{"VALUE": "fail"}], []), store)
        await asyncio.sleep(0)

    asyncio.run(main())
    import gc

    gc.collect()
    assert errors == []


def test_a_failed_commit_fails_every_call_of_the_group(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    real = store._conn
    store._conn = _failing_commit(real)  # type: ignore[assignment]

    async def main() -> list:
        return list(await asyncio.gather(*(store.call_grouped(_add, store, f"s{i}") for i in range(3)),
                                         return_exceptions=True))

    results = asyncio.run(main())
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    store._conn = real
    assert store.all() == []  # rolled back, and the lock was released (this call did not hang)
    store.close()


def test_a_worker_thread_waits_for_the_group_and_then_writes(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    from_thread: list[int] = []

    async def main() -> int:
        task = asyncio.ensure_future(store.call_grouped(_add, store, "loop"))
        await asyncio.sleep(0)  # group open, lock held by the loop thread
        worker = threading.Thread(target=lambda: from_thread.append(_add(store, "thread")))
        worker.start()
        loop_id = await task    # the COMMIT releases the lock; the worker goes on
        await asyncio.get_running_loop().run_in_executor(None, worker.join, 10)
        return loop_id

    loop_id = asyncio.run(main())
    assert len(from_thread) == 1 and from_thread[0] != loop_id
    assert sorted(r["SUBJECT"] for r in store.all()) == ["loop", "thread"]
    store.close()


def test_outside_a_loop_every_operation_is_its_own_transaction(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    new_id = _add(store, "plain")
    other = sqlite3.connect(tmp_path / "db.sqlite3")
    assert other.execute("SELECT id FROM activity").fetchall() == [(new_id,)]
    with pytest.raises(Exception):
        store.add({"SUBJECT": "bad"}, [{"VALUE": object()}], [])
    assert [r["ID"] for r in store.all()] == [new_id]
    store.close()
