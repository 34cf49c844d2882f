"""Reproductions that still reproduce after the run, on the same portal.

A request a check sent names records by id: the deal and contact the judge created for the run, the
activity a check added. At the end of the run the judge deletes them, so the bare curl of a failing
request answers "Could not build binding" or "Activity is not found" afterwards. A reproduction is
therefore a short sh script: it creates anew every record of the run the request names (with the
request that created it during the run, the marks included, so `b24conform cleanup` finds them), replays
the honoured writes the run made to them before the failing reply (a wrong-code delete the portal
honoured, say), sends the failing request with the new ids, and deletes what it created.

`History` learns the run's creations and honoured writes from every reply (the plugin feeds it through
the Target's observers); `script` builds the reproduction of one reply from it. Secrets are never in
it: every request it holds is redacted (the real webhook code and tokens are `***`, for the user to
fill in). A credential a check sends wrong on purpose is shown as such, as the shell variable
WRONG_CODE, so the reports' redaction (which masks any code in a webhook URL) leaves it readable.

What a process cannot see is which problem follows from which: a list emptied by a wrong-code batch
delete another check sent. The reports find that across the run and put the cause's request in front of
the consequence's (reporting/problems.replay_causes); the layout both write is reporting/reproduction.py.
"""
from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from b24conform.judge.client import WRONG_CODE, php_encode, php_pairs
from b24conform.judge.effects import as_id, normalise_method
from b24conform.reporting.reproduction import Script

# OWNER_TYPE_ID / ENTITY_TYPE_ID values (crm.enum.ownertype) of the records a run creates.
TYPE_ENTITY = {1: "lead", 2: "deal", 3: "contact", 4: "company"}
# Keys that name a record by id beside a key naming its type.
TYPED_IDS = (("OWNER_ID", "OWNER_TYPE_ID"), ("ENTITY_ID", "ENTITY_TYPE_ID"))
# Keys that name a record of one type.
PLAIN_IDS = {"CONTACT_ID": "contact", "COMPANY_ID": "company", "LEAD_ID": "lead", "DEAL_ID": "deal"}
# What binds a check to an existing record instead, per type (`b24conform run` options).
OPTIONS = {"deal": "--owner ID", "contact": "--contact ID", "lead": "--owner-type 1 --owner ID",
           "company": "--owner-type 4 --owner ID"}
WRONG = "bad_code"
_WEBHOOK = re.compile(r"(/rest/\d+/)\*\*\*/")
# A part of a multipart/form-data body as the judge sends it (client.multipart_encode): name and value.
_PART = re.compile(r'name="([^"]+)"\r?\n\r?\n([^\r\n]*)')


@dataclass
class Sent:
    """A request of the run, as sent (redacted): enough to send it again."""

    method: str
    url: str
    http_method: str
    content_type: str | None
    body: str
    auth: str
    at: float

    @classmethod
    def of(cls, reply: Any) -> Sent | None:
        request = getattr(reply, "request", None)
        url = str(getattr(request, "url", "") or "")
        if not url:
            return None
        name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        return cls(normalise_method(name), url, str(getattr(request, "http_method", "POST")),
                   getattr(request, "content_type", None), str(getattr(request, "body", "") or ""),
                   str(getattr(request, "auth", "webhook")), float(getattr(reply, "at", 0.0) or 0.0))

    @property
    def portal(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def entity(self) -> str | None:
        parts = self.method.split(".")
        return parts[1] if len(parts) >= 3 and parts[0] == "crm" else None

    @property
    def verb(self) -> str:
        return self.method.rsplit(".", 1)[-1]

    @property
    def json_body(self) -> bool:
        return bool(self.content_type and "json" in self.content_type)

    @property
    def multipart_body(self) -> bool:
        return bool(self.content_type and "multipart/form-data" in self.content_type)

    def params(self) -> Any:
        """The request's parameters: the JSON body, or the PHP-style form / query / multipart parts,
        nested; None when the body cannot be read (it is then sent again as it was)."""
        if self.json_body:
            try:
                return json.loads(self.body)
            except ValueError:
                return None
        if self.multipart_body:
            return _nested(_PART.findall(self.body)) if self.body else None
        if self.content_type and "form-urlencoded" not in self.content_type:
            return None
        return _nested(parse_qsl(self.body if self.body else urlsplit(self.url).query, keep_blank_values=True))


def _nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP-style keys (fields[COMMUNICATIONS][0][VALUE]) as nested maps, as a portal reads them."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + (rest[:-1].split("][") if rest.endswith("]") else [])
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {}) if isinstance(node.get(part, {}), dict) else {}
        node[path[-1]] = value
    return out


def _honoured(reply: Any) -> bool:
    data = getattr(reply, "json", None)
    status = getattr(reply, "status", 0) or 0
    return isinstance(data, dict) and "result" in data and "error" not in data and 200 <= status < 300


def _record_id(value: Any) -> int | None:
    found = as_id(value)
    return found if found and found > 0 else None


def references(method: str, params: Any) -> Iterator[tuple[tuple[Any, ...], str, int]]:
    """(path, entity, id) of every record a request's parameters name by id."""
    parts = method.split(".")
    own = parts[1] if len(parts) >= 3 and parts[0] == "crm" else None

    def walk(node: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str, int]]:
        if isinstance(node, dict):
            for id_key, type_key in TYPED_IDS:
                entity = TYPE_ENTITY.get(as_id(node.get(type_key)) or 0)
                record = _record_id(node.get(id_key))
                if entity and record:
                    yield (*path, id_key), entity, record
            for key, entity in PLAIN_IDS.items():
                record = _record_id(node.get(key))
                if record:
                    yield (*path, key), entity, record
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, (*path, i))

    if not isinstance(params, dict):
        return
    if own:
        for key, value in params.items():
            if str(key).lower() == "id" and _record_id(value):
                yield (key,), own, _record_id(value)  # type: ignore[misc]
        flt = params.get("filter")
        if isinstance(flt, dict):
            for key in ("ID", "=ID"):
                if _record_id(flt.get(key)):
                    yield ("filter", key), own, _record_id(flt.get(key))  # type: ignore[misc]
    yield from walk(params, ())


@dataclass
class History:
    """The run's records (portal, entity, id) -> the request that created each, and the honoured
    writes to them, as the replies came (one per process: each pytest-xdist worker has its own)."""

    created: dict[tuple[str, str, int], Sent] = field(default_factory=dict)
    changes: dict[tuple[str, str, int], list[Sent]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, reply: Any) -> None:
        sent = Sent.of(reply)
        if sent is None or sent.entity is None or not _honoured(reply):
            return
        with self.lock:
            if sent.verb == "add":
                new = _record_id(reply.json.get("result"))
                if new:
                    self.created[(sent.portal, sent.entity, new)] = sent
            elif sent.verb in {"update", "delete"}:
                params = sent.params()
                for key, value in (params.items() if isinstance(params, dict) else ()):
                    if str(key).lower() == "id" and _record_id(value):
                        self.changes.setdefault((sent.portal, sent.entity, _record_id(value)), []).append(sent)  # type: ignore[arg-type]

    def clear(self) -> None:
        with self.lock:
            self.created.clear()
            self.changes.clear()


HISTORY = History()


def remember(reply: Any) -> None:
    """Feed the process's history (a Target observer)."""
    HISTORY.observe(reply)


# -- the script ---------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    """Always single quotes, so that a placeholder can be spliced in as '"$VAR"'."""
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _var(entity: str, record: int) -> str:
    return f"{entity.upper()}_{record}"


def _token(name: str, number: bool = True) -> str:
    """A placeholder for a shell variable: a JSON number (unquoted once encoded) or text."""
    return f"B24NUMx{name}xB24NUM" if number else f"B24VARx{name}xB24VAR"


def _splice(text: str) -> str:
    """A quoted text with its placeholders as shell variables."""
    return re.sub(r"B24(?:VAR|NUM)x(\w+?)xB24(?:VAR|NUM)", lambda m: f"'\"${m.group(1)}\"'", text)


def _set(params: Any, path: tuple[Any, ...], value: Any) -> None:
    node = params
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


MASKED = "***"


def _encoded(sent: Sent, params: Any) -> tuple[str, str]:
    """(url, body) of `sent` with `params` (placeholders in), each quoted for sh with the variables spliced in."""
    url = sent.url
    if sent.auth == WRONG:
        url = _WEBHOOK.sub(lambda m: m.group(1) + _token("WRONG_CODE", False) + "/", url)
    if params is None:
        return _splice(_quote(url)), _quote(sent.body) if sent.body else ""
    if sent.json_body:
        body = re.sub(r'"(B24NUMx\w+?xB24NUM)"', r"\1", json.dumps(params, ensure_ascii=False))
        return _splice(_quote(url)), _splice(_quote(body))
    encoded = php_encode(params).replace("%2A%2A%2A", MASKED)  # a masked token stays *** to fill in
    if sent.body:
        return _splice(_quote(url)), _splice(_quote(encoded))
    return _splice(_quote(url.split("?", 1)[0] + ("?" + encoded if encoded else ""))), ""


def _curl(sent: Sent, params: Any) -> str:
    if sent.multipart_body and isinstance(params, dict):
        # One --form-string per part (curl picks the boundary; a value is never read as @file).
        url, _ = _encoded(sent, None)
        forms = [f"--form-string {_splice(_quote(f'{k}={v}'))}"
                 for k, v in php_pairs(params)]
        return " ".join(["curl", "-sS", "-X", sent.http_method, "-H", "'Accept: application/json'", *forms, url])
    url, body = _encoded(sent, params)
    parts = ["curl", "-sS", "-X", sent.http_method]
    if sent.content_type and body:
        parts += ["-H", _quote(f"Content-Type: {sent.content_type}")]
    parts += ["-H", "'Accept: application/json'"]
    if body:
        parts += ["--data-binary", body]
    return " ".join([*parts, url])


@dataclass
class _Script:
    history: History
    before: float
    lines: list[str] = field(default_factory=list)
    made: list[tuple[str, str, Sent]] = field(default_factory=list)  # (variable, entity, its creating request)
    missing: list[tuple[str, int]] = field(default_factory=list)
    bound: dict[tuple[str, str, int], str] = field(default_factory=dict)

    def params_of(self, sent: Sent) -> Any:
        """`sent`'s parameters with every record of the run it names replaced by its variable,
        creating each first."""
        params = sent.params()
        for path, entity, record in list(references(sent.method, params)):
            name = self.bind(sent.portal, entity, record)
            if name:
                value = _get(params, path)
                _set(params, path, _token(name, number=not isinstance(value, str)))
        commands = params.get("cmd") if sent.method == "batch" and isinstance(params, dict) else None
        for key in (commands if isinstance(commands, dict) else range(len(commands)) if isinstance(commands, list) else ()):
            if isinstance(commands[key], str):
                commands[key] = self.command(sent.portal, commands[key])
        return params

    def command(self, portal: str, text: str) -> str:
        """A batch command (`crm.activity.delete?id=2`) with the run's records it names as variables,
        the rest of it as it was written."""
        name, sep, query = text.partition("?")
        if not sep:
            return text
        pairs = [pair.partition("=") for pair in query.split("&")]
        decoded = [(unquote_plus(key), unquote_plus(value)) for key, _, value in pairs]
        out = [key + eq + value for key, eq, value in pairs]
        for path, entity, record in list(references(normalise_method(name), _nested(decoded))):
            variable = self.bind(portal, entity, record)
            php_key = str(path[0]) + "".join(f"[{part}]" for part in path[1:])
            for i, (key, value) in enumerate(decoded):
                if variable and key == php_key and _record_id(value) == record:
                    out[i] = pairs[i][0] + "=" + _token(variable, number=False)
        return name + "?" + "&".join(out)

    def bind(self, portal: str, entity: str, record: int) -> str | None:
        """The variable of a record of the run, made anew first; None (the reader told to put an
        existing record's id in its place) for a record the reproduction cannot make."""
        name = self.need(portal, entity, record)
        if name is None and (entity, record) not in self.missing:
            self.missing.append((entity, record))
        return name

    def need(self, portal: str, entity: str, record: int) -> str | None:
        key = (portal, entity, record)
        if key in self.bound:
            return self.bound[key]
        made = self.history.created.get(key)
        if made is None or made.at >= self.before:
            return None  # not the run's own: it exists, or the reproduction cannot make it
        name = _var(entity, record)
        self.bound[key] = name
        params = self.params_of(made)
        self.lines.append(f"{name}=$({_curl(made, params)} | grep -o '\"result\": *\"*[0-9]*' | tr -dc '0-9')")
        self.made.append((name, entity, made))
        for change in self.history.changes.get(key, ()):
            if change.at < self.before:
                self.lines.append(f"{_curl(change, self.params_of(change))} >/dev/null"
                                  + ("  # sent with the wrong code, on purpose" if change.auth == WRONG else ""))
        return name


def _get(params: Any, path: tuple[Any, ...]) -> Any:
    node = params
    for part in path:
        node = node[part]
    return node


def wrong_code_curl(reply: Any) -> str | None:
    """The one-line curl of a request sent with the wrong webhook code on purpose, the code shown."""
    sent = Sent.of(reply)
    if sent is None or sent.auth != WRONG:
        return None
    return f"WRONG_CODE={WRONG_CODE}; {_curl(sent, None)}"


def script(reply: Any, history: History | None = None) -> str | None:
    """The reproduction of `reply`'s request: a sh script when it needs records of the run or sends a
    credential wrong on purpose; None when the plain curl reproduces it as it is."""
    history = history or HISTORY
    sent = Sent.of(reply)
    if sent is None:
        return None
    with history.lock:
        build = _Script(history, sent.at or float("inf"))
        params = build.params_of(sent)
        final = _curl(sent, params)
    if not build.made and not build.missing and sent.auth != WRONG:
        return None
    notes = []
    for entity, record in build.missing:
        option = OPTIONS.get(entity)
        hint = f"; or bind the run to an existing one (b24conform run {option})" if option else ""
        notes.append(f"# It names {entity} {record}: put the id of an existing {entity} in its place{hint}.")
    cleanup = []
    for name, entity, made in reversed(build.made):
        base, _, query = made.url.partition("?")
        query = "&".join(part for part in query.split("&") if part.startswith("auth="))
        url = base.replace(f"crm.{entity}.add", f"crm.{entity}.delete") + (f"?{query}" if query else "")
        delete = Sent(f"crm.{entity}.delete", url, "POST", "application/json", "", made.auth, 0.0)
        body: dict[str, Any] = {"id": _token(name)}
        made_params = made.params()
        if isinstance(made_params, dict) and "auth" in made_params:
            body["auth"] = made_params["auth"]
        cleanup.append(f"{_curl(delete, body)} >/dev/null")
    wrong = any("$WRONG_CODE" in line for line in [*build.lines, final])
    return Script(request=final, setup=tuple(build.lines), cleanup=tuple(cleanup), notes=tuple(notes),
                  wrong_code=WRONG_CODE if wrong else None).render()
