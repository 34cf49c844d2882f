"""crm.activity.add validation: ONE pinned order, as a list of small pure rules.

THE ORDER (clause REQ-010 of spec/clauses.yaml; the first failing rule answers):

    1. fields          `fields` is an object                     -> ADD_TYPE_ID_INVALID
    2. type_id         TYPE_ID absent / not int / not an enum id  -> ADD_TYPE_ID_INVALID
                       known but not creatable (0, 3, 5)          -> ADD_CUSTOM_WITHOUT_PROVIDER
    3. provider        TYPE_ID 6 without PROVIDER_ID              -> ADD_CUSTOM_WITHOUT_PROVIDER
                       PROVIDER_ID CONFIGURABLE_REST_APP          -> ADD_USE_CONFIGURABLE
                       PROVIDER_ID REST_APP, no app context       -> ADD_APP_CONTEXT_REQUIRED
    4. communications  absent / not a list / nothing left once the
                       items without VALUE (and, for a call, of a
                       TYPE other than PHONE) are dropped         -> ADD_COMMUNICATIONS_INVALID
                       e-mail: no item of TYPE EMAIL (or no TYPE) -> EMAIL_TO_NOT_FOUND
                       e-mail: a VALUE that is not an address     -> EMAIL_INVALID_ADDRESS
    5. count           >1 communication for a meeting or a call   -> ADD_ONE_COMMUNICATION_ONLY
    6. binding         neither owner nor any communication entity
                       exists                                     -> ADD_BINDING_FAILED
    7. responsible     absent / not positive int / no such user   -> ADD_RESPONSIBLE_INVALID
                       (empty or non-numeric takes the owner's responsible when responsible_fallback
                       is on, the default, and the owner has one)
    8. subject         absent / empty / whitespace                -> ADD_SUBJECT_MISSING
    9. permissions     caller has no add right                    -> ADD_ACCESS_DENIED
   10. files           item not {"fileData": [name, base64]}      -> FILES_INVALID
   11. email           MESSAGE_FROM present but malformed         -> EMAIL_INVALID_ADDRESS
                       sending (4 + DIRECTION 2 + COMPLETED Y)
                       without MESSAGE_FROM                       -> EMAIL_FROM_NOT_FOUND

Each rule takes an `AddRequest` and returns an error id of spec/errors.yaml or None. Rules do not
change anything; records.py builds the stored activity once every rule has passed. Deviation
profiles transform this list by the names in the left column (faults/rules.py: `skip_rule: subject`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

from b24conform.contract import Enum, load_contract
from b24conform.contract.fieldsets import activity_field_sets
from b24conform.portal.coerce import as_int, as_text, decode_base64_lenient, is_email, parse_message_from
from b24conform.portal.seed import SeedWorld

TYPE_MEETING, TYPE_CALL, TYPE_EMAIL, TYPE_CUSTOM = 1, 2, 4, 6
# TYPE_ID -> the communication TYPE that fits it, for the types that fill one in (spec/fields.yaml `by_type`).
FITTING_COMMUNICATION = {type_id: kind for type_id, kind in activity_field_sets().communication_types().items() if kind}
DIRECTION_OUTGOING = 2
PROVIDER_CONFIGURABLE = "CONFIGURABLE_REST_APP"
PROVIDER_REST_APP = "REST_APP"


class _view:
    """A view computed on first use and kept on the instance: functools.cached_property without
    the lock that Python 3.11 takes on every first access (a request is read by one thread)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute, self.name = compute, compute.__name__

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.compute(obj)  # bypasses the frozen __setattr__
        return value


@dataclass(frozen=True)
class AddRequest:
    """The `fields` of one add, as wire.py delivers params: PHP-style arrays already turned into
    lists, so no view here needs to do that again."""

    fields: Any
    user_id: int
    app_context: str | None
    world: SeedWorld
    responsible_fallback: bool = False

    # Views shared by several rules, computed once per request (a request is read, never changed).
    @_view
    def f(self) -> dict[str, Any]:
        return self.fields if isinstance(self.fields, dict) else {}

    @_view
    def type_id(self) -> int | None:
        return as_int(self.f.get("TYPE_ID"))

    @_view
    def raw_communications(self) -> Any:
        return self.f.get("COMMUNICATIONS")

    @_view
    def communications(self) -> list[Any]:
        raw = self.raw_communications
        return raw if isinstance(raw, list) else []

    @_view
    def counted_communications(self) -> list[dict[str, Any]]:
        """The communications the activity keeps. An item without VALUE is dropped (AMB-EMPTY-COMMUNICATION
        b, the add tutorial), and so is one whose TYPE does not fit the activity: an e-mail keeps TYPE
        EMAIL or no TYPE, a call TYPE PHONE or no TYPE (the vendor's CRM module)."""
        items = [c for c in self.communications if isinstance(c, dict) and (as_text(c.get("VALUE")) or "").strip()]
        fitting = FITTING_COMMUNICATION.get(self.type_id)
        if fitting:
            items = [c for c in items if (as_text(c.get("TYPE")) or fitting).upper() == fitting]
        return items

    @_view
    def decoded_files(self) -> list[tuple[str, bytes]] | None:
        """[(name, content)] of FILES, or None when an item is malformed."""
        raw = self.f.get("FILES")
        if raw is None or raw == "" or raw == []:
            return []
        if not isinstance(raw, list):
            return None
        files = []
        for item in raw:
            data = item.get("fileData") if isinstance(item, dict) else None
            if not isinstance(data, list) or len(data) != 2:
                return None
            name, content = as_text(data[0]), decode_base64_lenient(data[1])
            if not name or content is None:
                return None
            files.append((name, content))
        return files

    @_view
    def bound(self) -> tuple[int, int] | None:
        return _bound_item(self)

    @_view
    def responsible(self) -> int | None:
        return _responsible_id(self)

    @_view
    def settings(self) -> dict[str, Any]:
        raw = self.f.get("SETTINGS")
        return raw if isinstance(raw, dict) else {}


Rule = Callable[[AddRequest], "str | None"]


def counted_communications(req: AddRequest) -> list[dict[str, Any]]:
    return req.counted_communications


def bound_item(req: AddRequest) -> tuple[int, int] | None:
    """(OWNER_TYPE_ID, OWNER_ID) the activity binds to: the owner if it exists, else the first
    communication entity that exists, else None."""
    return req.bound  # validation and the record builder both ask


def _bound_item(req: AddRequest) -> tuple[int, int] | None:
    owner_type, owner_id = as_int(req.f.get("OWNER_TYPE_ID")), as_int(req.f.get("OWNER_ID"))
    if owner_type is not None and owner_id is not None and req.world.item(owner_type, owner_id):
        return owner_type, owner_id
    for comm in counted_communications(req):
        ent_type, ent_id = as_int(comm.get("ENTITY_TYPE_ID")), as_int(comm.get("ENTITY_ID"))
        if ent_type is not None and ent_id is not None and req.world.item(ent_type, ent_id):
            return ent_type, ent_id
    return None


def sends_email(req: AddRequest) -> bool:
    """An e-mail is sent only for TYPE_ID 4 + DIRECTION 2 + COMPLETED Y (seed: Value Usage Examples)."""
    return (
        req.type_id == TYPE_EMAIL
        and as_int(req.f.get("DIRECTION")) == DIRECTION_OUTGOING
        and (as_text(req.f.get("COMPLETED")) or "").upper() == "Y"
    )


# ---------------------------------------------------------------- the rules, in order


def rule_fields(req: AddRequest) -> str | None:
    if not isinstance(req.fields, dict):
        return "ADD_TYPE_ID_INVALID"
    return None


@lru_cache(maxsize=None)
def _activity_types() -> Enum:
    # Fixed for the process, as errors.catalogue is: load_contract() reads the environment on every call,
    # ~1.5 % of an add under load.
    return load_contract().enums["activitytype"]


def rule_type_id(req: AddRequest) -> str | None:
    enum = _activity_types()
    type_id = req.type_id
    if type_id is None or type_id not in enum.id_set:
        return "ADD_TYPE_ID_INVALID"
    if type_id not in enum.creatable:
        return "ADD_CUSTOM_WITHOUT_PROVIDER"
    return None


def rule_provider(req: AddRequest) -> str | None:
    provider = (as_text(req.f.get("PROVIDER_ID")) or "").strip()
    if req.type_id == TYPE_CUSTOM and not provider:
        return "ADD_CUSTOM_WITHOUT_PROVIDER"
    if provider.upper() == PROVIDER_CONFIGURABLE:
        return "ADD_USE_CONFIGURABLE"
    if provider.upper() == PROVIDER_REST_APP and not req.app_context:
        return "ADD_APP_CONTEXT_REQUIRED"
    return None


def rule_communications(req: AddRequest) -> str | None:
    raw = req.raw_communications
    if not isinstance(raw, list) or not raw or not all(isinstance(item, dict) for item in raw):
        return "ADD_COMMUNICATIONS_INVALID"
    kept = counted_communications(req)
    if req.type_id == TYPE_EMAIL:
        if not kept:
            # Items of another TYPE leave an e-mail without a recipient (AMB-EMAIL-TYPE-MISMATCH a);
            # only items without VALUE leave nothing at all.
            with_value = [c for c in raw if (as_text(c.get("VALUE")) or "").strip()]
            return "EMAIL_TO_NOT_FOUND" if with_value else "ADD_COMMUNICATIONS_INVALID"
        if not all(is_email(as_text(c.get("VALUE"))) for c in kept):
            return "EMAIL_INVALID_ADDRESS"
    elif not kept:
        return "ADD_COMMUNICATIONS_INVALID"
    return None


def rule_count(req: AddRequest) -> str | None:
    if req.type_id in (TYPE_MEETING, TYPE_CALL) and len(counted_communications(req)) > 1:
        return "ADD_ONE_COMMUNICATION_ONLY"
    return None


def rule_binding(req: AddRequest) -> str | None:
    return None if bound_item(req) else "ADD_BINDING_FAILED"


def responsible_id(req: AddRequest) -> int | None:
    """The responsible user the activity gets, or None when the field is missing or invalid."""
    return req.responsible  # validation and the record builder both ask


def _responsible_id(req: AddRequest) -> int | None:
    raw = req.f.get("RESPONSIBLE_ID")
    if raw is None or raw == "" or (as_int(raw) is None and isinstance(raw, str)):
        if req.responsible_fallback:
            bound = bound_item(req)
            item = req.world.item(*bound) if bound else None
            fallback = as_int((item or {}).get("ASSIGNED_BY_ID"))
            return fallback if fallback and req.world.user(fallback) else None
        return None
    value = as_int(raw)
    if value is None or value <= 0 or not req.world.user(value):
        return None
    return value


def rule_responsible(req: AddRequest) -> str | None:
    return None if responsible_id(req) else "ADD_RESPONSIBLE_INVALID"


def rule_subject(req: AddRequest) -> str | None:
    subject = as_text(req.f.get("SUBJECT"))
    return None if subject and subject.strip() else "ADD_SUBJECT_MISSING"


def rule_permissions(req: AddRequest) -> str | None:
    return None if req.world.right(req.user_id, "add") else "ADD_ACCESS_DENIED"


def decoded_files(req: AddRequest) -> list[tuple[str, bytes]] | None:
    return req.decoded_files


def rule_files(req: AddRequest) -> str | None:
    return None if decoded_files(req) is not None else "FILES_INVALID"


def rule_email(req: AddRequest) -> str | None:
    if req.type_id != TYPE_EMAIL:
        return None
    message_from = req.settings.get("MESSAGE_FROM")
    if message_from not in (None, ""):
        return None if parse_message_from(message_from) else "EMAIL_INVALID_ADDRESS"
    if sends_email(req):
        return "EMAIL_FROM_NOT_FOUND"
    return None


RULES: list[tuple[str, Rule]] = [
    ("fields", rule_fields),
    ("type_id", rule_type_id),
    ("provider", rule_provider),
    ("communications", rule_communications),
    ("count", rule_count),
    ("binding", rule_binding),
    ("responsible", rule_responsible),
    ("subject", rule_subject),
    ("permissions", rule_permissions),
    ("files", rule_files),
    ("email", rule_email),
]

RULE_NAMES = tuple(name for name, _ in RULES)


def first_error(req: AddRequest, rules: Sequence[tuple[str, Rule]] = RULES) -> str | None:
    """The error id of the first failing rule of `rules` (the portal state's list)."""
    for _name, rule in rules:
        error = rule(req)
        if error:
            return error
    return None
