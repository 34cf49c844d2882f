"""The seed page's own example `fields`, adapted to a target's fixture ids.

Source: the curl example of the seed (crm.activity.add.txt, "Code Examples"), kept once in
spec/openapi.yaml (AddRequest example seedWebhook). It is the request
every conformant portal must accept, so checks start from it and change one thing at a time.
"""
from __future__ import annotations

import copy
from typing import Any

from b24conform.contract import load_contract
from b24conform.judge.safety import WritesNotAllowed
from b24conform.judge.target import TargetFixtures


class _Omit:
    """Marker for `seed_fields(KEY=OMIT)`: leave KEY out (None would send null)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Any = _Omit()

SEED_FIELDS: dict[str, Any] = load_contract().seed_example_fields()


def seed_fields(fixtures: TargetFixtures | None = None, **overrides: Any) -> dict[str, Any]:
    """A fresh copy of the seed's fields bound to `fixtures`; overrides replace keys, OMIT drops them."""
    fx = fixtures or TargetFixtures()
    fields = copy.deepcopy(SEED_FIELDS)
    fields["OWNER_TYPE_ID"] = fx.owner_type_id
    fields["OWNER_ID"] = fx.owner_id
    fields["RESPONSIBLE_ID"] = fx.responsible_id
    fields["COMMUNICATIONS"][0]["ENTITY_ID"] = fx.contact_id
    fields["COMMUNICATIONS"][0]["ENTITY_TYPE_ID"] = fx.contact_type_id
    for key, value in overrides.items():
        if value is OMIT:
            fields.pop(key, None)
        else:
            fields[key] = copy.deepcopy(value)
    return fields


class SeedFields:
    """What the `seed_fields` fixture returns: call it like `seed_fields(SUBJECT="x", FILES=OMIT)`."""

    OMIT = OMIT

    def __init__(self, fixtures: TargetFixtures, missing: dict[str, str] | None = None) -> None:
        self.fixtures = fixtures
        self.missing = dict(missing or {})

    def __call__(self, **overrides: Any) -> dict[str, Any]:
        return seed_fields(self.bound(), **overrides)

    def bound(self) -> TargetFixtures:
        """The run's records, for a check that builds its own fields from them (generated field sets).
        Refused like a call when one is missing (a live run whose user id the judge could not learn,
        ...): a check on a record that is not there would fail for the judge's sake, not the portal's,
        so it is skipped with the reason."""
        if self.missing:
            raise WritesNotAllowed("no record to bind to: " + "; ".join(dict.fromkeys(self.missing.values())))
        return self.fixtures
