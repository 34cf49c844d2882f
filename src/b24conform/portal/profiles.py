"""Deviation profiles: data-driven ways for the reference portal to misbehave on purpose.

A profile makes the portal behave like a (hypothetically) non-conformant portal so the judge can be
shown to catch it. Profiles live in YAML (default: spec/deviations.yaml when present, then this
package's sample_profiles.yaml); the portal runs at most one (`--profile NAME`).

File format::

    version: 1
    profiles:
      - name: subject-optional
        description: SUBJECT is not required
        clauses: [REQ-008]            # optional, informative
        operations:
          - skip_rule: subject

(a mapping `profiles: {name: {description, operations}}` is read too.)

OPERATIONS VOCABULARY - each operation is a one-key mapping; the value is a fault name or a
mapping with `fault:` plus parameters. Applied at these named points of the pipeline:

  skip_rule: <rule>              validation: the named rule of validation.RULES is skipped
                                 (fields, type_id, provider, communications, count, binding,
                                 responsible, subject, permissions, files, email)
  auth: wrong_code               auth: an unknown webhook code / OAuth token is accepted (as user 1)
  auth: wrong_user               auth: a known code under another user id is accepted
  auth: expired_token            auth: an expired token is accepted
  auth: no_auth                  auth: a call without any credentials is accepted (as user 1)
  auth: scope                    auth: a credential without the crm scope may call crm.*
  auth: plain_http               transport: the plain-HTTP listener serves the API instead of
                                 INVALID_REQUEST
  store: no_persist              store: add answers an id but nothing is kept
  store: reuse_ids               store: ids are max(id)+1, so a deleted id comes back
  store: delete_noop             store: delete answers true and keeps the row
  store: list_omits_new          store: list never shows the newest activity
  store: {fault: alter_field, field: F, value: V}
                                 store: get/list read F back as V
  store: {fault: wrong_total, delta: N}
                                 store: list's `total` is off by N
  limits: bucket_disabled        limits: the leaky bucket never refuses
  limits: never_drains           limits: the leaky bucket never drains (full once, refusing for good)
  limits: operating_disabled     limits: the operating budget never refuses
  limits: {fault: wrong_status, status: S}
                                 limits: QUERY_LIMIT_EXCEEDED answers with status S
  time: finish_before_start      envelope: time.finish is earlier than time.start
  time: bad_duration             envelope: time.duration is not finish - start
  time: non_iso_date             envelope: date_start / date_finish are not ISO 8601
  time: {fault: drop_key, key: K}
                                 envelope: time.K is missing
  batch: no_length_limit         batch: more than 50 commands are run
  batch: halt_ignored            batch: halt is ignored
  response: {when: {...}, <rewrites>}
                                 response: rewrite the final answer. `when` (all optional):
                                   method: name (lower-case) or "*"; outcome: success | error;
                                   error: catalogue id; status: int.
                                 rewrites (any of): drop: path | [paths]; set: {path: value};
                                   status: int; content_type: str; error_description: str;
                                   error_code: str; error: catalogue id (body + status of it).
                                 A path is dot-separated keys into the JSON body
                                 (e.g. "time.operating", "result").

An unknown operation or rule name, or an unknown profile name, raises ProfileError at start-up.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from b24conform.contract.paths import spec_dir
from b24conform.portal.errors import catalogue
from b24conform.yamltext import load_yaml

SAMPLE_PROFILES = Path(__file__).with_name("sample_profiles.yaml")

AUTH_FAULTS = {"wrong_code", "wrong_user", "expired_token", "no_auth", "scope", "plain_http"}
STORE_FAULTS = {"no_persist", "reuse_ids", "delete_noop", "list_omits_new", "alter_field", "wrong_total"}
LIMITS_FAULTS = {"bucket_disabled", "never_drains", "operating_disabled", "wrong_status"}
TIME_FAULTS = {"finish_before_start", "bad_duration", "non_iso_date", "drop_key"}
BATCH_FAULTS = {"no_length_limit", "halt_ignored"}
KINDS = {"skip_rule", "auth", "store", "limits", "time", "batch", "response"}
_FAULTS = {"auth": AUTH_FAULTS, "store": STORE_FAULTS, "limits": LIMITS_FAULTS, "time": TIME_FAULTS, "batch": BATCH_FAULTS}


class ProfileError(ValueError):
    """A profile file or name the portal cannot use."""


@dataclass(frozen=True)
class Op:
    kind: str
    fault: str
    params: dict[str, Any] = field(default_factory=dict)


def parse_op(raw: Any, where: str) -> Op:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ProfileError(f"{where}: an operation is a one-key mapping, got {raw!r}")
    ((kind, value),) = raw.items()
    if kind not in KINDS:
        raise ProfileError(f"{where}: unknown operation {kind!r} (known: {', '.join(sorted(KINDS))})")
    if kind == "skip_rule":
        from b24conform.portal.validation import RULE_NAMES

        if value not in RULE_NAMES:
            raise ProfileError(f"{where}: unknown rule {value!r} (known: {', '.join(RULE_NAMES)})")
        return Op(kind, str(value))
    if kind == "response":
        if not isinstance(value, dict):
            raise ProfileError(f"{where}: response needs a mapping")
        for error_key in ("error",):
            if error_key in value:
                catalogue(value[error_key])  # unknown ids fail now, not mid-request
        return Op(kind, "rewrite", dict(value))
    if isinstance(value, str):
        fault, params = value, {}
    elif isinstance(value, dict) and "fault" in value:
        params = dict(value)
        fault = str(params.pop("fault"))
    else:
        raise ProfileError(f"{where}: {kind} needs a fault name or a mapping with `fault`")
    if fault not in _FAULTS[kind]:
        raise ProfileError(f"{where}: unknown {kind} fault {fault!r} (known: {', '.join(sorted(_FAULTS[kind]))})")
    return Op(kind, fault, params)


@dataclass(frozen=True)
class Profile:
    name: str | None = None
    description: str = ""
    ops: tuple[Op, ...] = ()

    # -- queries used at the pipeline's named points

    # Cached: read on every call, and a profile never changes (frozen, ops a tuple).
    @cached_property
    def skipped_rules(self) -> frozenset[str]:
        return frozenset(op.fault for op in self.ops if op.kind == "skip_rule")

    @cached_property
    def auth_accepts(self) -> frozenset[str]:
        return frozenset(op.fault for op in self.ops if op.kind == "auth")

    def fault(self, kind: str, name: str) -> Op | None:
        for op in self.ops:
            if op.kind == kind and op.fault == name:
                return op
        return None

    def has(self, kind: str, name: str) -> bool:
        return self.fault(kind, name) is not None

    def alter_record(self, item: dict[str, Any]) -> dict[str, Any]:
        for op in self.ops:
            if op.kind == "store" and op.fault == "alter_field" and op.params.get("field") in item:
                item[op.params["field"]] = op.params.get("value")
        return item

    def apply_time(self, block: dict[str, Any]) -> dict[str, Any]:
        for op in self.ops:
            if op.kind != "time":
                continue
            if op.fault == "finish_before_start":
                block["finish"] = block["start"] - 1.0
            elif op.fault == "bad_duration":
                block["duration"] = block["finish"] - block["start"] + 5.0
            elif op.fault == "non_iso_date":
                for key in ("date_start", "date_finish"):
                    if block.get(key):
                        block[key] = block[key].replace("T", " ")[:19].replace("-", "/")
            elif op.fault == "drop_key":
                block.pop(op.params.get("key"), None)
        return block

    def rewrite(self, method: str, status: int, body: Any, content_type: str, error_id: str | None) -> tuple[int, Any, str]:
        for op in self.ops:
            if op.kind != "response" or not _matches(op.params.get("when") or {}, method, status, error_id):
                continue
            spec = op.params
            body = copy.deepcopy(body)
            if "error" in spec:
                entry = catalogue(spec["error"])
                body, status = entry.body(), entry.http_status
            drops = spec.get("drop") or []
            for path in [drops] if isinstance(drops, str) else drops:
                _drop(body, path)
            for path, value in (spec.get("set") or {}).items():
                _set(body, path, value)
            if isinstance(body, dict) and "error_description" in spec:
                body["error_description"] = spec["error_description"]
            if isinstance(body, dict) and "error_code" in spec:
                body["error"] = spec["error_code"]
            status = int(spec.get("status", status))
            content_type = spec.get("content_type", content_type)
        return status, body, content_type


def _matches(when: dict[str, Any], method: str, status: int, error_id: str | None) -> bool:
    if when.get("method", "*") not in ("*", method):
        return False
    if "outcome" in when and when["outcome"] != ("error" if error_id else "success"):
        return False
    if "error" in when and when["error"] != error_id:
        return False
    if "status" in when and int(when["status"]) != status:
        return False
    return True


def _walk(body: Any, path: str) -> tuple[Any, str] | None:
    keys = str(path).split(".")
    node = body
    for key in keys[:-1]:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return (node, keys[-1]) if isinstance(node, dict) else None


def _drop(body: Any, path: str) -> None:
    found = _walk(body, path)
    if found:
        found[0].pop(found[1], None)


def _set(body: Any, path: str, value: Any) -> None:
    found = _walk(body, path)
    if found:
        found[0][found[1]] = value


# ------------------------------------------------------------------------- loading


def parse_profiles(data: Any, source: str) -> dict[str, Profile]:
    raw = (data or {}).get("profiles") if isinstance(data, dict) else None
    if raw is None:
        raise ProfileError(f"{source}: no `profiles` key")
    items = [{"name": k, **(v or {})} for k, v in raw.items()] if isinstance(raw, dict) else raw
    result: dict[str, Profile] = {}
    for item in items:
        name = str(item.get("name", ""))
        if not name:
            raise ProfileError(f"{source}: a profile without a name")
        if name in result:
            raise ProfileError(f"{source}: profile {name!r} appears twice")
        ops = tuple(parse_op(op, f"{source}: profile {name}") for op in item.get("operations") or ())
        result[name] = Profile(name, str(item.get("description", "")), ops)
    return result


def profile_files(explicit: Path | None = None) -> list[Path]:
    if explicit:
        return [Path(explicit)]
    files = [spec_dir() / "deviations.yaml", SAMPLE_PROFILES]
    return [p for p in files if p.exists()]


def available_profiles(explicit: Path | None = None) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for path in reversed(profile_files(explicit)):  # earlier files win on a name clash
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ProfileError(f"cannot read profiles from {path}: {exc}") from exc
        found.update(parse_profiles(data, str(path)))
    return found


def load_profile(name: str | None, explicit: Path | None = None) -> Profile:
    """The named profile, or the conformant no-op profile for None."""
    if not name:
        return Profile()
    known = available_profiles(explicit)
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        raise ProfileError(f"unknown deviation profile {name!r}; known profiles: {listed}")
    return known[name]
