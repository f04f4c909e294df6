"""What the follow-up service reads of the goals at a follow-up, in few calls: the thread up to a
period end (an outcome of a later period is not yet known then) with each indicator's gender
split, every report on a year's council assignments at once, and the quality factors."""

import uuid

import pytest

from services.goals.tests import factories
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit, service_headers

API = "/api/goals/v1"
BOARD = uuid.UUID(org_unit(OrgUnitType.BOARD, "Socialnämnden (uppföljning)"))
OTHER_BOARD = uuid.UUID(org_unit(OrgUnitType.BOARD, "Tekniska nämnden (uppföljning)"))


def followup() -> dict[str, str]:
    """The follow-up service's own assertion, made afresh: it lives a minute."""
    return service_headers("followup", "goals")


@pytest.fixture
async def board_goal(app):
    """A decided board goal of 2027 followed by a gender-split tertial indicator with outcomes of
    the first two tertials and the last one."""
    goal, _ = factories.goal(BOARD, title="Fler äldre känner sig trygga")
    indicator = factories.indicator(name="Andel trygga brukare", frequency="TERTIAL", gender_split=True)
    use = factories.indicator_use(indicator, BOARD, goal_=goal)
    first = factories.outcome(use, 2027, "70", period="2027-T1", period_index=4)
    second = factories.outcome(use, 2027, "75", period="2027-T2", period_index=8)
    second.women, second.men = 77, 73
    third = factories.outcome(use, 2027, "90", period="2027-T3", period_index=12)
    await factories.add(app, goal, indicator)
    await factories.add(app, use)
    await factories.add(app, factories.target(use, 2027, "80"), first, second, third)
    return goal


def indicator_of(thread: dict) -> dict:
    [goal] = [g for g in thread["unlinked"]["board"] if g["owner_org_unit_id"] == str(BOARD)]
    [indicator] = goal["indicators"]
    return indicator


async def test_the_thread_up_to_a_period_end_shows_the_latest_outcome_known_then(client, board_goal):
    at_interim = await client.get(f"{API}/thread", params={"year": 2027, "org_unit_id": str(BOARD), "through_month": 8}, headers=followup())
    assert at_interim.status_code == 200, at_interim.text
    indicator = indicator_of(at_interim.json())
    assert indicator["latest"] == {"period": "2027-T2", "year": 2027, "total": "75", "women": "77", "men": "73"}
    assert (indicator["gender_split"], indicator["target"], indicator["trend"]) == (True, "80", "IMPROVING")
    whole_year = await client.get(f"{API}/thread", params={"year": 2027, "org_unit_id": str(BOARD)}, headers=followup())
    assert indicator_of(whole_year.json())["latest"]["period"] == "2027-T3"
    at_forecast = await client.get(
        f"{API}/thread", params={"year": 2027, "org_unit_id": str(BOARD), "through_month": 4}, headers=followup()
    )
    assert indicator_of(at_forecast.json())["latest"]["period"] == "2027-T1"


@pytest.mark.parametrize("month", ["0", "13", "augusti"])
async def test_a_period_end_month_outside_the_year_is_refused(client, month):
    response = await client.get(f"{API}/thread", params={"year": 2027, "through_month": month}, headers=followup())
    assert_problem(response, 422)


async def test_every_report_on_a_years_assignments_is_read_at_once(client, as_role):
    council = as_role(Role.FULLMAKTIGE)
    reporter = as_role(Role.NAMND)
    ids = {}
    for board, title in ((BOARD, "Utred hemtjänstens nattpatrull"), (OTHER_BOARD, "Utred gatubelysningen")):
        body = {"board_org_unit_id": str(board), "year": 2027, "title": title, "text": "Nämnden får i uppdrag att utreda."}
        created = await client.post(f"{API}/assignments", json=body, headers=council)
        assert created.status_code == 201, created.text
        ids[board] = created.json()["id"]
        for occasion, text in (("FORECAST", "Påbörjad"), ("INTERIM", "Pågår enligt plan")):
            report = {"occasion": occasion, "status": "ONGOING", "text": text}
            assert (await client.post(f"{API}/assignments/{ids[board]}/reports", json=report, headers=reporter)).status_code == 201

    params = {"year": 2027, "board_org_unit_id": str(BOARD), "occasion": "INTERIM"}
    response = await client.get(f"{API}/assignments/reports", params=params, headers=followup())
    assert response.status_code == 200, response.text
    assert [(r["assignment_id"], r["occasion"], r["text"]) for r in response.json()["items"]] == [
        (ids[BOARD], "INTERIM", "Pågår enligt plan")
    ]
    everyone = await client.get(f"{API}/assignments/reports", params={"year": 2027, "limit": 1}, headers=followup())
    assert len(everyone.json()["items"]) == 1 and everyone.json()["next_cursor"]  # paged, oldest first
    following = await client.get(
        f"{API}/assignments/reports", params={"year": 2027, "limit": 200, "cursor": everyone.json()["next_cursor"]}, headers=followup()
    )
    assert len(following.json()["items"]) == 3
    none = await client.get(f"{API}/assignments/reports", params={"year": 2028}, headers=followup())
    assert none.json()["items"] == []


async def test_the_reports_of_a_year_need_the_year(client):
    assert_problem(await client.get(f"{API}/assignments/reports", headers=followup()), 422)


async def test_the_follow_up_service_reads_the_quality_factors(client, app):
    factor = factories.quality_factor(BOARD, name="Trygg och säker vård (uppföljning)")
    await factories.add(app, factor)
    response = await client.get(f"{API}/quality-factors", params={"org_unit_id": str(BOARD)}, headers=followup())
    assert response.status_code == 200, response.text
    assert [f["name"] for f in response.json()["items"]] == ["Trygg och säker vård (uppföljning)"]
