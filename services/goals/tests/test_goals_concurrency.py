"""Caps hold under concurrent requests: the rule's check and the write it guards are serialised per
key (PostgreSQL advisory lock), so two requests at once cannot both take the last place.

PostgreSQL only: SQLite admits one writer at a time by itself."""

import asyncio
import uuid

import pytest

from services.goals.tests import factories
from services.goals.tests.support.goals import GOALS, municipal_goal, period
from services.goals.tests.support.organisation import COUNCIL
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import postgres_admin_url

pytestmark = pytest.mark.skipif(postgres_admin_url() is None, reason="concurrent writers need PostgreSQL")


async def test_two_requests_for_the_last_municipal_goal_of_a_period_cannot_both_pass(client, app, council):
    term = await period(app)
    rows = [
        factories.goal(
            uuid.UUID(COUNCIL), level="MUNICIPAL", status=Status.DECIDED, period=term, start_year=2027, end_year=2030, title=f"Mål {i}"
        )
        for i in range(4)
    ]
    await factories.add(app, *(row for goal, links in rows for row in (goal, *links)))

    bodies = [municipal_goal(term.id, title=f"Sista platsen {n}") for n in range(2)]
    responses = await asyncio.gather(*(client.post(GOALS, json=body, headers=council) for body in bodies))

    assert sorted(r.status_code for r in responses) == [201, 409]
    listed = await client.get(GOALS, params={"mandate_period_id": str(term.id), "limit": 50}, headers=council)
    assert len(listed.json()["items"]) == 5
