"""HAR 1.2 files, read as a stream: one entry in memory at a time, whatever the file's size.

HAR (http://www.softwareishard.com/blog/har-12-spec/) is one JSON object, {"log": {"version": "1.2",
"entries": [...]}}, written by browser DevTools, mitmproxy, Charles, Postman and Insomnia. ijson's
event stream is followed here: each item of log.entries is built on its own and handed out, then
dropped. A file that is not such an object, is cut short or names another version is `HarError`,
with one line saying why (never the file's content: it may hold secrets).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson
from ijson.common import ObjectBuilder

VERSIONS = ("1.2", "1.1")  # 1.1 has the same entries; anything else is not the format this reads
ENTRY_PREFIX = "log.entries.item"
CHUNK = 64 * 1024


class HarError(ValueError):
    """The file is not a HAR file this can read: `reason` says why, in a few words."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def _json_reason(exc: Exception) -> str:
    """yajl's own first line ("parse error: premature EOF", "lexical error: invalid char in json text."),
    mapped to a sentence; the excerpt of the file it adds is left out."""
    text = exc.args[0] if exc.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    if "premature EOF" in first:
        return "truncated JSON: the file ends before the HAR document does"
    if "trailing garbage" in first:
        return "not a HAR file: data after the end of the JSON document"
    return "not JSON" + (f" ({first.rstrip('.')})" if first else "")


class _Stream:
    """The file's bytes with a UTF-8 byte order mark left out (Windows tools write one)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self._first = True

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        if self._first and data:  # ijson's read(0) probe says nothing
            self._first = False
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
                raise HarError(self._handle.name, "not a HAR file: UTF-16 text (HAR is UTF-8 JSON)")
        return data


def iter_entries(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) for each item of log.entries, in file order. Raises HarError on a file that is
    not HAR 1.2 (or 1.1): not JSON, cut short, no `log` object, no `entries` list, another version.
    The version may come after the entries (JSON keys have no order): it is checked when the file
    ends, so a caller must consume the whole iterator before trusting what it judged."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise HarError(path, f"cannot read: {exc.strerror or exc}") from None
    version: Any = None
    saw_log = saw_entries = False
    builder: ObjectBuilder | None = None
    depth = 0
    index = 0
    try:
        with handle:
            events = ijson.parse(_Stream(handle), buf_size=CHUNK, use_float=True)
            first = True
            for prefix, event, value in events:
                if first:
                    first = False
                    if event != "start_map":
                        raise HarError(path, "not a HAR file: the top level is not a JSON object")
                if builder is not None:
                    builder.event(event, value)
                    if event in ("start_map", "start_array"):
                        depth += 1
                    elif event in ("end_map", "end_array"):
                        depth -= 1
                        if depth == 0:
                            entry = builder.value
                            builder = None
                            if not isinstance(entry, dict):
                                raise HarError(path, f"not a HAR file: entry {index} is not an object")
                            yield index, entry
                            index += 1
                    continue
                if prefix == ENTRY_PREFIX:
                    if event == "start_map":
                        builder, depth = ObjectBuilder(), 1
                        builder.event(event, value)
                    else:
                        raise HarError(path, f"not a HAR file: entry {index} is not an object")
                    continue
                if prefix == "log" and event == "start_map":
                    saw_log = True
                elif prefix == "log" and event not in ("map_key", "end_map"):
                    raise HarError(path, "not a HAR file: `log` is not an object")
                elif prefix == "log.version":
                    version = value
                elif prefix == "log.entries":
                    if event == "start_array":
                        saw_entries = True
                    elif event != "end_array":
                        raise HarError(path, "not a HAR file: log.entries is not a list")
    except ijson.JSONError as exc:
        raise HarError(path, _json_reason(exc)) from None
    except UnicodeDecodeError:
        raise HarError(path, "not JSON: the file is not UTF-8 text") from None
    if not saw_log:
        raise HarError(path, "not a HAR file: no `log` object at the top level")
    if version is None:
        raise HarError(path, "not a HAR file: no log.version")
    if str(version) not in VERSIONS:
        raise HarError(path, f"HAR version {str(version)[:20]!r} is not supported (HAR 1.2 is)")
    if not saw_entries:
        raise HarError(path, "not a HAR file: no log.entries list")
