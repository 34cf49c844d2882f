"""The live batch plan: a whole live run inside the standard plan's burst (issue #20, item 4).

A live portal counts every HTTP request into its leaky bucket (standard plan: 2/s, burst 50). Most
checks ask one-off questions whose answers need no HTTP status of their own: an error's code and
message, a read-back's fields. Those ride as commands of `batch` requests, up to 50 a request, and
each command's answer (`result` / `result_error` / `result_total` / `result_next` under its key)
becomes that check's reply, marked `via_batch` with no status, headers or `time` of its own.

How the calls are learnt, without writing them twice: before the checks run, every plannable check
is run "dry" (no verdict is kept). A call the plan can answer is answered; the first call it cannot
is recorded and the check stopped there (PlanStop). The recorded calls go out as batches, their
answers join the plan, and the next wave runs the checks again, one call further (a read-back asks
for the id its add got in the previous wave). When a wave records nothing new, the run proper starts:
each planned check takes its replies from the plan, each reply once and in the order learnt, and any
call the plan has no answer for goes over the wire as before.

Never planned (always over the wire, in the run proper): checks of a clause that `needs: top-level`
(spec/clauses.yaml: its verdict reads a status, a header or the top-level envelope), hypothesis-driven
checks, and calls with other credentials, plain HTTP or raw bodies (a dry run stops there). A request
no batch command (a PHP-style query string) can say exactly (a null, an empty list or object, a
boolean, a `batch` itself, another encoding or a .json suffix) is sent on its own during the dry run
and its reply learnt, so the calls after it can still be planned. Adds in a batch are marked and ledgered by Target.call like any other
batch add, and nothing is sent twice: a call whose reply was lost (a batch's or its own) makes every
check that needed it an error, never a retry.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from b24conform.judge.client import php_encode
from b24conform.judge.safety import sends_mail

MAX_COMMANDS = 50  # the batch page: "no more than 50 subrequests in one batch"
MAX_WAVES = 16     # deepest chain of a check's calls plus the batches of 50 they fill; a bound, not a knob
DEFAULT_OPTIONS = {"encoding": "json", "auth": "webhook", "suffix": "", "http": False, "raw_body": None,
                   "content_type": None, "top_level": False}
# Call options a dry run may send on their own and learn (a form body, a .json suffix, a reply asked for
# top-level): never a batch command, but what follows them (a read-back) can still be planned.
WIRE_FORMS = frozenset({"encoding", "suffix", "top_level"})


class PlanStop(Exception):
    """Raised into a check run dry at the first call the plan cannot answer yet. An Exception, as pytest
    needs of whatever a fixture raises to tear it down cleanly; the suites catch no bare Exception."""


# -- pure parts -------------------------------------------------------------------------------------


def request_key(method: str, params: Any, options: dict[str, Any] | None = None) -> str:
    """The identity of a call as the check makes it (before the Target marks anything): the method
    case-insensitively (the portal routes it so), the parameters exactly, the call options that differ
    from the defaults."""
    return json.dumps([method.lower(), params, options or {}], sort_keys=True, ensure_ascii=False, default=repr)


def _faithful(value: Any) -> bool:
    """Whether a query string says exactly this: a string or number, or a non-empty object or list of them.
    A null vanishes from a query string, an empty list or object too, and a boolean becomes "1"/"0"."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (str, int, float)):
        return True
    if isinstance(value, dict):
        return bool(value) and all(isinstance(k, (str, int)) and _faithful(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_faithful(v) for v in value)
    return False


def batch_command(method: str, params: Any) -> str | None:
    """The batch command ("method?query", PHP-style keys) that asks exactly what the direct call asks,
    or None where a command cannot: then the call stays a request of its own."""
    name = method.lower()
    if name == "batch" or not method or "?" in method:
        return None
    if params is None or params == {}:
        return method
    if not isinstance(params, dict) or not all(isinstance(k, str) for k in params) or not _faithful(params):
        return None
    if sends_mail(params.get("fields")):
        return None  # refused by the Target in the check's own call, never in somebody else's batch
    return f"{method}?{php_encode(params)}"


def pack(commands: list[str], limit: int = MAX_COMMANDS, start: int = 0) -> list[dict[str, str]]:
    """The commands as batches of at most `limit`, keyed c<n> in the order given (n counts on from `start`
    across batches, so a key names one command of the whole plan)."""
    if limit < 1:
        raise ValueError("a batch holds at least one command")
    keyed = [(f"c{start + i}", command) for i, command in enumerate(commands)]
    return [dict(keyed[i:i + limit]) for i in range(0, len(keyed), limit)]


def _part(outer: dict, name: str) -> dict[str, Any]:
    """One of result / result_error / ... by command key: PHP prints an empty one as [] and 0..n-1 keys as a list."""
    value = outer.get(name)
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    return {}


def command_bodies(data: Any, keys: Iterable[str]) -> dict[str, Any]:
    """Each command's own answer out of a batch reply, as the envelope a direct call gets: its
    `result_error` entry ({"error", "error_description"}) as is, or {"result": ..., "total": ...,
    "next": ...} from result / result_total / result_next. A command with neither (not run: a halt,
    or a batch refused as a whole) has no answer. No `time`: result_time is the batch's account."""
    outer = data.get("result") if isinstance(data, dict) and "error" not in data else None
    if not isinstance(outer, dict):
        return {}
    results, errors = _part(outer, "result"), _part(outer, "result_error")
    totals, nexts = _part(outer, "result_total"), _part(outer, "result_next")
    bodies: dict[str, Any] = {}
    for key in keys:
        if key in errors:
            bodies[key] = errors[key]
        elif key in results:
            body = {"result": results[key]}
            if key in totals:
                body["total"] = totals[key]
            if key in nexts:
                body["next"] = nexts[key]
            bodies[key] = body
    return bodies


# -- the plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One learnt answer: a reply, an error to raise (the batch's reply was lost), or neither (the call
    goes over the wire: the batch was refused as a whole, or the command was not run)."""

    reply: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Missed:
    key: str
    method: str
    params: Any
    command: str | None  # None: not expressible as a command; the check stops there in every wave


@dataclass(frozen=True)
class Learn:
    """A dry run's call that goes over the wire now: Target.call sends it and tells the plan the outcome."""

    plan: Any
    key: str

    def keep(self, reply: Any) -> None:
        self.plan.learn(self.key, Entry(reply))

    def fail(self, reason: str) -> None:
        self.plan.learn(self.key, Entry(error=f"its reply was lost: {reason}"))


class Plan:
    """Replies learnt ahead, by request key, each used once in the order learnt. `dry` while the checks
    are run to learn their calls (a miss is recorded and stops the check); `active` while the current
    check may be answered from the plan (set per check by the plugin)."""

    def __init__(self) -> None:
        self.queues: dict[str, list[Entry]] = {}
        self.dry = False
        self.active = False
        self.planned: set[str] = set()  # nodeids of the checks run dry
        # Calls recorded and not sent yet, oldest first: each wave sends one batch of them, so that a
        # batch is full whenever there is enough to fill it (the checks waiting on the others stop at
        # the same call again, which is not recorded twice).
        self.pending: list[Missed] = []
        self._waiting: dict[str, int] = {}
        self.stops = 0  # PlanStops raised: a dry check that raised none made every call it makes
        self.trace: list[str] | None = None  # while set, the keys of the answers given, in order
        self.requests = 0  # batch requests sent
        self.commands = 0  # commands in them
        self._cursor: dict[str, int] = {}

    def start_wave(self) -> None:
        self.dry, self._cursor = True, {}

    def finish(self) -> None:
        """The run proper: every queue is taken from its start again, for real. Calls still pending
        (the wave bound was reached) go over the wire in their checks."""
        self.dry, self._cursor, self.active, self.pending, self._waiting = False, {}, False, [], {}

    def take_pending(self, limit: int = MAX_COMMANDS) -> list[Missed]:
        taken, self.pending = self.pending[:limit], self.pending[limit:]
        for miss in taken:
            self._waiting[miss.key] -= 1
        return taken

    def answer(self, method: str, params: Any, options: dict[str, Any], kind: str) -> Any:
        """The learnt reply for this call, None when it goes over the wire; raises PlanStop (dry run, not
        learnt yet) or TargetError (its batch's reply was lost: never sent again)."""
        changed = {name: value for name, value in options.items() if value != DEFAULT_OPTIONS.get(name)}
        if set(changed) - WIRE_FORMS:
            # Credentials sent wrong on purpose, plain HTTP, a raw body: always the check's own request.
            if self.dry:
                raise self.stop(method)
            return None
        key = request_key(method, params, changed)
        position = self._cursor.get(key, 0)
        queue = self.queues.get(key, [])
        if position < len(queue):
            self._cursor[key] = position + 1
            if self.trace is not None:
                self.trace.append(key)
            entry = queue[position]
            if entry.error is not None:
                from b24conform.judge.target import TargetError

                raise TargetError(entry.error)
            if entry.reply is None and self.dry:
                raise self.stop(method)
            return entry.reply
        if not self.dry:
            return None
        # Advanced on a miss too: the next check that makes the same call needs an answer of its own.
        self._cursor[key] = position + 1
        command = None if changed else batch_command(method, params)
        if command is None:
            # No command says it: sent now, on its own, and learnt, so that the check's next calls (a
            # read-back of what it created) can be planned. Sent once: a lost reply is learnt as an error.
            return Learn(self, key)
        if position >= len(queue) + self._waiting.get(key, 0):  # else recorded in an earlier wave, not sent yet
            self.pending.append(Missed(key, method, params, command))
            self._waiting[key] = self._waiting.get(key, 0) + 1
        raise self.stop(method)

    def stop(self, method: str) -> PlanStop:
        self.stops += 1
        return PlanStop(method)

    def replay(self, keys: list[str]) -> None:
        """A check that made every call in an earlier wave takes the same answers again, without running."""
        for key in keys:
            self._cursor[key] = self._cursor.get(key, 0) + 1

    def learn(self, key: str, entry: Entry) -> None:
        self.queues.setdefault(key, []).append(entry)

    def unused(self) -> int:
        """Learnt replies no check took (after the run): slots of a batch spent for nothing."""
        return sum(max(0, len(q) - self._cursor.get(k, 0)) for k, q in self.queues.items())


# -- the I/O shell ----------------------------------------------------------------------------------


def command_reply(batch_reply: Any, key: str, command: str, body: Any) -> Any:
    """A Reply for one command's answer: no status, headers or time of its own; its request record is
    the batch with only this command (what reproduces it), secrets redacted."""
    from b24conform.verdict import redact as _redact
    from b24conform.judge.target import BODY_LIMIT, Reply, RequestRecord

    request = RequestRecord(http_method="POST", url=batch_reply.request.url, content_type="application/json",
                            body=_redact.redact(json.dumps({"halt": 0, "cmd": {key: command}}, ensure_ascii=False)[:BODY_LIMIT]))
    return Reply(status=None, headers={}, text=json.dumps(body, ensure_ascii=False), json=body, request=request,
                 target_kind=batch_reply.target_kind, at=batch_reply.at, via_batch=True)


def send_wave(target: Any, plan: Plan, missed: list[Missed]) -> None:
    """Send a wave's recorded calls as batches (halt 0: every command runs whatever the others answer)
    and teach the plan each command's answer."""
    from b24conform.judge.safety import UnsafeRequest, WritesNotAllowed
    from b24conform.judge.target import TargetError

    sendable = list(missed)
    for cmd in pack([m.command for m in sendable], start=plan.commands):  # type: ignore[misc]
        chunk = sendable[:len(cmd)]
        sendable = sendable[len(cmd):]
        plan.commands += len(cmd)
        was_active, plan.active = plan.active, False  # the batch itself goes over the wire
        try:
            plan.requests += 1
            reply = target.call("batch", {"halt": 0, "cmd": cmd})
        except TargetError as exc:
            for miss in chunk:
                plan.learn(miss.key, Entry(error=f"its batch got no judgeable answer: {exc}"))
            continue
        except (WritesNotAllowed, UnsafeRequest):
            # The gate refused the batch: each call is sent alone, and refused alone, in its own check.
            for miss in chunk:
                plan.learn(miss.key, Entry())
            continue
        finally:
            plan.active = was_active
        bodies = command_bodies(reply.json, cmd)
        for (key, command), miss in zip(cmd.items(), chunk):
            body = bodies.get(key)
            plan.learn(miss.key, Entry() if body is None else Entry(command_reply(reply, key, command, body)))


def waves(run_dry: Any, send: Any, plan: Plan, limit: int = MAX_WAVES) -> Iterator[int]:
    """Run the checks dry and send the oldest calls they wait for, one batch a wave, until nothing
    waits (or `limit` waves). Yields each wave's count of calls sent."""
    for _ in range(limit):
        plan.start_wave()
        run_dry()
        if not plan.pending:
            break
        missed = plan.take_pending()
        send(missed)
        yield len(missed)
    plan.finish()
