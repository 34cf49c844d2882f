"""`run --har FILE` (pytest: --b24-har FILE, B24_HAR): every exchange the judge had with the portal, saved as
one HAR 1.2 file that `b24conform traffic check` reads, with no secret in it.

Every request passes through Target.call, which hands each exchange, as sent and received, to its
`wire_observers` before any check sees the reply. Each process that talks to the portal (the pytest
session, or each pytest-xdist worker) turns each exchange into one HAR entry (har/__init__.py: `http_entry`,
the addon's entry layout) with every secret masked as the reports mask them (`redact_entry`), and appends
it as a JSON line, flushed at once, to a part file of its own in a private temporary folder: a worker
stopped mid-run leaves what it sent. At the end of the session (after the session's cleanup, interrupted
or not) the controller merges the parts in the order the exchanges were sent into the one file
(har/__init__.py `HarWriter`), after the entries `run` recorded before the session (its preflight).
"""
from __future__ import annotations

import heapq
import json
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from b24conform.har import HarWriter, http_entry, redact_entry
from b24conform.verdict.redact import redact

CREATOR = "b24conform run"
PARTS_KEY = "b24conform_har_parts"      # pytest-xdist workerinput: the folder of the parts
FIRST_ATTRIBUTE = "b24conform_har_first"  # a plugin object holding entry lines recorded before the session


def entry_line(sent: Any) -> str:
    """One exchange (target.Sent) as one redacted HAR entry, as a line of JSON (no newline)."""
    entry = http_entry(sent.request, sent.response, started=sent.started, seconds=sent.seconds, error=sent.error)
    return json.dumps(redact_entry(entry), ensure_ascii=False, separators=(",", ":"))


class EntryLines:
    """Exchanges kept in memory as entry lines: `run` records its preflight so and hands this object to pytest
    as a plugin (its lines lead the HAR)."""

    def __init__(self) -> None:
        setattr(self, FIRST_ATTRIBUTE, [])

    @property
    def lines(self) -> list[str]:
        return getattr(self, FIRST_ATTRIBUTE)

    def record(self, sent: Any) -> None:
        try:
            self.lines.append(entry_line(sent))
        except Exception:  # noqa: BLE001 - as HarPart: the record must not change what the probe sees
            pass


class HarPart:
    """This process's exchanges, appended to FOLDER/NAME.jsonl as they happen. Recording never changes what
    a check sees: an exchange that cannot be written is counted (`failures`, `failure`), not raised."""

    def __init__(self, folder: Path, name: str) -> None:
        self.path = folder / f"{name}.jsonl"
        self._file: Any = None
        self._lock = threading.Lock()
        self.count = 0
        self.failures = 0
        self.failure = ""

    def record(self, sent: Any) -> None:
        try:
            line = entry_line(sent) + "\n"
            with self._lock:
                if self._file is None:
                    self._file = self.path.open("a", encoding="utf-8")
                self._file.write(line)
                self._file.flush()
                self.count += 1
        except Exception as exc:  # noqa: BLE001 - a check must not fail because its record could not be kept

            self.failures += 1
            self.failure = self.failure or redact(f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def new_folder() -> Path:
    """A private temporary folder for the parts (mode 0700)."""
    return Path(tempfile.mkdtemp(prefix="b24conform-har-"))


def _entries(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(startedDateTime, entry) for each complete line of a part; a line cut short (a worker killed while
    writing it) is left out."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield str(entry.get("startedDateTime", "")), entry


def merge(folder: Path | None, har: Path, first: Iterable[str] = ()) -> int:
    """Write `har`: the `first` entry lines, then every part's entries in the order they were sent (each part
    is in that order already; ISO times in UTC sort as text). Each entry is redacted once more, with the
    secrets this process knows. Removes the folder. Returns the number of entries."""
    parts = sorted(folder.glob("*.jsonl")) if folder is not None and folder.is_dir() else []
    writer = HarWriter(har, creator=CREATOR)
    try:
        for line in first:
            writer.add(json.dumps(redact_entry(json.loads(line)), ensure_ascii=False, separators=(",", ":")))
        for _, entry in heapq.merge(*(_entries(p) for p in parts), key=lambda item: item[0]):
            writer.add(json.dumps(redact_entry(entry), ensure_ascii=False, separators=(",", ":")))
    finally:
        writer.close()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    return writer.count
