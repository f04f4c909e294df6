"""The council lowers a board's frame below what the board has already allocated (an amended budget):
the decision stands, the allocation is marked over its frame in its read and in the summary, and
until it fits only changes that reduce the excess are taken."""

import pytest

from services.budget.tests.support.allocations import create_area, line
from services.budget.tests.support.budgets import BOARD_A, BUDGETS, FRAMES_BODY, YEAR, decided, put, step
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem

API = "/api/budget/v1"
ALLOCATION = f"{API}/allocations/{BOARD_A}/{YEAR}"
REALLOCATIONS = f"{API}/reallocations"
SUMMARY = f"{API}/summaries/{YEAR}"
AUDIT = f"{API}/audit-events"
AMENDMENT = {"body": "Kommunfullmäktige", "decision_date": "2026-11-23", "reference": "KF § 98/2026"}
BOARD_DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2027-03-20", "reference": "BUN § 12/2027"}


@pytest.fixture
def board_a(as_role):
    return as_role(Role.NAMND, BOARD_A, [BOARD_A])


def lowered_frames(amount: str) -> dict:
    """FRAMES_BODY with board A's operating frame of the budget year set to `amount`."""
    return {
        "frames": [
            f | {"amount": amount} if (f["board_org_unit_id"], f["kind"], f["year"]) == (BOARD_A, "OPERATING", YEAR) else f
            for f in FRAMES_BODY["frames"]
        ]
    }


@pytest.fixture
async def over_frame(client, council, board_a):
    """Board A allocates 550 000 of its 600 000 frame over two areas; then the council decides an
    amendment lowering the frame to 500 000. Returns the areas and the allocation's ETag."""
    budget = await decided(client, council)
    schools = await create_area(client, council, code="300", name="Grundskola", board=BOARD_A)
    preschools = await create_area(client, council, code="310", name="Förskola", board=BOARD_A)
    allocated = await client.put(
        ALLOCATION,
        json={"lines": [line(schools, "300000.00"), line(preschools, "250000.00")]},
        headers=board_a | {"If-None-Match": "*"},
    )
    assert allocated.status_code == 200, allocated.text
    amendment = await client.post(f"{BUDGETS}/{budget.json()['id']}/revisions", headers=council)
    assert amendment.status_code == 201, amendment.text
    amendment = await put(client, council, amendment, "frames", lowered_frames("500000.00"))
    assert amendment.status_code == 200, amendment.text
    proposed = await step(client, council, amendment, "proposal")
    decision = await step(client, council, proposed, "decision", AMENDMENT)
    assert decision.status_code == 200, "the council's decision stands: " + decision.text
    return {"schools": schools, "preschools": preschools, "etag": (await client.get(ALLOCATION, headers=board_a)).headers["etag"]}


async def test_a_lowered_frame_is_decided_and_the_allocation_is_marked_over_it(client, board_a, over_frame):
    read = (await client.get(ALLOCATION, headers=board_a)).json()
    assert (read["total"], read["frame"]["amount"], read["remaining"]) == ("550000.00", "500000.00", "-50000.00")
    assert (read["over_frame"], read["excess"]) == (True, "50000.00")


async def test_an_allocation_within_its_frame_is_not_over_it(client, council, board_a):
    await decided(client, council)
    area = await create_area(client, council, code="300", name="Grundskola", board=BOARD_A)
    response = await client.put(ALLOCATION, json={"lines": [line(area, "600000.00")]}, headers=board_a | {"If-None-Match": "*"})
    assert (response.json()["over_frame"], response.json()["excess"], response.json()["remaining"]) == (False, "0.00", "0.00")


async def test_the_summary_shows_the_board_over_its_frame(client, as_role, over_frame):
    body = (await client.get(SUMMARY, params={"level": "board"}, headers=as_role(Role.REVISOR))).json()
    boards = {b["board_org_unit_id"]: b for b in body["boards"]}
    assert (boards[BOARD_A]["budget"], boards[BOARD_A]["allocated"]) == ("500000.00", "550000.00")
    assert (boards[BOARD_A]["over_frame"], boards[BOARD_A]["allocation_excess"]) == (True, "50000.00")
    assert body["municipality"]["boards_over_frame"] == 1
    others = [b for b in body["boards"] if b["board_org_unit_id"] != BOARD_A]
    assert others and all(not b["over_frame"] and b["allocation_excess"] == "0.00" for b in others)


async def audit_count(client, as_role):
    response = await client.get(AUDIT, params={"limit": 200}, headers=as_role(Role.REVISOR))
    return len(response.json()["items"])


@pytest.mark.parametrize(
    ("schools", "preschools", "excess"),
    [("300000.00", "250000.00", "50000.00"), ("350000.00", "200000.00", "50000.00"), ("300000.00", "250000.01", "50000.01")],
    ids=["same", "moved", "more"],
)
async def test_a_change_that_does_not_reduce_the_excess_is_refused_and_changes_nothing(
    client, as_role, board_a, over_frame, schools, preschools, excess
):
    events = await audit_count(client, as_role)
    lines = [line(over_frame["schools"], schools), line(over_frame["preschools"], preschools)]
    response = await client.put(ALLOCATION, json={"lines": lines}, headers=board_a | {"If-Match": over_frame["etag"]})
    problem = assert_problem(response, 409, type_="rule-violation", detail_contains="an allocation over a lowered frame only shrinks")
    assert "exceeds it by 50000.00" in problem["detail"] and f"an excess of {excess}" in problem["detail"]
    read = await client.get(ALLOCATION, headers=board_a)
    assert (read.headers["etag"], read.json()["total"], read.json()["excess"]) == (over_frame["etag"], "550000.00", "50000.00")
    assert await audit_count(client, as_role) == events


async def test_a_reallocation_while_over_the_frame_is_refused_and_changes_nothing(client, as_role, board_a, over_frame):
    events = await audit_count(client, as_role)
    body = {
        "board_org_unit_id": BOARD_A,
        "year": YEAR,
        "from_activity_area_id": over_frame["schools"]["id"],
        "to_activity_area_id": over_frame["preschools"]["id"],
        "amount": "1000.00",
        "decision": BOARD_DECISION,
    }
    response = await client.post(REALLOCATIONS, json=body, headers=board_a)
    problem = assert_problem(response, 409, type_="rule-violation", detail_contains="a reallocation keeps its total")
    assert "over its operating frame 500000.00 by 50000.00" in problem["detail"]
    assert (await client.get(ALLOCATION, headers=board_a)).headers["etag"] == over_frame["etag"]
    assert (await client.get(REALLOCATIONS, params={"board_org_unit_id": BOARD_A}, headers=board_a)).json()["items"] == []
    assert await audit_count(client, as_role) == events


async def test_changes_that_reduce_the_excess_are_taken_until_the_allocation_fits(client, board_a, over_frame):
    schools, preschools = over_frame["schools"], over_frame["preschools"]
    smaller = await client.put(
        ALLOCATION,
        json={"lines": [line(schools, "300000.00"), line(preschools, "220000.00")]},
        headers=board_a | {"If-Match": over_frame["etag"]},
    )
    assert smaller.status_code == 200, smaller.text
    assert (smaller.json()["over_frame"], smaller.json()["excess"], smaller.json()["remaining"]) == (True, "20000.00", "-20000.00")
    fits = await client.put(
        ALLOCATION,
        json={"lines": [line(schools, "280000.00"), line(preschools, "220000.00")]},
        headers=board_a | {"If-Match": smaller.headers["etag"]},
    )
    assert (fits.json()["over_frame"], fits.json()["excess"], fits.json()["remaining"]) == (False, "0.00", "0.00")
    again = await client.put(
        ALLOCATION,
        json={"lines": [line(schools, "280000.00"), line(preschools, "220000.01")]},
        headers=board_a | {"If-Match": fits.headers["etag"]},
    )
    assert_problem(again, 409, detail_contains="the sum of a board's allocation never exceeds its frame: the lines total 500000.01")
