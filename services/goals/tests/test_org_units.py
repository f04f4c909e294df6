"""The goals service on the directory's org units: every unit a client writes is one the directory
knows, valid today (and in the object's years) and of the object's type, or a 422 naming the field
with nothing stored; screens read each unit's name beside its id; the main lists reach the units a
reorganisation replaced on request; follow-up reads what it follows up with its own assertion."""

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.goals.tests import factories
from services.goals.tests.support.goals import board_goal, municipal_goal, period, unit_goal
from services.goals.tests.support.plans import BOARD_PLAN, OPERATIONAL_PLAN
from styrkedjan_common import org_units as replica_module
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import ORGANISATION, assert_problem, org_unit, pointers, service_headers

API = "/api/goals/v1"
COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige")
BOARD = org_unit(OrgUnitType.BOARD, "Barn- och utbildningsnämnden", parent=COUNCIL, short_name="BUN")
COMPANY = org_unit(OrgUnitType.COMPANY, "Hallstahammars Bostads AB", parent=COUNCIL)
ADMINISTRATION = org_unit(OrgUnitType.ADMINISTRATION, "Barn- och utbildningsförvaltningen", parent=BOARD)
AREA = org_unit(OrgUnitType.AREA, "Grundskola", parent=ADMINISTRATION)
SCHOOL = org_unit(OrgUnitType.UNIT, "Kolbäcksskolan", parent=AREA)
YESTERDAY = dt.date.today() - dt.timedelta(days=1)
MISSION = {"idea_and_responsibilities": "Nämnden ansvarar för förskola och skola.", "target_groups": ["Elever"]}
ASSIGNMENT = {"year": 2027, "title": "Utred samlokalisering", "text": "Nämnden får i uppdrag att utreda.", "decision": None}
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2026-10-20", "reference": "BUN § 88/2026"}


def headers(as_role: Any, role: Role) -> dict[str, str]:
    """A caller with the whole municipality in scope: these tests are about the units, not scope."""
    return as_role(role)


async def indicator_use_body(client: Any, app: Any, as_role: Any, unit: str) -> dict[str, Any]:
    indicator = await client.post(
        f"{API}/indicators",
        json={
            "name": "Andel behöriga till gymnasiet",
            "unit": "%",
            "direction": "HIGHER_IS_BETTER",
            "frequency": "YEARLY",
            "source": "INTERNAL",
        },
        headers=headers(as_role, Role.FULLMAKTIGE),
    )
    assert indicator.status_code == 201, indicator.text
    goal, links = factories.goal(uuid.UUID(BOARD))
    await factories.add(app, goal, *links)
    return {"indicator_id": indicator.json()["id"], "org_unit_id": unit, "goal_id": str(goal.id)}


async def municipal_body(client: Any, app: Any, as_role: Any, unit: str) -> dict[str, Any]:
    return municipal_goal((await period(app)).id, owner_org_unit_id=unit)


Body = Callable[[Any, Any, Any, str], Awaitable[dict[str, Any]]]


def plain(make: Callable[[str], dict[str, Any]]) -> Body:
    async def body(client: Any, app: Any, as_role: Any, unit: str) -> dict[str, Any]:
        return make(unit)

    return body


@dataclass(frozen=True)
class Write:
    """A write that names an org unit: where, by whom, with which body, in which field, of which types."""

    path: str
    role: Role
    body: Body
    field: str
    right: OrgUnitType
    wrong: OrgUnitType | None
    listed: str  # the list that would show what was stored


WRITES = {
    "municipal goal": Write(
        "/goals", Role.FULLMAKTIGE, municipal_body, "owner_org_unit_id", OrgUnitType.COUNCIL, OrgUnitType.BOARD, "/goals"
    ),
    "board goal": Write(
        "/goals",
        Role.NAMND,
        plain(lambda u: board_goal(owner_org_unit_id=u)),
        "owner_org_unit_id",
        OrgUnitType.BOARD,
        OrgUnitType.AREA,
        "/goals",
    ),
    "unit goal": Write(
        "/goals",
        Role.ENHET,
        plain(lambda u: unit_goal(owner_org_unit_id=u)),
        "owner_org_unit_id",
        OrgUnitType.UNIT,
        OrgUnitType.BOARD,
        "/goals",
    ),
    "core mission": Write(
        "/core-missions",
        Role.NAMND,
        plain(lambda u: MISSION | {"org_unit_id": u}),
        "org_unit_id",
        OrgUnitType.COMPANY,
        OrgUnitType.ADMINISTRATION,
        "/core-missions",
    ),
    "board plan": Write(
        "/plans",
        Role.NAMND,
        plain(lambda u: BOARD_PLAN | {"org_unit_id": u}),
        "org_unit_id",
        OrgUnitType.BOARD,
        OrgUnitType.ADMINISTRATION,
        "/plans",
    ),
    "operational plan": Write(
        "/plans",
        Role.FORVALTNING,
        plain(lambda u: OPERATIONAL_PLAN | {"org_unit_id": u}),
        "org_unit_id",
        OrgUnitType.AREA,
        OrgUnitType.BOARD,
        "/plans",
    ),
    "assignment": Write(
        "/assignments",
        Role.FULLMAKTIGE,
        plain(lambda u: ASSIGNMENT | {"board_org_unit_id": u}),
        "board_org_unit_id",
        OrgUnitType.BOARD,
        OrgUnitType.ADMINISTRATION,
        "/assignments",
    ),
    "focus area": Write(
        "/focus-areas",
        Role.NAMND,
        plain(lambda u: {"org_unit_id": u, "year": 2027, "name": "Digitalisering"}),
        "org_unit_id",
        OrgUnitType.BOARD,
        OrgUnitType.COUNCIL,
        "/focus-areas",
    ),
    "activity": Write(
        "/activities",
        Role.FORVALTNING,
        plain(lambda u: {"owner_org_unit_id": u, "title": "Läslyftet", "start_date": "2027-01-10", "end_date": "2027-06-15"}),
        "owner_org_unit_id",
        OrgUnitType.UNIT,
        OrgUnitType.COUNCIL,
        "/activities",
    ),
    "quality factor": Write(
        "/quality-factors",
        Role.FORVALTNING,
        plain(lambda u: {"org_unit_id": u, "name": "Trygg och säker skola"}),
        "org_unit_id",
        OrgUnitType.ADMINISTRATION,
        OrgUnitType.BOARD,
        "/quality-factors",
    ),
    "indicator use": Write(
        "/indicator-uses", Role.FORVALTNING, indicator_use_body, "org_unit_id", OrgUnitType.COUNCIL, None, "/indicator-uses"
    ),
}
TYPED = {name: write for name, write in WRITES.items() if write.wrong is not None}


async def write(client: Any, app: Any, as_role: Any, kind: Write, unit: str) -> Any:
    body = await kind.body(client, app, as_role, unit)
    return await client.post(f"{API}{kind.path}", json=body, headers=headers(as_role, kind.role))


async def listed(client: Any, as_role: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"{API}{path}", params={"limit": 100} | params, headers=headers(as_role, Role.REVISOR))
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def nothing_stored(client: Any, as_role: Any, kind: Write, unit: str) -> None:
    assert [item for item in await listed(client, as_role, kind.listed) if unit in item.values()] == []


def name_of(unit: str) -> dict[str, str]:
    known = ORGANISATION.get(unit)
    return {"id": unit, "name": known.name, "short_name": known.short_name, "type": known.type}


# --- the unit written -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", WRITES.values(), ids=WRITES.keys())
async def test_an_unknown_org_unit_is_422_naming_the_field_and_nothing_is_stored(client, app, as_role, kind):
    unknown = str(uuid.uuid4())
    response = await write(client, app, as_role, kind, unknown)
    assert_problem(response, 422, detail_contains="is not in the directory")
    assert pointers(response) == {f"#/{kind.field}"}
    await nothing_stored(client, as_role, kind, unknown)


@pytest.mark.parametrize("kind", WRITES.values(), ids=WRITES.keys())
async def test_a_unit_closed_yesterday_gets_no_new_objects(client, app, as_role, kind):
    closed = org_unit(kind.right, parent=COUNCIL)
    ORGANISATION.change(closed, valid_to=YESTERDAY)
    await app.state.org_units.sync()  # the directory's change has reached the replica
    response = await write(client, app, as_role, kind, closed)
    assert_problem(response, 422, detail_contains=f"closed on {YESTERDAY}")
    assert pointers(response) == {f"#/{kind.field}"}
    await nothing_stored(client, as_role, kind, closed)


@pytest.mark.parametrize("kind", TYPED.values(), ids=TYPED.keys())
async def test_a_unit_of_another_type_is_422_naming_the_field(client, app, as_role, kind):
    assert kind.wrong is not None
    wrong = org_unit(kind.wrong, parent=COUNCIL)
    await app.state.org_units.sync()
    response = await write(client, app, as_role, kind, wrong)
    assert_problem(response, 422, detail_contains=f"is {kind.wrong.value}")
    assert pointers(response) == {f"#/{kind.field}"}
    await nothing_stored(client, as_role, kind, wrong)


@pytest.mark.parametrize("kind", WRITES.values(), ids=WRITES.keys())
async def test_a_unit_registered_after_the_start_is_usable_at_once_and_named(client, app, as_role, kind, monkeypatch):
    monkeypatch.setattr(replica_module, "MIN_LOOKUP_GAP", 0.0)  # each test's lookup is a first one
    new = org_unit(kind.right, f"Ny enhet {uuid.uuid4().hex[:6]}", parent=COUNCIL)
    response = await write(client, app, as_role, kind, new)
    assert response.status_code == 201, response.text
    assert response.json()[kind.field.removesuffix("_id")] == name_of(new)


async def test_a_goal_for_years_after_its_unit_closes_is_refused(client, app, as_role):
    closing = org_unit(OrgUnitType.BOARD, "Kultur- och fritidsnämnden", parent=COUNCIL, valid_to=dt.date.today() + dt.timedelta(days=30))
    await app.state.org_units.sync()
    after = (dt.date.today() + dt.timedelta(days=30)).year + 1
    response = await client.post(
        f"{API}/goals", json=board_goal(owner_org_unit_id=closing, start_year=after, end_year=after), headers=headers(as_role, Role.NAMND)
    )
    assert_problem(response, 422, detail_contains=f"is not valid in {after}")
    assert pointers(response) == {"#/owner_org_unit_id"}


async def test_moving_an_activity_to_a_closed_unit_is_refused_and_changes_nothing(client, app, as_role):
    writer = headers(as_role, Role.FORVALTNING)
    created = await write(client, app, as_role, WRITES["activity"], SCHOOL)
    closed = org_unit(OrgUnitType.UNIT, parent=AREA)
    ORGANISATION.change(closed, valid_to=YESTERDAY)
    await app.state.org_units.sync()
    url = f"{API}/activities/{created.json()['id']}"
    response = await client.patch(url, json={"owner_org_unit_id": closed}, headers=writer | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422)
    assert pointers(response) == {"#/owner_org_unit_id"}
    assert (await client.get(url, headers=writer)).json() == created.json()


async def test_moving_an_assignment_to_an_administration_is_refused(client, app, as_role):
    council = headers(as_role, Role.FULLMAKTIGE)
    created = await write(client, app, as_role, WRITES["assignment"], BOARD)
    url = f"{API}/assignments/{created.json()['id']}"
    response = await client.patch(url, json={"board_org_unit_id": ADMINISTRATION}, headers=council | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, detail_contains="is administration")
    assert (await client.get(url, headers=council)).json()["board_org_unit_id"] == BOARD


async def test_a_plan_is_not_copied_into_a_year_its_unit_is_closed(client, app, as_role):
    board = headers(as_role, Role.NAMND)
    closing = org_unit(OrgUnitType.BOARD, "Tekniska nämnden", parent=COUNCIL, valid_to=dt.date(2027, 12, 31))
    await app.state.org_units.sync()
    plan = await write(client, app, as_role, WRITES["board plan"], closing)
    assert plan.status_code == 201, plan.text
    response = await client.post(f"{API}/plans/{plan.json()['id']}/next-year", headers=board)
    assert_problem(response, 409, detail_contains="Tekniska nämnden closes on 2027-12-31")
    assert [item["year"] for item in await listed(client, as_role, "/plans", org_unit_id=closing)] == [2027]


# --- names in the read models -----------------------------------------------------------------


async def test_goals_plans_missions_assignments_activities_and_uses_carry_their_units_names(client, app, as_role):
    revisor = headers(as_role, Role.REVISOR)
    made = {
        "goals": await write(client, app, as_role, WRITES["board goal"], BOARD),
        "plans": await write(client, app, as_role, WRITES["operational plan"], ADMINISTRATION),
        "core-missions": await write(client, app, as_role, WRITES["core mission"], BOARD),
        "assignments": await write(client, app, as_role, WRITES["assignment"], BOARD),
        "activities": await write(client, app, as_role, WRITES["activity"], SCHOOL),
        "focus-areas": await write(client, app, as_role, WRITES["focus area"], BOARD),
        "quality-factors": await write(client, app, as_role, WRITES["quality factor"], AREA),
        "indicator-uses": await write(client, app, as_role, WRITES["indicator use"], SCHOOL),
    }
    for path, created in made.items():
        assert created.status_code == 201, created.text
        body = created.json()
        field = next(name for name in body if name.endswith("org_unit_id"))
        expected = name_of(body[field])
        detail = (await client.get(f"{API}/{path}/{body['id']}", headers=revisor)).json()
        (item,) = [item for item in await listed(client, as_role, f"/{path}") if item["id"] == body["id"]]
        assert body[field.removesuffix("_id")] == detail[field.removesuffix("_id")] == item[field.removesuffix("_id")] == expected, path
    assert name_of(BOARD)["short_name"] == "BUN"


async def test_the_upward_thread_names_the_node_and_each_goal_above(client, app, as_role):
    goal = await write(client, app, as_role, WRITES["board goal"], BOARD)
    response = await client.get(f"{API}/thread/upward", params={"goal_id": goal.json()["id"]}, headers=headers(as_role, Role.REVISOR))
    assert response.status_code == 200, response.text
    assert response.json()["node"]["org_unit"] == name_of(BOARD)


async def test_a_unit_the_directory_does_not_know_is_named_null(client, app, as_role):
    goal, links = factories.goal(uuid.uuid4())  # stored before the directory knew its units
    await factories.add(app, goal, *links)
    response = await client.get(f"{API}/goals/{goal.id}", headers=headers(as_role, Role.REVISOR))
    assert response.status_code == 200 and response.json()["owner_org_unit"] is None


# --- reorganisations: the predecessors' objects -----------------------------------------------


PREDECESSOR_LISTS = {
    "goals": ("board goal", "owner_org_unit_id"),
    "plans": ("board plan", "org_unit_id"),
    "activities": ("activity", "owner_org_unit_id"),
    "indicator-uses": ("indicator use", "org_unit_id"),
    "assignments": ("assignment", "board_org_unit_id"),
    "core-missions": ("core mission", "org_unit_id"),
}


@pytest.mark.parametrize(("path", "kind_and_filter"), PREDECESSOR_LISTS.items(), ids=PREDECESSOR_LISTS.keys())
async def test_include_predecessors_lists_what_the_replaced_units_hold(client, app, as_role, path, kind_and_filter):
    kind_name, filter_name = kind_and_filter
    old = org_unit(OrgUnitType.BOARD, "Barn- och ungdomsnämnden", parent=COUNCIL)
    middle = org_unit(OrgUnitType.BOARD, "Skolnämnden", parent=COUNCIL, predecessor=old)
    new = org_unit(OrgUnitType.BOARD, "Utbildningsnämnden", parent=COUNCIL, predecessor=middle)
    await app.state.org_units.sync()
    made = await write(client, app, as_role, WRITES[kind_name], old)
    assert made.status_code == 201, made.text
    ORGANISATION.change(old, valid_to=YESTERDAY)  # the reorganisation: the old unit closes, its objects stay with it
    await app.state.org_units.sync()
    assert await listed(client, as_role, f"/{path}", **{filter_name: new}) == []
    widened = await listed(client, as_role, f"/{path}", **{filter_name: new, "include_predecessors": "true"})
    assert [item["id"] for item in widened] == [made.json()["id"]]
    assert widened[0][filter_name] == old  # it keeps the unit it was made for
    assert [item["id"] for item in await listed(client, as_role, f"/{path}", **{filter_name: old})] == [made.json()["id"]]


# --- follow-up reads with its own assertion ---------------------------------------------------


async def followed_up(client: Any, app: Any, as_role: Any) -> list[str]:
    """A draft goal, a plan, a use with a target and an outcome, an assignment with a report, an
    activity and a decided core mission; the paths follow-up reads them at."""
    goal = await write(client, app, as_role, WRITES["board goal"], BOARD)
    plan = await write(client, app, as_role, WRITES["board plan"], BOARD)
    use = await write(client, app, as_role, WRITES["indicator use"], SCHOOL)
    council, board = headers(as_role, Role.FULLMAKTIGE), headers(as_role, Role.NAMND)
    uses = f"{API}/indicator-uses/{use.json()['id']}"
    assert (await client.put(f"{uses}/targets/2027", json={"total": "85"}, headers=council)).status_code == 201
    assert (await client.put(f"{uses}/outcomes/2026", json={"total": "80"}, headers=council)).status_code == 201
    assignment = await write(client, app, as_role, WRITES["assignment"], BOARD)
    report = {"occasion": "INTERIM", "status": "ONGOING", "text": "Utredningen pågår."}
    reported = await client.post(f"{API}/assignments/{assignment.json()['id']}/reports", json=report, headers=council)
    assert reported.status_code == 201, reported.text
    await write(client, app, as_role, WRITES["activity"], SCHOOL)
    mission = await write(client, app, as_role, WRITES["core mission"], BOARD)
    url = f"{API}/core-missions/{mission.json()['id']}"
    proposed = await client.post(f"{url}/proposal", headers=board | {"If-Match": mission.headers["etag"]})
    decided = await client.post(f"{url}/decision", json=DECISION, headers=board | {"If-Match": proposed.headers["etag"]})
    assert decided.status_code == 200, decided.text
    return [
        "/goals",
        f"/goals/{goal.json()['id']}",
        "/thread?year=2027",
        f"/thread/upward?goal_id={goal.json()['id']}",
        "/plans",
        f"/plans/{plan.json()['id']}",
        "/indicator-uses",
        f"/indicator-uses/{use.json()['id']}",
        f"/indicator-uses/{use.json()['id']}/targets",
        f"/indicator-uses/{use.json()['id']}/targets/2027",
        f"/indicator-uses/{use.json()['id']}/outcomes",
        f"/indicator-uses/{use.json()['id']}/outcomes/2026",
        "/assignments",
        f"/assignments/{assignment.json()['id']}",
        f"/assignments/{assignment.json()['id']}/reports",
        "/assignments/reports?year=2027&occasion=INTERIM",
        f"/quality-factors?org_unit_id={BOARD}",
        "/activities",
        "/core-missions",
        f"/core-missions/current?org_unit_id={BOARD}",
    ]


async def test_follow_up_reads_what_it_follows_up_drafts_included(client, app, as_role):
    for path in await followed_up(client, app, as_role):
        response = await client.get(f"{API}{path}", headers=service_headers("followup", "goals"))
        assert response.status_code == 200, (path, response.text)
    listed_ = (await client.get(f"{API}/goals", headers=service_headers("followup", "goals"))).json()["items"]
    assert "DRAFT" in {goal["status"] for goal in listed_}  # the whole municipality, its drafts too


async def test_a_service_the_operations_do_not_declare_is_refused(client, app, as_role):
    for path in await followed_up(client, app, as_role):
        response = await client.get(f"{API}{path}", headers=service_headers("budget", "goals"))
        assert_problem(response, 403)


@pytest.mark.parametrize("path", ["/indicators", "/visions", "/mandate-periods", "/focus-areas", "/audit-events"], ids=str)
async def test_follow_up_reads_only_the_operations_that_declare_it(client, path):
    assert_problem(await client.get(f"{API}{path}", headers=service_headers("followup", "goals")), 403)


@pytest.mark.parametrize("kind", WRITES.values(), ids=WRITES.keys())
async def test_a_service_assertion_writes_nothing(client, app, as_role, kind):
    body = await kind.body(client, app, as_role, ORGANISATION.get(BOARD).id)
    response = await client.post(f"{API}{kind.path}", json=body, headers=service_headers("followup", "goals"))
    assert_problem(response, 403)


# --- the follow-ups' one vocabulary -----------------------------------------------------------


async def test_an_assignment_report_names_one_of_the_years_follow_ups(client, app, as_role):
    council = headers(as_role, Role.FULLMAKTIGE)
    assignment = await write(client, app, as_role, WRITES["assignment"], BOARD)
    reports = f"{API}/assignments/{assignment.json()['id']}/reports"
    response = await client.post(reports, json={"occasion": "QUARTERLY", "status": "ONGOING", "text": "x"}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/occasion"}
    assert (await client.get(reports, headers=council)).json()["items"] == []
    schema = (await client.get("/openapi.json", headers=council)).json()["components"]["schemas"]
    assert schema["FollowupOccasion"]["enum"] == ["FORECAST", "INTERIM", "ANNUAL"]
    assert "ReportOccasion" not in schema
