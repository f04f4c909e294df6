"""Rules that look for rows hold under concurrent requests, on SQLite as on PostgreSQL: the check and
the write it allows are serialised (PostgreSQL: an advisory lock per key; SQLite: every writing
transaction begins IMMEDIATE), so requests at once cannot all pass on what none has written yet.

Each request here has its own session and connection; the ASGI app runs them interleaved."""

from collections import Counter
from functools import partial

from services.internal_control.tests.support.api import API, audit_events
from services.internal_control.tests.support.execution import ACTION, DEVIATION, DEVIATIONS, activity_of, record
from services.internal_control.tests.support.organisation import BOARD, staff
from services.internal_control.tests.support.rows import add, plan
from styrkedjan_common.testing import assert_problem, at_once

REPORTS = f"{API}/followup-reports"


def statuses(responses):
    return Counter(r.status_code for r in responses)


async def test_twenty_follow_up_reports_at_once_leave_one_in_preparation(client, app, as_role, auditors):
    await add(app, plan(BOARD))
    body = {"board_org_unit_id": BOARD, "year": 2027, "summary": "Kontrollerna är genomförda."}

    responses = await at_once(*(partial(client.post, REPORTS, json=body, headers=staff(as_role)) for _ in range(20)))

    assert statuses(responses) == {201: 1, 409: 19}
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(
            refused, 409, detail_contains="one follow-up report per board and year is prepared at a time", type_="rule-violation"
        )
    created = next(r.json() for r in responses if r.status_code == 201)
    listed = (await client.get(REPORTS, headers=auditors)).json()["items"]
    assert [(r["id"], r["revision"]) for r in listed] == [(created["id"], 1)]
    assert [e["entity_id"] for e in await audit_events(client, as_role, "followup_report")] == [created["id"]]


async def test_a_deviation_closed_while_actions_are_added_is_never_closed_beside_an_open_action(client, app, as_role, auditors):
    result = await record(client, staff(as_role), await activity_of(app), DEVIATION)
    url = f"{DEVIATIONS}/{result['deviation_id']}"
    current = await client.get(url, headers=auditors)
    closing = partial(
        client.post,
        f"{url}/closure",
        json={"closing_note": "Rutinen är uppdaterad."},
        headers=staff(as_role) | {"If-Match": current.headers["etag"]},
    )
    adding = [partial(client.post, f"{url}/actions", json=ACTION | {"owner": f"Ägare {n}"}, headers=staff(as_role)) for n in range(10)]

    closed, *added = await at_once(closing, *adding)

    deviation = (await client.get(url, headers=auditors)).json()
    if closed.status_code == 200:  # closed first: no action could be added after it
        assert statuses(added) == {409: 10} and deviation["status"] == "CLOSED" and deviation["actions"] == []
        for refused in added:
            assert_problem(refused, 409, detail_contains="a closed deviation is kept as it was closed", type_="rule-violation")
    else:  # an action came first: the deviation stays open with every action added
        assert_problem(closed, 409, detail_contains="none of its actions is open", type_="rule-violation")
        assert statuses(added) == {201: 10}
        assert deviation["status"] == "OPEN" and len(deviation["actions"]) == 10
