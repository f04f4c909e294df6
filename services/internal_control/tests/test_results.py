"""Control results: recorded per activity and occasion, only for a board's decided control plan,
written and read in the board's scope (the auditors read all)."""

import uuid

import pytest

from services.internal_control.tests.support.api import API, AUDIT, audit_events
from services.internal_control.tests.support.execution import DEVIATION, DEVIATIONS, NO_REMARK, activity_of, record
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD, UNIT, namnd, staff
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers

RESULTS = f"{API}/results"


def results_url(activity_id: str) -> str:
    return f"{API}/control-activities/{activity_id}/results"


# --- recording ------------------------------------------------------------------------------


async def test_administration_records_a_result_without_remark(client, app, as_role):
    activity_id = await activity_of(app)
    response = await client.post(results_url(activity_id), json=NO_REMARK, headers=staff(as_role))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["activity_id"], body["board_org_unit_id"], body["year"]) == (activity_id, BOARD, 2027)
    assert (body["occasion"], body["outcome"], body["checked_on"], body["deviation_id"]) == ("2027-T1", "NO_REMARK", "2027-04-28", None)
    assert body["created_by"] == "user-forvaltning"
    events = await audit_events(client, as_role, "control_result")
    assert [(e["action"], e["entity_id"], e["after"]["outcome"]) for e in events] == [("CREATE", body["id"], "NO_REMARK")]
    assert (await client.get(DEVIATIONS, headers=as_role(Role.REVISOR))).json()["items"] == []


async def test_result_with_a_deviation_opens_the_deviation(client, app, as_role):
    activity_id = await activity_of(app)
    body = await record(client, staff(as_role), activity_id, DEVIATION)
    assert body["deviation_id"]
    deviation = (await client.get(f"{DEVIATIONS}/{body['deviation_id']}", headers=staff(as_role))).json()
    assert (deviation["result_id"], deviation["status"], deviation["description"]) == (body["id"], "OPEN", "Två fakturor utan attest.")
    assert (deviation["occasion"], deviation["area"], deviation["actions"]) == ("2027-T1", "Ekonomi", [])
    assert [e["action"] for e in await audit_events(client, as_role, "deviation")] == ["CREATE"]


@pytest.mark.parametrize("role", [Role.NAMND, Role.ENHET])
async def test_board_and_unit_record_results_in_the_boards_scope(client, app, as_role, role):
    activity_id = await activity_of(app)
    body = await record(client, as_role(role, BOARD if role == Role.NAMND else UNIT, [BOARD, UNIT]), activity_id)
    assert body["created_by"] == f"user-{role.value}"


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PROPOSED, Status.ARCHIVED])
async def test_result_for_an_activity_outside_a_decided_plan_is_refused(client, app, as_role, status):
    activity_id = await activity_of(app, status=status)
    response = await client.post(results_url(activity_id), json=DEVIATION, headers=staff(as_role))
    body = assert_problem(
        response, 409, detail_contains="results are recorded only for control activities of a decided control plan", type_="rule-violation"
    )
    assert body["detail"].endswith(status.value)
    assert (await client.get(results_url(activity_id), headers=as_role(Role.REVISOR))).json()["items"] == []
    assert (await client.get(DEVIATIONS, headers=as_role(Role.REVISOR))).json()["items"] == []
    assert await audit_events(client, as_role, "control_result") == []


async def test_second_result_for_the_same_activity_and_occasion_is_refused(client, app, as_role):
    activity_id = await activity_of(app)
    first = await record(client, staff(as_role), activity_id)
    response = await client.post(results_url(activity_id), json=DEVIATION | {"occasion": "2027-T1"}, headers=staff(as_role))
    assert_problem(
        response, 409, detail_contains="one result per control activity and occasion: a result for '2027-T1'", type_="rule-violation"
    )
    listed = (await client.get(results_url(activity_id), headers=staff(as_role))).json()["items"]
    assert [r["id"] for r in listed] == [first["id"]]
    assert (await client.get(DEVIATIONS, headers=as_role(Role.REVISOR))).json()["items"] == []
    await record(client, staff(as_role), activity_id, NO_REMARK | {"occasion": "2027-T2"})


async def test_recording_a_result_needs_an_assertion(client, app):
    activity_id = await activity_of(app)
    assert_problem(await client.post(results_url(activity_id), json=NO_REMARK), 401, type_="invalid-assertion")


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN])
async def test_results_are_recorded_by_the_board_administration_and_units_only(client, app, as_role, role):
    activity_id = await activity_of(app)
    body = assert_problem(await client.post(results_url(activity_id), json=NO_REMARK, headers=as_role(role)), 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: enhet, forvaltning, namnd")
    assert (await client.get(results_url(activity_id), headers=as_role(Role.REVISOR))).json()["items"] == []


async def test_result_for_another_boards_activity_is_refused(client, app, as_role):
    activity_id = await activity_of(app, board=OTHER_BOARD)
    response = await client.post(results_url(activity_id), json=NO_REMARK, headers=staff(as_role))
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert (await client.get(results_url(activity_id), headers=as_role(Role.REVISOR))).json()["items"] == []


async def test_result_for_an_unknown_activity_is_a_404(client, as_role):
    missing = uuid.uuid4()
    assert_problem(await client.post(results_url(str(missing)), json=NO_REMARK, headers=staff(as_role)), 404, detail_contains=str(missing))


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"outcome": "MAYBE"}, "#/outcome"),
        ({"occasion": "   "}, "#/occasion"),
        ({"occasion": "x" * 41}, "#/occasion"),
        ({"checked_on": "den 28 april"}, "#/checked_on"),
        ({"outcome": "DEVIATION"}, "#/deviation_description"),
        ({"deviation_description": "ingen avvikelse"}, "#/deviation_description"),
        ({"grade": 3}, "#/grade"),
    ],
)
async def test_invalid_results_are_refused_with_a_pointer(client, app, as_role, changes, pointer):
    activity_id = await activity_of(app)
    response = await client.post(results_url(activity_id), json=NO_REMARK | changes, headers=staff(as_role))
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert (await client.get(results_url(activity_id), headers=as_role(Role.REVISOR))).json()["items"] == []


async def test_empty_body_creates_nothing(client, app, as_role):
    activity_id = await activity_of(app)
    response = await client.post(results_url(activity_id), json={}, headers=staff(as_role))
    assert_problem(response, 422)
    assert pointers(response) == {"#/occasion", "#/outcome", "#/checked_on"}
    assert (await client.get(results_url(activity_id), headers=as_role(Role.REVISOR))).json()["items"] == []


# --- reading --------------------------------------------------------------------------------


async def test_results_of_an_activity_are_listed_in_pages(client, app, as_role):
    activity_id = await activity_of(app)
    recorded = [await record(client, staff(as_role), activity_id, NO_REMARK | {"occasion": f"2027-T{n}"}) for n in (1, 2, 3)]
    first = await client.get(results_url(activity_id), params={"limit": 2}, headers=namnd(as_role))
    assert first.status_code == 200
    rest = await client.get(results_url(activity_id), params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=namnd(as_role))
    assert [r["id"] for r in first.json()["items"] + rest.json()["items"]] == [r["id"] for r in recorded]
    assert rest.json()["next_cursor"] is None


async def test_another_boards_results_do_not_exist_for_a_board_but_the_auditors_read_them(client, app, as_role):
    activity_id = await activity_of(app, board=OTHER_BOARD)
    await record(client, staff(as_role, OTHER_BOARD), activity_id)
    for headers in (namnd(as_role), staff(as_role), as_role(Role.ENHET, UNIT, [UNIT])):
        assert_problem(await client.get(results_url(activity_id), headers=headers), 404, detail_contains=activity_id)
        assert_problem(
            await client.get(RESULTS, params={"board_org_unit_id": OTHER_BOARD}, headers=headers), 404, detail_contains="in your scope"
        )
        assert (await client.get(RESULTS, headers=headers)).json()["items"] == []
    for reader in (as_role(Role.REVISOR), as_role(Role.FULLMAKTIGE)):
        assert len((await client.get(results_url(activity_id), headers=reader)).json()["items"]) == 1
        assert len((await client.get(RESULTS, headers=reader)).json()["items"]) == 1


async def test_results_are_filtered_by_board_and_year(client, app, as_role):
    this_year, next_year, other = await activity_of(app), await activity_of(app, year=2028), await activity_of(app, board=OTHER_BOARD)
    ours = await record(client, staff(as_role), this_year)
    await record(client, staff(as_role), next_year, NO_REMARK | {"occasion": "2028-T1"})
    await record(client, staff(as_role, OTHER_BOARD), other)
    revisor = as_role(Role.REVISOR)
    found = await client.get(RESULTS, params={"board_org_unit_id": BOARD, "year": 2027}, headers=revisor)
    assert [r["id"] for r in found.json()["items"]] == [ours["id"]]
    assert len((await client.get(RESULTS, params={"year": 2027}, headers=revisor)).json()["items"]) == 2
    assert len((await client.get(RESULTS, headers=staff(as_role))).json()["items"]) == 2


async def test_reading_results_needs_an_assertion_and_a_domain_role(client, app, as_role):
    activity_id = await activity_of(app)
    assert_problem(await client.get(RESULTS), 401)
    assert_problem(await client.get(results_url(activity_id)), 401)
    assert_problem(await client.get(RESULTS, headers=as_role(Role.ADMIN)), 403, type_="role-not-allowed")


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"year": 1999}, "#/query/year"),
        ({"cursor": "not-ours"}, "#/query/cursor"),
        ({"limit": 0}, "#/query/limit"),
        ({"board_org_unit_id": "styrelsen"}, "#/query/board_org_unit_id"),
    ],
)
async def test_invalid_result_filters_are_refused_with_a_pointer(client, as_role, params, pointer):
    response = await client.get(RESULTS, params=params, headers=as_role(Role.REVISOR))
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_results_of_an_unknown_activity_are_a_404(client, as_role):
    assert_problem(await client.get(results_url(str(uuid.uuid4())), headers=as_role(Role.REVISOR)), 404)


# --- the area as a whole --------------------------------------------------------------------

AREA_TAGS = {"control-execution", "control-followup"}


async def test_every_operation_of_the_area_ends_harmlessly_on_random_ids_and_an_empty_body(client, as_role):
    """What the whole-system policy probe does: every allowed role, random UUIDs, `{}` bodies."""
    schema = (await client.get("/openapi.json", headers=as_role(Role.REVISOR))).json()
    probed = 0
    for template, item in schema["paths"].items():
        for method, operation in item.items():
            if not AREA_TAGS & set(operation["tags"]):
                continue
            path = template
            for name in ("activity_id", "deviation_id", "action_id", "report_id", "year"):
                path = path.replace("{" + name + "}", str(uuid.uuid4()))
            for role in operation["x-roles"]:
                body = {"json": {}} if "requestBody" in operation else {}
                response = await client.request(method.upper(), path, headers=as_role(Role(role)), **body)
                assert response.status_code in (200, 404, 422), (method, template, role, response.text)
                probed += 1
    assert probed >= 30
    assert (await client.get(AUDIT, headers=as_role(Role.REVISOR))).json()["items"] == []
