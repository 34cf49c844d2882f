"""One HAR entry as a Bitrix24 REST exchange: the method called, the request's parameters and the
reply, in the shape the pure checks read (status, lower-case headers, parsed JSON, text).

Which entries are Bitrix24 REST calls, read off the URL the way a portal routes it:
- a webhook: /rest/{user id}/{code}/{method} or {method}.json;
- OAuth: /rest/{method}[.json] with `auth` in the query string or the body (or, without it, when
  the reply is a Bitrix24 envelope: a call without credentials is still one);
- `batch` is a method like any other; its commands are read from its `cmd`.
Method names are case-insensitive (CALL-003): they are judged lower-cased.

Bodies as HAR stores them: text, base64 (`encoding: base64`), gzip bytes a tool left compressed, form
bodies with PHP-style keys (postData.text or postData.params), multipart, JSON; parameters are read with
the reference portal's own reader (portal/wire.py), so traffic is read the way a portal reads the wire.
A reply that cannot be read (no body recorded, binary, not JSON, cut short, no status) makes the exchange
`NotJudged` with the reason.

Every secret an entry carries is registered for redaction before anything is judged or written:
webhook codes, `auth` tokens (query, body, batch), Authorization and Cookie header values, a URL's
password. verdict/redact.py then masks them literally everywhere, on top of its structural rules.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from b24conform.portal.wire import BodyError, decode_php_pairs, merge_params, parse_body, parse_query
from b24conform.verdict.redact import redact, register_secret

_WEBHOOK = re.compile(r"/rest/(\d+)/([^/]+)/([^/]+?)/?$")
_OAUTH = re.compile(r"/rest/([^/]+?)/?$")
METHOD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*$")
EXCERPT = 2000


@dataclass
class Request:
    http_method: str
    url: str
    content_type: str | None
    body: str | None
    auth: str = "traffic"  # none of judge/target.py's deliberately wrong credentials

    def as_dict(self) -> dict[str, Any]:
        return {"http_method": self.http_method, "url": redact(self.url), "content_type": self.content_type,
                "body": redact(self.body[:EXCERPT]) if self.body is not None else None}


@dataclass
class Reply:
    """What judge/checks read: status, headers (lower-case names), json, text; judged as a live portal's
    reply (wording the docs do not pin is not demanded)."""

    status: int
    headers: dict[str, str]
    json: Any
    text: str
    request: Request
    target_kind: str = "live"
    at: float | None = None


@dataclass
class Place:
    """Where an exchange is: the file, its index in log.entries, its startedDateTime."""

    file: str
    index: int
    started: str

    def __str__(self) -> str:
        return f"{self.file} log.entries[{self.index}]" + (f" {self.started}" if self.started else "")


@dataclass
class Exchange:
    place: Place
    method: str              # lower-case, without .json
    method_as_sent: str
    auth: str                # webhook | oauth | none
    params: dict[str, Any] | None
    params_problem: str | None
    reply: Reply
    host: str = ""

    @property
    def label(self) -> str:
        return f"{self.place}, {self.method_as_sent}"


@dataclass
class NotJudged:
    place: Place
    method: str
    reason: str
    host: str = ""


@dataclass
class Seen:
    """What reading one entry gave: an exchange to judge, one that cannot be, or neither (not a REST call)."""

    exchange: Exchange | None = None
    not_judged: NotJudged | None = None
    secrets: list[str] = field(default_factory=list)


def _headers(items: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            name, value = item["name"].lower(), str(item.get("value", ""))
            out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _at(started: Any) -> float | None:
    if not isinstance(started, str):
        return None
    try:
        return datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _content_bytes(text: Any, encoding: Any) -> tuple[bytes | None, str | None]:
    """A HAR body (content.text or postData.text) as bytes, or why it cannot be had."""
    if text is None:
        return None, "no body recorded in the HAR"
    if not isinstance(text, str):
        return None, "the body in the HAR is not text"
    if str(encoding or "").lower() == "base64":
        try:
            raw = base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            return None, "a base64 body that does not decode"
    elif encoding:
        return None, f"a body in an encoding the HAR spec does not name ({str(encoding)[:20]})"
    else:
        raw = text.encode("utf-8", "surrogatepass")
    if raw[:2] == b"\x1f\x8b":  # a tool that kept the gzip bytes of Content-Encoding
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return None, "a gzip body that is cut short or corrupt"
    return raw, None


def _charset(content_type: str) -> str:
    match = re.search(r"charset=\"?([A-Za-z0-9_.:-]+)", content_type or "", re.I)
    return match.group(1) if match else "utf-8"


def _looks_binary(raw: bytes) -> bool:
    return b"\x00" in raw[:4096]


def register_entry_secrets(entry: dict[str, Any], url: str) -> list[str]:
    """Register every secret an entry carries (see the module docstring); the values registered."""
    found: list[str] = []
    parts = urlsplit(url)
    if parts.password:
        found.append(unquote(parts.password))
    match = _WEBHOOK.search(parts.path)
    if match:
        found.append(unquote(match.group(2)))
    request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    for source in (request, response):
        for item in source.get("headers") or ():
            if not isinstance(item, dict):
                continue
            name, value = str(item.get("name", "")).lower(), str(item.get("value", ""))
            if name in ("authorization", "proxy-authorization"):
                found.append(value)
                found += value.split(None, 1)[1:]  # the token after "Bearer " / "Basic "
            elif name in ("cookie", "set-cookie"):
                for pair in value.split(";" if name == "cookie" else "\n"):
                    cookie = pair.split(";", 1)[0]
                    if "=" in cookie:
                        found.append(cookie.split("=", 1)[1].strip())
        for cookie in source.get("cookies") or ():
            if isinstance(cookie, dict) and cookie.get("value"):
                found.append(str(cookie["value"]))
    for item in request.get("queryString") or ():
        if isinstance(item, dict) and str(item.get("name", "")).lower() in ("auth", "access_token", "refresh_token"):
            found.append(unquote(str(item.get("value", ""))))
    post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    for item in post.get("params") or ():
        if isinstance(item, dict) and unquote(str(item.get("name", ""))).lower().split("[", 1)[0] in ("auth", "access_token", "refresh_token"):
            found.append(unquote(str(item.get("value", ""))))
    found = [value for value in found if value]
    register_secret(*found)
    return found


def _auth_values(params: Any) -> list[str]:
    """`auth` wherever the parameters carry it (also auth[access_token] of PHP SDKs)."""
    if not isinstance(params, dict):
        return []
    out = []
    for key, value in params.items():
        if str(key).lower() in ("auth", "access_token", "refresh_token"):
            out += [str(v) for v in (value.values() if isinstance(value, dict) else [value]) if v]
    return out


def request_params(request: dict[str, Any], url: str) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(params, why they cannot be read, the body as text for the evidence)."""
    query = urlsplit(url).query
    try:
        from_query = parse_query(query)
    except BodyError as exc:
        return None, f"the query string cannot be read ({exc})", None
    post = request.get("postData") if isinstance(request.get("postData"), dict) else None
    if not post:
        return from_query, None, None
    mime = str(post.get("mimeType") or "")
    text = post.get("text")
    if text is None and isinstance(post.get("params"), list):
        pairs = []
        for item in post["params"]:
            if not isinstance(item, dict):
                continue
            name, value = str(item.get("name", "")), str(item.get("value", ""))
            if item.get("fileName"):
                value = f"<file {item.get('fileName')}>"
            elif "%" in name and re.search(r"%5[BbDd]", name):  # DevTools keeps the names URL-encoded
                name, value = unquote(name.replace("+", " ")), unquote(value.replace("+", " "))
            pairs.append((name, value))
        try:
            return merge_params(from_query, decode_php_pairs(pairs)), None, "&".join(f"{k}={v}" for k, v in pairs)
        except BodyError as exc:
            return None, f"the request's form parameters cannot be read ({exc})", None
    raw, why = _content_bytes(text, post.get("encoding"))
    if raw is None:
        return from_query, f"request body: {why}", None
    shown = raw.decode("utf-8", "replace")
    if _looks_binary(raw) and not mime.lower().startswith("multipart/"):
        return None, "the request body is binary", "<binary>"
    try:
        return merge_params(from_query, parse_body(raw, mime or None)), None, shown
    except BodyError as exc:
        return None, f"the request body cannot be read ({exc})", shown


def _is_envelope(body: Any) -> bool:
    return isinstance(body, dict) and (("result" in body and "time" in body)
                                       or ("error" in body and "error_description" in body))


def read_reply(response: dict[str, Any], request: Request, at: float | None) -> tuple[Reply | None, str | None]:
    """The reply of an entry, or why it cannot be judged."""
    status = response.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or status <= 0:
        return None, "no reply recorded (status 0: the request failed, was blocked or is still pending)"
    headers = _headers(response.get("headers"))
    content = response.get("content") if isinstance(response.get("content"), dict) else {}
    if "content-type" not in headers and content.get("mimeType"):
        headers["content-type"] = str(content["mimeType"])
    raw, why = _content_bytes(content.get("text"), content.get("encoding"))
    if raw is None:
        return None, f"reply: {why}"
    ctype = headers.get("content-type", "")
    if _looks_binary(raw):
        return None, f"reply: a binary body ({ctype.split(';')[0] or 'no Content-Type'}), not a JSON envelope"
    try:
        text = raw.decode(_charset(ctype))
    except (UnicodeDecodeError, LookupError):
        return None, "reply: the body is not text in its charset"
    size = content.get("size")
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        if isinstance(size, int) and size > len(raw):
            return None, f"reply cut short: {len(raw)} of {size} bytes recorded"
        stripped = text.strip()
        if stripped[:1] in ("{", "[") and isinstance(exc, json.JSONDecodeError) and exc.pos >= len(text.rstrip()) - 1:
            return None, "reply cut short: its JSON ends early"
        return None, f"reply is not JSON ({ctype.split(';')[0] or 'no Content-Type'}): no judgeable answer"
    return Reply(status=status, headers=headers, json=parsed, text=text, request=request, at=at), None


def read_entry(entry: dict[str, Any], file: str, index: int) -> Seen:
    """The exchange an entry holds, one that cannot be judged (with why), or neither."""
    request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    url = request.get("url")
    started = entry.get("startedDateTime") if isinstance(entry.get("startedDateTime"), str) else ""
    place = Place(file, index, started)
    if not isinstance(url, str) or str(request.get("method") or "").upper() in ("OPTIONS", "CONNECT"):
        return Seen()  # a browser's CORS preflight or a proxy's tunnel: no REST call
    parts = urlsplit(url)
    path = unquote(parts.path)
    webhook = _WEBHOOK.search(path)
    oauth = None if webhook else _OAUTH.search(path)
    if not (webhook or oauth):
        return Seen()
    secrets = register_entry_secrets(entry, url)
    name = (webhook or oauth).group(3 if webhook else 1)
    if name.lower().endswith(".xml") and METHOD.match(name[:-4]):
        return Seen(not_judged=NotJudged(place, name[:-4], "XML transport (.xml): only JSON replies are judged",
                                         parts.hostname or ""), secrets=secrets)
    sent = name[:-5] if name.lower().endswith(".json") else name
    if not METHOD.match(sent):
        return Seen()
    params, params_problem, body_text = request_params(request, url)
    auth_values = _auth_values(params)
    register_secret(*auth_values)
    secrets += auth_values
    response = entry.get("response") if isinstance(entry.get("response"), dict) else {}
    post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    req = Request(http_method=str(request.get("method") or "GET").upper(), url=url,
                  content_type=str(post.get("mimeType")) if post.get("mimeType") else None, body=body_text)
    reply, why = read_reply(response, req, _at(started))
    auth = "webhook" if webhook else ("oauth" if auth_values else "none")
    if oauth and not auth_values and not (reply is not None and _is_envelope(reply.json)):
        return Seen(secrets=secrets)  # /rest/something without credentials nor a REST reply: not a REST call
    host = parts.hostname or ""
    if reply is None:
        return Seen(not_judged=NotJudged(place, sent, why or "unreadable", host), secrets=secrets)
    exchange = Exchange(place=place, method=sent.lower(), method_as_sent=sent, auth=auth, params=params,
                        params_problem=params_problem, reply=reply, host=host)
    return Seen(exchange=exchange, secrets=secrets)
