"""The portal's fixed world: users with their rights and the CRM items activities bind to.

Read from seed_data.yaml (or --seed-data FILE) once. Users stay here, read-only; the CRM items are
written into the store at start (`bind`), and from then on `item()` reads the store, so items created
or deleted through crm.contact.* / crm.deal.* / crm.company.* count for bindings as the seed's do.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b24conform.contract import load_contract
from b24conform.yamltext import load_yaml

if TYPE_CHECKING:
    from b24conform.portal.store import MultiValue, Store

DEFAULT_SEED = Path(__file__).with_name("seed_data.yaml")

# The item lists the seed file holds, as the store's item kinds (store.ITEM_TABLES).
ENTITY_OF_LIST = {"leads": "lead", "deals": "deal", "contacts": "contact", "companies": "company"}
# Their crm.enum.ownertype ids: spec/enums.yaml `ownertype`, found by SYMBOL_CODE (the kind in capitals).
_OWNER_TYPE_IDS = {v["SYMBOL_CODE"]: int(v["ID"]) for v in load_contract().enums["ownertype"].values}
OWNER_TYPES = {name: _OWNER_TYPE_IDS[kind.upper()] for name, kind in ENTITY_OF_LIST.items()}
KIND_OF_TYPE = {OWNER_TYPES[name]: kind for name, kind in ENTITY_OF_LIST.items()}
# Seed items may give a multi-field as one string: it becomes one WORK value.
MULTI_FIELDS: tuple[str, ...] = tuple(load_contract().items["multi_fields"])


def multi_values(item: dict[str, Any]) -> list["MultiValue"]:
    """The multi-field values of a seed item: a string, or a list of strings / {VALUE, VALUE_TYPE}."""
    values: list[MultiValue] = []
    for type_id in MULTI_FIELDS:
        raw = item.get(type_id)
        for entry in raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]:
            if isinstance(entry, dict):
                values.append((None, type_id, str(entry.get("VALUE_TYPE") or "WORK"), str(entry.get("VALUE") or "")))
            else:
                values.append((None, type_id, "WORK", str(entry)))
    return values


@dataclass(frozen=True)
class SeedWorld:
    data: dict[str, Any]
    store: "Store | None" = field(default=None, compare=False)  # set by bind(): items are read there

    @classmethod
    def load(cls, path: Path | None = None) -> "SeedWorld":
        raw = load_yaml(Path(path or DEFAULT_SEED).read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict) or not isinstance(raw.get("users"), list):
            raise ValueError(f"{path}: seed data needs a `users` list")
        return cls(raw)

    def user(self, user_id: int) -> dict[str, Any] | None:
        """An active user (inactive users cannot be responsible nor call the API)."""
        for user in self.data.get("users", []):
            if int(user["ID"]) == user_id and user.get("ACTIVE", True):
                return user
        return None

    def user_active(self, user_id: int) -> bool:
        return self.user(user_id) is not None

    def right(self, user_id: int, name: str) -> Any:
        user = self.user(user_id)
        return (user or {}).get("rights", {}).get(name, False)

    def bind(self, store: "Store") -> "SeedWorld":
        """This world with its CRM items written into `store` and read from there from now on."""
        for list_name, kind in ENTITY_OF_LIST.items():
            rows = [
                (int(item["ID"]), {k: v for k, v in item.items() if k != "ID" and k not in MULTI_FIELDS}, multi_values(item))
                for item in self.data.get(list_name, []) or []
            ]
            store.seed_items(kind, rows)
        return replace(self, store=store)

    def item(self, owner_type_id: int, item_id: int) -> dict[str, Any] | None:
        if self.store is not None:
            kind = KIND_OF_TYPE.get(owner_type_id)
            return self.store.item_data(kind, item_id) if kind else None
        for list_name, type_id in OWNER_TYPES.items():
            if type_id == owner_type_id:
                for item in self.data.get(list_name, []):
                    if int(item["ID"]) == item_id:
                        return item
        return None
