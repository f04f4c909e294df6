"""Mandate periods: the council's four-year terms, which never overlap and hold their municipal goals."""

import uuid

import pytest

from services.goals.tests import factories
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, assertion_headers, org_unit, pointers

API = "/api/goals/v1"
PERIODS = f"{API}/mandate-periods"
AUDIT = f"{API}/audit-events"
COUNCIL = org_unit(OrgUnitType.COUNCIL)
BOARD = org_unit(OrgUnitType.BOARD)
# The council's decision giving a term another length, as after an extra election.
LENGTH_DECISION = {"body": "Kommunfullmäktige", "decision_date": "2029-03-18", "reference": "KF § 12/2029"}


@pytest.fixture
def council(as_role):
    return as_role(Role.FULLMAKTIGE, COUNCIL)


def reader(as_role, role):
    """A caller of `role` as it usually sits: the council, audit and admin at the root, the others in a subtree."""
    if role in (Role.FULLMAKTIGE, Role.REVISOR, Role.ADMIN):
        return as_role(role)
    return as_role(role, BOARD, [BOARD])


async def create(client, headers, **body):
    response = await client.post(PERIODS, json={"start_year": 2027} | body, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def all_periods(client, as_role):
    response = await client.get(PERIODS, params={"limit": 200}, headers=as_role(Role.REVISOR))
    return response.json()["items"]


async def audit_events(client, as_role, **params):
    response = await client.get(AUDIT, params={"entity_type": "mandate_period"} | params, headers=as_role(Role.REVISOR))
    return response.json()["items"]


async def municipal_goal_in(app, period_id, start_year, end_year):
    period = type("Period", (), {"id": uuid.UUID(period_id)})
    goal, links = factories.goal(uuid.UUID(COUNCIL), level="MUNICIPAL", period=period, start_year=start_year, end_year=end_year)
    await factories.add(app, goal, *links)
    return goal


# --- create -------------------------------------------------------------------------------


async def test_council_creates_a_four_year_period_named_by_default(client, council):
    response = await client.post(PERIODS, json={"start_year": 2027}, headers=council)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["start_year"], body["end_year"], body["name"]) == (2027, 2030, "Mandatperiod 2027–2030")
    assert body["created_by"] == body["updated_by"] == "user-fullmaktige" and body["row_version"] == 1
    assert response.headers["location"] == f"{PERIODS}/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    fetched = await client.get(response.headers["location"], headers=council)
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_period_with_an_explicit_end_and_name(client, council):
    response = await create(client, council, start_year=2031, end_year=2034, name="Valperiod 2031")
    assert (response.json()["end_year"], response.json()["name"], response.json()["length_decision"]) == (2034, "Valperiod 2031", None)


async def test_period_of_another_length_with_its_decision(client, council):
    response = await create(client, council, start_year=2031, end_year=2033, name="Förkortad mandatperiod", length_decision=LENGTH_DECISION)
    body = response.json()
    assert (body["end_year"], body["name"], body["length_decision"]) == (2033, "Förkortad mandatperiod", LENGTH_DECISION)
    assert (await client.get(response.headers["location"], headers=council)).json() == body


@pytest.mark.parametrize(("start_year", "end_year"), [(2027, 2028), (2027, 2045), (2027, 2027), (2027, 2031)])
async def test_period_of_another_length_without_a_decision_is_refused(client, council, as_role, start_year, end_year):
    response = await client.post(PERIODS, json={"start_year": start_year, "end_year": end_year}, headers=council)
    assert_problem(
        response, 409, type_="rule-violation", detail_contains="a mandate period is 4 years unless a decision sets another length"
    )
    assert await all_periods(client, as_role) == []
    assert await audit_events(client, as_role) == []


async def test_even_by_decision_a_period_is_at_most_two_terms(client, council, as_role):
    body = {"start_year": 2027, "end_year": 2045, "length_decision": LENGTH_DECISION}
    response = await client.post(PERIODS, json=body, headers=council)
    assert_problem(response, 409, type_="rule-violation", detail_contains="at most 8 years (two terms), even by decision")
    assert await all_periods(client, as_role) == []


async def test_period_length_follows_the_setting(client, council, as_role, app, monkeypatch):
    monkeypatch.setattr(app.state.settings, "mandate_period_years", 3)
    refused = await client.post(PERIODS, json={"start_year": 2027, "end_year": 2030}, headers=council)
    assert_problem(refused, 409, detail_contains="a mandate period is 3 years unless a decision sets another length")
    assert (await create(client, council, end_year=2029)).json()["end_year"] == 2029


@pytest.mark.parametrize(
    ("decision", "pointer"),
    [
        ({"body": "Kommunfullmäktige", "decision_date": "2029-03-18"}, "#/length_decision/reference"),
        (LENGTH_DECISION | {"decision_date": "i våras"}, "#/length_decision/decision_date"),
        (LENGTH_DECISION | {"body": ""}, "#/length_decision/body"),
    ],
)
async def test_an_incomplete_length_decision_is_422(client, council, as_role, decision, pointer):
    response = await client.post(PERIODS, json={"start_year": 2027, "end_year": 2028, "length_decision": decision}, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await all_periods(client, as_role) == []


async def test_default_length_follows_the_setting(client, council, app, monkeypatch):
    monkeypatch.setattr(app.state.settings, "mandate_period_years", 3)
    response = await create(client, council)
    assert (response.json()["end_year"], response.json()["name"]) == (2029, "Mandatperiod 2027–2029")


async def test_create_without_an_assertion_is_401(client):
    assert_problem(await client.post(PERIODS, json={"start_year": 2027}), 401)


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_only_fullmaktige_creates_a_period(client, as_role, role):
    response = await client.post(PERIODS, json={"start_year": 2027}, headers=reader(as_role, role))
    assert_problem(response, 403, type_="role-not-allowed", detail_contains="roles: fullmaktige")
    assert await all_periods(client, as_role) == []


async def test_fullmaktige_scoped_below_the_municipality_cannot_create_a_period(client, as_role):
    response = await client.post(PERIODS, json={"start_year": 2027}, headers=as_role(Role.FULLMAKTIGE, BOARD, [BOARD]))
    assert_problem(response, 403, type_="forbidden", detail_contains="whole municipality")
    assert await all_periods(client, as_role) == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/start_year"),
        ({"start_year": 1999}, "#/start_year"),
        ({"start_year": 2027, "end_year": "soon"}, "#/end_year"),
        ({"start_year": 2027, "name": ""}, "#/name"),
        ({"start_year": 2027, "name": "x" * 101}, "#/name"),
        ({"start_year": 2027, "status": "OPEN"}, "#/status"),
    ],
)
async def test_invalid_period_is_refused_with_a_pointer(client, council, as_role, body, pointer):
    response = await client.post(PERIODS, json=body, headers=council)
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await all_periods(client, as_role) == []


async def test_period_ending_before_it_starts_is_refused(client, council, as_role):
    response = await client.post(PERIODS, json={"start_year": 2027, "end_year": 2026}, headers=council)
    assert_problem(response, 422, type_="invalid-input", detail_contains="ends in or after the year it starts")
    assert pointers(response) == {"#/end_year"}
    assert await all_periods(client, as_role) == []


@pytest.mark.parametrize(("start_year", "end_year"), [(2027, None), (2025, 2027), (2030, None), (2028, 2029), (2020, 2040)])
async def test_overlapping_periods_are_refused(client, council, as_role, start_year, end_year):
    existing = await create(client, council)
    body = {"start_year": start_year} | ({"end_year": end_year} if end_year else {})
    response = await client.post(PERIODS, json=body, headers=council)
    problem = assert_problem(response, 409, type_="rule-violation", detail_contains="mandate periods do not overlap")
    assert "Mandatperiod 2027–2030" in problem["detail"]
    assert await all_periods(client, as_role) == [existing.json()]


async def test_adjacent_periods_are_accepted(client, council):
    await create(client, council)
    assert (await create(client, council, start_year=2031)).json()["name"] == "Mandatperiod 2031–2034"
    assert (await create(client, council, start_year=2023)).json()["end_year"] == 2026


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
async def test_every_signed_in_role_reads_periods(client, council, as_role, role):
    created = await create(client, council)
    headers = reader(as_role, role)
    listed = await client.get(PERIODS, headers=headers)
    assert listed.status_code == 200 and listed.json() == {"items": [created.json()], "next_cursor": None}
    fetched = await client.get(f"{PERIODS}/{created.json()['id']}", headers=headers)
    assert fetched.status_code == 200 and fetched.json() == created.json()


async def test_list_is_earliest_first_and_paginated(client, council):
    for start in (2031, 2023, 2027):
        await create(client, council, start_year=start)
    page = await client.get(PERIODS, params={"limit": 2}, headers=council)
    assert [p["start_year"] for p in page.json()["items"]] == [2023, 2027]
    rest = await client.get(PERIODS, params={"limit": 2, "cursor": page.json()["next_cursor"]}, headers=council)
    assert [p["start_year"] for p in rest.json()["items"]] == [2031]
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize(("year", "expected"), [(2027, [2027]), (2030, [2027]), (2031, [2031]), (2040, [])])
async def test_year_filter_returns_the_period_containing_the_year(client, council, year, expected):
    await create(client, council)
    await create(client, council, start_year=2031)
    response = await client.get(PERIODS, params={"year": year}, headers=council)
    assert [p["start_year"] for p in response.json()["items"]] == expected


@pytest.mark.parametrize(
    ("params", "pointer"),
    [({"year": "next"}, "#/query/year"), ({"limit": 0}, "#/query/limit"), ({"cursor": "eyJ4IjoxfQ"}, "#/query/cursor")],
)
async def test_invalid_list_parameters_are_422(client, council, params, pointer):
    response = await client.get(PERIODS, params=params, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}


async def test_reads_without_an_assertion_are_401(client):
    assert_problem(await client.get(PERIODS), 401)
    assert_problem(await client.get(f"{PERIODS}/{uuid.uuid4()}"), 401)


async def test_reading_by_a_caller_without_roles_is_403(client, keys):
    nobody = assertion_headers(keys, "goals", Principal(user_id="nobody", name="Ingen", assignments=()))
    assert_problem(await client.get(PERIODS, headers=nobody), 403, type_="role-not-allowed")


async def test_get_of_an_unknown_period_is_404(client, council):
    unknown = uuid.uuid4()
    body = assert_problem(await client.get(f"{PERIODS}/{unknown}", headers=council), 404, type_="not-found")
    assert str(unknown) in body["detail"]


async def test_get_of_a_non_uuid_is_422(client, council):
    response = await client.get(f"{PERIODS}/2027", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/period_id"}


# --- update -------------------------------------------------------------------------------


async def test_update_moves_the_years_and_a_default_name_follows(client, council):
    created = await create(client, council)
    url = f"{PERIODS}/{created.json()['id']}"
    response = await client.patch(url, json={"start_year": 2026, "end_year": 2029}, headers=council | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["start_year"], body["end_year"], body["name"], body["row_version"]) == (2026, 2029, "Mandatperiod 2026–2029", 2)
    assert response.headers["etag"] == f'"{body["id"]}.2"'
    assert (await client.get(url, headers=council)).json() == body


async def test_update_keeps_a_chosen_name(client, council):
    created = await create(client, council, name="Valperiod 27")
    response = await client.patch(
        f"{PERIODS}/{created.json()['id']}",
        json={"start_year": 2028, "end_year": 2031},
        headers=council | {"If-Match": created.headers["etag"]},
    )
    assert (response.json()["end_year"], response.json()["name"]) == (2031, "Valperiod 27")


@pytest.mark.parametrize("body", [{"end_year": 2031}, {"start_year": 2028}, {"start_year": 2020, "end_year": 2040}])
async def test_update_to_another_length_without_a_decision_is_refused(client, council, as_role, body):
    created = await create(client, council)
    response = await client.patch(f"{PERIODS}/{created.json()['id']}", json=body, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, type_="rule-violation", detail_contains="unless a decision sets another length")
    assert await all_periods(client, as_role) == [created.json()]
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


async def test_update_to_another_length_with_its_decision(client, council, as_role):
    created = await create(client, council)
    url = f"{PERIODS}/{created.json()['id']}"
    response = await client.patch(
        url, json={"end_year": 2028, "length_decision": LENGTH_DECISION}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["end_year"], body["name"], body["length_decision"]) == (2028, "Mandatperiod 2027–2028", LENGTH_DECISION)
    renamed = await client.patch(url, json={"name": "Kort period"}, headers=council | {"If-Match": response.headers["etag"]})
    assert renamed.status_code == 200 and renamed.json()["length_decision"] == LENGTH_DECISION, "the decision stays with the term"
    refused = await client.patch(url, json={"length_decision": None}, headers=council | {"If-Match": renamed.headers["etag"]})
    assert_problem(refused, 422, detail_contains="length_decision cannot be cleared")
    assert [e["action"] for e in await audit_events(client, as_role)] == ["UPDATE", "UPDATE", "CREATE"]


async def test_update_within_two_terms_only_even_by_decision(client, council, as_role):
    created = await create(client, council)
    response = await client.patch(
        f"{PERIODS}/{created.json()['id']}",
        json={"end_year": 2040, "length_decision": LENGTH_DECISION},
        headers=council | {"If-Match": created.headers["etag"]},
    )
    assert_problem(response, 409, detail_contains="at most 8 years (two terms), even by decision")
    assert await all_periods(client, as_role) == [created.json()]


async def test_update_that_changes_nothing_keeps_the_version(client, council, as_role):
    created = await create(client, council)
    response = await client.patch(
        f"{PERIODS}/{created.json()['id']}", json={"start_year": 2027}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert response.status_code == 200 and response.headers["etag"] == created.headers["etag"]
    assert [e["action"] for e in await audit_events(client, as_role)] == ["CREATE"]


async def test_update_without_if_match_is_428(client, council):
    created = await create(client, council)
    response = await client.patch(f"{PERIODS}/{created.json()['id']}", json={"name": "Ny"}, headers=council)
    assert_problem(response, 428, detail_contains="If-Match")


async def test_update_with_a_stale_etag_is_412(client, council):
    created = await create(client, council)
    url = f"{PERIODS}/{created.json()['id']}"
    first = await client.patch(url, json={"name": "Först"}, headers=council | {"If-Match": created.headers["etag"]})
    late = await client.patch(url, json={"name": "Sent"}, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(late, 412)
    assert (await client.get(url, headers=council)).json() == first.json()


async def test_update_of_an_unknown_period_is_404(client, council):
    assert_problem(await client.patch(f"{PERIODS}/{uuid.uuid4()}", json={"name": "x"}, headers=council | {"If-Match": "*"}), 404)


async def test_update_without_an_assertion_is_401(client):
    assert_problem(await client.patch(f"{PERIODS}/{uuid.uuid4()}", json={"name": "x"}), 401)


@pytest.mark.parametrize("headers", ["namnd", "scoped_council"])
async def test_update_outside_policy_or_scope_is_403(client, council, as_role, headers):
    created = await create(client, council)
    caller = as_role(Role.NAMND, BOARD, [BOARD]) if headers == "namnd" else as_role(Role.FULLMAKTIGE, BOARD, [BOARD])
    response = await client.patch(
        f"{PERIODS}/{created.json()['id']}", json={"name": "x"}, headers=caller | {"If-Match": created.headers["etag"]}
    )
    assert_problem(response, 403)
    assert await all_periods(client, as_role) == [created.json()]


@pytest.mark.parametrize(
    ("body", "pointer", "detail"),
    [
        ({"end_year": 2026}, "#/end_year", "ends in or after the year it starts"),
        ({"name": None}, "#/name", "cannot be cleared"),
        ({"start_year": 2101}, "#/start_year", None),
    ],
)
async def test_invalid_update_is_422_and_changes_nothing(client, council, as_role, body, pointer, detail):
    created = await create(client, council)
    response = await client.patch(f"{PERIODS}/{created.json()['id']}", json=body, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, detail_contains=detail)
    assert pointer in pointers(response)
    assert await all_periods(client, as_role) == [created.json()]


async def test_update_into_an_overlap_is_refused(client, council, as_role):
    first = await create(client, council)
    second = await create(client, council, start_year=2031)
    response = await client.patch(
        f"{PERIODS}/{second.json()['id']}", json={"start_year": 2030}, headers=council | {"If-Match": second.headers["etag"]}
    )
    assert_problem(response, 409, type_="rule-violation", detail_contains="mandate periods do not overlap")
    assert await all_periods(client, as_role) == [first.json(), second.json()]


async def test_change_leaving_a_municipal_goal_outside_the_period_is_refused(client, council, app, as_role):
    created = await create(client, council)
    await municipal_goal_in(app, created.json()["id"], 2029, 2030)
    url = f"{PERIODS}/{created.json()['id']}"
    response = await client.patch(url, json={"end_year": 2029}, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, type_="rule-violation", detail_contains="a mandate period holds the years of its goals: 1 goal(s)")
    assert await all_periods(client, as_role) == [created.json()]
    widened = await client.patch(
        url,
        json={"start_year": 2026, "end_year": 2030, "length_decision": LENGTH_DECISION},
        headers=council | {"If-Match": created.headers["etag"]},
    )
    assert widened.status_code == 200, "a change that keeps the goals inside is fine"


# --- delete -------------------------------------------------------------------------------


async def test_deleting_a_period_without_goals(client, council, as_role):
    created = await create(client, council)
    url = f"{PERIODS}/{created.json()['id']}"
    response = await client.delete(url, headers=council | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204 and response.content == b""
    assert_problem(await client.get(url, headers=council), 404)


async def test_deleting_a_period_with_goals_is_refused(client, council, app, as_role):
    created = await create(client, council)
    await municipal_goal_in(app, created.json()["id"], 2027, 2030)
    response = await client.delete(f"{PERIODS}/{created.json()['id']}", headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 409, type_="rule-violation", detail_contains="a mandate period with goals is not deleted: 1 goal(s)")
    assert await all_periods(client, as_role) == [created.json()]


async def test_deleting_without_if_match_is_428(client, council):
    created = await create(client, council)
    assert_problem(await client.delete(f"{PERIODS}/{created.json()['id']}", headers=council), 428)


async def test_deleting_an_unknown_period_is_404(client, council):
    assert_problem(await client.delete(f"{PERIODS}/{uuid.uuid4()}", headers=council | {"If-Match": "*"}), 404)


async def test_deleting_a_non_uuid_is_422(client, council):
    assert_problem(await client.delete(f"{PERIODS}/x", headers=council | {"If-Match": "*"}), 422)


async def test_deleting_without_an_assertion_is_401(client):
    assert_problem(await client.delete(f"{PERIODS}/{uuid.uuid4()}"), 401)


@pytest.mark.parametrize("role", [Role.NAMND, Role.REVISOR])
async def test_deleting_is_refused_to_other_roles(client, council, as_role, role):
    created = await create(client, council)
    response = await client.delete(
        f"{PERIODS}/{created.json()['id']}", headers=reader(as_role, role) | {"If-Match": created.headers["etag"]}
    )
    assert_problem(response, 403, type_="role-not-allowed")
    assert await all_periods(client, as_role) == [created.json()]


# --- audit --------------------------------------------------------------------------------


async def test_every_period_write_is_audited(client, council, as_role):
    created = await create(client, council)
    period_id = created.json()["id"]
    updated = await client.patch(f"{PERIODS}/{period_id}", json={"name": "Ny"}, headers=council | {"If-Match": created.headers["etag"]})
    await client.delete(f"{PERIODS}/{period_id}", headers=council | {"If-Match": updated.headers["etag"]})
    await client.post(PERIODS, json={"start_year": 2027, "end_year": 2020}, headers=council)  # refused: no event
    events = await audit_events(client, as_role)
    assert [(e["action"], e["entity_id"]) for e in events] == [("DELETE", period_id), ("UPDATE", period_id), ("CREATE", period_id)]
    delete_, update, create_ = events
    assert create_["after"] == created.json() and create_["before"] is None
    assert update["before"]["name"] == "Mandatperiod 2027–2030" and update["after"] == updated.json()
    assert delete_["before"] == updated.json() and delete_["after"] is None
    assert {e["actor_id"] for e in events} == {"user-fullmaktige"}


async def test_period_operations_declare_their_roles(client, council):
    schema = (await client.get("/openapi.json", headers=council)).json()
    operations = {op["operationId"]: op for item in schema["paths"].values() for op in item.values()}
    readers = sorted(r.value for r in Role)
    assert sorted(operations["periods-list-mandate-periods"]["x-roles"]) == readers
    assert sorted(operations["periods-get-mandate-period"]["x-roles"]) == readers
    for name in ("create-mandate-period", "update-mandate-period", "delete-mandate-period"):
        assert operations[f"periods-{name}"]["x-roles"] == ["fullmaktige"]
