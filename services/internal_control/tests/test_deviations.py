"""Deviations and their actions: opened by a result, remedied by actions with owners and due
dates, closed only once no action is open; read in the board's scope."""

import datetime as dt
import uuid
from typing import Any

import pytest

from internal_control_service.execution.models import Action
from internal_control_service.execution.schemas import MAX_ACTIONS_PER_DEVIATION
from services.internal_control.tests.support.api import API, audit_events
from services.internal_control.tests.support.execution import ACTION, DEVIATION, DEVIATIONS, activity_of, add_action, record
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD, UNIT, namnd, staff
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

CLOSURE = {"closing_note": "Rutinen är uppdaterad och kommunicerad."}


async def deviation_of(
    client: Any, app: Any, as_role: Any, board: str = BOARD, year: int = 2027, occasion: str = "2027-T1", activity_id: str | None = None
) -> str:
    activity_id = activity_id or await activity_of(app, board=board, year=year)
    result = await record(client, staff(as_role, board), activity_id, DEVIATION | {"occasion": occasion})
    return result["deviation_id"]


async def read(client: Any, headers: dict[str, str], deviation_id: str) -> Any:
    response = await client.get(f"{DEVIATIONS}/{deviation_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response


async def close(client: Any, headers: dict[str, str], deviation_id: str, body: dict[str, Any] = CLOSURE) -> Any:
    current = await read(client, headers, deviation_id)
    return await client.post(f"{DEVIATIONS}/{deviation_id}/closure", json=body, headers=headers | {"If-Match": current.headers["etag"]})


async def set_status(client: Any, headers: dict[str, str], action: Any, status: str) -> Any:
    response = await client.patch(
        f"{API}/actions/{action.json()['id']}", json={"status": status}, headers=headers | {"If-Match": action.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    return response


# --- actions --------------------------------------------------------------------------------


async def test_administration_adds_an_action_to_a_deviation(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    response = await add_action(client, staff(as_role), deviation_id)
    body = response.json()
    assert (body["deviation_id"], body["status"], body["owner"], body["due_date"]) == (deviation_id, "OPEN", "Ekonomichef", "2027-06-30")
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert (await client.get(response.headers["location"], headers=namnd(as_role))).json() == body
    assert [a["id"] for a in (await read(client, namnd(as_role), deviation_id)).json()["actions"]] == [body["id"]]
    assert [e["action"] for e in await audit_events(client, as_role, "action")] == ["CREATE"]


async def test_a_deviation_takes_at_most_its_bounded_number_of_actions(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    async with app.state.sessionmaker() as session:
        session.add_all(
            Action(
                deviation_id=uuid.UUID(deviation_id),
                **ACTION | {"due_date": dt.date(2027, 6, 30)},
                status="OPEN",
                created_by="t",
                updated_by="t",
            )
            for _ in range(MAX_ACTIONS_PER_DEVIATION - 1)
        )
        await session.commit()
    await add_action(client, staff(as_role), deviation_id)
    refused = await client.post(f"{DEVIATIONS}/{deviation_id}/actions", json=ACTION, headers=staff(as_role))
    assert_problem(refused, 409, detail_contains=f"a deviation has at most {MAX_ACTIONS_PER_DEVIATION} actions", type_="rule-violation")
    assert len((await read(client, namnd(as_role), deviation_id)).json()["actions"]) == MAX_ACTIONS_PER_DEVIATION


async def test_open_action_past_its_due_date_is_overdue(client, app, as_role, today):
    deviation_id = await deviation_of(client, app, as_role)
    action = await add_action(client, staff(as_role), deviation_id)
    url = f"{API}/actions/{action.json()['id']}"
    today.set(dt.date(2027, 6, 30))
    assert (await client.get(url, headers=staff(as_role))).json()["overdue"] is False
    today.set(dt.date(2027, 7, 1))
    assert (await client.get(url, headers=staff(as_role))).json()["overdue"] is True
    listed = (await client.get(DEVIATIONS, headers=staff(as_role))).json()["items"]
    assert listed[0]["actions"][0]["overdue"] is True
    done = await set_status(client, staff(as_role), action, "DONE")
    assert done.json()["overdue"] is False


async def test_action_is_changed_with_if_match(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    action = await add_action(client, staff(as_role), deviation_id)
    url = f"{API}/actions/{action.json()['id']}"
    assert_problem(await client.patch(url, json={"owner": "Controller"}, headers=staff(as_role)), 428)
    stale = staff(as_role) | {"If-Match": f'"{action.json()["id"]}.9"'}
    assert_problem(await client.patch(url, json={"owner": "Controller"}, headers=stale), 412)
    response = await client.patch(
        url, json={"owner": "Controller", "due_date": "2027-08-31"}, headers=staff(as_role) | {"If-Match": action.headers["etag"]}
    )
    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["due_date"], response.json()["row_version"]) == ("Controller", "2027-08-31", 2)
    assert [e["action"] for e in await audit_events(client, as_role, "action")] == ["UPDATE", "CREATE"]


async def test_actions_of_another_boards_deviation_are_refused(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role, board=OTHER_BOARD)
    action = await add_action(client, staff(as_role, OTHER_BOARD), deviation_id)
    response = await client.post(f"{DEVIATIONS}/{deviation_id}/actions", json=ACTION, headers=staff(as_role))
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    patch = await client.patch(
        f"{API}/actions/{action.json()['id']}", json={"status": "DONE"}, headers=namnd(as_role) | {"If-Match": action.headers["etag"]}
    )
    assert_problem(patch, 403, detail_contains="outside your scope")
    unchanged = (await read(client, as_role(Role.REVISOR), deviation_id)).json()
    assert [(a["id"], a["status"]) for a in unchanged["actions"]] == [(action.json()["id"], "OPEN")]


@pytest.mark.parametrize("role", [Role.REVISOR, Role.FULLMAKTIGE, Role.ADMIN])
async def test_actions_are_written_by_the_board_administration_and_units_only(client, app, as_role, role):
    deviation_id = await deviation_of(client, app, as_role)
    assert_problem(
        await client.post(f"{DEVIATIONS}/{deviation_id}/actions", json=ACTION, headers=as_role(role)), 403, type_="role-not-allowed"
    )
    assert (await read(client, staff(as_role), deviation_id)).json()["actions"] == []


async def test_actions_need_an_assertion_and_an_existing_target(client, as_role):
    missing = str(uuid.uuid4())
    assert_problem(await client.post(f"{DEVIATIONS}/{missing}/actions", json=ACTION), 401)
    assert_problem(await client.post(f"{DEVIATIONS}/{missing}/actions", json=ACTION, headers=staff(as_role)), 404, detail_contains=missing)
    assert_problem(await client.patch(f"{API}/actions/{missing}", json={}, headers=staff(as_role)), 404)
    assert_problem(await client.get(f"{API}/actions/{missing}", headers=staff(as_role)), 404)


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"owner": ""}, "#/owner"),
        ({"due_date": "midsommar"}, "#/due_date"),
        ({"description": None}, "#/description"),
        ({"status": "OPEN"}, "#/status"),
    ],
)
async def test_invalid_actions_are_refused_with_a_pointer(client, app, as_role, changes, pointer):
    deviation_id = await deviation_of(client, app, as_role)
    response = await client.post(f"{DEVIATIONS}/{deviation_id}/actions", json=ACTION | changes, headers=staff(as_role))
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await read(client, staff(as_role), deviation_id)).json()["actions"] == []


@pytest.mark.parametrize(
    ("changes", "pointer"), [({"status": "FINISHED"}, "#/status"), ({"owner": None}, "#/owner"), ({"priority": 1}, "#/priority")]
)
async def test_invalid_action_changes_are_refused_with_a_pointer(client, app, as_role, changes, pointer):
    action = await add_action(client, staff(as_role), await deviation_of(client, app, as_role))
    response = await client.patch(
        f"{API}/actions/{action.json()['id']}", json=changes, headers=staff(as_role) | {"If-Match": action.headers["etag"]}
    )
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


# --- closure --------------------------------------------------------------------------------


async def test_deviation_with_an_open_action_is_not_closed(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    done = await add_action(client, staff(as_role), deviation_id)
    await set_status(client, staff(as_role), done, "DONE")
    await add_action(client, staff(as_role), deviation_id, description="Utbilda nya attestanter.")
    before = (await read(client, staff(as_role), deviation_id)).json()
    response = await close(client, staff(as_role), deviation_id)
    assert_problem(
        response,
        409,
        detail_contains="a deviation is closed only when none of its actions is open: 1 action(s) still OPEN",
        type_="rule-violation",
    )
    assert (await read(client, staff(as_role), deviation_id)).json() == before
    assert [e["action"] for e in await audit_events(client, as_role, "deviation")] == ["CREATE"]


async def test_deviation_is_closed_once_its_actions_are_done_or_cancelled(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    for status in ("DONE", "CANCELLED"):
        await set_status(client, staff(as_role), await add_action(client, staff(as_role), deviation_id), status)
    response = await close(client, namnd(as_role), deviation_id)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["closing_note"], body["closed_by"]) == ("CLOSED", CLOSURE["closing_note"], "user-namnd")
    assert body["closed_at"] and response.headers["etag"] == f'"{deviation_id}.2"'
    events = await audit_events(client, as_role, "deviation")
    assert [(e["action"], e["before"] and e["before"]["status"], e["after"]["status"]) for e in events] == [
        ("CLOSE", "OPEN", "CLOSED"),
        ("CREATE", None, "OPEN"),
    ]


async def test_closed_deviation_keeps_its_actions_as_they_were(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    action = await set_status(client, staff(as_role), await add_action(client, staff(as_role), deviation_id), "DONE")
    assert (await close(client, staff(as_role), deviation_id)).status_code == 200
    assert_problem(await close(client, staff(as_role), deviation_id), 409, detail_contains="already closed")
    added = await client.post(f"{DEVIATIONS}/{deviation_id}/actions", json=ACTION, headers=staff(as_role))
    assert_problem(added, 409, detail_contains="a closed deviation is kept as it was closed: it takes no new actions")
    reopened = await client.patch(
        f"{API}/actions/{action.json()['id']}", json={"status": "OPEN"}, headers=staff(as_role) | {"If-Match": action.headers["etag"]}
    )
    assert_problem(reopened, 409, detail_contains="its actions are not changed")
    assert [a["status"] for a in (await read(client, staff(as_role), deviation_id)).json()["actions"]] == ["DONE"]


async def test_closure_needs_if_match_a_note_and_the_boards_scope(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role)
    url = f"{DEVIATIONS}/{deviation_id}/closure"
    assert_problem(await client.post(url, json=CLOSURE), 401)
    assert_problem(await client.post(url, json=CLOSURE, headers=staff(as_role)), 428)
    etag = (await read(client, staff(as_role), deviation_id)).headers["etag"]
    assert_problem(
        await client.post(url, json=CLOSURE, headers=namnd(as_role, OTHER_BOARD) | {"If-Match": etag}),
        403,
        detail_contains="outside your scope",
    )
    assert_problem(await client.post(url, json=CLOSURE, headers=as_role(Role.REVISOR) | {"If-Match": etag}), 403, type_="role-not-allowed")
    missing = await client.post(url, json={}, headers=staff(as_role) | {"If-Match": etag})
    assert_problem(missing, 422)
    assert pointers(missing) == {"#/closing_note"}
    assert_problem(await client.post(f"{DEVIATIONS}/{uuid.uuid4()}/closure", json=CLOSURE, headers=staff(as_role) | {"If-Match": "*"}), 404)
    assert (await read(client, staff(as_role), deviation_id)).json()["status"] == "OPEN"


# --- reading --------------------------------------------------------------------------------


async def test_deviations_are_filtered_by_board_year_and_status_and_paged(client, app, as_role):
    activity_id = await activity_of(app)
    first = await deviation_of(client, app, as_role, activity_id=activity_id)
    second = await deviation_of(client, app, as_role, occasion="2027-T2", activity_id=activity_id)
    await deviation_of(client, app, as_role, year=2028, occasion="2028-T1")
    await deviation_of(client, app, as_role, board=OTHER_BOARD)
    await close(client, staff(as_role), second)
    revisor = as_role(Role.REVISOR)
    page = await client.get(DEVIATIONS, params={"board_org_unit_id": BOARD, "year": 2027, "limit": 1}, headers=revisor)
    rest = await client.get(
        DEVIATIONS, params={"board_org_unit_id": BOARD, "year": 2027, "cursor": page.json()["next_cursor"]}, headers=revisor
    )
    assert [d["id"] for d in page.json()["items"] + rest.json()["items"]] == [first, second]
    open_ = await client.get(DEVIATIONS, params={"year": 2027, "status": "OPEN"}, headers=revisor)
    assert len(open_.json()["items"]) == 2 and second not in {d["id"] for d in open_.json()["items"]}
    assert len((await client.get(DEVIATIONS, headers=staff(as_role))).json()["items"]) == 3


async def test_another_boards_deviations_do_not_exist_for_a_board_but_the_auditors_read_them(client, app, as_role):
    deviation_id = await deviation_of(client, app, as_role, board=OTHER_BOARD)
    action = await add_action(client, staff(as_role, OTHER_BOARD), deviation_id)
    for headers in (namnd(as_role), staff(as_role), as_role(Role.ENHET, UNIT, [UNIT])):
        assert_problem(await client.get(f"{DEVIATIONS}/{deviation_id}", headers=headers), 404, detail_contains=deviation_id)
        assert_problem(await client.get(f"{API}/actions/{action.json()['id']}", headers=headers), 404)
        assert_problem(
            await client.get(DEVIATIONS, params={"board_org_unit_id": OTHER_BOARD}, headers=headers), 404, detail_contains="in your scope"
        )
        assert (await client.get(DEVIATIONS, headers=headers)).json()["items"] == []
    assert (await read(client, as_role(Role.REVISOR), deviation_id)).json()["board_org_unit_id"] == OTHER_BOARD
    assert (
        len((await client.get(DEVIATIONS, params={"board_org_unit_id": OTHER_BOARD}, headers=as_role(Role.REVISOR))).json()["items"]) == 1
    )


async def test_reading_deviations_needs_an_assertion_and_a_domain_role(client, as_role):
    assert_problem(await client.get(DEVIATIONS), 401)
    assert_problem(await client.get(f"{DEVIATIONS}/{uuid.uuid4()}", headers=as_role(Role.ADMIN)), 403, type_="role-not-allowed")
    assert_problem(await client.get(f"{DEVIATIONS}/{uuid.uuid4()}", headers=as_role(Role.REVISOR)), 404)


@pytest.mark.parametrize(("params", "pointer"), [({"status": "RESOLVED"}, "#/query/status"), ({"year": "i år"}, "#/query/year")])
async def test_invalid_deviation_filters_are_refused_with_a_pointer(client, as_role, params, pointer):
    response = await client.get(DEVIATIONS, params=params, headers=as_role(Role.REVISOR))
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
