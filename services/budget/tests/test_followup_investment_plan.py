"""The follow-up service reads a board's investments against its investment frame with its own
assertion, to show them in the board's follow-up report."""

import uuid

from services.budget.tests.support.allocations import API, BOARD, YEAR, add_budget
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, service_headers

PLAN = f"{API}/investment-plans/{BOARD}/{YEAR}"


def followup() -> dict[str, str]:
    """The follow-up service's own assertion, made afresh: it lives a minute."""
    return service_headers("followup", "budget")


async def test_the_follow_up_service_reads_a_boards_investment_plan(client, app, as_role):
    await add_budget(app, {(BOARD, "INVESTMENT"): "1000.00", (BOARD, "OPERATING"): "99999.00"})
    board = as_role(Role.NAMND, BOARD, [BOARD])
    created = await client.post(f"{API}/investment-projects", json={"board_org_unit_id": BOARD, "name": "Ny förskola"}, headers=board)
    assert created.status_code == 201, created.text
    amounts = await client.put(
        f"{API}/investment-projects/{created.json()['id']}/amounts",
        json=[{"year": YEAR, "amount": "1200.00"}],
        headers=board | {"If-Match": created.headers["etag"]},
    )
    assert amounts.status_code == 200, amounts.text
    response = await client.get(PLAN, headers=followup())
    assert response.status_code == 200, response.text
    plan = response.json()
    assert (plan["total"], plan["frame"]["amount"], plan["exceeds_frame"]) == ("1200.00", "1000.00", True)


async def test_another_service_does_not_read_it(client):
    assert_problem(await client.get(PLAN, headers=service_headers("goals", "budget")), 403)
    assert_problem(await client.get(f"{API}/investment-plans/{uuid.uuid4()}/{YEAR}", headers=followup()), 404)
