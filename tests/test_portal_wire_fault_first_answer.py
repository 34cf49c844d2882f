"""A wire fault bends the very first answer too: `result: true` rewritten over id 1 is a change,
although Python holds True == 1 (the first add of a run once came back unbent, so CALL-001 passed
against a portal that answers every add with `true`)."""
from __future__ import annotations

import asyncio

import httpx

from b24conform.portal.assembly import build_app
from b24conform.portal.config import PortalConfig
from b24conform.portal.testing import SEED_FIELDS


def test_the_first_add_is_bent_like_every_other():
    config = PortalConfig.for_conformance(tls=False, db=":memory:", profile="envelope-result-boolean")
    app, hook = build_app(config), config.webhooks[0]

    async def adds() -> list:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client:
            return [(await client.post(f"/rest/{hook.user_id}/{hook.code}/crm.activity.add",
                                       json={"fields": SEED_FIELDS})).json()["result"] for _ in range(2)]

    first, second = asyncio.run(adds())
    assert first is True and second is True  # `is`: [1, True] == [True, True] in Python
