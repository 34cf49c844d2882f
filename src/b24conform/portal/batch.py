"""The `batch` method: up to 50 sub-calls given as "method?query" strings with PHP keys.

Sub-calls run in order with the caller's credentials; each answers into result / result_error /
result_total / result_next / result_time under its key. Empty parts print as [] (an empty PHP array).

References to the answer so far follow the vendor's batch (repository avshatalov48/bitrix-core-business,
modules/rest/classes/general/rest_util.php: CRestUtil::ParseBatchQuery, processBatchStructure and
processBatchElement; modules/rest/classes/general/rest_provider.php: CRestProvider::methodsBatch):

- the command's query is parsed first; then each value of the parsed parameters (at any depth) and
  each key is looked at on its own, so a reference never spills into a neighbouring parameter;
- a reference is `$` + a root + everything up to the next whitespace; the roots are the parts of the
  answer so far (result, next, total, time, error), matched without regard to case, but the part is
  then looked up with the spelling written, so `$RESULT[a]` is a reference that names nothing;
- its `[k]` segments are walked while each names something set (not null); the walk stops at the
  deepest part found, so a missing key leaves that part, never an empty value;
- a value that is exactly one reference becomes the part itself (a number, null, or an array that is
  then an array parameter); inside a longer value a number or a string replaces the reference's text
  and anything else (an array, a boolean, null) leaves the text as written;
- keys are looked at with no root at all (the vendor passes none there): a key that is wholly `$...[k]`
  would become "", which no parsed key can be, as a segment never holds brackets.
"""
from __future__ import annotations

import re
from typing import Any

from b24conform.contract import load_contract
from b24conform.portal import wire
from b24conform.portal.calls import invoke
from b24conform.portal.envelope import Timing, time_block
from b24conform.portal.errors import PortalError, catalogue
from b24conform.portal.routing import normalise_method
from b24conform.portal.state import CallContext, MethodResult


def max_commands() -> int:
    # The limit named by ERROR_BATCH_LENGTH_EXCEEDED's trigger (spec/limits.yaml `batch`).
    return load_contract().limits.batch_max_commands


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "y", "yes")
    return bool(value)


def php_array(mapping: dict[str, Any]) -> Any:
    """How PHP's json_encode prints an array: [] when empty, a list for keys 0..n-1, else an object."""
    if not mapping:
        return []
    keys = list(mapping)
    if keys == [str(i) for i in range(len(keys))]:
        return [mapping[k] for k in keys]
    return mapping


# The roots, in the order the vendor's answer so far holds them; `\s` is PCRE's ASCII whitespace and
# the case folding ASCII only (Python's own would also take the long s, U+017F, for an "s").
ROOTS = ("result", "next", "total", "time", "error")
_NOT_SPACE = r"[^ \t\n\x0b\x0c\r]*"
_REF_RE = re.compile(rf"\$({'|'.join(ROOTS)})({_NOT_SPACE})", re.IGNORECASE | re.ASCII)
_KEY_REF_RE = re.compile(rf"\$()({_NOT_SPACE})")
_SEGMENT_RE = re.compile(r"\[([^\]]+)\]")
_LIST_INDEX_RE = re.compile(r"0|[1-9][0-9]{0,17}")  # PHP's integer array keys a list can hold
_STRING_OFFSET_RE = re.compile(r"[+-]?[0-9]{1,18}")  # integer strings PHP accepts as a string offset
_UNSET = object()

Answer = dict[str, dict[str, Any]]


def new_answer() -> Answer:
    """The parts of a batch answer so far, under the names references give them."""
    return {root: {} for root in ROOTS}


def answer_body(answer: Answer) -> dict[str, Any]:
    return {
        "result": php_array(answer["result"]),
        "result_error": php_array(answer["error"]),
        "result_total": php_array(answer["total"]),
        "result_next": php_array(answer["next"]),
        "result_time": php_array(answer["time"]),
    }


def _offset(container: Any, key: str) -> Any:
    """container[key] when PHP's isset() says it is set, else _UNSET."""
    found: Any = _UNSET
    if isinstance(container, dict):
        found = container.get(key, _UNSET)
    elif isinstance(container, list):
        if _LIST_INDEX_RE.fullmatch(key) and int(key) < len(container):
            found = container[int(key)]
    elif isinstance(container, str) and _STRING_OFFSET_RE.fullmatch(key):
        # PHP strings are bytes: an offset picks one byte (a negative one counts from the end); a byte
        # that is no whole character becomes U+FFFD here, where PHP would hold the lone byte.
        data = container.encode("utf-8")
        index = int(key)
        index += len(data) if index < 0 else 0
        if 0 <= index < len(data):
            found = data[index:index + 1].decode("utf-8", errors="replace")
    return _UNSET if found is None else found


def walk(part: Any, segments: list[str]) -> Any:
    """The deepest thing `part[s1][s2]...` names: the walk stops at the first segment not set."""
    value = part
    for segment in segments:
        deeper = _offset(value, segment)
        if deeper is _UNSET:
            break
        value = deeper
    return value


def php_string(value: Any) -> str | None:
    """A value as PHP's string conversion prints it when the vendor splices it into text (strings and
    numbers); None for anything it leaves out (arrays, booleans, null)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return str(value)
    text = "%.14G" % value  # PHP's `precision` (14) and its %G-like choice of notation
    mantissa, e, exponent = text.partition("E")
    if not e:
        return text
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}E{exponent[0]}{int(exponent[1:])}"


def _resolve_text(text: str, answer: Answer, pattern: re.Pattern[str]) -> Any:
    value: Any = text
    for match in pattern.finditer(text):
        segments = _SEGMENT_RE.findall(match.group(2))
        if not segments:
            continue  # a bare `$result` is no reference
        # The part is looked up with the root as written: the match ignores case, the lookup does not.
        found = walk(answer.get(match.group(1)), segments)
        if value == match.group(0):
            # The part itself, as a parameter of its own: new containers (listify builds them), as PHP copies.
            return wire.listify(found)
        spliced = php_string(found)
        if spliced is not None and isinstance(value, str):
            value = value.replace(match.group(0), spliced)
    return value


def resolve_value(value: str, answer: Answer) -> Any:
    """One parameter value with its references to the answer so far resolved."""
    return _resolve_text(value, answer, _REF_RE)


def resolve_key(key: str, answer: Answer) -> Any:
    """One parameter key, looked at as the vendor does: with no root, so a reference names nothing."""
    resolved = _resolve_text(key, answer, _KEY_REF_RE)
    return "" if resolved is None else resolved


def resolve(params: Any, answer: Answer) -> Any:
    """Parsed parameters with every reference resolved, each key and each value on its own."""
    if isinstance(params, dict):
        return {resolve_key(k, answer) if isinstance(k, str) else k: resolve(v, answer) for k, v in params.items()}
    if isinstance(params, list):
        return [resolve(v, answer) for v in params]
    if isinstance(params, str):
        return resolve_value(params, answer)
    return params


def split_command(command: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(command, str):
        raise PortalError("ERROR_METHOD_NOT_FOUND")
    name, _, query = command.partition("?")
    try:
        params = wire.parse_query(query)
    except wire.BodyError:
        raise PortalError("ERROR_BAD_BODY") from None
    return normalise_method(name), params


def run_command(ctx: CallContext, key: str, command: Any, answer: Answer) -> bool:
    """Run one command against the answer so far and record what it answers there; True when it failed."""
    try:
        method, params = split_command(command)
        params = resolve(params, answer)
        if method == "batch":
            raise PortalError("ERROR_BATCH_METHOD_NOT_ALLOWED")
    except PortalError as exc:
        # A failed command has no result_time entry: the batch page's error examples show none.
        answer["error"][key] = catalogue(exc.error_id).body()
        return True
    outcome = invoke(ctx.state, ctx.caller, method, params, ctx.base_url, in_batch=True)
    if outcome.error_id:
        answer["error"][key] = catalogue(outcome.error_id).body()
        return True
    assert outcome.result is not None
    answer["time"][key] = time_block(
        Timing(outcome.start, outcome.finish, outcome.finish - outcome.start),
        ctx.state.tz,
        with_operating=False,  # result_time carries the six timing keys (batch.md)
    )
    answer["result"][key] = outcome.result.result
    if outcome.result.total is not None:
        answer["total"][key] = outcome.result.total
    if outcome.result.next_start is not None:
        answer["next"][key] = outcome.result.next_start
    return False


def commands_of(params: dict[str, Any]) -> dict[str, Any]:
    cmd = params.get("cmd")
    if isinstance(cmd, list):
        return {str(i): c for i, c in enumerate(cmd)}
    if isinstance(cmd, dict):
        return {str(k): v for k, v in cmd.items()}
    return {}


def batch(ctx: CallContext, params: dict[str, Any]) -> MethodResult:

    commands = commands_of(params)
    if len(commands) > max_commands():
        raise PortalError("ERROR_BATCH_LENGTH_EXCEEDED")
    halt = truthy(params.get("halt"))
    answer = new_answer()
    for key, command in commands.items():
        if run_command(ctx, key, command, answer) and halt:
            break
    return MethodResult(answer_body(answer))
