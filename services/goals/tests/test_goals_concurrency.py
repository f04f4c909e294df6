"""Caps hold under concurrent requests, on SQLite as on PostgreSQL: a rule's count and the write it
guards are serialised (PostgreSQL: an advisory lock per key; SQLite: every writing transaction
begins IMMEDIATE), so requests at once cannot all take the last places.

Each request here has its own session and connection; the ASGI app runs them interleaved."""

import uuid
from collections import Counter
from functools import partial

from services.goals.tests import factories
from services.goals.tests.support.goals import DECISION, GOALS, all_goals, audit_events, municipal_goal, period
from services.goals.tests.support.indicators import USES
from services.goals.tests.support.organisation import BOARD, COUNCIL
from styrkedjan_common.http import etag
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, at_once


def statuses(responses):
    return Counter(r.status_code for r in responses)


async def test_forty_creates_at_once_let_exactly_the_municipal_cap_into_a_period(client, app, council, revisor):
    cap = app.state.settings.max_municipal_goals
    term = await period(app)
    bodies = [municipal_goal(term.id, title=f"Mål {n}") for n in range(40)]

    responses = await at_once(*(partial(client.post, GOALS, json=body, headers=council) for body in bodies))

    assert statuses(responses) == {201: cap, 409: 40 - cap}
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(refused, 409, detail_contains=f"at most {cap} municipal goals per mandate period", type_="rule-violation")
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert {goal["id"] for goal in await all_goals(client, revisor)} == created
    assert {event["entity_id"] for event in await audit_events(client, revisor, limit=200)} == created


async def test_thirty_decisions_at_once_put_no_more_than_the_cap_of_a_board_in_force(client, app, board, revisor):
    cap = app.state.settings.max_board_goals_in_force
    proposed = [factories.goal(uuid.UUID(BOARD), status=Status.PROPOSED, title=f"Mål {n}") for n in range(30)]
    indicator = factories.indicator()
    uses = [factories.indicator_use(indicator, uuid.UUID(BOARD), goal_=goal) for goal, _ in proposed]
    await factories.add(app, indicator, *(goal for goal, _ in proposed))
    await factories.add(app, *uses)
    goals = [goal for goal, _ in proposed]

    responses = await at_once(
        *(
            partial(
                client.post, f"{GOALS}/{goal.id}/decision", json=DECISION, headers=board | {"If-Match": etag(goal.id, goal.row_version)}
            )
            for goal in goals
        )
    )

    assert statuses(responses) == {200: cap, 409: 30 - cap}
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(refused, 409, detail_contains=f"at most {cap} board goals are in force at once per board", type_="rule-violation")
    decided = {r.json()["id"] for r in responses if r.status_code == 200}
    stored = {goal["id"]: goal["status"] for goal in await all_goals(client, revisor)}
    assert {goal_id for goal_id, status in stored.items() if status == "DECIDED"} == decided
    assert Counter(stored.values()) == {"DECIDED": cap, "PROPOSED": 30 - cap}
    assert {event["entity_id"] for event in await audit_events(client, revisor, limit=200)} == decided


async def test_twenty_indicator_uses_at_once_follow_a_goal_with_no_more_than_the_cap(client, app, council, revisor):
    cap = app.state.settings.max_indicators_per_goal
    goal, links = factories.goal(uuid.UUID(BOARD))
    indicators = [factories.indicator(name=f"Nyckeltal {n}") for n in range(20)]
    await factories.add(app, goal, *links, *indicators)
    bodies = [{"indicator_id": str(indicator.id), "org_unit_id": BOARD, "goal_id": str(goal.id)} for indicator in indicators]

    responses = await at_once(*(partial(client.post, USES, json=body, headers=council) for body in bodies))

    assert statuses(responses) == {201: cap, 409: 20 - cap}
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(refused, 409, detail_contains=f"at most {cap} indicators", type_="rule-violation")
    listed = (await client.get(USES, params={"goal_id": str(goal.id), "limit": 50}, headers=council)).json()["items"]
    assert {use["id"] for use in listed} == {r.json()["id"] for r in responses if r.status_code == 201}


async def test_the_last_municipal_place_goes_to_one_of_two_requests(client, app, council, revisor):
    term = await period(app)
    rows = [
        factories.goal(
            uuid.UUID(COUNCIL), level="MUNICIPAL", status=Status.DECIDED, period=term, start_year=2027, end_year=2030, title=f"Mål {i}"
        )
        for i in range(4)
    ]
    await factories.add(app, *(row for goal, links in rows for row in (goal, *links)))

    bodies = [municipal_goal(term.id, title=f"Sista platsen {n}") for n in range(2)]
    responses = await at_once(*(partial(client.post, GOALS, json=body, headers=council) for body in bodies))

    assert sorted(r.status_code for r in responses) == [201, 409]
    assert len(await all_goals(client, revisor)) == 5
