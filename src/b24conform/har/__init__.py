"""HAR 1.2 files, read as a stream: one entry in memory at a time, whatever the file's size; and written,
entry by entry (HarWriter, for `traffic proxy` and `run --har`).

HAR (http://www.softwareishard.com/blog/har-12-spec/) is one JSON object, {"log": {"version": "1.2",
"entries": [...]}}, written by browser DevTools, mitmproxy, Charles, Postman and Insomnia. ijson's
event stream is followed here: each item of log.entries is built on its own and handed out, then
dropped. A file that is not such an object, is cut short or names another version is `HarError`,
with one line saying why (never the file's content: it may hold secrets).
"""
from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ijson
from ijson.common import ObjectBuilder

from b24conform import __version__
from b24conform.har.mitm_addon import har_entry, text_or_base64
from b24conform.verdict.redact import MASK, redact, redact_data

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


# -- writing ---------------------------------------------------------------------------------------

class HarWriter:
    """A HAR 1.2 file written entry by entry, one JSON line each (readable once closed), created readable by
    its owner only: `traffic proxy` keeps the exchanges as they were, secrets included."""

    def __init__(self, path: Path, creator: str = "b24conform traffic proxy (mitmproxy)") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.path = path
        self._file = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8")
        about = json.dumps({"name": creator, "version": __version__})
        self._file.write('{"log": {"version": "1.2", "creator": ' + about + ', "pages": [], "entries": [\n')
        self.count = 0

    def add(self, line: str) -> None:
        """One entry, as one line of JSON."""
        self._file.write((",\n" if self.count else "") + line)
        self.count += 1

    def close(self) -> None:
        self._file.write("\n]}}\n")
        self._file.close()


class _Pairs:
    """Headers or query parameters (httpx's, in their order, repeated names kept) as the addon reads mitmproxy's."""

    def __init__(self, items: Any) -> None:
        self._items = [(str(k), str(v)) for k, v in items]

    def items(self, multi: bool = False) -> list[tuple[str, str]]:
        return list(self._items)

    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self._items if k.lower() == name.lower()), default)


class _Message:
    def __init__(self, content: bytes, headers: Any, **fields: Any) -> None:
        self.raw_content = content
        self.headers = _Pairs(headers.multi_items())
        self.__dict__.update(fields)

    def get_content(self, strict: bool = True) -> bytes:
        return self.raw_content


class _Flow:
    def __init__(self, request: Any, response: Any, error: str | None) -> None:
        self.request, self.response = request, response
        self.error = type("Error", (), {"msg": error})() if error is not None else None


def http_entry(request: Any, response: Any = None, *, started: float, seconds: float,
               error: str | None = None) -> dict[str, Any]:
    """One HAR 1.2 entry of an exchange httpx made: its request and, if one came, its reply (else status 0 and
    `error` in `_error`). Built by the addon's own `har_entry` (mitm_addon.py) from a stand-in flow, so `run
    --har` and `traffic proxy` write their entries alike. `started` is time.time() at sending, `seconds` the
    time to the whole reply (its wait). httpx has undone the reply's Content-Encoding: the body is the decoded
    one, as HAR stores it."""
    answered = started + max(float(seconds), 0.0)
    version = getattr(response, "http_version", None) or "HTTP/1.1"
    sent = _Message(bytes(request.content or b""), request.headers, method=request.method,
                    pretty_url=str(request.url), http_version=version, query=_Pairs(request.url.params.multi_items()),
                    timestamp_start=started, timestamp_end=started if response is not None else answered)
    got = None
    if response is not None:
        got = _Message(bytes(response.content), response.headers, status_code=response.status_code,
                       reason=response.reason_phrase, http_version=version,
                       timestamp_start=answered, timestamp_end=answered)
    return har_entry(_Flow(sent, got, error))


# Values of these names are credentials whatever they hold (a Basic Authorization header carries a URL's
# password base64-encoded, where no rule on text could see it; a portal's session cookie).
_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_SECRET_PARAMS = {"auth", "access_token", "refresh_token"}


def _secret_name(name: Any) -> bool:
    name = str(name).lower()
    return name in _SECRET_HEADERS or name in _SECRET_PARAMS or name.startswith("auth[")


def _redacted_body(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("encoding") != "base64" or not isinstance(body.get("text"), str):
        return redact_data(body)
    # A body stored as base64 is redacted as the bytes it stands for (text where it is text), then stored anew.
    raw = base64.b64decode(body["text"])
    cleaned = redact(raw.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
    rest = redact_data({k: v for k, v in body.items() if k not in ("text", "encoding")})
    return {**rest, **text_or_base64(cleaned)}


def redact_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry with every secret masked as the reports mask them (verdict/redact.py: webhook codes, `auth`
    tokens, a URL's password, the secrets the run registered) and the values of credential headers, cookies
    and `auth` parameters `***` whatever they hold."""
    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            if key in ("postData", "content"):  # its text redacted already, as the bytes it stands for
                body = _redacted_body(value)
                return {k: v if k == "text" else walk(v, k) for k, v in body.items()}
            out = {k: walk(v, k) for k, v in value.items()}
            if "name" in out and "value" in out and _secret_name(out["name"]):
                out["value"] = MASK
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return redact_data(value)

    return walk(entry)
