"""Investment projects (seed: "Investeringar"): owned by a board, with amounts per year, held
against the board's investment frame of the decided budget — exceeding it is flagged, not refused."""

import uuid

import pytest

from services.budget.tests.support.allocations import API, BOARD, OTHER_BOARD, YEAR, add_budget, add_frame, audit_events, everything
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

PROJECTS = f"{API}/investment-projects"
PLAN = f"{API}/investment-plans/{BOARD}/{YEAR}"
PROJECT = {
    "board_org_unit_id": BOARD,
    "name": "Ny förskola Kolbäck",
    "description": "Förskola med sex avdelningar.",
    "external_codes": {"stratsys": "INV-0012"},
}


@pytest.fixture
def administration(as_role):
    return as_role(Role.FORVALTNING, str(uuid.uuid4()), [BOARD])


async def create_project(client, headers, **changes):
    response = await client.post(PROJECTS, json=PROJECT | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def put_amounts(client, headers, created, amounts, if_match=None):
    return await client.put(
        f"{PROJECTS}/{created.json()['id']}/amounts", json=amounts, headers=headers | {"If-Match": if_match or created.headers["etag"]}
    )


async def test_administration_plans_a_project_with_amounts_per_year(client, administration, as_role):
    created = await create_project(client, administration)
    project = created.json()
    assert (project["status"], project["amounts"], project["total"], project["external_codes"]) == (
        "PLANNED",
        [],
        "0.00",
        {"stratsys": "INV-0012"},
    )
    assert created.headers["location"] == f"{PROJECTS}/{project['id']}"
    response = await put_amounts(
        client, administration, created, [{"year": 2028, "amount": "3000000.00"}, {"year": 2027, "amount": "1500000.50"}]
    )
    assert response.status_code == 200, response.text
    assert response.json()["amounts"] == [{"year": 2027, "amount": "1500000.50"}, {"year": 2028, "amount": "3000000.00"}]
    assert (response.json()["total"], response.json()["row_version"]) == ("4500000.50", 2)
    read = await client.get(f"{PROJECTS}/{project['id']}", headers=as_role(Role.ENHET, str(uuid.uuid4()), []))
    assert (read.json(), read.headers["etag"]) == (response.json(), response.headers["etag"])


async def test_replacing_amounts_drops_the_years_left_out(client, board):
    created = await create_project(client, board)
    first = await put_amounts(client, board, created, [{"year": 2027, "amount": "1.00"}, {"year": 2028, "amount": "2.00"}])
    second = await put_amounts(client, board, created, [{"year": 2029, "amount": "5.00"}], if_match=first.headers["etag"])
    assert second.json()["amounts"] == [{"year": 2029, "amount": "5.00"}]
    assert_problem(await put_amounts(client, board, created, [], if_match=first.headers["etag"]), 412)
    assert_problem(await client.put(f"{PROJECTS}/{created.json()['id']}/amounts", json=[], headers=board), 428)


@pytest.mark.parametrize(
    ("amounts", "pointer"),
    [
        ([{"year": 2027, "amount": 1500.5}], "#/0/amount"),
        ([{"year": 2027, "amount": "1500,50"}], "#/0/amount"),
        ([{"year": 2027, "amount": "1.001"}], "#/0/amount"),
        ([{"year": 2027, "amount": "-1.00"}], "#/0/amount"),
        ([{"year": 2027, "amount": "1.00"}, {"year": 2027, "amount": "2.00"}], "#/1/year"),
        ([{"year": 1899, "amount": "1.00"}], "#/0/year"),
        ({}, "#"),
    ],
)
async def test_a_float_or_malformed_amount_is_refused_with_a_pointer_and_changes_nothing(client, board, amounts, pointer):
    created = await create_project(client, board)
    first = await put_amounts(client, board, created, [{"year": 2030, "amount": "9.00"}])
    response = await put_amounts(client, board, created, amounts, if_match=first.headers["etag"])
    assert_problem(response, 422)
    assert pointer in pointers(response)
    read = await client.get(f"{PROJECTS}/{created.json()['id']}", headers=board)
    assert (read.json()["amounts"], read.headers["etag"]) == ([{"year": 2030, "amount": "9.00"}], first.headers["etag"])


async def test_a_project_of_another_board_is_refused(client, board, council):
    response = await client.post(PROJECTS, json=PROJECT | {"board_org_unit_id": OTHER_BOARD}, headers=board)
    assert_problem(response, 403, detail_contains="outside your scope")
    theirs = await create_project(client, council, board_org_unit_id=OTHER_BOARD)
    response = await put_amounts(client, board, theirs, [{"year": 2027, "amount": "1.00"}])
    assert_problem(response, 403, detail_contains="outside your scope")
    assert [p["board_org_unit_id"] for p in await everything(client, council, PROJECTS, 10)] == [OTHER_BOARD]
    assert (await client.get(f"{PROJECTS}/{theirs.json()['id']}", headers=board)).json()["amounts"] == []


@pytest.mark.parametrize("role", [Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_projects_are_written_by_fullmaktige_namnd_and_forvaltning_only(client, as_role, role):
    assert_problem(await client.post(PROJECTS, json=PROJECT, headers=as_role(role)), 403, type_="role-not-allowed")


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"name": ""}, "#/name"),
        ({"status": "DONE"}, "#/status"),
        ({"board_org_unit_id": "x"}, "#/board_org_unit_id"),
        ({"cost": "1.00"}, "#/cost"),
    ],
)
async def test_invalid_project_fields_are_refused_with_a_pointer(client, council, changes, pointer):
    response = await client.post(PROJECTS, json=PROJECT | changes, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    assert_problem(await client.post(PROJECTS, json={}, headers=council), 422)
    assert await everything(client, council, PROJECTS, 10) == []


async def test_a_project_changes_status_with_if_match(client, board):
    created = await create_project(client, board)
    url = f"{PROJECTS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json={"status": "ONGOING"}, headers=board), 428)
    assert_problem(await client.patch(url, json={"status": "ONGOING"}, headers=board | {"If-Match": '"old.0"'}), 412)
    response = await client.patch(url, json={"status": "ONGOING"}, headers=board | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["row_version"], response.json()["name"]) == ("ONGOING", 2, PROJECT["name"])
    assert_problem(await client.patch(f"{PROJECTS}/{uuid.uuid4()}", json={"status": "ONGOING"}, headers=board | {"If-Match": "*"}), 404)


async def test_only_a_planned_project_is_deleted(client, board, council):
    planned = await create_project(client, board, name="A")
    ongoing = await create_project(client, board, name="B", status="ONGOING")
    await put_amounts(client, board, planned, [{"year": 2027, "amount": "1.00"}])
    response = await client.delete(f"{PROJECTS}/{ongoing.json()['id']}", headers=board | {"If-Match": "*"})
    assert_problem(response, 409, detail_contains="only a planned investment project is deleted", type_="rule-violation")
    assert (await client.delete(f"{PROJECTS}/{planned.json()['id']}", headers=board | {"If-Match": "*"})).status_code == 204
    assert [p["name"] for p in await everything(client, council, PROJECTS, 10)] == ["B"]


async def test_projects_are_listed_by_name_and_filtered_by_board_year_and_status(client, council, as_role):
    school = await create_project(client, council, name="Skola")
    await put_amounts(client, council, school, [{"year": 2027, "amount": "1.00"}])
    preschool = await create_project(client, council, name="Förskola", status="ONGOING")
    await put_amounts(client, council, preschool, [{"year": 2028, "amount": "2.00"}])
    await create_project(client, council, name="Bibliotek", board_org_unit_id=OTHER_BOARD)
    reader = as_role(Role.ENHET, str(uuid.uuid4()), [])
    assert [p["name"] for p in await everything(client, reader, PROJECTS, 1)] == ["Bibliotek", "Förskola", "Skola"]
    assert [p["name"] for p in await everything(client, reader, PROJECTS, 5, board_org_unit_id=BOARD)] == ["Förskola", "Skola"]
    listed = await everything(client, reader, PROJECTS, 5, year=2027)
    assert [(p["name"], p["total"]) for p in listed] == [("Skola", "1.00")]
    assert [p["name"] for p in await everything(client, reader, PROJECTS, 5, status="ONGOING")] == ["Förskola"]
    response = await client.get(PROJECTS, params={"status": "DONE"}, headers=reader)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/status"}
    assert_problem(await client.get(PROJECTS), 401)


async def test_project_reads_answer_404_and_422(client, council):
    assert_problem(await client.get(f"{PROJECTS}/{uuid.uuid4()}", headers=council), 404)
    response = await client.get(f"{PROJECTS}/nope", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/project_id"}
    assert_problem(await client.put(f"{PROJECTS}/{uuid.uuid4()}/amounts", json=[], headers=council | {"If-Match": "*"}), 404)


async def test_the_investment_plan_flags_projects_above_the_frame(client, app, board, as_role):
    await add_budget(app, {(BOARD, "INVESTMENT"): "1000.00", (BOARD, "OPERATING"): "99999.00"})
    preschool, school = await create_project(client, board, name="Förskola"), await create_project(client, board, name="Skola")
    cancelled = await create_project(client, board, name="Sporthall", status="CANCELLED")
    await put_amounts(client, board, preschool, [{"year": YEAR, "amount": "600.00"}, {"year": YEAR + 1, "amount": "5000.00"}])
    await put_amounts(client, board, cancelled, [{"year": YEAR, "amount": "900.00"}])
    reader = as_role(Role.ENHET, str(uuid.uuid4()), [])
    plan = (await client.get(PLAN, headers=reader)).json()
    assert (plan["total"], plan["frame"]["amount"], plan["exceeds_frame"]) == ("600.00", "1000.00", False)
    await put_amounts(client, board, school, [{"year": YEAR, "amount": "400.01"}])
    plan = (await client.get(PLAN, headers=reader)).json()
    assert (plan["total"], plan["exceeds_frame"]) == ("1000.01", True)


async def test_the_investment_plan_without_a_decided_frame_shows_no_flag(client, app, board):
    await add_frame(app, "1000.00", kind="OPERATING")
    created = await create_project(client, board)
    await put_amounts(client, board, created, [{"year": YEAR, "amount": "10.00"}])
    plan = (await client.get(PLAN, headers=board)).json()
    assert (plan["total"], plan["frame"], plan["exceeds_frame"]) == ("10.00", None, None)


async def test_the_investment_plan_of_a_board_with_nothing_is_404_and_validates_its_path(client, board):
    assert_problem(await client.get(PLAN, headers=board), 404)
    response = await client.get(f"{API}/investment-plans/{BOARD}/20270", headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/year"}
    assert_problem(await client.get(PLAN), 401)


async def test_project_writes_are_audited(client, board, as_role):
    created = await create_project(client, board)
    amounts = await put_amounts(client, board, created, [{"year": YEAR, "amount": "10.00"}])
    await client.patch(
        f"{PROJECTS}/{created.json()['id']}", json={"status": "CANCELLED"}, headers=board | {"If-Match": amounts.headers["etag"]}
    )
    update, replace, create = await audit_events(client, as_role, entity_id=created.json()["id"])
    assert [e["action"] for e in (update, replace, create)] == ["UPDATE", "REPLACE_AMOUNTS", "CREATE"]
    assert (replace["before"]["total"], replace["after"]["total"]) == ("0.00", "10.00")
    assert (update["before"]["status"], update["after"]["status"]) == ("PLANNED", "CANCELLED")
