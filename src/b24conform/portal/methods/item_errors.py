"""Errors of the CRM item and user methods (crm.contact.*, crm.deal.*, crm.company.*), as data.

They are not part of the crm.activity.add contract (spec/errors.yaml), so the portal keeps them here;
errors.catalogue() looks here for ids the contract does not know. Each entry names the docs page of
bitrix-tools/b24-rest-docs that shows the message (status 400 and the empty code, as those pages show).
"""
from __future__ import annotations

from b24conform.contract.model import ErrorEntry

_DOCS = "api-reference/crm/"


def _entry(error_id: str, message: str, source: str, methods: tuple[str, ...], code: str = "", trigger: str = "") -> ErrorEntry:
    return ErrorEntry(
        id=error_id, kind="companion", http_status=400, code=code, message=message, variants=(),
        meaning=trigger, trigger=trigger, reachable="input", source=source, methods=methods,
    )


ENTRIES: dict[str, ErrorEntry] = {
    e.id: e
    for e in (
        # The pages' example bodies carry the trailing period of these three.
        _entry("ITEM_ID_INVALID", "ID is not defined or invalid.", _DOCS + "contacts/crm-contact-get.md",
               ("crm.contact.get", "crm.contact.update", "crm.contact.delete", "crm.deal.get", "crm.deal.update",
                "crm.deal.delete", "crm.company.get", "crm.company.update", "crm.company.delete"),
               trigger="id absent or not an integer > 0"),
        _entry("ITEM_FIELDS_NOT_ARRAY", "Parameter 'fields' must be array.", _DOCS + "deals/crm-deal-add.md",
               ("crm.contact.add", "crm.contact.update", "crm.deal.add", "crm.deal.update", "crm.company.add",
                "crm.company.update"), trigger="fields is not an object"),
        _entry("ITEM_FILTER_NOT_ARRAY", "Parameter 'filter' must be array.", _DOCS + "deals/crm-deal-list.md",
               ("crm.contact.list", "crm.deal.list", "crm.company.list"), trigger="filter is not an object"),
        _entry("ITEM_ORDER_NOT_ARRAY", "Parameter 'order' must be array.", _DOCS + "deals/crm-deal-list.md",
               ("crm.contact.list", "crm.deal.list", "crm.company.list"), trigger="order is not an object"),
        _entry("ITEM_NOT_FOUND", "Not found", _DOCS + "companies/crm-company-get.md",
               ("crm.contact.get", "crm.deal.get", "crm.deal.update", "crm.deal.delete", "crm.company.get"),
               trigger="no item with that id"),
        _entry("CONTACT_NOT_FOUND", "Contact is not found", _DOCS + "contacts/crm-contact-update.md",
               ("crm.contact.update",), trigger="no contact with that id"),
        # The delete page gives this one with code ERROR_CORE and the portal's localised text
        # ("Элемент не найден"): the text of a Russian-language portal, kept as the page shows it.
        _entry("CONTACT_DELETE_NOT_FOUND", "Элемент не найден", _DOCS + "contacts/crm-contact-delete.md",
               ("crm.contact.delete",), code="ERROR_CORE", trigger="no contact with that id"),
        _entry("COMPANY_NOT_FOUND", "Company is not found", _DOCS + "companies/crm-company-update.md",
               ("crm.company.update", "crm.company.delete"), trigger="no company with that id"),
    )
}
