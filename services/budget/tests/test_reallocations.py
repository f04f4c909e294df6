"""Reallocations (ombudgetering, seed: "Budget och resursfördelning"): the board moves money
between its activity areas by a decision, the total stays within the frame, no area goes below
zero, and each reallocation is reported once at the next follow-up."""

import uuid

import pytest

from services.budget.tests.support.allocations import (
    ALLOCATION,
    API,
    BOARD,
    OTHER_BOARD,
    YEAR,
    add_frame,
    audit_events,
    create_area,
    create_cost_center,
    everything,
    line,
    put_allocation,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers, service_headers

REALLOCATIONS = f"{API}/reallocations"
DECISION = {"body": "Vård- och omsorgsnämnden", "decision_date": "2027-03-20", "reference": "VON § 12/2027"}


@pytest.fixture
async def allocated(client, app, board, council):
    """Elderly care: 100 on the area, 300 on a cost centre; family care: 200 on a cost centre only."""
    await add_frame(app, "1000.00")
    elderly = await create_area(client, council)
    family = await create_area(client, council, code="420", name="Individ- och familjeomsorg")
    north = await create_cost_center(client, council, elderly["id"])
    family_cc = await create_cost_center(client, council, family["id"], code="42010", name="Försörjningsstöd")
    response = await put_allocation(
        client, board, [line(elderly, "100.00"), line(elderly, "300.00", north), line(family, "200.00", family_cc)]
    )
    assert response.status_code == 200, response.text
    return {"elderly": elderly, "family": family, "north": north, "family_cc": family_cc, "etag": response.headers["etag"]}


def move(allocated, amount, source="elderly", target="family", **changes):
    return {
        "board_org_unit_id": BOARD,
        "year": YEAR,
        "from_activity_area_id": allocated[source]["id"],
        "to_activity_area_id": allocated[target]["id"],
        "amount": amount,
        "decision": DECISION,
    } | changes


async def reallocate(client, headers, body):
    response = await client.post(REALLOCATIONS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def report(client, headers, created, occasion="FORECAST", if_match=None):
    reallocation = created.json()
    return await client.post(
        f"{REALLOCATIONS}/{reallocation['id']}/report",
        json={"occasion": occasion},
        headers=headers | {"If-Match": if_match or created.headers["etag"]},
    )


def amounts(allocation):
    return [(ln["activity_area_id"], ln["cost_center_id"], ln["amount"]) for ln in allocation["lines"]]


async def test_board_moves_money_between_areas_and_the_total_stays(client, board, allocated):
    response = await reallocate(client, board, move(allocated, "250.00"))
    reallocation = response.json()
    assert (reallocation["amount"], reallocation["decision"], reallocation["reported_at_occasion"]) == ("250.00", DECISION, None)
    assert response.headers["location"] == f"{REALLOCATIONS}/{reallocation['id']}"
    allocation = (await client.get(ALLOCATION, headers=board)).json()
    elderly, family = allocated["elderly"]["id"], allocated["family"]["id"]
    # The area's own line is debited first, then its cost centres; the target's own line is credited.
    assert amounts(allocation) == [
        (elderly, None, "0.00"),
        (elderly, allocated["north"]["id"], "150.00"),
        (family, None, "250.00"),
        (family, allocated["family_cc"]["id"], "200.00"),
    ]
    assert (allocation["total"], allocation["remaining"], allocation["row_version"]) == ("600.00", "400.00", 2)


async def test_a_reallocation_moves_the_allocation_on_so_an_older_etag_is_stale(client, board, allocated):
    await reallocate(client, board, move(allocated, "10.00"))
    response = await put_allocation(client, board, [], {"If-Match": allocated["etag"]})
    assert_problem(response, 412)


async def test_a_reallocation_taking_an_area_below_zero_is_refused_and_changes_nothing(client, board, allocated):
    before = (await client.get(ALLOCATION, headers=board)).json()
    response = await client.post(REALLOCATIONS, json=move(allocated, "400.01"), headers=board)
    body = assert_problem(response, 409, detail_contains="an activity area's allocation never goes below zero", type_="rule-violation")
    assert "400.00" in body["detail"] and "400.01" in body["detail"]
    assert (await client.get(ALLOCATION, headers=board)).json() == before
    assert await everything(client, board, REALLOCATIONS, 10) == []


async def test_a_whole_area_can_be_moved(client, board, allocated):
    await reallocate(client, board, move(allocated, "200.00", source="family", target="elderly"))
    areas = (await client.get(ALLOCATION, headers=board)).json()["areas"]
    assert {a["activity_area_id"]: a["amount"] for a in areas} == {allocated["elderly"]["id"]: "600.00", allocated["family"]["id"]: "0.00"}


async def test_a_reallocation_without_an_allocation_is_refused(client, app, board, council):
    await add_frame(app, "1000.00")
    elderly, family = await create_area(client, council), await create_area(client, council, code="420", name="IFO")
    body = move({"elderly": elderly, "family": family}, "1.00")
    response = await client.post(REALLOCATIONS, json=body, headers=board)
    assert_problem(response, 409, detail_contains="has no allocation for 2027")


async def test_a_reallocation_between_another_boards_areas_is_refused(client, as_role, allocated):
    other = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    response = await client.post(REALLOCATIONS, json=move(allocated, "1.00"), headers=other)
    assert_problem(response, 403, detail_contains="outside your scope")
    assert await everything(client, other, REALLOCATIONS, 10) == []


@pytest.mark.parametrize("role", [Role.FULLMAKTIGE, Role.FORVALTNING, Role.ENHET, Role.REVISOR])
async def test_reallocation_is_a_board_decision_made_by_namnd_only(client, as_role, allocated, role):
    assert_problem(await client.post(REALLOCATIONS, json=move(allocated, "1.00"), headers=as_role(role)), 403)


async def test_reallocation_areas_must_be_two_different_areas_of_the_board(client, council, board, allocated):
    theirs = await create_area(client, council, board=OTHER_BOARD)
    response = await client.post(REALLOCATIONS, json=move(allocated, "1.00", target="elderly"), headers=board)
    assert_problem(response, 422, detail_contains="two different activity areas")
    assert pointers(response) == {"#/to_activity_area_id"}
    response = await client.post(REALLOCATIONS, json=move(allocated, "1.00", to_activity_area_id=theirs["id"]), headers=board)
    assert_problem(response, 422, detail_contains="activity areas of the board it names")
    assert pointers(response) == {"#/to_activity_area_id"}


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"amount": 10.5}, "#/amount"),
        ({"amount": "10.005"}, "#/amount"),
        ({"amount": "0.00"}, "#/amount"),
        ({"amount": "-5.00"}, "#/amount"),
        ({"decision": {"body": "VON", "decision_date": "not a date", "reference": "§ 1"}}, "#/decision/decision_date"),
        ({"year": 1999}, "#/year"),
    ],
)
async def test_invalid_reallocation_fields_are_refused_with_a_pointer(client, board, allocated, changes, pointer):
    response = await client.post(REALLOCATIONS, json=move(allocated, "1.00") | changes, headers=board)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await everything(client, board, REALLOCATIONS, 10) == []


async def test_empty_body_makes_no_reallocation(client, board):
    response = await client.post(REALLOCATIONS, json={}, headers=board)
    assert_problem(response, 422)
    assert {"#/board_org_unit_id", "#/amount", "#/decision"} <= pointers(response)


async def test_unreported_reallocations_are_listed_until_reported_at_a_follow_up(client, board, allocated, as_role):
    first = await reallocate(client, board, move(allocated, "10.00"))
    second = await reallocate(client, board, move(allocated, "20.00", source="family", target="elderly"))
    reader = as_role(Role.ENHET, str(uuid.uuid4()), [])
    listed = await everything(client, reader, REALLOCATIONS, 1, board_org_unit_id=BOARD, year=YEAR, unreported="true")
    assert [r["id"] for r in listed] == [first.json()["id"], second.json()["id"]]
    reported = await report(client, board, first, "FORECAST")
    assert reported.status_code == 200, reported.text
    assert (reported.json()["reported_at_occasion"], reported.json()["row_version"]) == ("FORECAST", 2)
    assert reported.json()["reported_at"] is not None
    assert [r["id"] for r in await everything(client, reader, REALLOCATIONS, 5, unreported="true")] == [second.json()["id"]]
    assert [r["id"] for r in await everything(client, reader, REALLOCATIONS, 5, unreported="false")] == [first.json()["id"]]
    assert await everything(client, reader, REALLOCATIONS, 5, board_org_unit_id=OTHER_BOARD) == []
    assert await everything(client, reader, REALLOCATIONS, 5, year=YEAR + 1) == []


async def test_a_reallocation_is_reported_once(client, board, allocated):
    created = await reallocate(client, board, move(allocated, "10.00"))
    reported = await report(client, board, created, "FORECAST")
    response = await report(client, board, created, "INTERIM", if_match=reported.headers["etag"])
    assert_problem(response, 409, detail_contains="a reallocation is reported once", type_="rule-violation")
    current = await client.get(f"{REALLOCATIONS}/{created.json()['id']}", headers=board)
    assert (current.json()["reported_at_occasion"], current.headers["etag"]) == ("FORECAST", reported.headers["etag"])


async def test_reporting_needs_if_match_scope_a_known_reallocation_and_a_valid_occasion(client, board, as_role, allocated):
    created = await reallocate(client, board, move(allocated, "10.00"))
    url = f"{REALLOCATIONS}/{created.json()['id']}/report"
    assert_problem(await client.post(url, json={"occasion": "FORECAST"}, headers=board), 428)
    assert_problem(await client.post(url, json={"occasion": "FORECAST"}, headers=board | {"If-Match": '"old.0"'}), 412)
    other = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    assert_problem(await client.post(url, json={"occasion": "FORECAST"}, headers=other | {"If-Match": "*"}), 403)
    assert_problem(await client.post(url, json={"occasion": "FORECAST"}, headers=as_role(Role.FORVALTNING) | {"If-Match": "*"}), 403)
    missing = f"{REALLOCATIONS}/{uuid.uuid4()}/report"
    assert_problem(await client.post(missing, json={"occasion": "FORECAST"}, headers=board | {"If-Match": "*"}), 404)
    for occasion in ("MAY", "APRIL"):  # APRIL: a month's name of the old vocabulary, no follow-up any more
        response = await client.post(url, json={"occasion": occasion}, headers=board | {"If-Match": "*"})
        assert_problem(response, 422)
        assert pointers(response) == {"#/occasion"}
    assert_problem(await client.post(url, json={"occasion": "FORECAST"}), 401)
    assert (await client.get(f"{REALLOCATIONS}/{created.json()['id']}", headers=board)).json()["reported_at_occasion"] is None


async def test_reallocation_reads_answer_404_422_and_401(client, board):
    assert_problem(await client.get(f"{REALLOCATIONS}/{uuid.uuid4()}", headers=board), 404)
    response = await client.get(REALLOCATIONS, params={"unreported": "maybe"}, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/unreported"}
    assert_problem(await client.get(REALLOCATIONS), 401)


async def test_reallocations_are_audited_with_the_allocation_they_changed(client, board, allocated, as_role):
    created = await reallocate(client, board, move(allocated, "10.00"))
    await report(client, board, created, "ANNUAL")
    reported, made = await audit_events(client, as_role, entity_type="reallocation")
    assert (made["action"], made["after"]["decision"]["reference"]) == ("CREATE", "VON § 12/2027")
    assert (reported["action"], reported["before"]["reported_at_occasion"], reported["after"]["reported_at_occasion"]) == (
        "REPORT",
        None,
        "ANNUAL",
    )
    moved = (await audit_events(client, as_role, entity_type="allocation_set"))[0]
    assert (moved["action"], moved["before"]["total"], moved["after"]["total"]) == ("REALLOCATE", "600.00", "600.00")


async def test_the_followup_service_reads_reallocations_and_marks_one_reported(client, board, allocated):
    created = await reallocate(client, board, move(allocated, "10.00"))
    followup = service_headers("followup", "budget")
    url = f"{REALLOCATIONS}/{created.json()['id']}"
    assert (await client.get(url, headers=followup)).status_code == 200
    assert_problem(await client.get(url, headers=service_headers("budget", "budget")), 403)
    reported = await report(client, followup, created, "INTERIM")
    assert reported.status_code == 200, reported.text
    assert (reported.json()["reported_at_occasion"], reported.json()["updated_by"]) == ("INTERIM", "service:followup")
    assert_problem(await client.post(REALLOCATIONS, json=move(allocated, "1.00"), headers=followup), 403)
