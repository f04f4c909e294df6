"""The budget on the directory's org units: a frame, earmarked fund, activity area, allocation,
forecast, investment project or target group belongs to a board (or the executive board) of the
directory, valid today and in the object's year, and a cost centre serves an administration, area or
unit under its area's board; else a 422 naming the field and nothing is stored. Reads carry the
board's name beside its id; the lists filtered by a board follow it back through reorganisations;
the follow-up service reads, with its own assertion, what it declares, drafts included, and writes
nothing else."""

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

from budget_service.allocations.models import ActivityArea, CostCenter
from budget_service.budgets.models import Frame
from services.budget.tests.support import budgets
from services.budget.tests.support.allocations import (
    ADMINISTRATION,
    AREAS,
    BOARD,
    COST_CENTERS,
    COUNCIL,
    HOME_CARE,
    OTHER_BOARD,
    YEAR,
    create_area,
    create_cost_center,
)
from styrkedjan_common import org_units
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import ORGANISATION, assert_problem, org_unit, pointers, service_headers

API = "/api/budget/v1"
TODAY = dt.date.today()
YESTERDAY = TODAY - dt.timedelta(days=1)
UNKNOWN = "6f1c2b9e-0d3a-4e5f-8a7b-9c0d1e2f3a4b"  # in no directory
CARE_BOARD = {"id": BOARD, "name": "Vård- och omsorgsnämnden", "short_name": "Vård- och omsorgsnämnden", "type": "board"}


@pytest.fixture(autouse=True)
def immediate_lookups(monkeypatch):
    """A unit registered in a test is looked up on first use, not held back by an earlier test's look-up."""
    monkeypatch.setattr(org_units, "MIN_LOOKUP_GAP", 0)


async def count(app: Any, model: Any) -> int:
    async with app.state.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def board_closed_yesterday(app: Any) -> str:
    board = org_unit(OrgUnitType.BOARD, "Tekniska nämnden", parent=COUNCIL)
    ORGANISATION.change(board, valid_to=YESTERDAY)
    assert await app.state.org_units.sync()  # as the replica's interval would
    return board


def frames_of(board: str, year: int = budgets.YEAR) -> dict[str, Any]:
    return {"frames": [{"board_org_unit_id": board, "kind": "OPERATING", "year": year, "amount": "100.00"}]}


# --- writes -------------------------------------------------------------------------------


async def refused_frames(client: Any, council: Any, body: dict[str, Any]) -> set[str]:
    draft = await budgets.create(client, council)
    response = await budgets.put(client, council, draft, "frames", body)
    assert_problem(response, 422)
    return pointers(response)


async def test_a_frame_for_an_unknown_board_is_422_and_nothing_is_stored(client, app, council):
    body = {"frames": frames_of(budgets.BOARD_A)["frames"] + frames_of(UNKNOWN)["frames"]}
    assert await refused_frames(client, council, body) == {"#/frames/1/board_org_unit_id"}
    assert await count(app, Frame) == 0


async def test_a_frame_for_a_board_closed_yesterday_is_422(client, app, council):
    board = await board_closed_yesterday(app)
    assert await refused_frames(client, council, frames_of(board)) == {"#/frames/0/board_org_unit_id"}
    assert await count(app, Frame) == 0


async def test_a_frame_for_an_administration_is_422(client, app, council):
    assert await refused_frames(client, council, frames_of(budgets.ADMIN_A)) == {"#/frames/0/board_org_unit_id"}


async def test_a_frame_for_a_year_after_the_board_closes_is_422(client, app, council):
    """A board wound up at the end of the budget year gets frames for that year, not for its plan years."""
    board = org_unit(OrgUnitType.BOARD, "Kommunstyrelsens utskott", valid_to=dt.date(budgets.YEAR, 12, 31))
    draft = await budgets.create(client, council)
    framed = await budgets.put(client, council, draft, "frames", frames_of(board))
    assert framed.status_code == 200, framed.text
    response = await budgets.put(client, council, framed, "frames", frames_of(board, budgets.YEAR + 1))
    assert_problem(response, 422)
    assert pointers(response) == {"#/frames/0/board_org_unit_id"}
    assert [f["year"] for f in (await client.get(f"{budgets.BUDGETS}/{draft.json()['id']}", headers=council)).json()["frames"]] == [
        budgets.YEAR
    ]


async def test_the_executive_board_gets_frames_and_a_board_registered_after_start_is_usable_at_once(client, council):
    executive = org_unit(OrgUnitType.EXECUTIVE_BOARD, "Kommunstyrelsen")
    draft = await budgets.create(client, council)
    response = await budgets.put(client, council, draft, "frames", frames_of(executive))
    assert response.status_code == 200, response.text
    assert response.json()["frames"][0]["board_org_unit"]["name"] == "Kommunstyrelsen"


async def test_earmarked_funds_name_a_board(client, app, council):
    draft = await budgets.create(client, council)
    body = {"earmarked_funds": [budgets.FUNDS_BODY["earmarked_funds"][0] | {"board_org_unit_id": budgets.ADMIN_A}]}
    response = await budgets.put(client, council, draft, "earmarked-funds", body)
    assert_problem(response, 422)
    assert pointers(response) == {"#/earmarked_funds/0/board_org_unit_id"}


async def test_an_activity_area_of_an_administration_or_a_closed_board_is_422(client, app, council):
    closed = await board_closed_yesterday(app)
    for board in (ADMINISTRATION, closed, UNKNOWN):
        response = await client.post(AREAS, json={"board_org_unit_id": board, "code": "1", "name": "X"}, headers=council)
        assert_problem(response, 422)
        assert pointers(response) == {"#/board_org_unit_id"}
    assert await count(app, ActivityArea) == 0


async def test_a_cost_centre_serves_an_operation_under_its_areas_board(client, app, council):
    area = await create_area(client, council)
    other_administration = org_unit(OrgUnitType.ADMINISTRATION, "Barn- och utbildningsförvaltningen", parent=OTHER_BOARD)
    for unit in (BOARD, other_administration, UNKNOWN):
        body = {"code": "41010", "name": "Hemtjänst", "activity_area_id": area["id"], "org_unit_id": unit}
        response = await client.post(COST_CENTERS, json=body, headers=council)
        assert_problem(response, 422)
        assert pointers(response) == {"#/org_unit_id"}
    assert await count(app, CostCenter) == 0
    served = await create_cost_center(client, council, area["id"], org_unit_id=HOME_CARE)
    response = await client.patch(
        f"{COST_CENTERS}/{served['id']}", json={"org_unit_id": OTHER_BOARD}, headers=council | {"If-Match": f'"{served["id"]}.1"'}
    )
    assert_problem(response, 422)
    assert pointers(response) == {"#/org_unit_id"}


async def test_a_forecast_allocation_and_investment_project_name_a_valid_board(client, app, as_role):
    closed = await board_closed_yesterday(app)
    board = as_role(Role.NAMND)  # with the whole municipality in scope: only the unit is wrong
    forecast = await client.put(f"{API}/forecasts/{closed}/2027/FORECAST", json={"amount": "1.00"}, headers=board)
    assert_problem(forecast, 422)
    assert pointers(forecast) == {"#/path/board_org_unit_id"}
    allocation = await client.put(f"{API}/allocations/{ADMINISTRATION}/{YEAR}", json={"lines": []}, headers=board | {"If-None-Match": "*"})
    assert_problem(allocation, 422)
    assert pointers(allocation) == {"#/path/board_org_unit_id"}
    project = await client.post(f"{API}/investment-projects", json={"board_org_unit_id": closed, "name": "Ny skola"}, headers=board)
    assert_problem(project, 422)
    assert pointers(project) == {"#/board_org_unit_id"}


# --- reads --------------------------------------------------------------------------------


async def test_reads_carry_the_boards_name(client, council, as_role):
    area = await create_area(client, council)
    assert area["board_org_unit"] == CARE_BOARD
    listed = (await client.get(AREAS, params={"board_org_unit_id": BOARD}, headers=as_role(Role.REVISOR))).json()["items"]
    assert [a["board_org_unit"] for a in listed] == [CARE_BOARD]


async def test_include_predecessors_lists_the_areas_of_the_board_a_reorganisation_replaced(client, app, council, as_role):
    old = org_unit(OrgUnitType.BOARD, "Omsorgsnämnden", parent=COUNCIL)
    await create_area(client, council, code="1", name="Gammal", board=old)
    ORGANISATION.change(old, valid_to=YESTERDAY)
    new = org_unit(OrgUnitType.BOARD, "Vård- och omsorgsnämnden 2", parent=COUNCIL, predecessor=old)
    await create_area(client, council, code="2", name="Ny", board=new)
    reader = as_role(Role.REVISOR)
    own = (await client.get(AREAS, params={"board_org_unit_id": new}, headers=reader)).json()["items"]
    assert [a["name"] for a in own] == ["Ny"]
    both = (await client.get(AREAS, params={"board_org_unit_id": new, "include_predecessors": "true"}, headers=reader)).json()["items"]
    assert sorted(a["name"] for a in both) == ["Gammal", "Ny"]
    assert {a["board_org_unit_id"] for a in both} == {old, new}, "each area stays with the board it was made for"


# --- the follow-up service ----------------------------------------------------------------

FOLLOWUP_READS = [
    f"{API}/summaries/2027",
    f"{API}/actuals",
    f"{API}/forecasts",
    f"{API}/frames?year=2027",
    f"{API}/reallocations",
    f"{API}/balance-statements",
    f"{API}/investment-projects",
]


@pytest.mark.parametrize("path", FOLLOWUP_READS)
async def test_the_followup_service_reads_what_it_declares_and_no_other_service_does(client, path):
    assert (await client.get(path, headers=service_headers("followup", "budget"))).status_code == 200
    assert_problem(await client.get(path, headers=service_headers("budget", "budget")), 403)


async def test_the_followup_service_reads_a_draft_budgets_frames_and_writes_no_frame_or_forecast(client, council):
    draft = await budgets.balanced(client, council)
    frames = await client.get(f"{budgets.BUDGETS}/{draft.json()['id']}/frames", headers=service_headers("followup", "budget"))
    assert frames.status_code == 200, frames.text
    assert len(frames.json()["items"]) == 7
    followup = service_headers("followup", "budget")
    assert_problem(await client.get(f"{API}/activity-areas", headers=followup), 403)
    assert_problem(await budgets.put(client, followup, draft, "frames", frames_of(budgets.BOARD_A)), 403)
    assert_problem(await client.put(f"{API}/forecasts/{BOARD}/2027/FORECAST", json={"amount": "1.00"}, headers=followup), 403)
