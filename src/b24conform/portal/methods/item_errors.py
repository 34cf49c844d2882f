"""Errors of the CRM item methods (crm.contact.*, crm.deal.*, crm.company.*) by id.

They are not part of the crm.activity.add contract, so they live in their own spec file
(spec/item_errors.yaml); errors.catalogue() looks here for ids the contract does not know.
"""
from __future__ import annotations

from b24conform.contract import load_contract
from b24conform.contract.model import ErrorEntry

ENTRIES: dict[str, ErrorEntry] = load_contract().item_errors
