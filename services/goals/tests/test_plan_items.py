"""What a plan holds (PUT /plans/{id}/items) and copying a plan to next year."""

import datetime as dt
import uuid
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event

from services.goals.tests import factories
from services.goals.tests.support.organisation import ADMINISTRATION, BOARD
from services.goals.tests.support.plans import BOARD_PLAN, OPERATIONAL_PLAN, PLANS, all_plans, audit_events, create, decide, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers

NOTES = {"timing": "Kvartal 1–2", "responsible": "Rektorer", "followed_up_by": "Ledningsgruppen", "note": "Prioriterat"}


@pytest.fixture
async def world(app):
    """Objects of other areas a plan can name, for the board (B) and its administration (A) in 2027."""
    board_id, administration_id = uuid.UUID(BOARD), uuid.UUID(ADMINISTRATION)
    goal_v1, links_v1 = factories.goal(board_id, status=Status.ARCHIVED, end_year=2028, title="Fler elever klarar skolan")
    goal_v2, links_v2 = factories.goal(board_id, end_year=2028, title="Fler elever når godkända betyg")
    goal_v2.lineage_id, goal_v2.revision = goal_v1.id, 2
    ending_goal, _ = factories.goal(board_id, end_year=2027, title="Minskad sjukfrånvaro 2027")
    closed_goal, _ = factories.goal(board_id, end_year=2029, title="Uppnått mål")
    closed_goal.closed_at, closed_goal.closed_reason = dt.datetime(2027, 6, 1, tzinfo=dt.UTC), "ACHIEVED"
    unit_goal, _ = factories.goal(administration_id, level="UNIT", end_year=2028, title="Ökad läslust")
    quality_factor = factories.quality_factor(administration_id, "Trygg lärmiljö")
    retired_factor = factories.quality_factor(administration_id, "Gammal faktor")
    retired_factor.active = False
    focus_area = factories.focus_area(board_id, 2027, "Digitalisering")
    running_activity, _ = factories.activity(administration_id, end=dt.date(2028, 6, 30), title="Läsfrämjande insatser")
    ended_activity, _ = factories.activity(administration_id, end=dt.date(2027, 12, 31), status="DONE", title="Ny lärplattform")
    indicator = factories.indicator(name="Andel elever med godkända betyg")
    indicator_use = factories.indicator_use(indicator, administration_id, quality_factor_=quality_factor)
    await factories.add(app, goal_v1, goal_v2, ending_goal, closed_goal, unit_goal, *links_v1, *links_v2)
    await factories.add(app, quality_factor, retired_factor, focus_area, running_activity, ended_activity, indicator)
    await factories.add(app, indicator_use)
    return SimpleNamespace(
        goal_v1=goal_v1,
        goal_v2=goal_v2,
        ending_goal=ending_goal,
        closed_goal=closed_goal,
        unit_goal=unit_goal,
        quality_factor=quality_factor,
        retired_factor=retired_factor,
        focus_area=focus_area,
        running_activity=running_activity,
        ended_activity=ended_activity,
        indicator=indicator,
        indicator_use=indicator_use,
    )


def item(item_type, obj, **extra):
    return {"item_type": item_type, "item_id": str(obj.id), **extra}


def board_items(world):
    return [
        item("GOAL", world.goal_v2, **NOTES),
        item("QUALITY_FACTOR", world.quality_factor),
        item("FOCUS_AREA", world.focus_area),
        item("INDICATOR", world.indicator_use, responsible="Kvalitetsstrateg"),
    ]


async def put_items(client, headers, plan_response, items):
    return await client.put(
        f"{PLANS}/{plan_response.json()['id']}/items", json={"items": items}, headers=headers | {"If-Match": plan_response.headers["etag"]}
    )


async def planned(client, headers, items, plan=BOARD_PLAN):
    """A draft plan holding `items`; returns the response of the PUT."""
    response = await put_items(client, headers, await create(client, headers, plan=plan), items)
    assert response.status_code == 200, response.text
    return response


@contextmanager
def statements(app):
    """Every SQL statement the app runs inside the block."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)


# --- replacing the items ------------------------------------------------------------------


async def test_board_plan_holds_goals_quality_factors_focus_areas_and_indicators(client, board, auditors, world):
    created = await create(client, board)
    response = await put_items(client, board, created, board_items(world))
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["etag"] == f'"{body["id"]}.2"' and body["row_version"] == 2
    goal, factor, focus, indicator = body["items"]
    assert goal == {
        "item_type": "GOAL",
        "item_id": str(world.goal_v1.id),
        "position": 0,
        **NOTES,
        "title": "Fler elever når godkända betyg",
        "level": "BOARD",
        "status": "DECIDED",
        "start_date": None,
        "end_date": None,
    }, "a goal is stored by its lineage and shown as its decided revision"
    assert (factor["item_type"], factor["title"], factor["position"], factor["timing"]) == ("QUALITY_FACTOR", "Trygg lärmiljö", 1, "")
    assert (focus["title"], focus["position"]) == ("Digitalisering", 2)
    assert (indicator["title"], indicator["responsible"], indicator["level"]) == (
        "Andel elever med godkända betyg",
        "Kvalitetsstrateg",
        None,
    )
    fetched = await client.get(f"{PLANS}/{body['id']}", headers=board)
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]
    [event_] = [e for e in await audit_events(client, auditors) if e["action"] == "REPLACE_ITEMS"]
    assert event_["before"]["items"] == [] and [i["item_type"] for i in event_["after"]["items"]] == [
        "GOAL",
        "QUALITY_FACTOR",
        "FOCUS_AREA",
        "INDICATOR",
    ]
    assert (event_["before"]["row_version"], event_["after"]["row_version"]) == (1, 2)


async def test_operational_plan_items_show_activity_timing_and_status(client, administration, world):
    items = [
        item("ACTIVITY", world.ended_activity),
        item("GOAL", world.unit_goal),
        item("QUALITY_FACTOR", world.quality_factor),
        item("INDICATOR", world.indicator_use),
    ]
    body = (await planned(client, administration, items, plan=OPERATIONAL_PLAN)).json()
    activity = body["items"][0]
    assert (activity["title"], activity["status"], activity["start_date"], activity["end_date"]) == (
        "Ny lärplattform",
        "DONE",
        "2027-01-01",
        "2027-12-31",
    )
    assert (body["items"][1]["level"], body["items"][1]["title"]) == ("UNIT", "Ökad läslust")


async def test_items_are_ordered_by_their_position(client, board, world):
    items = [
        item("FOCUS_AREA", world.focus_area, position=5),
        item("GOAL", world.goal_v1, position=1),
        item("QUALITY_FACTOR", world.quality_factor, position=3),
    ]
    body = (await planned(client, board, items)).json()
    assert [(i["item_type"], i["position"]) for i in body["items"]] == [("GOAL", 1), ("QUALITY_FACTOR", 3), ("FOCUS_AREA", 5)]


async def test_replacing_items_replaces_the_whole_list(client, board, world):
    first = await planned(client, board, board_items(world))
    second = await put_items(client, board, first, [item("FOCUS_AREA", world.focus_area, note="Enda")])
    assert [(i["item_type"], i["note"]) for i in second.json()["items"]] == [("FOCUS_AREA", "Enda")]
    emptied = await put_items(client, board, second, [])
    assert emptied.status_code == 200 and emptied.json()["items"] == []
    assert emptied.headers["etag"] == f'"{emptied.json()["id"]}.4"'


async def test_an_unknown_object_is_refused_with_a_pointer(client, board, auditors, world):
    created = await create(client, board)
    items = board_items(world)[:3] + [item("GOAL", world.quality_factor)]
    response = await put_items(client, board, created, items)
    body = assert_problem(response, 422, detail_contains="every plan item must name an existing object", type_="invalid-input")
    assert body["errors"] == [{"pointer": "#/items/3/item_id", "detail": f"no GOAL {world.quality_factor.id}"}]
    assert await stored(client, created, auditors) == created.json()


async def test_an_item_type_the_board_plan_does_not_hold_is_refused(client, board, auditors, world):
    created = await create(client, board)
    response = await put_items(client, board, created, [item("GOAL", world.goal_v2), item("ACTIVITY", world.running_activity)])
    assert_problem(
        response, 422, detail_contains="a board plan holds only GOAL, QUALITY_FACTOR, FOCUS_AREA, INDICATOR; it cannot hold ACTIVITY"
    )
    assert pointers(response) == {"#/items/1/item_type"}
    assert await stored(client, created, auditors) == created.json()


async def test_an_item_type_the_operational_plan_does_not_hold_is_refused(client, administration, auditors, world):
    created = await create(client, administration, plan=OPERATIONAL_PLAN)
    response = await put_items(client, administration, created, [item("FOCUS_AREA", world.focus_area)])
    assert_problem(response, 422, detail_contains="an operational plan holds only GOAL, QUALITY_FACTOR, ACTIVITY, INDICATOR")
    assert pointers(response) == {"#/items/0/item_type"}
    assert await stored(client, created, auditors) == created.json()


async def test_the_same_goal_twice_is_refused_whichever_revision_is_named(client, board, auditors, world):
    created = await create(client, board)
    response = await put_items(client, board, created, [item("GOAL", world.goal_v1), item("GOAL", world.goal_v2)])
    assert_problem(response, 422, detail_contains="a plan names each object once")
    assert pointers(response) == {"#/items/1/item_id"}
    assert await stored(client, created, auditors) == created.json()


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/items"),
        ({"items": [{"item_type": "PROJECT", "item_id": str(uuid.uuid4())}]}, "#/items/0/item_type"),
        ({"items": [{"item_type": "GOAL", "item_id": "mål-1"}]}, "#/items/0/item_id"),
        ({"items": [{"item_type": "GOAL", "item_id": str(uuid.uuid4()), "position": -1}]}, "#/items/0/position"),
        ({"items": [{"item_type": "GOAL", "item_id": str(uuid.uuid4()), "timing": "x" * 201}]}, "#/items/0/timing"),
    ],
)
async def test_malformed_items_are_refused_with_a_pointer(client, board, auditors, body, pointer):
    created = await create(client, board)
    response = await client.put(f"{PLANS}/{created.json()['id']}/items", json=body, headers=board | {"If-Match": created.headers["etag"]})
    assert_problem(response, 422, type_="validation-failed")
    assert pointer in pointers(response)
    assert await stored(client, created, auditors) == created.json()


async def test_items_of_a_decided_plan_are_immutable(client, board, auditors, world):
    plan = await decide(client, board, await planned(client, board, board_items(world)[:1]))
    response = await put_items(client, board, plan, board_items(world))
    assert_problem(response, 409, detail_contains="a decided version is immutable; create a new revision")
    assert await stored(client, plan, auditors) == plan.json()


async def test_enhet_writing_a_board_plans_items_is_refused(client, board, as_role, auditors, world):
    created = await create(client, board)
    response = await put_items(client, as_role(Role.ENHET, BOARD, [BOARD]), created, board_items(world))
    assert_problem(response, 403, detail_contains="a board plan is written by the roles: forvaltning, namnd")
    assert await stored(client, created, auditors) == created.json()


async def test_items_outside_the_callers_scope_are_refused(client, board, other_board, auditors, world):
    plan = await decide(client, board, await create(client, board))
    assert_problem(await put_items(client, other_board, plan, []), 403, detail_contains="outside your scope")
    assert await stored(client, plan, auditors) == plan.json()


async def test_items_need_if_match_a_fresh_etag_a_known_plan_and_an_assertion(client, board, world):
    created = await create(client, board)
    url = f"{PLANS}/{created.json()['id']}/items"
    assert_problem(await client.put(url, json={"items": []}, headers=board), 428)
    assert (await put_items(client, board, created, [])).status_code == 200
    assert_problem(await put_items(client, board, created, board_items(world)), 412)
    assert_problem(await client.put(f"{PLANS}/{uuid.uuid4()}/items", json={"items": []}, headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.put(url, json={"items": []}, headers={"If-Match": "*"}), 401)


async def test_reading_a_plan_resolves_its_items_in_a_fixed_number_of_queries(app, client, board, world):
    small = await planned(client, board, board_items(world))
    extra_focus = [factories.focus_area(uuid.UUID(BOARD), 2027, f"Fokus {i}") for i in range(10)]
    extra_goals = [factories.goal(uuid.UUID(BOARD), title=f"Mål {i}")[0] for i in range(10)]
    await factories.add(app, *extra_focus, *extra_goals)
    large_items = board_items(world) + [item("FOCUS_AREA", f) for f in extra_focus] + [item("GOAL", g) for g in extra_goals]
    large = await planned(client, board, large_items, plan=BOARD_PLAN | {"year": 2028})
    with statements(app) as for_small:
        assert (await client.get(f"{PLANS}/{small.json()['id']}", headers=board)).status_code == 200
    with statements(app) as for_large:
        response = await client.get(f"{PLANS}/{large.json()['id']}", headers=board)
    assert len(response.json()["items"]) == 24 and all(i["title"] for i in response.json()["items"])
    selects = [s for s in for_large if s.lstrip().upper().startswith("SELECT")]
    assert len(for_large) == len(for_small) and len(selects) <= 6, for_large


async def test_a_revision_carries_the_items_over(client, board, world):
    plan = await decide(client, board, await planned(client, board, board_items(world)))
    revision = await client.post(f"{PLANS}/{plan.json()['id']}/revisions", headers=board)
    assert revision.status_code == 201 and revision.json()["items"] == plan.json()["items"]


async def test_deleting_a_draft_takes_its_items_along(client, board, auditors, world):
    plan = await planned(client, board, board_items(world))
    assert (await client.delete(f"{PLANS}/{plan.json()['id']}", headers=board | {"If-Match": plan.headers["etag"]})).status_code == 204
    assert await all_plans(client, auditors) == []
    assert len((await audit_events(client, auditors))[0]["before"]["items"]) == 4


# --- copy from last year ------------------------------------------------------------------


async def test_copy_from_last_year_keeps_what_still_holds_next_year(client, board, auditors, world):
    items = [
        item("GOAL", world.goal_v2, **NOTES),
        item("GOAL", world.ending_goal),
        item("GOAL", world.closed_goal),
        item("QUALITY_FACTOR", world.quality_factor),
        item("QUALITY_FACTOR", world.retired_factor),
        item("FOCUS_AREA", world.focus_area),
        item("INDICATOR", world.indicator_use),
    ]
    source = await decide(client, board, await planned(client, board, items))
    response = await client.post(f"{PLANS}/{source.json()['id']}/next-year", headers=board)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == f"{PLANS}/{body['id']}"
    assert (body["year"], body["revision"], body["status"], body["replaces_id"], body["decision"]) == (2028, 1, "DRAFT", None, None)
    for field in ("kind", "org_unit_id", "title", "description", "economy"):
        assert body[field] == source.json()[field]
    kept = [(i["item_type"], i["item_id"]) for i in body["items"]]
    assert kept == [
        ("GOAL", str(world.goal_v1.id)),
        ("QUALITY_FACTOR", str(world.quality_factor.id)),
        ("FOCUS_AREA", str(world.focus_area.id)),
        ("INDICATOR", str(world.indicator_use.id)),
    ], "goals ending this year, closed goals and retired quality factors stay behind"
    assert {k: body["items"][0][k] for k in NOTES} == NOTES
    assert await stored(client, source, auditors) == source.json()


async def test_copy_from_last_year_keeps_activities_that_run_into_next_year(client, administration, world):
    items = [item("ACTIVITY", world.running_activity), item("ACTIVITY", world.ended_activity)]
    source = await planned(client, administration, items, plan=OPERATIONAL_PLAN)
    response = await client.post(f"{PLANS}/{source.json()['id']}/next-year", headers=administration)
    assert response.status_code == 201
    assert [i["item_id"] for i in response.json()["items"]] == [str(world.running_activity.id)]


async def test_copy_to_a_year_that_has_a_plan_is_refused(client, board, auditors):
    source = await create(client, board)
    await create(client, board, year=2028)
    response = await client.post(f"{PLANS}/{source.json()['id']}/next-year", headers=board)
    assert_problem(response, 409, detail_contains=f"a board plan of org unit {BOARD} for 2028 already exists", type_="rule-violation")
    assert len(await all_plans(client, auditors)) == 2


async def test_copy_to_next_year_is_refused_to_enhet_outsiders_unknown_ids_and_anonymous_callers(
    client, board, other_board, as_role, auditors
):
    source = await decide(client, board, await create(client, board))
    url = f"{PLANS}/{source.json()['id']}/next-year"
    assert_problem(await client.post(url, headers=as_role(Role.ENHET, BOARD, [BOARD])), 403, detail_contains="a board plan is written by")
    assert_problem(await client.post(url, headers=other_board), 403, detail_contains="outside your scope")
    assert_problem(await client.post(url, headers=as_role(Role.REVISOR)), 403, type_="role-not-allowed")
    assert_problem(await client.post(f"{PLANS}/{uuid.uuid4()}/next-year", headers=board), 404)
    assert_problem(await client.post(f"{PLANS}/plan/next-year", headers=board), 422)
    assert_problem(await client.post(url), 401)
    assert len(await all_plans(client, auditors)) == 1
