"""Checks of the `time` block every reply carries (clauses ENV-003..ENV-006, LIMIT-004)."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from b24conform.judge.checks._common import accepts, is_number, json_of, short

TIMING_KEYS = ("start", "finish", "duration", "processing", "date_start", "date_finish")
OPERATING_KEYS = ("operating_reset_at", "operating")
ALL_KEYS = TIMING_KEYS + OPERATING_KEYS

# YYYY-MM-DDThh:mm:ss[.fraction]+hh:mm — the offset is required (docs-contract.md section 4).
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")

# duration must equal finish - start "within 1 ms" (ENV-005).
DURATION_TOLERANCE = 0.001


def _time_of(value: Any) -> Any:
    """Accept a reply, a whole envelope or the time block itself."""
    body = json_of(value)
    if isinstance(body, dict) and "time" in body and not any(k in body for k in TIMING_KEYS):
        return body["time"]
    return body


def check_time_keys(value: Any, contract: Any, mode: str) -> list[str]:
    """ENV-003: the eight keys (strict) or at least the six timing keys (lenient, AMB-TIME-KEYS b)."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [f"time: expected an object, got {short(time)}"]
    missing_timing = [k for k in TIMING_KEYS if k not in time]
    missing_operating = [k for k in OPERATING_KEYS if k not in time]
    problems = []
    if missing_timing:
        problems.append(f"time: missing keys {missing_timing}")
    if missing_operating and not accepts(contract, "AMB-TIME-KEYS", "b", mode):
        problems.append(f"time: missing keys {missing_operating} (AMB-TIME-KEYS: {mode} wants all eight)")
    return problems


def check_time_types(value: Any, contract: Any, mode: str) -> list[str]:
    """ENV-004: numbers are numbers, dates are strings, operating_reset_at a Unix timestamp."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [f"time: expected an object, got {short(time)}"]
    problems = []
    for key in ("start", "finish", "duration", "processing", "operating"):
        if key in time and not is_number(time[key]):
            problems.append(f"time.{key}: expected a number, got {short(time[key])}")
    for key in ("date_start", "date_finish"):
        if key in time and not isinstance(time[key], str):
            problems.append(f"time.{key}: expected a string, got {short(time[key])}")
    if "operating_reset_at" in time:
        reset = time["operating_reset_at"]
        if is_number(reset):
            if reset < 0:
                problems.append(f"time.operating_reset_at: negative timestamp {reset}")
        elif isinstance(reset, str) and ISO_WITH_OFFSET.match(reset):
            if not accepts(contract, "AMB-OPERATING-RESET-TYPE", "b", mode):
                problems.append(
                    f"time.operating_reset_at: ISO string {reset!r} where {mode} mode wants a Unix timestamp "
                    "(AMB-OPERATING-RESET-TYPE)"
                )
        else:
            problems.append(f"time.operating_reset_at: expected a Unix timestamp, got {short(reset)}")
    return problems


def check_time_arithmetic(value: Any, contract: Any, mode: str) -> list[str]:
    """ENV-005: finish >= start, duration == finish - start within 1 ms, processing >= 0."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [f"time: expected an object, got {short(time)}"]
    start, finish, duration = time.get("start"), time.get("finish"), time.get("duration")
    problems = []
    if is_number(start) and is_number(finish):
        if finish < start:
            problems.append(f"time: finish {finish} is before start {start}")
        if is_number(duration) and abs(duration - (finish - start)) > DURATION_TOLERANCE:
            problems.append(f"time: duration {duration} differs from finish - start = {finish - start:.6f} by more than 1 ms")
    processing = time.get("processing")
    if is_number(processing) and processing < 0:
        problems.append(f"time: processing {processing} is negative")
    if is_number(duration) and duration < 0:
        problems.append(f"time: duration {duration} is negative")
    return problems


def parse_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def check_time_dates(value: Any, contract: Any, mode: str) -> list[str]:
    """ENV-006: date_start/date_finish are ISO 8601 with an offset and name the same second as start/finish."""
    time = _time_of(value)
    if not isinstance(time, dict):
        return [f"time: expected an object, got {short(time)}"]
    problems = []
    for date_key, ts_key in (("date_start", "start"), ("date_finish", "finish")):
        text = time.get(date_key)
        if text is None:
            continue
        if not isinstance(text, str) or not ISO_WITH_OFFSET.match(text):
            problems.append(f"time.{date_key}: {short(text)} is not YYYY-MM-DDThh:mm:ss+hh:mm")
            continue
        parsed = parse_iso(text)
        if parsed is None:
            problems.append(f"time.{date_key}: {text!r} is not a valid date")
            continue
        ts = time.get(ts_key)
        if is_number(ts) and int(parsed.timestamp()) != int(ts):
            problems.append(f"time.{date_key} {text!r} is not the same second as time.{ts_key} {ts}")
    return problems


def check_time_block(value: Any, contract: Any, mode: str) -> list[str]:
    """ENV-003..ENV-006 together."""
    problems = check_time_keys(value, contract, mode)
    if problems and isinstance(problems[0], str) and problems[0].startswith("time: expected an object"):
        return problems
    for check in (check_time_types, check_time_arithmetic, check_time_dates):
        problems += check(value, contract, mode)
    return problems


def check_operating_grows(values: tuple[Any, Any], contract: Any, mode: str) -> list[str]:
    """LIMIT-004: time.operating of the same method does not decrease between two calls a moment apart."""
    first, second = (_time_of(v) for v in values)
    if not isinstance(first, dict) or not isinstance(second, dict):
        return ["time: expected two time objects"]
    a, b = first.get("operating"), second.get("operating")
    if a is None or b is None:
        if accepts(contract, "AMB-TIME-KEYS", "b", mode):
            return []
        return ["time.operating: missing, cannot compare (AMB-TIME-KEYS)"]
    if not (is_number(a) and is_number(b)):
        return [f"time.operating: not numbers ({short(a)}, {short(b)})"]
    if b < a:
        return [f"time.operating decreased from {a} to {b} between two calls"]
    return []
