"""store.py: durable settings, ids never reused (even the highest one, even across a reopen)."""
from __future__ import annotations

import threading

from b24conform.portal.store import Store


def test_pragmas(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # NORMAL (1): in WAL mode a commit survives kill -9 of the portal without an fsync per add
    # (tests/test_robustness_durability.py proves the kill -9 part).
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1
    store.close()


def test_highest_id_is_not_reused_after_delete_and_reopen(tmp_path):
    path = tmp_path / "p.sqlite3"
    store = Store(path)
    first = store.add({"SUBJECT": "a"}, [{"VALUE": "+1"}], [("f.txt", b"x")])
    second = store.add({"SUBJECT": "b"}, [], [])
    assert store.delete(second) and not store.delete(second)
    store.close()
    store = Store(path)
    third = store.add({"SUBJECT": "c"}, [], [])
    assert third > second > first
    got = store.get(first)
    assert got["SUBJECT"] == "a" and got["COMMUNICATIONS"][0]["VALUE"] == "+1" and got["FILES"][0]["size"] == 1
    assert store.file_content(got["FILES"][0]["id"]) == ("f.txt", b"x")
    store.close()


def test_failed_transaction_rolls_back(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    try:
        store.add({"SUBJECT": "a"}, [{"bad": object()}], [])  # not JSON: fails mid-transaction
    except TypeError:
        pass
    assert store.all() == []
    assert store.add({"SUBJECT": "b"}, [], []) >= 1
    store.close()


def test_parallel_writers(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    ids: list[int] = []
    lock = threading.Lock()

    def work():
        for _ in range(25):
            new = store.add({"SUBJECT": "x"}, [{"VALUE": "+1"}], [])
            with lock:
                ids.append(new)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 200 and len(store.all()) == 200
    store.close()


def test_reads_are_never_stale_nor_shared(tmp_path):
    # Rows are decoded once per distinct text (store._decoded): an update is a new text, and what a
    # read returns is the caller's to change at the top level.
    store = Store(tmp_path / "p.sqlite3")
    first = store.add({"SUBJECT": "a", "SETTINGS": {"k": 1}}, [{"VALUE": "+1"}], [])
    twin = store.add({"SUBJECT": "a", "SETTINGS": {"k": 1}}, [{"VALUE": "+1"}], [])
    read = store.get(first)
    read["SUBJECT"] = "changed by a caller"
    read["COMMUNICATIONS"][0]["VALUE"] = "changed too"
    assert store.get(first)["SUBJECT"] == "a" and store.get(twin)["SUBJECT"] == "a"
    assert store.get(first)["COMMUNICATIONS"][0]["VALUE"] == "+1"
    assert store.update(first, {"SUBJECT": "b", "SETTINGS": {"k": 2}}, [{"VALUE": "+2"}])
    by_id = {r["ID"]: r for r in store.all()}
    assert by_id[first]["SUBJECT"] == "b" and by_id[first]["SETTINGS"] == {"k": 2}
    assert by_id[first]["COMMUNICATIONS"][0]["VALUE"] == "+2"
    assert by_id[twin]["SUBJECT"] == "a" and by_id[twin]["ID"] == twin
    store.close()


def test_children_attached_later_equal_a_full_read(tmp_path):
    store = Store(tmp_path / "p.sqlite3")
    ids = [store.add({"SUBJECT": f"s{i}"}, [{"VALUE": f"+{i}"}, {"VALUE": f"+{i}0"}], [(f"f{i}.txt", b"x" * i)])
           for i in range(5)]
    bare = store.all(children=False)
    assert [r["ID"] for r in bare] == ids and all("COMMUNICATIONS" not in r and "FILES" not in r for r in bare)
    page = bare[1:4]
    store.attach_children(page)
    full = {r["ID"]: r for r in store.all()}
    assert page == [full[r["ID"]] for r in page]
    assert "COMMUNICATIONS" not in bare[0]                  # only the records asked for
    store.attach_children([])                               # nothing to read: no query
    store.close()
