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

Read-backs chained in the add's own batch (`$result[...]`, the batch page): in a dry run an add the
plan cannot answer yet is recorded and answered *provisionally* with a placeholder id (an id no portal
gives), so the check goes on; a get or list whose parameters name that placeholder exactly is recorded
too, as a command reading `$result[<the add's key>]`, and answered provisionally in turn (an empty
result). A chain (the add and the reads naming it) goes out whole in one batch, the reads right after
their add, before any other add: what they see is the portal right after that add. When the batch
returns, the reads are learnt under the keys the run proper asks (the placeholder replaced by the id the
add got); a read whose add got no id (refused, or an answer that is no id) is dropped, never learnt: the
check then sees the add's own failure, never a read-back of something else. A check answered
provisionally is run again in the next wave, and once it had a provisional answer it changes nothing
(an update or delete is stopped, not recorded: what it writes may come from a provisional answer into a
record other checks read); a further add may go. Halt is 0: every command of the batch runs whatever
the others answer.

Why `id=$result[add]` reads the new id on a real portal: the batch page shows only references into
fields (`$result[key][ID]`), but the vendor's batch (bitrix-core-business modules/rest/classes/general/
rest_util.php, CRestUtil::processBatchElement) replaces a parameter that is exactly one reference with
the earlier command's result itself, here the add's id. When that command failed, the walk stops at the
deepest part found (the whole `result` part so far), which is no id, and the reference portal does the
same (portal/batch.py): the read fails, and the plan drops the reads of a failed add anyway.

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
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from b24conform.contract import load_contract
from b24conform.judge.checks.batch import _part
from b24conform.judge.checks.envelope import new_id
from b24conform.judge.client import php_encode
from b24conform.judge.safety import UnsafeRequest, WritesNotAllowed, sends_mail
from b24conform.judge.target import BODY_LIMIT, Reply, RequestRecord, TargetError
from b24conform.verdict import redact as _redact

MAX_COMMANDS = load_contract().limits.batch_max_commands  # spec/limits.yaml: the batch page's limit
MAX_WAVES = 16     # deepest chain of a check's calls plus the batches of 50 they fill; a bound, not a knob
DEFAULT_OPTIONS = {"encoding": "json", "auth": "webhook", "suffix": "", "http": False, "raw_body": None,
                   "content_type": None, "top_level": False}
# Call options a dry run may send on their own and learn (a form body, a .json suffix, a reply asked for
# top-level): never a batch command, but what follows them (a read-back) can still be planned.
WIRE_FORMS = frozenset({"encoding", "suffix", "top_level"})
# Placeholder ids start here: no portal id reaches it (Bitrix's id columns are 32-bit), so any number this big
# in a call came from a placeholder, and one that is not exactly one was computed from it (never chained).
PLACEHOLDER_FLOOR = 1 << 40
CHAINED_ADD = "crm.activity.add"   # the add whose id its check's read-backs name
READS = ("get", "list", "fields")  # methods (last name part) that change nothing: safe after a provisional answer
CHAINED_READS = ("get", "list")    # the reads that may name a placeholder


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


def command_bodies(data: Any, keys: Iterable[str]) -> dict[str, Any]:
    """Each command's own answer out of a batch reply, as the envelope a direct call gets: its
    `result_error` entry ({"error", "error_description"}) as is, or {"result": ..., "total": ...,
    "next": ...} from result / result_total / result_next. A command with neither (not run: a halt,
    or a batch refused as a whole) has no answer. No `time`: result_time is the batch's account."""
    outer = data.get("result") if isinstance(data, dict) and "error" not in data else None
    if not isinstance(outer, dict):
        return {}
    # PHP prints an empty part as [] and keys 0..n-1 as a list: the checks' reader of a part says which
    results, errors = _part(outer, "result") or {}, _part(outer, "result_error") or {}
    totals, nexts = _part(outer, "result_total") or {}, _part(outer, "result_next") or {}
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


# -- chaining: placeholders and $result[...] ------------------------------------------------------


def _as_placeholder(value: Any) -> int | None:
    """The number a value says when it is big enough to have come from a placeholder (an int, or a
    string of digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= PLACEHOLDER_FLOOR else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 30:
        number = int(value)
        return number if number >= PLACEHOLDER_FLOOR else None
    return None


def placeholder_refs(params: Any, live: Iterable[int]) -> tuple[int, ...] | None:
    """The placeholders `params` names, each as a whole value (an int or its digits), in order; None
    when a value was computed from one (a number past the floor that is none of `live`, or a string with
    one inside): such a call cannot be chained and waits for the real id."""
    live = set(live)
    found: list[int] = []

    def walk(value: Any) -> bool:
        if isinstance(value, dict):
            return all(walk(k) and walk(v) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return all(walk(v) for v in value)
        number = _as_placeholder(value)
        if number is not None:
            if number not in live:
                return False
            if number not in found:
                found.append(number)
            return True
        if isinstance(value, str) and any(str(p) in value for p in live):
            return False
        return True

    return tuple(found) if walk(params) else None


def chain_command(command: str, refs: dict[int, str]) -> str:
    """The command with each placeholder value replaced by `$result[<key>]`: the answer of the command
    under that key in the same batch (its add's id). Only whole values are replaced."""
    for placeholder, key in refs.items():
        command = re.sub(rf"(?<==){placeholder}(?=&|$)", lambda _: f"$result[{key}]", command)
    return command


def real_id(body: Any) -> int | None:
    """The id an add's answer gave, as the checks read it (judge/checks/envelope.new_id); None for an
    error (a body with `error`, whatever else it holds), no answer, or a result that is no id."""
    if isinstance(body, dict) and "error" in body:
        return None
    return new_id(body)


def with_ids(value: Any, ids: dict[int, int]) -> Any:
    """`value` with each placeholder replaced by its add's real id, in the same type (an int by an int,
    digits by digits): the parameters the check sends once its add is answered for real."""
    if isinstance(value, dict):
        return {k: with_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [with_ids(v, ids) for v in value]
    if isinstance(value, tuple):
        return tuple(with_ids(v, ids) for v in value)
    number = _as_placeholder(value)
    if number is not None and number in ids:
        return ids[number] if isinstance(value, int) else str(ids[number])
    return value


def settle_chain(refs: Iterable[int], ids: dict[int, int | None]) -> dict[int, int] | None:
    """The real ids of a chained read's adds, or None when one of them got none (refused, not run, not an
    id): the read's answer is then no read-back of that add and is dropped."""
    real = {p: ids.get(p) for p in refs}
    if any(v is None for v in real.values()):
        return None
    return {p: v for p, v in real.items() if v is not None}


def chains(pending: list["Missed"]) -> list[list["Missed"]]:
    """The pending calls in groups that go out whole: each provisionally answered add with the reads that
    name it right after it (a read naming several adds joins them into one group); every other call alone.
    Groups keep the order of their first call."""
    order = {id(miss): i for i, miss in enumerate(pending)}
    groups: list[list[Missed]] = []
    owner: dict[int, list[Missed]] = {}
    for miss in pending:
        homes: list[list[Missed]] = []
        for placeholder in miss.refs:
            home = owner.get(placeholder)
            if home is not None and not any(home is h for h in homes):
                homes.append(home)
        if not homes:
            group = [miss]
            groups.append(group)
        else:
            homes.sort(key=lambda g: next(i for i, x in enumerate(groups) if x is g))
            group = homes[0]
            for other in homes[1:]:  # a read naming several adds joins their chains, in the order recorded
                group.extend(other)
                group.sort(key=lambda m: order[id(m)])
                groups[:] = [g for g in groups if g is not other]
                for placeholder, home in list(owner.items()):
                    if home is other:
                        owner[placeholder] = group
            group.append(miss)
        if miss.placeholder is not None:
            owner[miss.placeholder] = group
    return groups


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
    placeholder: int | None = None  # an add answered provisionally: the id it was given
    refs: tuple[int, ...] = field(default=())  # a chained read: the placeholders it names (their adds' ids)


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
        # Chaining: placeholders handed out for adds not sent yet; provisional answers given (a dry check
        # that took one is run again); whether the running check took one (its writes then wait).
        self.live: set[int] = set()
        self._next_placeholder = PLACEHOLDER_FLOOR
        self.provisional = 0
        self.tainted = False
        self.chained = 0  # reads sent chained to their add
        self.dropped = 0  # chained reads whose add got no id: their answers dropped, never learnt

    @property
    def unsettled(self) -> int:
        """Stops and provisional answers so far: a dry check that added none made every call it makes."""
        return self.stops + self.provisional

    def begin_check(self) -> None:
        """A dry check starts: nothing it is given is provisional yet."""
        self.tainted = False

    def start_wave(self) -> None:
        self.dry, self._cursor = True, {}

    def finish(self) -> None:
        """The run proper: every queue is taken from its start again, for real. Calls still pending
        (the wave bound was reached) go over the wire in their checks."""
        self.dry, self._cursor, self.active, self.pending, self._waiting = False, {}, False, [], {}
        self.live, self.tainted = set(), False

    def take_pending(self, limit: int = MAX_COMMANDS) -> list[Missed]:
        """The oldest recorded calls that fill one batch, each chain whole (chains): a chain that does not
        fit waits for the next batch, unless it is the first, whose reads past `limit` are dropped (their
        checks ask again, with the real id). A taken add's placeholder is handed out no more."""
        taken: list[Missed] = []
        left: list[Missed] = []
        for group in chains(self.pending):
            if not left and len(taken) + len(group) <= limit:
                taken.extend(group)
            elif not taken:
                taken, cut = group[:limit], group[limit:]
                for miss in cut:
                    self._waiting[miss.key] -= 1
                    self.dropped += 1
            else:
                left.extend(group)
        self.pending = left
        for miss in taken:
            self._waiting[miss.key] -= 1
            self.live.discard(miss.placeholder)  # type: ignore[arg-type]
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

                raise TargetError(entry.error)
            if entry.reply is None and self.dry:
                raise self.stop(method)
            return entry.reply
        if not self.dry:
            return None
        # Advanced on a miss too: the next check that makes the same call needs an answer of its own.
        self._cursor[key] = position + 1
        name = method.lower()
        last = name.rsplit(".", 1)[-1]
        refs = placeholder_refs(params, self.live)
        if refs is None or (refs and (changed or last not in CHAINED_READS)):
            raise self.stop(method)  # computed from a placeholder, or a write naming one: waits for the real id
        if self.tainted and last not in READS and name != CHAINED_ADD:
            # A change after a provisional answer may carry it into a record other checks read: it waits for
            # the real answer. An add may go (marked, ledgered, deleted at the end): made of a provisional
            # answer, it is learnt under a key the run proper never asks.
            raise self.stop(method)
        command = None if changed else batch_command(method, params)
        if command is None:
            if refs:
                raise self.stop(method)  # a placeholder never goes over the wire
            # No command says it: sent now, on its own, and learnt, so that the check's next calls (a
            # read-back of what it created) can be planned. Sent once: a lost reply is learnt as an error.
            return Learn(self, key)
        if position < len(queue) + self._waiting.get(key, 0):  # recorded in an earlier wave, not sent yet
            raise self.stop(method)
        placeholder = None
        if refs or name == CHAINED_ADD:
            placeholder = None if refs else self._placeholder()
        self.pending.append(Missed(key, method, params, command, placeholder, refs))
        self._waiting[key] = self._waiting.get(key, 0) + 1
        if not refs and placeholder is None:
            raise self.stop(method)
        # Answered provisionally: the add with its placeholder id, a chained read with an empty result.
        self.provisional += 1
        self.tainted = True
        if placeholder is not None:
            self.live.add(placeholder)
            return provisional_reply(method, command, {"result": placeholder})
        return provisional_reply(method, command, {"result": [], "total": 0} if last == "list" else {"result": {}})

    def _placeholder(self) -> int:
        self._next_placeholder += 1
        return self._next_placeholder

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

    request = RequestRecord(http_method="POST", url=batch_reply.request.url, content_type="application/json",
                            body=_redact.redact(json.dumps({"halt": 0, "cmd": {key: command}}, ensure_ascii=False)[:BODY_LIMIT]))
    return Reply(status=None, headers={}, text=json.dumps(body, ensure_ascii=False), json=body, request=request,
                 target_kind=batch_reply.target_kind, at=batch_reply.at, via_batch=True)


def provisional_reply(method: str, command: str, body: Any) -> Any:
    """A dry run's stand-in answer (an add's placeholder id, a chained read's empty result): it lets the
    check go on to its next call. Never judged (a dry verdict is thrown away), never learnt."""

    request = RequestRecord(http_method="POST", url=f"(batch plan: {method} not sent yet)",
                            content_type="application/json", body=command)
    return Reply(status=None, headers={}, text=json.dumps(body), json=body, request=request, target_kind="live",
                 via_batch=True)


def chunk_commands(chunk: list[Missed], start: int) -> dict[str, str]:
    """The batch's `cmd` for these calls, keyed c<start>...: a chained read names its add by
    `$result[<key>]`. A read whose add is not in the chunk cannot say it and is left out."""
    keys = {id(miss): f"c{start + i}" for i, miss in enumerate(chunk)}
    added = {miss.placeholder: keys[id(miss)] for miss in chunk if miss.placeholder is not None}
    cmd: dict[str, str] = {}
    for miss in chunk:
        if miss.refs and not all(p in added for p in miss.refs):
            continue
        cmd[keys[id(miss)]] = chain_command(miss.command or "", {p: added[p] for p in miss.refs})
    return cmd


def learnt_answers(chunk: list[Missed], cmd: dict[str, str], bodies: dict[str, Any],
                   start: int) -> tuple[list[tuple[str, str, str, Any]], int]:
    """What the plan learns from a batch's answers: (the command's key in the batch, the key the run proper
    asks it under, the command as a request of its own would say it, the answer or None for no answer), and how many chained
    reads were dropped. A chained read is learnt under its key with the real ids of its adds in place of
    the placeholders; when one of its adds got no id (refused, not run, no id), it is dropped: whatever it
    was answered is no read-back of that add."""
    keys = {id(miss): f"c{start + i}" for i, miss in enumerate(chunk)}
    ids = {miss.placeholder: real_id(bodies.get(keys[id(miss)])) for miss in chunk if miss.placeholder is not None}
    learnt, dropped = [], 0
    for miss in chunk:
        key = keys[id(miss)]
        if key not in cmd:
            dropped += 1
            continue
        if not miss.refs:
            learnt.append((key, miss.key, cmd[key], bodies.get(key)))
            continue
        real = settle_chain(miss.refs, ids)
        if real is None:
            dropped += 1
            continue
        params = with_ids(miss.params, real)
        learnt.append((key, request_key(miss.method, params), batch_command(miss.method, params) or cmd[key],
                       bodies.get(key)))
    return learnt, dropped


def send_wave(target: Any, plan: Plan, missed: list[Missed]) -> None:
    """Send a wave's recorded calls as batches (halt 0: every command runs whatever the others answer)
    and teach the plan each command's answer."""

    sendable = list(missed)
    while sendable:
        chunk, sendable = sendable[:MAX_COMMANDS], sendable[MAX_COMMANDS:]
        start = plan.commands
        cmd = chunk_commands(chunk, start)
        plan.commands += len(chunk)  # keys stay unique across the plan, even where a read was left out
        plan.chained += sum(1 for i, miss in enumerate(chunk) if miss.refs and f"c{start + i}" in cmd)
        was_active, plan.active = plan.active, False  # the batch itself goes over the wire
        try:
            plan.requests += 1
            reply = target.call("batch", {"halt": 0, "cmd": cmd})
        except TargetError as exc:
            for miss in chunk:
                if miss.refs:
                    plan.dropped += 1  # learnt under its placeholder it would be asked by nobody
                else:
                    plan.learn(miss.key, Entry(error=f"its batch got no judgeable answer: {exc}"))
            continue
        except (WritesNotAllowed, UnsafeRequest):
            # The gate refused the batch: each call is sent alone, and refused alone, in its own check.
            for miss in chunk:
                if miss.refs:
                    plan.dropped += 1
                else:
                    plan.learn(miss.key, Entry())
            continue
        finally:
            plan.active = was_active
        bodies = command_bodies(reply.json, cmd)
        learnt, dropped = learnt_answers(chunk, cmd, bodies, start)
        plan.dropped += dropped
        for sent_key, key, command, body in learnt:
            plan.learn(key, Entry() if body is None else Entry(command_reply(reply, sent_key, command, body)))


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
