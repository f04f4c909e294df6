"""A risk added with an Idempotency-Key is added once, however often the request is retried or
sent at once."""

import asyncio

from sqlalchemy import func, select

from internal_control_service.risks.models import Risk
from services.internal_control.tests.support.risks import ASSESSMENTS, RISK, create_assessment
from styrkedjan_common.testing import assert_problem, pointers


async def risks(app):
    async with app.state.read_sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Risk))


async def test_a_retried_risk_gets_the_first_answer_and_is_added_once(app, client, administration):
    assessment = (await create_assessment(client, administration)).json()["id"]
    keyed = administration | {"Idempotency-Key": "risk-1"}
    first = await client.post(f"{ASSESSMENTS}/{assessment}/risks", json=RISK, headers=keyed)
    again = await client.post(f"{ASSESSMENTS}/{assessment}/risks", json=RISK, headers=keyed)
    assert first.status_code == 201, first.text
    assert (again.status_code, again.content, again.headers["idempotent-replayed"]) == (201, first.content, "true")
    assert await risks(app) == 1


async def test_the_same_key_with_another_body_is_a_422_and_adds_nothing(app, client, administration):
    assessment = (await create_assessment(client, administration)).json()["id"]
    keyed = administration | {"Idempotency-Key": "risk-2"}
    assert (await client.post(f"{ASSESSMENTS}/{assessment}/risks", json=RISK, headers=keyed)).status_code == 201
    refused = await client.post(f"{ASSESSMENTS}/{assessment}/risks", json=RISK | {"likelihood": 4}, headers=keyed)
    assert_problem(refused, 422)
    assert pointers(refused) == {"#/header/Idempotency-Key"}
    assert await risks(app) == 1


async def test_the_same_key_sent_at_once_adds_one_risk(app, client, administration):
    assessment = (await create_assessment(client, administration)).json()["id"]
    keyed = administration | {"Idempotency-Key": "risk-3"}
    responses = await asyncio.gather(*(client.post(f"{ASSESSMENTS}/{assessment}/risks", json=RISK, headers=keyed) for _ in range(10)))
    assert {r.status_code for r in responses} <= {201, 409}, [r.text for r in responses]
    assert len([r for r in responses if r.status_code == 201 and "idempotent-replayed" not in r.headers]) == 1
    assert await risks(app) == 1
