"""Rule faults: the validation-rule list of crm.activity.add, transformed.

The faithful list is validation.RULES (name, rule) in the documented order (REQ-010). A profile
skips a rule (whole, or a sub-rule: only for the requests it names), makes named rules trade places,
or appends an extra rule. The result is another list of the same shape; validation.first_error runs
whichever list the portal state holds.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from b24conform.portal.faults.operation import Op
from b24conform.portal.validation import TYPE_CALL, AddRequest, Rule, sends_email

NamedRule = tuple[str, Rule]
Applies = Callable[[AddRequest, str], bool]


def _absent(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _field_absent(name: str) -> Applies:
    return lambda req, error: _absent(req.f.get(name))


def _field_present(name: str) -> Applies:
    return lambda req, error: not _absent(req.f.get(name))


def _error_is(*ids: str) -> Applies:
    return lambda req, error: error in ids


def _type_is(type_id: int) -> Applies:
    return lambda req, error: req.type_id == type_id


def _unsent(req: AddRequest, error: str) -> bool:
    return not sends_email(req)


def _both(a: Applies, b: Applies) -> Applies:
    return lambda req, error: a(req, error) and b(req, error)


# sub-rule -> (its rule, when the skip applies: the request and the error the rule found). Sub-rules
# exist so that one clause's deviation does not also bend its neighbours' (one TYPE_ID rule answers
# REQ-001, REQ-002 and REQ-003).
SUB_RULES: dict[str, tuple[str, Applies]] = {
    "type_id.missing": ("type_id", _field_absent("TYPE_ID")),
    "type_id.unknown": ("type_id", _both(_field_present("TYPE_ID"), _error_is("ADD_TYPE_ID_INVALID"))),
    "type_id.not_creatable": ("type_id", _error_is("ADD_CUSTOM_WITHOUT_PROVIDER")),
    "provider.custom": ("provider", _error_is("ADD_CUSTOM_WITHOUT_PROVIDER")),
    "provider.configurable": ("provider", _error_is("ADD_USE_CONFIGURABLE")),
    "provider.app_context": ("provider", _error_is("ADD_APP_CONTEXT_REQUIRED")),
    "communications.missing": ("communications", _both(_field_absent("COMMUNICATIONS"), _error_is("ADD_COMMUNICATIONS_INVALID"))),
    "communications.invalid": ("communications", _both(_field_present("COMMUNICATIONS"), _error_is("ADD_COMMUNICATIONS_INVALID"))),
    "communications.email_to": ("communications", _error_is("EMAIL_TO_NOT_FOUND")),
    "communications.email_address": ("communications", _error_is("EMAIL_INVALID_ADDRESS")),
    "count.call": ("count", _type_is(TYPE_CALL)),
    "responsible.missing": ("responsible", _field_absent("RESPONSIBLE_ID")),
    "responsible.unknown": ("responsible", _field_present("RESPONSIBLE_ID")),
    "email.sender_invalid": ("email", _error_is("EMAIL_INVALID_ADDRESS")),
    "email.sender_missing": ("email", _error_is("EMAIL_FROM_NOT_FOUND")),
    # Only for an e-mail that is not sent (AMB-EMAIL-NOT-SENT b: created with its addresses unchecked).
    "communications.email_to.unsent": ("communications", _both(_error_is("EMAIL_TO_NOT_FOUND"), _unsent)),
    "communications.email_address.unsent": ("communications", _both(_error_is("EMAIL_INVALID_ADDRESS"), _unsent)),
    "email.sender_invalid.unsent": ("email", _both(_error_is("EMAIL_INVALID_ADDRESS"), _unsent)),
}


def _always(req: AddRequest, error: str) -> bool:
    return True


def skipping(rule: Rule, applies: Applies) -> Rule:
    """`rule`, except that the errors it finds where `applies` holds are not reported."""

    def deviant(req: AddRequest) -> str | None:
        error = rule(req)
        return None if error and applies(req, error) else error

    return deviant


def skip(rules: Sequence[NamedRule], name: str) -> list[NamedRule]:
    target, applies = SUB_RULES.get(name, (name, _always))
    return [(n, skipping(r, applies) if n == target else r) for n, r in rules]


def reorder(rules: Sequence[NamedRule], order: Sequence[str]) -> list[NamedRule]:
    """The rules named in `order` take each other's slots so that they run in that order."""
    slots = [i for i, (n, _) in enumerate(rules) if n in order]
    by_name = dict(rules)
    out = list(rules)
    for slot, name in zip(slots, [n for n in order if n in by_name]):
        out[slot] = (name, by_name[name])
    return out


def _matches(value: Any, expected: Any) -> bool:
    if expected is None:
        return _absent(value)
    if expected == "*":
        return not _absent(value)
    return not isinstance(value, (dict, list)) and str(value) == str(expected)


def extra_rule(conditions: dict[str, Any], error: str) -> Rule:
    """A rule the docs do not have: refuse an add whose fields match every condition."""

    def rule(req: AddRequest) -> str | None:
        return error if all(_matches(req.f.get(k), v) for k, v in conditions.items()) else None

    return rule


def deviant_rules(rules: Sequence[NamedRule], ops: Sequence[Op]) -> list[NamedRule]:
    out = list(rules)
    for op in ops:
        if op.kind == "skip_rule":
            out = skip(out, op.fault)
        elif op.kind == "reorder_rules":
            out = reorder(out, op.params["order"])
        elif op.kind == "add_rule":
            out.append((f"extra:{op.params['error']}", extra_rule(op.params["if"], str(op.params["error"]))))
    return out
