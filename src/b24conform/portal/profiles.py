"""Deviation profiles: data-driven ways for the reference portal to misbehave on purpose.

A profile makes the portal behave like a (hypothetically) non-conformant portal so the judge can be
shown to catch it. Profiles live in YAML (default: spec/deviations.yaml when present, then this
package's sample_profiles.yaml); the portal runs at most one (`--profile NAME`).

A legitimate variant (spec/variants.yaml, key `variants:` instead of `profiles:`, same operations)
bends the portal only to a documented reading of an ambiguity; the portal serves it by name exactly
as a profile (`--profile NAME`). A file of variants also defines the composed variant `all-variants`:
the operations of every variant in file order, leaving out a variant that an earlier kept one names
under `exclusive_with` (or that names an earlier kept one there).

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
mapping with `fault:` plus parameters. The faithful portal knows nothing of them: each kind is a
layer of src/b24conform/portal/faults/ wrapped around one part of it (named in brackets).

  skip_rule: <rule>[.<sub>]      [faults/rules.py, the validation-rule list] the rule of
                                 validation.RULES is skipped (fields, type_id, provider,
                                 communications, count, binding, responsible, subject, permissions,
                                 files, email); with a sub-rule only for the requests it names:
                                 type_id.missing | type_id.unknown | type_id.not_creatable,
                                 provider.custom | provider.configurable | provider.app_context,
                                 communications.missing | communications.invalid |
                                 communications.email_to | communications.email_address,
                                 count.call, responsible.missing | responsible.unknown,
                                 email.sender_invalid | email.sender_missing; with `.unsent`
                                 (communications.email_to, communications.email_address,
                                 email.sender_invalid) only for an e-mail that is not sent
  reorder_rules: [r1, r2, ...]   [faults/rules.py] the named rules trade places so that they run in
                                 the listed order (the other rules keep theirs)
  add_rule: {if: {FIELD: V, ...}, error: ID}
                                 [faults/rules.py] an extra rule, run last: an add whose fields
                                 match every condition is refused with catalogue error ID. V is a
                                 value (compared as text), null (absent or empty) or "*" (present)
  auth: <fault> | {fault: F, except_methods: [m, ...]}
                                 [faults/auth.py, the authenticator] wrong_code (an unknown webhook
                                 code / OAuth token is accepted, as user 1), wrong_user (a known
                                 code under another user id), expired_token, no_auth (no
                                 credentials, as user 1), scope (no crm scope needed);
                                 except_methods: the methods that still refuse
  auth: plain_http               [faults/transport.py, the plain-HTTP listener] serves the API
                                 instead of INVALID_REQUEST
  store: no_persist | reuse_ids | delete_noop | update_noop | list_omits_new
                                 [faults/store.py, the store] add answers an id but keeps nothing;
                                 ids are max(id)+1; delete / update answer true and change nothing;
                                 list never sees the newest row
  store: {fault: alter_field, field: F, value: V} | {fault: alter_field, field: F, append: S}
         | {fault: alter_field, field: F, as: integer}
                                 [faults/readback.py, the get/list handlers] F reads back as V, or
                                 as what was stored followed by S, or as the JSON integer its
                                 stored decimal string spells
  store: {fault: wrong_total, delta: N}
                                 [faults/readback.py] list's `total` is off by N
  store: list_ignores_select     [faults/readback.py] list answers every field whatever `select` says
  store: list_ignores_order | list_ignores_start | {fault: list_ignores_filter, field: F}
                                 [faults/readback.py] list sorts by default whatever `order` says;
                                 answers the first page for every positive `start`; drops every
                                 filter condition on F
  store: {fault: alter_listed_field, field: F, value: V} | {fault: alter_listed_field, field: F, append: S}
                                 [faults/readback.py] like alter_field, for list only (get is faithful)
  store: list_keeps_deleted      [faults/readback.py] list filtered by the ID of a deleted activity
                                 still answers it (get and delete are faithful)
  limits: bucket_disabled | never_drains | operating_disabled
                                 [faults/limits.py, the bucket and the budget] the bucket never
                                 refuses / never drains; the operating budget never refuses
  limits: {fault: wrong_status, status: S}
                                 [faults/wire.py] QUERY_LIMIT_EXCEEDED answers with status S
  time: finish_before_start | bad_duration | non_iso_date | operating_decreases | {fault: drop_key, key: K}
                                 [faults/wire.py, the answers' time blocks, batch result_time too]
                                 finish < start; duration != finish - start; dates not ISO 8601;
                                 time.operating smaller on every answer; time.K missing
  batch: no_length_limit | halt_ignored | nested_allowed | length_per_command
                                 [faults/batch.py, the batch handler] more than 50 commands run;
                                 halt is ignored; a command calling batch runs;
                                 (variant, AMB-BATCH-LENGTH b) the first 50 run, each further
                                 command fails with ERROR_BATCH_LENGTH_EXCEEDED in result_error
  response: {when: {...}, <rewrites>}
                                 [faults/wire.py, an ASGI layer] rewrite the final answer.
                                 `when` (all optional) on the answer: method: name (lower-case),
                                   "*" or a list; outcome: success | error; error: catalogue id;
                                   status: int; and on the request: suffix: ".json" (the path
                                   ends so) | none; method_case: lower | other (as sent in the
                                   path); encoding: json | form | multipart | query (no body);
                                   http_method: GET | POST | ...; credential: webhook | body |
                                   query (where the OAuth token came from); body_matches: a
                                   regular expression searched in the query string and body;
                                   error_kind: the catalogue kind of the answer's error
                                   (method | general | ...).
                                 rewrites (any of): drop: path | [paths]; set: {path: value};
                                   status: int; content_type: str; error_description: str;
                                   error_code: str; error: catalogue id (body + status of it);
                                   body_text: str (the body, verbatim, not JSON); as_string:
                                   path | [paths] (an integer there is sent as its decimal string).
                                 A path is dot-separated keys into the JSON body
                                 (e.g. "time.operating", "result").

An unknown operation or rule name, or an unknown profile name, raises ProfileError at start-up.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from b24conform.contract.paths import spec_dir
from b24conform.portal.faults.operation import Op
from b24conform.yamltext import load_yaml

SAMPLE_PROFILES = Path(__file__).with_name("sample_profiles.yaml")

OPERATION_KINDS = {"skip_rule", "reorder_rules", "add_rule", "auth", "store", "limits", "time", "batch", "response"}


class ProfileError(ValueError):
    """A profile file or name the portal cannot use."""


# The names below come from the layers that serve them, imported when a profile is parsed: they pull in the
# portal's parts (~100 ms), which `b24conform --help` and the self-test's reading of the catalogue do without.


def _fault_names(kind: str) -> frozenset[str]:
    """The fault names of a kind: those its layers declare (a kind may be served by two layers)."""
    from b24conform.portal.faults import answers, auth, batch, limits, readback, store, transport, wire  # start-up

    return {
        "auth": auth.FAULTS | transport.FAULTS,
        "store": store.FAULTS | readback.FAULTS,
        "limits": limits.FAULTS | wire.LIMITS_FAULTS,
        "time": answers.TIME_FAULTS,
        "batch": batch.FAULTS,
    }[kind]


def _rule_names() -> tuple[str, ...]:
    from b24conform.portal.validation import RULE_NAMES  # start-up, as above

    return RULE_NAMES


def _check_rule(name: Any, where: str) -> str:
    from b24conform.portal.faults.rules import SUB_RULES  # start-up, as above

    known = (*_rule_names(), *SUB_RULES)
    if name not in known:
        raise ProfileError(f"{where}: unknown rule {name!r} (known: {', '.join(known)})")
    return str(name)


def _check_error(error_id: Any, where: str) -> None:
    # Unknown ids fail now, not mid-request. A contract that cannot be read raises its own error here.
    from b24conform.contract import load_contract

    if str(error_id) not in load_contract().errors and str(error_id) not in load_contract().item_errors:
        raise ProfileError(f"{where}: unknown error id {error_id!r}")


def parse_op(raw: Any, where: str) -> Op:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ProfileError(f"{where}: an operation is a one-key mapping, got {raw!r}")
    ((kind, value),) = raw.items()
    if kind not in OPERATION_KINDS:
        raise ProfileError(f"{where}: unknown operation {kind!r} (known: {', '.join(sorted(OPERATION_KINDS))})")
    if kind == "skip_rule":
        return Op(kind, _check_rule(value, where))
    if kind == "reorder_rules":
        if not isinstance(value, list) or len(value) < 2 or len(set(value)) != len(value):
            raise ProfileError(f"{where}: reorder_rules needs a list of two or more distinct rules")
        for name in value:
            if name not in _rule_names():
                raise ProfileError(f"{where}: unknown rule {name!r} (known: {', '.join(_rule_names())})")
        return Op(kind, "reorder", {"order": list(value)})
    if kind == "add_rule":
        if not isinstance(value, dict) or not isinstance(value.get("if"), dict) or "error" not in value:
            raise ProfileError(f"{where}: add_rule needs `if` (a mapping) and `error`")
        _check_error(value["error"], where)
        return Op(kind, "extra", dict(value))
    if kind == "response":
        if not isinstance(value, dict):
            raise ProfileError(f"{where}: response needs a mapping")
        if "error" in value:
            _check_error(value["error"], where)
        when = value.get("when") or {}
        if "error" in when:
            _check_error(when["error"], where)
        return Op(kind, "rewrite", dict(value))
    if isinstance(value, str):
        fault, params = value, {}
    elif isinstance(value, dict) and "fault" in value:
        params = dict(value)
        fault = str(params.pop("fault"))
    else:
        raise ProfileError(f"{where}: {kind} needs a fault name or a mapping with `fault`")
    known = _fault_names(kind)
    if fault not in known:
        raise ProfileError(f"{where}: unknown {kind} fault {fault!r} (known: {', '.join(sorted(known))})")
    return Op(kind, fault, params)


@dataclass(frozen=True)
class Profile:
    """A named list of operations: data only. The layers of faults/ read it when the portal is built."""

    name: str | None = None
    description: str = ""
    ops: tuple[Op, ...] = ()

    def of(self, *kinds: str) -> tuple[Op, ...]:
        return tuple(op for op in self.ops if op.kind in kinds)

    def faults(self, kind: str) -> dict[str, Op]:
        """fault name -> its operation (the first one, when a profile names a fault twice)."""
        found: dict[str, Op] = {}
        for op in self.of(kind):
            found.setdefault(op.fault, op)
        return found


# ------------------------------------------------------------------------- loading


ALL_VARIANTS = "all-variants"


def _items(raw: Any) -> list[dict[str, Any]]:
    return [{"name": k, **(v or {})} for k, v in raw.items()] if isinstance(raw, dict) else list(raw or ())


def composed_names(variants: list[dict[str, Any]]) -> list[str]:
    """The variants `all-variants` composes, in file order: each, unless it contradicts one kept before
    it (either names the other under `exclusive_with`); the first of two contradicting ones is kept."""
    kept: list[dict[str, Any]] = []
    for item in variants:
        name = str(item.get("name", ""))
        if any(name in (k.get("exclusive_with") or ()) or str(k.get("name")) in (item.get("exclusive_with") or ())
               for k in kept):
            continue
        kept.append(item)
    return [str(k.get("name")) for k in kept]


def parse_profiles(data: Any, source: str) -> dict[str, Profile]:
    """The profiles (`profiles:`) and legitimate variants (`variants:`, with the composed `all-variants`)
    of one file, by name."""
    if not isinstance(data, dict) or (data.get("profiles") is None and data.get("variants") is None):
        raise ProfileError(f"{source}: no `profiles` (or `variants`) key")
    variants = _items(data.get("variants"))
    result: dict[str, Profile] = {}
    for item in [*_items(data.get("profiles")), *variants]:
        if not isinstance(item, dict):
            raise ProfileError(f"{source}: a profile is a mapping, got {item!r}")
        name = str(item.get("name", ""))
        if not name:
            raise ProfileError(f"{source}: a profile without a name")
        if name in result or name == ALL_VARIANTS:
            raise ProfileError(f"{source}: profile {name!r} appears twice" if name in result
                               else f"{source}: {ALL_VARIANTS!r} is the composed variant's name, not a variant's")
        ops = tuple(parse_op(op, f"{source}: profile {name}") for op in item.get("operations") or ())
        result[name] = Profile(name, str(item.get("description", "")), ops)
    if variants:
        names = composed_names(variants)
        result[ALL_VARIANTS] = Profile(
            ALL_VARIANTS, f"every legitimate variant at once: {', '.join(names)}",
            tuple(op for n in names for op in result[n].ops))
    return result


def profile_files(explicit: Path | None = None) -> list[Path]:
    if explicit:
        return [Path(explicit)]
    files = [spec_dir() / "deviations.yaml", spec_dir() / "variants.yaml", SAMPLE_PROFILES]
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
        raise ProfileError(f"unknown deviation profile {name!r}; known profiles and variants: {listed}")
    return known[name]
