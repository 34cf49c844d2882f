"""The portal's fixed world: users with their rights and the CRM items activities bind to.

Read from seed_data.yaml (or --seed-data FILE) once; read-only afterwards, so no locking.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from b24conform.yamltext import load_yaml

DEFAULT_SEED = Path(__file__).with_name("seed_data.yaml")

# crm.enum.ownertype ids of the item lists the seed file holds.
OWNER_TYPES = {"leads": 1, "deals": 2, "contacts": 3, "companies": 4}


@dataclass(frozen=True)
class World:
    data: dict[str, Any]

    @classmethod
    def load(cls, path: Path | None = None) -> "World":
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

    def item(self, owner_type_id: int, item_id: int) -> dict[str, Any] | None:
        for list_name, type_id in OWNER_TYPES.items():
            if type_id == owner_type_id:
                for item in self.data.get(list_name, []):
                    if int(item["ID"]) == item_id:
                        return item
        return None
