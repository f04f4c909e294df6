"""A board's activity areas and cost centres, and its allocation of the operating frame over them
(seed: "Ekonomistyrning", "Budget och resursfördelning"): the sum never exceeds the frame."""

import uuid

import pytest

from services.budget.tests.support.allocations import (
    ADMINISTRATION,
    ALLOCATION,
    API,
    AREAS,
    BOARD,
    COST_CENTERS,
    CREATE,
    HOME_CARE,
    OTHER_BOARD,
    YEAR,
    add_budget,
    add_frame,
    audit_events,
    create_area,
    create_cost_center,
    everything,
    line,
    put_allocation,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers

# The callers of these tests. conftest.py's board has only itself in scope; this module's board and
# administration also reach the unit below them, so the module defines its own of those names.


@pytest.fixture
def board(as_role):
    """The board, with its administration and a unit below it in scope."""
    return as_role(Role.NAMND, BOARD, [BOARD, ADMINISTRATION, HOME_CARE])


@pytest.fixture
def administration(as_role):
    """An administration's scope also covers the board it serves."""
    return as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, BOARD, HOME_CARE])


@pytest.fixture
def other_board(as_role):
    return as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])


# --- activity areas -----------------------------------------------------------------------


async def test_administration_adds_an_activity_area_to_its_board(client, administration):
    response = await client.post(AREAS, json={"board_org_unit_id": BOARD, "code": "410", "name": "Äldreomsorg"}, headers=administration)
    assert response.status_code == 201, response.text
    area = response.json()
    assert (area["board_org_unit_id"], area["code"], area["name"], area["row_version"]) == (BOARD, "410", "Äldreomsorg", 1)
    assert response.headers["location"] == f"{AREAS}/{area['id']}"
    assert response.headers["etag"] == f'"{area["id"]}.1"'


async def test_an_area_code_is_unique_within_its_board(client, administration, council, as_role):
    await create_area(client, administration)
    response = await client.post(AREAS, json={"board_org_unit_id": BOARD, "code": "410", "name": "Annat"}, headers=administration)
    assert_problem(response, 409, detail_contains="code is unique within its board", type_="rule-violation")
    await create_area(client, council, board=OTHER_BOARD)  # another board may use the same code
    assert len(await everything(client, council, AREAS, 10, board_org_unit_id=BOARD)) == 1


@pytest.mark.parametrize("role", [Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_activity_areas_are_written_by_fullmaktige_namnd_and_forvaltning_only(client, as_role, role):
    response = await client.post(AREAS, json={"board_org_unit_id": BOARD, "code": "410", "name": "Äldreomsorg"}, headers=as_role(role))
    assert_problem(response, 403, type_="role-not-allowed")


async def test_an_area_of_another_board_is_refused_to_a_board(client, board, council):
    response = await client.post(AREAS, json={"board_org_unit_id": OTHER_BOARD, "code": "410", "name": "X"}, headers=board)
    assert_problem(response, 403, detail_contains="outside your scope")
    assert await everything(client, council, AREAS, 10) == []


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/board_org_unit_id"),
        ({"board_org_unit_id": "not-a-uuid", "code": "410", "name": "X"}, "#/board_org_unit_id"),
        ({"board_org_unit_id": BOARD, "code": "", "name": "X"}, "#/code"),
        ({"board_org_unit_id": BOARD, "code": "410", "name": "X", "budget": "1.00"}, "#/budget"),
    ],
)
async def test_invalid_area_fields_are_refused_with_a_pointer(client, council, body, pointer):
    response = await client.post(AREAS, json=body, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await everything(client, council, AREAS, 10) == []


async def test_areas_are_readable_by_every_signed_in_user_and_not_without_an_assertion(client, council, as_role):
    area = await create_area(client, council)
    for role in Role:
        response = await client.get(f"{AREAS}/{area['id']}", headers=as_role(role, str(uuid.uuid4()), []))
        assert response.status_code == 200, (role, response.text)
    assert_problem(await client.get(f"{AREAS}/{area['id']}"), 401)
    assert_problem(await client.get(AREAS), 401)


async def test_unknown_area_is_404_and_a_malformed_id_422(client, council):
    assert_problem(await client.get(f"{AREAS}/{uuid.uuid4()}", headers=council), 404)
    response = await client.get(f"{AREAS}/not-an-id", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/area_id"}


async def test_areas_are_listed_by_code_filtered_by_board_and_paginated(client, council):
    for code in ("430", "410", "420"):
        await create_area(client, council, code=code, name=f"Område {code}")
    await create_area(client, council, code="100", board=OTHER_BOARD)
    listed = await everything(client, council, AREAS, 2, board_org_unit_id=BOARD)
    assert [a["code"] for a in listed] == ["410", "420", "430"]
    assert len(await everything(client, council, AREAS, 1)) == 4
    assert_problem(await client.get(AREAS, params={"cursor": "bogus"}, headers=council), 422)


async def test_administration_renames_an_area_with_if_match(client, administration):
    area = await create_area(client, administration)
    url = f"{AREAS}/{area['id']}"
    response = await client.patch(url, json={"name": "Vård och omsorg"}, headers=administration | {"If-Match": f'"{area["id"]}.1"'})
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["row_version"]) == ("Vård och omsorg", 2)
    assert response.headers["etag"] == f'"{area["id"]}.2"'


async def test_area_update_without_if_match_is_428_with_a_stale_one_412_and_out_of_scope_403(client, administration, other_board):
    area = await create_area(client, administration)
    url = f"{AREAS}/{area['id']}"
    assert_problem(await client.patch(url, json={"name": "X"}, headers=administration), 428)
    assert_problem(await client.patch(url, json={"name": "X"}, headers=administration | {"If-Match": '"stale.0"'}), 412)
    assert_problem(await client.patch(url, json={"name": "X"}, headers=other_board | {"If-Match": "*"}), 403)
    assert_problem(await client.patch(f"{AREAS}/{uuid.uuid4()}", json={"name": "X"}, headers=administration | {"If-Match": "*"}), 404)
    response = await client.patch(url, json={"name": None}, headers=administration | {"If-Match": "*"})
    assert_problem(response, 422)
    assert pointers(response) == {"#/name"}
    assert (await client.get(url, headers=administration)).json()["name"] == "Äldreomsorg"


async def test_an_unused_area_is_deleted_and_one_in_use_is_kept(client, administration, council):
    unused = await create_area(client, administration, code="420", name="Individ- och familjeomsorg")
    used = await create_area(client, administration)
    await create_cost_center(client, administration, used["id"])
    response = await client.delete(f"{AREAS}/{used['id']}", headers=administration | {"If-Match": "*"})
    assert_problem(response, 409, detail_contains="an activity area in use is kept", type_="rule-violation")
    assert (await client.delete(f"{AREAS}/{unused['id']}", headers=administration | {"If-Match": "*"})).status_code == 204
    assert [a["id"] for a in await everything(client, council, AREAS, 10)] == [used["id"]]


async def test_area_writes_are_audited(client, administration, as_role):
    area = await create_area(client, administration)
    await client.patch(f"{AREAS}/{area['id']}", json={"name": "Omsorg"}, headers=administration | {"If-Match": "*"})
    await client.delete(f"{AREAS}/{area['id']}", headers=administration | {"If-Match": "*"})
    events = await audit_events(client, as_role, entity_id=area["id"])
    assert [e["action"] for e in events] == ["DELETE", "UPDATE", "CREATE"]
    assert events[1]["before"]["name"] == "Äldreomsorg" and events[1]["after"]["name"] == "Omsorg"


# --- cost centres -------------------------------------------------------------------------


async def test_board_adds_a_cost_centre_serving_one_of_its_units(client, board):
    area = await create_area(client, board)
    response = await client.post(
        COST_CENTERS,
        json={"code": "41010", "name": "Hemtjänst norr", "activity_area_id": area["id"], "org_unit_id": HOME_CARE},
        headers=board,
    )
    assert response.status_code == 201, response.text
    assert (response.json()["activity_area_id"], response.json()["org_unit_id"]) == (area["id"], HOME_CARE)
    assert response.headers["etag"] == f'"{response.json()["id"]}.1"'


async def test_a_cost_centre_code_is_unique_across_boards(client, council):
    mine, theirs = await create_area(client, council), await create_area(client, council, board=OTHER_BOARD)
    await create_cost_center(client, council, mine["id"])
    response = await client.post(COST_CENTERS, json={"code": "41010", "name": "X", "activity_area_id": theirs["id"]}, headers=council)
    assert_problem(response, 409, detail_contains="code is unique in the financial system")


async def test_a_cost_centre_under_another_boards_area_or_unit_is_refused(client, council, board):
    theirs = await create_area(client, council, board=OTHER_BOARD)
    mine = await create_area(client, board)
    response = await client.post(COST_CENTERS, json={"code": "1", "name": "X", "activity_area_id": theirs["id"]}, headers=board)
    assert_problem(response, 403, detail_contains="outside your scope")
    response = await client.post(
        COST_CENTERS, json={"code": "1", "name": "X", "activity_area_id": mine["id"], "org_unit_id": OTHER_BOARD}, headers=board
    )
    assert_problem(response, 403, detail_contains="the org unit a cost centre serves")
    assert await everything(client, council, COST_CENTERS, 10) == []


async def test_a_cost_centre_of_an_unknown_area_is_refused_with_a_pointer(client, council):
    response = await client.post(COST_CENTERS, json={"code": "1", "name": "X", "activity_area_id": str(uuid.uuid4())}, headers=council)
    assert_problem(response, 422, detail_contains="rolls up into an existing activity area")
    assert pointers(response) == {"#/activity_area_id"}
    response = await client.post(COST_CENTERS, json={}, headers=council)
    assert_problem(response, 422)
    assert {"#/code", "#/name", "#/activity_area_id"} <= pointers(response)


async def test_cost_centres_are_listed_by_code_and_filtered_by_board_or_area(client, council, as_role):
    elderly, family = await create_area(client, council), await create_area(client, council, code="420", name="IFO")
    theirs = await create_area(client, council, board=OTHER_BOARD)
    await create_cost_center(client, council, elderly["id"], code="41020")
    await create_cost_center(client, council, elderly["id"], code="41010")
    await create_cost_center(client, council, family["id"], code="42010")
    await create_cost_center(client, council, theirs["id"], code="10010")
    reader = as_role(Role.ENHET, HOME_CARE, [HOME_CARE])
    assert [c["code"] for c in await everything(client, reader, COST_CENTERS, 2, board_org_unit_id=BOARD)] == ["41010", "41020", "42010"]
    assert [c["code"] for c in await everything(client, reader, COST_CENTERS, 5, activity_area_id=elderly["id"])] == ["41010", "41020"]
    assert_problem(await client.get(COST_CENTERS), 401)


async def test_a_cost_centre_moves_only_between_areas_of_its_board(client, council):
    elderly, family = await create_area(client, council), await create_area(client, council, code="420", name="IFO")
    theirs = await create_area(client, council, board=OTHER_BOARD)
    cost_center = await create_cost_center(client, council, elderly["id"])
    url = f"{COST_CENTERS}/{cost_center['id']}"
    response = await client.patch(url, json={"activity_area_id": theirs["id"]}, headers=council | {"If-Match": "*"})
    assert_problem(response, 422, detail_contains="moves only between activity areas of the same board")
    assert pointers(response) == {"#/activity_area_id"}
    response = await client.patch(url, json={"activity_area_id": family["id"]}, headers=council | {"If-Match": f'"{cost_center["id"]}.1"'})
    assert response.status_code == 200, response.text
    assert (response.json()["activity_area_id"], response.json()["row_version"]) == (family["id"], 2)


async def test_cost_centre_update_needs_if_match_scope_and_an_existing_record(client, council, other_board):
    cost_center = await create_cost_center(client, council, (await create_area(client, council))["id"])
    url = f"{COST_CENTERS}/{cost_center['id']}"
    assert_problem(await client.patch(url, json={"name": "Y"}, headers=council), 428)
    assert_problem(await client.patch(url, json={"name": "Y"}, headers=council | {"If-Match": '"x.9"'}), 412)
    assert_problem(await client.patch(url, json={"name": "Y"}, headers=other_board | {"If-Match": "*"}), 403)
    assert_problem(await client.get(f"{COST_CENTERS}/{uuid.uuid4()}", headers=council), 404)
    assert_problem(await client.delete(f"{COST_CENTERS}/{uuid.uuid4()}", headers=council | {"If-Match": "*"}), 404)
    assert (await client.get(url, headers=council)).json()["name"] == "Hemtjänst norr"


async def test_a_cost_centre_in_an_allocation_is_kept(client, app, council, board):
    await add_frame(app, "1000.00")
    area = await create_area(client, council)
    used, unused = (
        await create_cost_center(client, council, area["id"]),
        await create_cost_center(client, council, area["id"], code="41020"),
    )
    assert (await put_allocation(client, board, [line(area, "100.00", used)])).status_code == 200
    response = await client.delete(f"{COST_CENTERS}/{used['id']}", headers=council | {"If-Match": "*"})
    assert_problem(response, 409, detail_contains="a cost centre in use is kept")
    assert (await client.delete(f"{COST_CENTERS}/{unused['id']}", headers=council | {"If-Match": "*"})).status_code == 204
    response = await client.delete(f"{AREAS}/{area['id']}", headers=council | {"If-Match": "*"})
    assert_problem(response, 409, detail_contains="an activity area in use is kept")


# --- allocation ---------------------------------------------------------------------------


@pytest.fixture
async def structure(client, administration):
    """Two activity areas of the board, the first with two cost centres."""
    elderly = await create_area(client, administration)
    family = await create_area(client, administration, code="420", name="Individ- och familjeomsorg")
    north = await create_cost_center(client, administration, elderly["id"], code="41010", name="Hemtjänst norr")
    south = await create_cost_center(client, administration, elderly["id"], code="41020", name="Hemtjänst syd")
    return {"elderly": elderly, "family": family, "north": north, "south": south}


async def test_board_allocates_its_frame_and_reads_what_remains(client, app, board, structure, as_role):
    budget_id = await add_frame(app, "1000000.00")
    lines = [
        line(structure["family"], "250000.00", comment="IFO"),
        line(structure["elderly"], "300000.50", structure["north"]),
        line(structure["elderly"], "100000.00"),
        line(structure["elderly"], "200000.00", structure["south"]),
    ]
    response = await put_allocation(client, board, lines)
    assert response.status_code == 200, response.text
    etag = response.headers["etag"]
    read = (await client.get(ALLOCATION, headers=as_role(Role.ENHET, HOME_CARE, [HOME_CARE]))).json()
    assert read == response.json()
    assert [(ln["activity_area_id"], ln["cost_center_id"], ln["amount"]) for ln in read["lines"]] == [
        (structure["elderly"]["id"], None, "100000.00"),
        (structure["elderly"]["id"], structure["north"]["id"], "300000.50"),
        (structure["elderly"]["id"], structure["south"]["id"], "200000.00"),
        (structure["family"]["id"], None, "250000.00"),
    ]
    assert read["areas"] == [
        {"activity_area_id": structure["elderly"]["id"], "amount": "600000.50"},
        {"activity_area_id": structure["family"]["id"], "amount": "250000.00"},
    ]
    assert (read["total"], read["remaining"], read["frame"]["amount"], read["frame"]["budget_id"]) == (
        "850000.50",
        "149999.50",
        "1000000.00",
        str(budget_id),
    )
    assert read["row_version"] == 1 and etag == (await client.get(ALLOCATION, headers=board)).headers["etag"]


async def test_amounts_stay_exact_to_the_ore_up_to_the_largest_frame(client, app, board, structure):
    await add_frame(app, "9999999999999999.99")
    lines = [line(structure["elderly"], "9999999999999999.98"), line(structure["family"], "0.01")]
    response = await put_allocation(client, board, lines)
    assert response.status_code == 200, response.text
    assert (response.json()["total"], response.json()["remaining"]) == ("9999999999999999.99", "0.00")
    assert (await client.get(ALLOCATION, headers=board)).json()["lines"][0]["amount"] == "9999999999999999.98"


async def test_allocation_above_the_frame_is_refused_and_changes_nothing(client, app, board, structure):
    await add_frame(app, "1000.00")
    first = await put_allocation(client, board, [line(structure["elderly"], "600.00")])
    response = await put_allocation(
        client, board, [line(structure["elderly"], "600.00"), line(structure["family"], "400.01")], {"If-Match": first.headers["etag"]}
    )
    body = assert_problem(response, 409, detail_contains="the sum of a board's allocation never exceeds its frame", type_="rule-violation")
    assert "1000.01" in body["detail"] and "1000.00" in body["detail"] and "0.01" in body["detail"]
    read = await client.get(ALLOCATION, headers=board)
    assert (read.json()["total"], read.headers["etag"]) == ("600.00", first.headers["etag"])


async def test_allocation_uses_the_frame_of_the_decided_budget_in_force(client, app, board, structure):
    await add_frame(app, "5000.00", revision=1, status=Status.ARCHIVED)
    await add_budget(app, {(BOARD, "OPERATING"): "1000.00", (BOARD, "INVESTMENT"): "8000.00"}, revision=2)
    await add_frame(app, "9000.00", revision=3, status=Status.DRAFT)
    await add_frame(app, "7000.00", year=YEAR + 1)
    response = await put_allocation(client, board, [line(structure["elderly"], "1000.01")])
    assert_problem(response, 409, detail_contains="operating frame is 1000.00")
    response = await put_allocation(client, board, [line(structure["elderly"], "1000.00")])
    assert response.status_code == 200, response.text
    assert response.json()["remaining"] == "0.00"


async def test_allocation_without_a_decided_frame_is_refused(client, app, board, structure):
    await add_frame(app, "1000.00", status=Status.PROPOSED)
    await add_frame(app, "1000.00", board=OTHER_BOARD, revision=2)
    assert_problem(await client.get(ALLOCATION, headers=board), 404)
    response = await put_allocation(client, board, [line(structure["elderly"], "1.00")])
    assert_problem(response, 409, detail_contains="no operating frame in a decided budget", type_="rule-violation")
    assert_problem(await client.get(ALLOCATION, headers=board), 404)


async def test_allocation_to_another_boards_areas_is_refused_with_pointers(client, app, council, board, structure):
    await add_frame(app, "1000.00")
    theirs = await create_area(client, council, board=OTHER_BOARD)
    lines = [
        line(theirs, "1.00"),
        line(structure["family"], "1.00", structure["north"]),
        {"activity_area_id": str(uuid.uuid4()), "amount": "1.00"},
        line(structure["elderly"], "1.00"),
        line(structure["elderly"], "2.00"),
    ]
    response = await put_allocation(client, board, lines)
    assert_problem(response, 422, detail_contains="the board's own activity areas and cost centres")
    assert pointers(response) == {"#/lines/0/activity_area_id", "#/lines/1/cost_center_id", "#/lines/2/activity_area_id", "#/lines/4"}
    assert (await client.get(ALLOCATION, headers=board)).json()["lines"] == []


@pytest.mark.parametrize("amount", [1500.5, 1500, "12.345", "tolv", "-1.00", None])
async def test_a_float_or_malformed_amount_is_refused_with_a_pointer(client, app, board, structure, amount):
    await add_frame(app, "1000000.00")
    response = await put_allocation(client, board, [line(structure["family"], "1.00"), line(structure["elderly"], amount)])
    assert_problem(response, 422)
    assert pointers(response) == {"#/lines/1/amount"}
    assert (await client.get(ALLOCATION, headers=board)).json()["row_version"] is None


async def test_a_board_allocating_another_boards_frame_is_refused(client, app, council, other_board, structure):
    await add_frame(app, "1000.00")
    response = await put_allocation(client, other_board, [line(structure["elderly"], "1.00")])
    assert_problem(response, 403, detail_contains="outside your scope")
    assert (await client.get(ALLOCATION, headers=council)).json()["lines"] == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_the_allocation_is_a_board_decision_written_by_namnd_only(client, app, as_role, structure, role):
    await add_frame(app, "1000.00")
    response = await put_allocation(client, as_role(role), [line(structure["elderly"], "1.00")])
    assert_problem(response, 403)
    assert (await client.get(ALLOCATION, headers=as_role(role))).json()["lines"] == []


async def test_replacing_the_allocation_needs_the_right_precondition(client, app, board, structure):
    await add_frame(app, "1000.00")
    elderly = [line(structure["elderly"], "100.00")]
    assert_problem(await put_allocation(client, board, elderly, {}), 428, detail_contains="If-None-Match: *")
    assert_problem(await put_allocation(client, board, elderly, {"If-Match": "*"}), 412)
    first = await put_allocation(client, board, elderly)
    assert first.status_code == 200, first.text
    assert_problem(await put_allocation(client, board, elderly), 412, detail_contains="already has an allocation")
    assert_problem(await put_allocation(client, board, elderly, {}), 428)
    assert_problem(await put_allocation(client, board, elderly, {"If-Match": '"stale.1"'}), 412)
    second = await put_allocation(client, board, [line(structure["family"], "900.00")], {"If-Match": first.headers["etag"]})
    assert second.status_code == 200, second.text
    assert [ln["activity_area_id"] for ln in second.json()["lines"]] == [structure["family"]["id"]]
    assert second.json()["row_version"] == 2 and second.headers["etag"] != first.headers["etag"]
    assert_problem(await put_allocation(client, board, elderly, {"If-Match": first.headers["etag"]}), 412)


async def test_an_allocation_of_nothing_is_a_valid_replacement(client, app, board, structure):
    await add_frame(app, "1000.00")
    first = await put_allocation(client, board, [line(structure["elderly"], "100.00")])
    cleared = await put_allocation(client, board, [], {"If-Match": first.headers["etag"]})
    assert (cleared.status_code, cleared.json()["total"], cleared.json()["remaining"]) == (200, "0.00", "1000.00")


async def test_allocation_paths_and_bodies_are_validated(client, board):
    for url in (f"{API}/allocations/{BOARD}/1999", f"{API}/allocations/not-a-board/{YEAR}"):
        assert_problem(await client.get(url, headers=board), 422)
    response = await client.put(f"{API}/allocations/{BOARD}/{YEAR}", json={}, headers=board | CREATE)
    assert_problem(response, 422)
    assert pointers(response) == {"#/lines"}
    assert_problem(await client.get(ALLOCATION), 401)
    assert_problem(await put_allocation(client, {}, []), 401)


async def test_allocation_writes_are_audited_with_the_lines_before_and_after(client, app, board, structure, as_role):
    await add_frame(app, "1000.00")
    first = await put_allocation(client, board, [line(structure["elderly"], "100.00")])
    await put_allocation(client, board, [line(structure["family"], "200.00")], {"If-Match": first.headers["etag"]})
    replaced, created = await audit_events(client, as_role, entity_type="allocation_set")
    assert (created["action"], created["before"], created["after"]["total"]) == ("REPLACE", None, "100.00")
    assert (replaced["before"]["total"], replaced["after"]["total"]) == ("100.00", "200.00")
    assert replaced["after"]["lines"][0]["activity_area_id"] == structure["family"]["id"]
