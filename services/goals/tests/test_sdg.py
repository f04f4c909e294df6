"""Agenda 2030: the 17 global goals as reference data, and the municipality's work grouped by them."""

import datetime as dt
import uuid

import pytest

from services.goals.tests import factories
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit

API = "/api/goals/v1"
SDGS = f"{API}/sdgs"
OVERVIEW = f"{SDGS}/overview"
BOARD = uuid.UUID(org_unit(OrgUnitType.BOARD))
UNIT = uuid.UUID(org_unit(OrgUnitType.UNIT))


@pytest.fixture
def reader(as_role):
    return as_role(Role.ENHET, UNIT, [str(UNIT)])


# --- the global goals -------------------------------------------------------------------


async def test_the_17_global_goals_are_listed_in_order_with_swedish_and_english_names(client, reader):
    response = await client.get(SDGS, headers=reader)
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    assert [goal["number"] for goal in body["items"]] == list(range(1, 18))
    assert body["items"][0] == {"number": 1, "name_sv": "Ingen fattigdom", "name_en": "No Poverty", "colour": "#E5243B"}
    assert body["items"][16] == {
        "number": 17,
        "name_sv": "Genomförande och globalt partnerskap",
        "name_en": "Partnerships for the Goals",
        "colour": "#19486A",
    }
    assert all(goal["name_sv"] and goal["name_en"] and len(goal["colour"]) == 7 for goal in body["items"])


async def test_global_goals_page_with_a_cursor(client, reader):
    first = (await client.get(SDGS, params={"limit": 10}, headers=reader)).json()
    rest = (await client.get(SDGS, params={"limit": 10, "cursor": first["next_cursor"]}, headers=reader)).json()
    assert [g["number"] for g in first["items"]] == list(range(1, 11))
    assert [g["number"] for g in rest["items"]] == list(range(11, 18)) and rest["next_cursor"] is None


async def test_one_global_goal_by_number(client, reader):
    response = await client.get(f"{SDGS}/4", headers=reader)
    assert response.status_code == 200
    assert response.json() == {"number": 4, "name_sv": "God utbildning för alla", "name_en": "Quality Education", "colour": "#C5192D"}


@pytest.mark.parametrize("number", [0, 18, -1])
async def test_a_number_outside_1_to_17_is_not_found(client, reader, number):
    assert_problem(await client.get(f"{SDGS}/{number}", headers=reader), 404, "Agenda 2030 has the goals 1–17")


async def test_a_number_that_is_no_number_is_a_422_with_a_pointer(client, reader):
    body = assert_problem(await client.get(f"{SDGS}/fyra", headers=reader), 422)
    assert body["errors"][0]["pointer"] == "#/path/number"


@pytest.mark.parametrize("params", [{"limit": 0}, {"cursor": "not-a-cursor"}])
async def test_bad_paging_is_a_422(client, reader, params):
    assert_problem(await client.get(SDGS, params=params, headers=reader), 422)


@pytest.mark.parametrize("path", [SDGS, f"{SDGS}/1", f"{OVERVIEW}?year=2027"])
async def test_global_goals_need_a_signed_in_caller(client, path):
    assert_problem(await client.get(path), 401)


@pytest.mark.parametrize("role", list(Role))
async def test_every_signed_in_role_reads_the_global_goals(client, as_role, role):
    headers = as_role(role, UNIT, [str(UNIT)])
    assert (await client.get(f"{SDGS}/13", headers=headers)).status_code == 200
    assert (await client.get(OVERVIEW, params={"year": 2027}, headers=headers)).status_code == 200


async def test_global_goal_operations_declare_every_role_as_reader(client, reader):
    schema = (await client.get("/openapi.json", headers=reader)).json()
    for path in ("/sdgs", "/sdgs/{number}", "/sdgs/overview"):
        assert schema["paths"][f"{API}{path}"]["get"]["x-roles"] == [role.value for role in Role]


# --- the overview ---------------------------------------------------------------------------


async def test_overview_groups_the_goals_in_force_by_global_goal(client, app, reader):
    period = factories.mandate_period()
    municipal, _ = factories.goal(
        BOARD, level="MUNICIPAL", period=period, start_year=2027, end_year=2030, title="Hållbar kommun", sdgs=[11, 13]
    )
    board, board_links = factories.goal(BOARD, title="Fler elever klarar skolan", sdgs=[4], contributes_to=(municipal,))
    closed, _ = factories.goal(UNIT, level="UNIT", title="Minskad energianvändning", sdgs=[7, 13])
    closed.closed_at, closed.closed_reason = dt.datetime(2027, 6, 1, tzinfo=dt.UTC), "ACHIEVED"
    draft, _ = factories.goal(BOARD, status=Status.DRAFT, title="Utkast", sdgs=[4])
    archived, _ = factories.goal(BOARD, status=Status.ARCHIVED, title="Ersatt", sdgs=[4])
    next_year, _ = factories.goal(BOARD, start_year=2028, end_year=2028, title="Nästa år", sdgs=[4])
    await factories.add(app, period)
    await factories.add(app, municipal, board, closed, draft, archived, next_year, *board_links)

    grades = factories.indicator(name="Betyg")
    grades.sdgs = [4]
    energy = factories.indicator(name="Energi")
    energy.sdgs = [7, 13]
    unused = factories.indicator(name="Oanvänd")
    unused.sdgs = [4]
    reading, _ = factories.activity(UNIT, title="Läsning")
    reading.sdgs = [4]
    last_year, _ = factories.activity(UNIT, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), title="Förra året")
    last_year.sdgs = [4]
    await factories.add(app, grades, energy, unused, reading, last_year)
    await factories.add(
        app,
        factories.indicator_use(grades, BOARD, goal_=board),
        factories.indicator_use(grades, UNIT, goal_=board),
        factories.indicator_use(energy, UNIT, goal_=closed),
    )

    response = await client.get(OVERVIEW, params={"year": 2027}, headers=reader)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["year"] == 2027
    items = {item["number"]: item for item in body["items"]}
    assert list(items) == list(range(1, 18))
    assert items[4]["name_sv"] == "God utbildning för alla" and items[4]["colour"] == "#C5192D"
    assert [g["title"] for g in items[4]["goals"]] == ["Fler elever klarar skolan"]
    assert items[4]["goals"][0] == {
        "id": str(board.id),
        "lineage_id": str(board.lineage_id),
        "level": "BOARD",
        "title": "Fler elever klarar skolan",
        "owner_org_unit_id": str(BOARD),
        "closed": False,
    }
    assert (items[4]["indicator_count"], items[4]["activity_count"]) == (1, 1)
    assert sorted(g["title"] for g in items[13]["goals"]) == ["Hållbar kommun", "Minskad energianvändning"]
    assert [g["closed"] for g in items[7]["goals"]] == [True]
    assert (items[13]["indicator_count"], items[7]["indicator_count"]) == (1, 1)
    assert items[1] == {**items[1], "goals": [], "indicator_count": 0, "activity_count": 0}


async def test_overview_of_a_year_without_goals_lists_every_global_goal_empty(client, reader):
    body = (await client.get(OVERVIEW, params={"year": 2040}, headers=reader)).json()
    assert len(body["items"]) == 17 and all(item["goals"] == [] for item in body["items"])


@pytest.mark.parametrize("params", [{}, {"year": "nästa"}, {"year": 1999}])
async def test_overview_needs_a_valid_year(client, reader, params):
    body = assert_problem(await client.get(OVERVIEW, params=params, headers=reader), 422)
    assert body["errors"][0]["pointer"] == "#/query/year"
