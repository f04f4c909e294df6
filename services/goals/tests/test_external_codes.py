"""Indicators, goals and activities found by their code in another system (`?external_code=stratsys:KPI-ELEV-BEH`),
as an import of Stratsys files names them: exactly that code under that system's key, alone or with the
list's other filters; a value without both a system and a code is a 422 naming the parameter. On both databases."""

import uuid

import pytest

from services.goals.tests import factories
from services.goals.tests.support.indicators import INDICATORS, create_indicator
from services.goals.tests.support.organisation import BOARD, OTHER_BOARD
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers

API = "/api/goals/v1"
GOALS, ACTIVITIES = f"{API}/goals", f"{API}/activities"
MALFORMED = ["KPI-ELEV-BEH", ":KPI-ELEV-BEH", "stratsys:", ":", "", "  :X", "stratsys:  ", "s" * 51 + ":X", "stratsys:" + "X" * 101]


async def ids(client, headers, url, **params):
    response = await client.get(url, params={"limit": 100} | params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_an_indicator_is_found_by_its_stratsys_code(client, council):
    wanted = await create_indicator(
        client, council, name="Behöriga till yrkesprogram (%)", external_codes={"stratsys": "KPI-ELEV-BEH", "eko": "K:1"}
    )
    await create_indicator(client, council, name="Sjukfrånvaro (%)", external_codes={"stratsys": "KPI-SJUKFRANV", "eko": "KPI-ELEV-BEH"})
    await create_indicator(client, council, name="Utan kod", external_codes={})
    found = wanted.json()["id"]
    assert await ids(client, council, INDICATORS, external_code="stratsys:KPI-ELEV-BEH") == [found]
    assert await ids(client, council, INDICATORS, external_code="eko:K:1") == [found]  # the code is all after the first colon
    # Exact, and under the system named: not another system's code, not another case, not a part.
    for other in ("stratsys:kpi-elev-beh", "stratsys:KPI-ELEV", "Stratsys:KPI-ELEV-BEH", "kolada:KPI-ELEV-BEH", "eko:K"):
        assert await ids(client, council, INDICATORS, external_code=other) == [], other
    # One more condition beside the others.
    assert await ids(client, council, INDICATORS, external_code="stratsys:KPI-ELEV-BEH", q="behöriga") == [found]
    assert await ids(client, council, INDICATORS, external_code="stratsys:KPI-ELEV-BEH", q="sjuk") == []


async def test_a_goal_is_found_by_its_stratsys_code_in_the_callers_view(client, app, council, board):
    wanted, _ = factories.goal(uuid.UUID(BOARD), level="BOARD", title="Ökad andel behöriga till gymnasiet")
    wanted.external_codes = {"stratsys": "BUN-M1"}
    other, _ = factories.goal(uuid.UUID(OTHER_BOARD), title="Annat mål")
    other.external_codes = {"stratsys": "BUN-M2"}
    draft, _ = factories.goal(uuid.UUID(OTHER_BOARD), title="Utkast", status=Status.DRAFT)
    draft.external_codes = {"stratsys": "BUN-M1-UTKAST"}
    await factories.add(app, wanted, other, draft)
    assert await ids(client, council, GOALS, external_code="stratsys:BUN-M1") == [str(wanted.id)]
    assert await ids(client, council, GOALS, external_code="stratsys:BUN-M1", year=2027, owner_org_unit_id=BOARD) == [str(wanted.id)]
    assert await ids(client, council, GOALS, external_code="stratsys:BUN-M1", year=2028) == []
    assert await ids(client, council, GOALS, external_code="stratsys:BUN") == []
    # Another board's draft stays out of the board's view, whatever its code.
    assert await ids(client, board, GOALS, external_code="stratsys:BUN-M1-UTKAST") == []


async def test_an_activity_is_found_by_its_stratsys_code(client, app, council):
    goal, links = factories.goal(uuid.UUID(BOARD))
    wanted, wanted_links = factories.activity(uuid.UUID(BOARD), goals=(goal,), title="Läsfrämjande insatser åk 1-3")
    wanted.external_codes = {"stratsys": "BUN-A1"}
    other, _ = factories.activity(uuid.UUID(OTHER_BOARD), title="Annan aktivitet")
    other.external_codes = {"stratsys": "BUN-A2"}
    await factories.add(app, goal, *links, wanted, *wanted_links, other)
    assert await ids(client, council, ACTIVITIES, external_code="stratsys:BUN-A1") == [str(wanted.id)]
    assert await ids(client, council, ACTIVITIES, external_code="stratsys:BUN-A1", goal_id=str(goal.id)) == [str(wanted.id)]
    assert await ids(client, council, ACTIVITIES, external_code="stratsys:BUN-A1", owner_org_unit_id=OTHER_BOARD) == []
    assert await ids(client, council, ACTIVITIES, external_code="stratsys:bun-a1") == []


@pytest.mark.parametrize("url", [INDICATORS, GOALS, ACTIVITIES])
@pytest.mark.parametrize("value", MALFORMED)
async def test_a_malformed_external_code_is_a_422_naming_the_parameter(client, council, url, value):
    response = await client.get(url, params={"external_code": value}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/external_code"}


@pytest.mark.parametrize("url", [INDICATORS, GOALS, ACTIVITIES])
def test_the_parameter_is_described_with_an_example(app, url):
    [parameter] = [p for p in app.openapi()["paths"][url]["get"]["parameters"] if p["name"] == "external_code"]
    assert (parameter["in"], parameter["required"]) == ("query", False)
    assert "<system>:<code>" in parameter["description"]
    assert parameter["schema"]["examples"] == ["stratsys:BUN"]
