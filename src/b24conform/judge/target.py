"""The target of a run: one portal, its credentials, and the only way checks talk to it.

Names and signatures are those of docs/JUDGE-API.md.
"""
from __future__ import annotations

import json as jsonlib
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from b24conform.contract import load_contract
from b24conform.contract.model import DEFAULT_MODE
from b24conform.judge.client import Endpoints, Webhook, encode_request, make_client, method_url
from b24conform.judge.effects import Touch, normalise_method, request_touches
from b24conform.judge.gate import refusal
from b24conform.judge.ledger import Ledger
from b24conform.judge.ratelimit import LeakyBucket
from b24conform.judge.safety import (
    UnsafeRequest,
    WritesNotAllowed,
    mark,
    refuse_mail,
)
from b24conform.verdict import redact as _redact

BODY_LIMIT = 4096
# The credentials a check sends wrong on purpose (Target.call's `auth`), as the reports name them.
CAPABILITIES = frozenset({"any", "oauth", "mock", "https", "limits"})

__all__ = [
    "CAPABILITIES", "Endpoints", "Reply", "RequestRecord", "Sent", "Target", "TargetError", "TargetFixtures",
    "UnsafeRequest", "Webhook", "WritesNotAllowed",
]


class TargetError(RuntimeError):
    """The request could not be sent or answered (connection, TLS, timeout, a gateway's non-JSON
    5xx). Message redacted. Never a verdict on the portal's conformance: the check is an error."""


def _method_table() -> dict:
    return load_contract().methods


@dataclass
class RequestRecord:
    """What was sent, secrets already redacted."""

    http_method: str
    url: str
    content_type: str | None
    body: str  # truncated to 4 KiB
    # The credential variant sent (Target.call's `auth`): "webhook", "oauth_body", ... or one sent
    # wrong on purpose (problems.WRONG_CREDENTIALS), which the reports show as such instead of masking it.
    auth: str = "webhook"

    def as_dict(self) -> dict[str, Any]:
        return {"http_method": self.http_method, "url": self.url, "content_type": self.content_type, "body": self.body}


@dataclass
class Reply:
    # None for a reply that came as one command of a `batch` (via_batch): a command has no HTTP status,
    # headers or top-level `time` of its own, so checks of those judge top-level replies only.
    status: int | None
    headers: dict[str, str]  # lower-case names
    text: str
    json: Any | None         # None when the body is not JSON
    request: RequestRecord
    # "mock" (the embedded reference portal) or "live": wording b24conform chose itself is demanded
    # byte for byte from the mock only.
    target_kind: str = "mock"
    at: float = 0.0  # when it was received (time.time()): the order of replies across checks and workers
    via_batch: bool = False  # one command's answer out of a batch the judge sent for it (judge/batchplan.py)

    def curl(self) -> str:
        """A command that repeats the request, secrets redacted (fill them in to replay)."""
        parts = ["curl", "-sS", "-X", self.request.http_method]
        if self.request.content_type:
            parts += ["-H", f"Content-Type: {self.request.content_type}"]
        parts += ["-H", "Accept: application/json"]
        if self.request.body:
            parts += ["--data-binary", self.request.body]
        parts.append(self.request.url)
        return _redact.redact(" ".join(shlex.quote(p) for p in parts))

    def __repr__(self) -> str:  # short, redacted: shows up in assertion messages
        excerpt = self.text[:200]
        return _redact.redact(f"Reply(status={self.status}, {self.request.http_method} {self.request.url}, body={excerpt!r})")


@dataclass(frozen=True)
class Sent:
    """One exchange as it went over the wire, for Target.wire_observers (`run --har`): the httpx request, the
    reply (None when none came: `error` says why), when it was sent (time.time()) and how long the reply took.
    Secrets are in it as sent: an observer redacts what it keeps."""

    request: httpx.Request
    response: httpx.Response | None
    started: float
    seconds: float
    error: str | None = None


@dataclass(frozen=True)
class TargetFixtures:
    """Ids of existing data on the portal that checks bind activities to (the seed's values on the mock)."""

    owner_type_id: int = 2
    owner_id: int = 102
    contact_type_id: int = 3
    contact_id: int = 134
    responsible_id: int = 1
    missing_owner_id: int = 987654321
    missing_user_id: int = 987654321


def _parse_json(text: str) -> Any | None:
    try:
        return jsonlib.loads(text)
    except ValueError:
        return None


def _result_id(data: Any) -> int | None:
    """The new id of an add's success envelope, however it is typed (int or numeric string)."""
    if not isinstance(data, dict) or "error" in data:
        return None
    result = data.get("result")
    if isinstance(result, bool):
        return None
    if isinstance(result, int) and result > 0:
        return result
    if isinstance(result, str) and result.isdigit() and int(result) > 0:
        return int(result)
    return None


class Target:
    """One portal under test. Checks call `call()`/`add()`; everything else is the plugin's business."""

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        kind: str,
        run_id: str,
        mode: str = DEFAULT_MODE,
        allow_writes: bool = False,
        capabilities: frozenset[str] | set[str] = frozenset({"any"}),
        fixtures: TargetFixtures | None = None,
        ledger: Ledger | None = None,
        limiter: LeakyBucket | None = None,
        client: httpx.Client | None = None,
        ca_bundle: str | None = None,
        pass_time: Callable[[float], None] | None = None,
    ) -> None:
        if kind not in {"mock", "live"}:
            raise ValueError(f"kind must be 'mock' or 'live', not {kind!r}")
        unknown = set(capabilities) - CAPABILITIES
        if unknown:
            raise ValueError(f"unknown capabilities {sorted(unknown)}")
        self.endpoints = endpoints
        self.kind = kind
        self.mode = mode
        self.run_id = run_id
        # Writes are always allowed on the mock: its data lives in memory and dies with it.
        self.allow_writes = allow_writes or kind == "mock"
        self.capabilities = frozenset(capabilities)
        self.fixtures = fixtures or TargetFixtures()
        self.ledger = ledger or Ledger(None, portal=endpoints.base_url, run_id=run_id)
        self.limiter = limiter
        self.ca_bundle = ca_bundle
        self._client = client or make_client(ca_bundle)
        self.observers: list[Callable[[Reply], None]] = []
        # Every exchange as sent and received, before any check sees its reply (`run --har`).
        self.wire_observers: list[Callable[[Sent], None]] = []
        self._pass_time = pass_time
        self._methods = _method_table()
        # Records outside the ledger the gate lets this target change or delete: shown absent by a
        # read, or shown to be the judge's own (an earlier run's ledger, the marks) by `cleanup`.
        self._absent: set[tuple[str | None, int]] = set()
        self._claimed: set[tuple[str | None, int]] = set()
        # The live batch plan (judge/batchplan.py), when the run has one: replies learnt ahead in batches,
        # given to the checks it is `active` for (set per check by the plugin).
        self.plan: Any = None
        _redact.register_secret(*endpoints.secrets())

    # -- identity ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.endpoints.base_url

    @property
    def display_url(self) -> str:
        """The target as shown in reports: webhook code masked."""
        hook = self.endpoints.webhook
        url = f"{self.base_url}/rest/{hook.user_id}/{hook.code}/" if hook else f"{self.base_url}/rest/"
        return _redact.redact(url)

    def __repr__(self) -> str:
        return f"Target(kind={self.kind!r}, url={self.display_url!r}, mode={self.mode!r})"

    def close(self) -> None:
        self._client.close()

    # -- the API of docs/JUDGE-API.md -------------------------------------------------------------

    def let_time_pass(self, seconds: float) -> None:
        """Let `seconds` of the portal's time pass: the embedded mock's clock is moved forward at
        once; a live portal is waited for in real time."""
        (self._pass_time or time.sleep)(seconds)

    def mark(self, fields: dict) -> dict:
        """The fields as `add` really sends them (SUBJECT prefix, ORIGINATOR_ID): what a read-back
        check must compare with."""
        return mark(fields, self.run_id)

    def add(self, fields: dict, **call_kwargs: Any) -> Reply:
        """crm.activity.add, write-guarded, marked, written to the ledger first, never retried."""
        params = dict(call_kwargs.pop("params", None) or {})
        params["fields"] = fields
        return self.call("crm.activity.add", params, **call_kwargs)

    # -- the gate ---------------------------------------------------------------------------------

    def may_touch(self, entity: str | None, record_id: int) -> bool:
        """Whether a change or delete of this record may be sent: this run created it, showed it
        absent, or `claim`ed it as the judge's own."""
        key = (entity, record_id)
        return key in self._absent or key in self._claimed or (
            entity is not None and record_id in self.ledger.created_ids(entity))

    def claim(self, entity: str, ids: Any) -> None:
        """Records shown to be the judge's own by other means than this run's ledger (an earlier
        run's ledger, or both marks found by a sweep): `cleanup` may delete them."""
        self._claimed.update((entity, int(i)) for i in ids)

    def show_absent(self, entity: str, record_id: int) -> bool:
        """Read the record; True (and from now on changeable, as a no-op) when the portal says it
        does not exist. A read never changes anything, so it needs no permission."""
        reply = self.call(f"crm.{entity}.get", {"id": record_id})
        data = reply.json if isinstance(reply.json, dict) else {}
        text = f"{data.get('error', '')} {data.get('error_description', '')}".lower()
        absent = 400 <= reply.status < 500 and "result" not in data and "not found" in text
        if absent:
            self._absent.add((entity, int(record_id)))
        return absent

    def touches(self, method: str, params: dict | None = None, *, raw_body: bytes | None = None,
                content_type: str | None = None) -> list[Touch]:
        return request_touches(self._methods, method, params, raw_body, content_type)

    def call(
        self,
        method: str,
        params: dict | None = None,
        *,
        encoding: str = "json",
        auth: str = "webhook",
        suffix: str = "",
        http: bool = False,
        raw_body: bytes | None = None,
        content_type: str | None = None,
        top_level: bool = False,
    ) -> Reply:
        """`top_level`: a reply of its own, never a batch command's answer (a check that judges the status
        of an error family no top-level check of the run provokes)."""
        params = dict(params) if params is not None else None
        if self.plan is not None and self.plan.active:
            options = {"encoding": encoding, "auth": auth, "suffix": suffix, "http": http,
                       "raw_body": raw_body, "content_type": content_type}
            planned = self.plan.answer(method, params, {**options, "top_level": top_level}, self.kind)
            if hasattr(planned, "keep"):  # a dry run's call no batch command can say: sent now, learnt
                try:
                    reply = self._call_wire(method, params, **options)
                except TargetError as exc:
                    planned.fail(str(exc))
                    raise
                planned.keep(reply)
                return reply
            if planned is not None:
                if not self.plan.dry:
                    for observer in list(self.observers):
                        observer(planned)
                return planned
        return self._call_wire(method, params, encoding=encoding, auth=auth, suffix=suffix, http=http,
                               raw_body=raw_body, content_type=content_type)

    def _call_wire(self, method: str, params: dict | None, *, encoding: str, auth: str, suffix: str, http: bool,
                   raw_body: bytes | None, content_type: str | None) -> Reply:
        # The gate: whatever the credentials and the encoding, nothing that could create, change or
        # delete data leaves the process unless the run may do it (gate.py, spec/methods.yaml).
        touched = self.touches(method + suffix, params, raw_body=raw_body, content_type=content_type)
        reason = refusal(touched, allow_writes=self.allow_writes, may_touch=self.may_touch)
        if reason:
            raise WritesNotAllowed(reason)
        # Credentials first: a request that cannot be addressed must not leave a ledger entry behind.
        url, token = method_url(self.endpoints, method, auth=auth, suffix=suffix, http=http)
        ledger_keys: list[tuple[str, str | None]] = []  # (ledger key, batch command key or None)
        creates = [t for t in touched if t.effect == "create"]
        name = normalise_method(method + suffix)
        batch_creates = self._batch_creates(params) if name == "batch" and raw_body is None else []
        if creates and name == "batch" and len(batch_creates) != len(creates):
            raise WritesNotAllowed("this batch creates records the judge cannot mark and ledger (creates only as "
                                   "top-level `cmd` strings of a JSON, form or query request)")
        if raw_body is not None:
            if self.kind != "mock" and any(t.entity == "activity" for t in creates):
                self._refuse_raw_mail(raw_body)
            # A raw body cannot be marked by us, but it may still create records: ledger them.
            ledger_keys += [(self.ledger.sending(None, t.entity or "unknown"), None) for t in creates]
        elif batch_creates:
            params, batch_keys = self._prepare_batch(params, batch_creates)
            ledger_keys.extend(batch_keys)
        elif creates:
            touch = creates[0]
            fields = params.get("fields") if params is not None else None
            if isinstance(fields, dict):
                if touch.entity == "activity":
                    refuse_mail(fields, self.kind)
                params["fields"] = fields = mark(fields, self.run_id, touch.mark or "SUBJECT")
            label = fields.get(touch.mark) if isinstance(fields, dict) and touch.mark else None
            ledger_keys.append((self.ledger.sending(label, touch.entity or "unknown"), None))

        wire = encode_request(url, params, encoding=encoding, token=token, auth=auth,
                              raw_body=raw_body, content_type=content_type)
        record = RequestRecord(
            http_method=wire.http_method,
            url=_redact.redact(wire.url),
            content_type=wire.content_type,
            body=_redact.redact(wire.body[:BODY_LIMIT].decode("utf-8", errors="replace")),
            auth=auth,
        )
        if self.limiter is not None:
            self.limiter.acquire()
        headers = {"Content-Type": wire.content_type} if wire.content_type else {}
        started, clock = time.time(), time.perf_counter()
        try:
            response = self._client.request(wire.http_method, wire.url, content=wire.body or None, headers=headers)
        except Exception as exc:  # noqa: BLE001 - any transport failure (httpx, httpcore, ssl, OS)
            request = self._request_of(exc, wire, headers) if self.wire_observers else None
            if request is not None:
                self._tell_wire(Sent(request, None, started, time.perf_counter() - clock, f"{type(exc).__name__}: {exc}"))
            # `from None`: the original exception's text holds the URL with the webhook code.
            raise TargetError(_redact.redact(f"{record.http_method} {record.url}: {type(exc).__name__}: {exc}")) from None
        if self.wire_observers:
            self._tell_wire(Sent(response.request, response, started, time.perf_counter() - clock))
        text = response.text
        reply = Reply(
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            text=text,
            json=_parse_json(text),
            request=record,
            target_kind=self.kind,
            at=time.time(),
        )
        self._settle_ledger(ledger_keys, reply)
        for observer in list(self.observers):
            observer(reply)
        if reply.status >= 500 and reply.json is None:
            # The portal's REST API answers in JSON, even its own 5xx; a bare 502/503/504 page comes
            # from something in front of it. Nothing about the portal can be concluded from it.
            raise TargetError(f"{record.http_method} {record.url}: HTTP {reply.status} with a body that is "
                              "not JSON (a gateway or proxy answered, not the portal's REST API)")
        return reply

    def _tell_wire(self, sent: Sent) -> None:
        for observer in list(self.wire_observers):
            observer(sent)

    def _request_of(self, exc: Exception, wire: Any, headers: dict[str, str]) -> httpx.Request | None:
        """The request a transport failure was about: httpx's own, else the one the client would have sent
        (None when there is none: a URL httpx cannot even build a request for)."""
        try:
            request = getattr(exc, "request", None)  # httpx.RequestError's, a RuntimeError when it has none
        except RuntimeError:
            request = None
        if isinstance(request, httpx.Request):
            return request
        try:
            return self._client.build_request(wire.http_method, wire.url, content=wire.body or None, headers=headers)
        except Exception:  # noqa: BLE001 - nothing was sent, so there is no exchange to record
            return None

    # -- ledger and batch helpers -----------------------------------------------------------------

    def _settle_ledger(self, keys: list[tuple[str, str | None]], reply: Reply) -> None:
        data = reply.json
        for key, cmd in keys:
            if cmd is None:
                new_id = _result_id(data)
                if new_id is not None:
                    self.ledger.created(key, new_id)
                elif isinstance(data, dict) and "error" in data and reply.status < 500:
                    self.ledger.not_created(key)
                # anything else (5xx, not JSON): outcome unknown, the entry stays for `cleanup`
            else:
                results = (data or {}).get("result", {}) if isinstance(data, dict) else {}
                inner = results.get("result") if isinstance(results, dict) else None
                if isinstance(inner, dict):
                    value = inner.get(cmd)
                elif isinstance(inner, list) and cmd.isdigit() and int(cmd) < len(inner):
                    value = inner[int(cmd)]  # a list-form cmd answers a list, in command order
                else:
                    value = None
                new_id = _result_id({"result": value}) if value is not None else None
                if new_id is not None:
                    self.ledger.created(key, new_id)
                elif reply.status == 200 and isinstance(inner, (dict, list)):
                    self.ledger.not_created(key)

    def _batch_creates(self, params: dict | None) -> list[tuple[Any, str, Touch]]:
        """(cmd key, command, its create) for every create the judge can mark in a batch: a top-level
        string command under the exact key `cmd`. The gate counts every create, wherever it sits
        (`CMD`, a nested batch, a raw body); a batch with more than these is refused."""
        cmd = (params or {}).get("cmd")
        items = cmd.items() if isinstance(cmd, dict) else enumerate(cmd) if isinstance(cmd, list) else ()
        return [(key, command, touch) for key, command in items if isinstance(command, str)
                for touch in self.touches(command.split("?", 1)[0]) if touch.effect == "create"]

    def _prepare_batch(self, params: dict, creates: list[tuple[Any, str, Touch]]) -> tuple[dict, list[tuple[str, str | None]]]:
        """The batch with each of `creates` marked, each ledgered before it is sent."""
        cmd = params["cmd"]
        new_cmd = dict(cmd) if isinstance(cmd, dict) else list(cmd)
        keys: list[tuple[str, str | None]] = []
        for cmd_key, command, touch in creates:
            new_cmd[cmd_key] = self._mark_command(command, touch)
            keys.append((self.ledger.sending(None, touch.entity or "unknown"), str(cmd_key)))
        return {**params, "cmd": new_cmd}, keys

    def _mark_command(self, command: str, touch: Touch) -> str:
        method, _, query = command.partition("?")
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(k.startswith("fields[") for k, _ in pairs):
            return command  # no fields object to mark, as a direct call's non-object `fields` stays unmarked
        fields = {k[len("fields["):-1].upper(): v for k, v in pairs if k.startswith("fields[") and k.count("[") == 1}
        if touch.entity == "activity":
            refuse_mail(fields, self.kind)
        field = touch.mark or "SUBJECT"
        out = []
        for k, v in pairs:
            if k == f"fields[{field}]":
                v = mark({field: v}, self.run_id, field)[field]
            if k == "fields[ORIGINATOR_ID]":
                continue
            out.append((k, v))
        out.append(("fields[ORIGINATOR_ID]", "b24conform"))
        return f"{method}?{urlencode(out)}"

    def _refuse_raw_mail(self, raw_body: bytes) -> None:
        text = raw_body.decode("utf-8", errors="replace")
        data = _parse_json(text)
        if isinstance(data, dict):
            refuse_mail(data.get("fields"), self.kind)
            return
        pairs = parse_qsl(text, keep_blank_values=True)
        fields = {k[len("fields["):-1]: v for k, v in pairs if k.startswith("fields[") and k.count("[") == 1}
        refuse_mail(fields, self.kind)
