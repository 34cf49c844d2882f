"""The one exception type the portal raises for an answer from the catalogue (spec/errors.yaml).

Raising `PortalError("ADD_SUBJECT_MISSING")` anywhere in the pipeline ends the call with that
catalogue entry's status, code and message; nothing in the portal spells those strings itself.
Ids the contract does not know are looked up in spec/item_errors.yaml (the CRM item methods).
"""
from __future__ import annotations

from functools import lru_cache

from b24conform.contract import ErrorEntry, load_contract


class PortalError(Exception):
    def __init__(self, error_id: str) -> None:
        super().__init__(error_id)
        self.error_id = error_id

    @property
    def entry(self) -> ErrorEntry:
        return catalogue(self.error_id)


@lru_cache(maxsize=None)
def portal_error(ambiguity_id: str) -> str:
    """The catalogue error the reference portal answers where an ambiguity's readings differ in the
    error: the first error of the reading it follows (spec/ambiguities.yaml `portal`, `errors`)."""
    amb = load_contract().ambiguities[ambiguity_id]
    return amb.errors[amb.portal][0]


@lru_cache(maxsize=None)
def catalogue(error_id: str) -> ErrorEntry:
    items = load_contract().item_errors
    if error_id in items:
        return items[error_id]
    return load_contract().error(error_id)
