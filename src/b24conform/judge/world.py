"""The CRM records a live run binds its activities to, brought by the judge itself.

On the embedded mock the seed's ids are right (the mock was made from that seed). On any other
portal they are somebody's records, or nothing, so the judge never uses them there: each binding
comes from a fixture option, or the judge finds or creates it:

- the responsible user is the credential's own user (`profile`, which needs no scope; else
  `user.current`);
- the contact (with a phone and an e-mail) and the deal (with that contact) are created through
  the Target, so they are marked, written to the ledger before they are sent, deleted at the end of
  the run and found by `cleanup`'s sweep;
- without --allow-writes nothing is created: a check that would bind to a missing record is a
  write check anyway, and is skipped with the reason kept here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from b24conform.judge.effects import as_id
from b24conform.judge.target import Target, TargetError, TargetFixtures

# The seed's communication: the contact the judge creates carries it, so the seed example's
# COMMUNICATIONS entry describes that contact truly.
CONTACT_PHONE = "+18005551234"
CONTACT_EMAIL_DOMAIN = "example.invalid"  # RFC 2606: never delivered anywhere


@dataclass(frozen=True)
class World:
    """The fixtures of a run and, where one is missing, why."""

    fixtures: TargetFixtures
    missing: dict[str, str]

    @property
    def complete(self) -> bool:
        return not self.missing


def fixture_defaults_for_live() -> TargetFixtures:
    """The live starting point: type ids are the docs' enum values; record ids unknown (0)."""
    return TargetFixtures(owner_id=0, contact_id=0, responsible_id=0)


def _result(reply: Any) -> Any:
    data = reply.json if isinstance(reply.json, dict) else {}
    return data.get("result") if reply.status == 200 and "error" not in data else None


def _error_text(reply: Any) -> str:
    data = reply.json if isinstance(reply.json, dict) else {}
    text = f"{data.get('error', '')} {data.get('error_description', '')}".strip()
    return f"HTTP {reply.status} {text or reply.text[:120]}"


def own_user(target: Target) -> tuple[int | None, str]:
    """The id of the user the credentials act as, and what went wrong when there is none."""
    problems = []
    for method in ("profile", "user.current"):
        try:
            reply = target.call(method, {})
        except TargetError as exc:
            return None, str(exc)
        result = _result(reply)
        user_id = as_id(result.get("ID")) if isinstance(result, dict) else None
        if user_id:
            return user_id, ""
        problems.append(f"{method}: {_error_text(reply)}")
    return None, "; ".join(problems)


def _create(target: Target, method: str, fields: dict[str, Any]) -> tuple[int | None, str]:
    try:
        reply = target.call(method, {"fields": fields})
    except TargetError as exc:
        return None, str(exc)
    new_id = as_id(_result(reply))
    return (new_id, "") if new_id else (None, f"{method}: {_error_text(reply)}")


def establish(target: Target, given: dict[str, int]) -> World:
    """The fixtures of a live run: the given ones, then the judge's own records for the rest."""
    fixtures = replace(fixture_defaults_for_live(), **given)
    missing: dict[str, str] = {}
    if "responsible_id" not in given:
        user_id, why = own_user(target)
        if user_id:
            fixtures = replace(fixtures, responsible_id=user_id)
        else:
            missing["responsible_id"] = ("the judge could not learn its user id: profile and user.current gave none "
                                         f"({why}); pass --responsible (pytest: --b24-fixture-responsible)")
    wanted = [name for name in ("contact_id", "owner_id") if name not in given]
    if wanted and not target.allow_writes:
        for name in wanted:
            missing[name] = ("the judge creates its own contact and deal only with --allow-writes "
                             "(pytest: --b24-allow-writes)")
        return World(fixtures, missing)
    responsible = fixtures.responsible_id or None
    if "contact_id" in wanted:
        contact_id, why = _create(target, "crm.contact.add", {
            "NAME": "Contact", "LAST_NAME": "b24conform",
            "PHONE": [{"VALUE": CONTACT_PHONE, "VALUE_TYPE": "WORK"}],
            "EMAIL": [{"VALUE": f"contact-{target.run_id}@{CONTACT_EMAIL_DOMAIN}", "VALUE_TYPE": "WORK"}],
            **({"ASSIGNED_BY_ID": responsible} if responsible else {}),
        })
        if contact_id:
            fixtures = replace(fixtures, contact_id=contact_id, contact_type_id=3)
        else:
            missing["contact_id"] = f"could not create the judge's contact ({why}); pass --contact"
    if "owner_id" in wanted:
        deal = {"TITLE": "Deal", **({"ASSIGNED_BY_ID": responsible} if responsible else {})}
        if fixtures.contact_id:
            deal["CONTACT_ID"] = fixtures.contact_id
        deal_id, why = _create(target, "crm.deal.add", deal)
        if deal_id:
            fixtures = replace(fixtures, owner_id=deal_id, owner_type_id=2)
        else:
            missing["owner_id"] = f"could not create the judge's deal ({why}); pass --owner"
    return World(fixtures, missing)


def rebind(fields: Any, fixtures: TargetFixtures) -> Any:
    """A generated add's `fields` with every well-formed record id replaced by the run's own: on a
    live portal a drawn OWNER_ID such as the docs' example 102 is somebody's deal. Values that are
    not ids (negative, text, null) stay, so the negative cases keep their meaning. Pure."""
    if not isinstance(fields, dict):
        return fields
    out = dict(fields)
    for key, value in (("OWNER_ID", fixtures.owner_id), ("RESPONSIBLE_ID", fixtures.responsible_id)):
        if key in out and (as_id(out[key]) or 0) > 0 and value:
            out[key] = value
    comms = out.get("COMMUNICATIONS")
    if isinstance(comms, list) and fixtures.contact_id:
        out["COMMUNICATIONS"] = [
            {**item, "ENTITY_ID": fixtures.contact_id} if isinstance(item, dict) and (as_id(item.get("ENTITY_ID")) or 0) > 0 else item
            for item in comms]
    return out
