"""Control plans (internkontrollplaner) and their control activities: a board's plan for a year,
decided by the board by December the year before, read in scope. Common controls: test_common_controls.py."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from internal_control_service.plans import service
from internal_control_service.risks.models import Risk, RiskAssessment
from services.internal_control.tests.support import rows
from services.internal_control.tests.support.api import audit_actions
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD, UNIT
from services.internal_control.tests.support.plans import (
    ACTIVITIES,
    ACTIVITY,
    DECISION,
    PLAN,
    PLANS,
    add_activity,
    create_plan,
    decide,
    step,
    stored,
)
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.identity import Assignment, Principal, Role
from styrkedjan_common.testing import assert_problem, assertion_headers, pointers


@pytest.fixture
def unit_head(as_role):
    return as_role(Role.ENHET, UNIT, [UNIT])


@pytest.fixture
def reader_writing_elsewhere(keys):
    """Reads BOARD as a unit manager of it, and is the board of OTHER_BOARD: may read, not write, BOARD's plans."""
    who = Principal(
        user_id="dual",
        name="Dual",
        assignments=(
            Assignment(Role.ENHET, BOARD, frozenset({BOARD})),
            Assignment(Role.NAMND, OTHER_BOARD, frozenset({OTHER_BOARD})),
        ),
    )
    return assertion_headers(keys, "internal-control", who)


@pytest.fixture(autouse=True)
def planning_season(monkeypatch):
    """Before the December deadline of the 2028 plans, unless a test moves the date."""
    monkeypatch.setattr(service, "today", lambda: dt.date(2027, 10, 1))


async def all_plans(client, auditors):
    return (await client.get(PLANS, headers=auditors)).json()["items"]


async def insert_risk(app, board_id=BOARD, decision="CONTROL", year=2027):
    async with app.state.sessionmaker() as session:
        assessment = RiskAssessment(
            board_org_unit_id=uuid.UUID(board_id),
            year=year,
            title=f"Risk- och väsentlighetsanalys {year}",
            created_by="test",
            updated_by="test",
        )
        session.add(assessment)
        await session.flush()
        risk = Risk(
            assessment_id=assessment.id,
            process="Upphandling",
            description="Direktupphandlingar dokumenteras inte",
            likelihood=3,
            consequence=4,
            decision=decision,
            created_by="test",
            updated_by="test",
        )
        session.add(risk)
        await session.commit()
        return str(risk.id)


# --- control plans -----------------------------------------------------------------------------


async def test_board_creates_a_draft_plan_with_location_and_etag(client, board, auditors):
    response = await create_plan(client, board)
    body = response.json()
    assert body["status"] == "DRAFT" and body["revision"] == 1 and body["replaces_id"] is None
    assert body["board_org_unit_id"] == BOARD and body["year"] == 2028 and body["activities"] == []
    assert body["late"] is False and body["decision"] is None
    assert response.headers["location"] == f"{PLANS}/{body['id']}"
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert await audit_actions(client, auditors, "control_plan", body["id"]) == ["CREATE"]


async def test_administration_drafts_its_boards_plan(client, administration):
    assert (await create_plan(client, administration)).json()["board_org_unit_id"] == BOARD


async def test_plan_operations_require_sign_in(client, board):
    plan = await create_plan(client, board)
    url = f"{PLANS}/{plan.json()['id']}"
    for method, path in (
        ("GET", PLANS),
        ("POST", PLANS),
        ("GET", url),
        ("PATCH", url),
        ("DELETE", url),
        ("POST", f"{url}/proposal"),
        ("POST", f"{url}/revisions"),
        ("POST", f"{url}/activities"),
    ):
        assert_problem(await client.request(method, path, json={}), 401)


async def test_roles_outside_the_policy_cannot_write_plans(client, board, unit_head, auditors, executive_board):
    for headers in (unit_head, auditors, executive_board):
        assert_problem(await client.post(PLANS, json=PLAN, headers=headers), 403, type_="role-not-allowed")
    assert await all_plans(client, auditors) == []


async def test_write_outside_scope_is_refused(client, board, other_board, reader_writing_elsewhere, auditors):
    assert_problem(await client.post(PLANS, json=PLAN, headers=other_board), 403, detail_contains="outside your scope")
    plan = await create_plan(client, board)
    before = await stored(client, plan.json()["id"], auditors)
    # The caller reads BOARD's plan (as its unit manager) but writes only as the board of OTHER_BOARD.
    seen = await client.get(f"{PLANS}/{plan.json()['id']}", headers=reader_writing_elsewhere)
    assert seen.status_code == 200
    changed = await client.patch(
        f"{PLANS}/{plan.json()['id']}", json={"title": "Annan"}, headers=reader_writing_elsewhere | {"If-Match": seen.headers["etag"]}
    )
    assert_problem(changed, 403, detail_contains="outside your scope")
    assert_problem(await client.post(f"{PLANS}/{plan.json()['id']}/activities", json=ACTIVITY, headers=reader_writing_elsewhere), 403)
    assert await stored(client, plan.json()["id"], auditors) == before
    assert len(await all_plans(client, auditors)) == 1


async def test_plan_input_is_validated(client, board):
    response = await client.post(PLANS, json={}, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/board_org_unit_id", "#/year", "#/title"}
    response = await client.post(PLANS, json=PLAN | {"year": 1990, "extra": 1}, headers=board)
    assert pointers(response) == {"#/year", "#/extra"}
    assert_problem(await client.get(f"{PLANS}/not-a-uuid", headers=board), 422)


async def test_unknown_plan_is_not_found(client, board):
    missing = uuid.uuid4()
    assert_problem(await client.get(f"{PLANS}/{missing}", headers=board), 404)
    assert_problem(await client.patch(f"{PLANS}/{missing}", json={"title": "x"}, headers=board | {"If-Match": "*"}), 404)
    assert_problem(await client.post(f"{PLANS}/{missing}/revisions", headers=board), 404)
    assert_problem(await client.post(f"{PLANS}/{missing}/activities", json=ACTIVITY, headers=board), 404)


async def test_another_boards_plan_is_not_disclosed_while_revisor_and_executive_board_read_all(
    client, board, other_board, unit_head, administration, auditors, executive_board
):
    plan_id = (await create_plan(client, board)).json()["id"]
    for outsider in (other_board, unit_head):
        assert_problem(await client.get(f"{PLANS}/{plan_id}", headers=outsider), 404, detail_contains="no control plan")
        assert (await client.get(PLANS, headers=outsider)).json()["items"] == []
        changed = await client.patch(f"{PLANS}/{plan_id}", json={"title": "x"}, headers=outsider | {"If-Match": "*"})
        assert changed.status_code in (403, 404)
    for reader in (administration, auditors, executive_board):
        assert (await client.get(f"{PLANS}/{plan_id}", headers=reader)).status_code == 200
        assert [p["id"] for p in (await client.get(PLANS, headers=reader)).json()["items"]] == [plan_id]


async def test_a_large_plan_is_read_with_its_first_activities_and_the_rest_paged(client, app, board, other_board):
    plan = await create_plan(client, board)
    plan_id = uuid.UUID(plan.json()["id"])
    added = [rows.activity(SimpleNamespace(id=plan_id), area=f"Område {n}") for n in range(130)]
    async with app.state.sessionmaker() as session:
        for row in added:  # one at a time, so each is added after the one before
            session.add(row)
            await session.flush()
        await session.commit()
    body = (await client.get(f"{PLANS}/{plan_id}", headers=board)).json()
    assert (len(body["activities"]), body["activity_count"]) == (EMBEDDED_MAX, 130) and body["activities_next_cursor"]
    read, cursor = body["activities"], body["activities_next_cursor"]
    while cursor:
        page = await client.get(f"{PLANS}/{plan_id}/activities", params={"limit": 30, "cursor": cursor}, headers=board)
        assert page.status_code == 200, page.text
        read, cursor = read + page.json()["items"], page.json()["next_cursor"]
    assert [a["id"] for a in read] == [str(row.id) for row in added]
    assert_problem(await client.get(f"{PLANS}/{plan_id}/activities", headers=other_board), 404, detail_contains="no control plan")


async def test_a_small_plan_embeds_all_its_activities(client, board):
    plan = await create_plan(client, board)
    ids = [(await add_activity(client, board, plan)).json()["id"] for _ in range(3)]
    body = (await client.get(f"{PLANS}/{plan.json()['id']}", headers=board)).json()
    assert ([a["id"] for a in body["activities"]], body["activity_count"], body["activities_next_cursor"]) == (ids, 3, None)
    listed = (await client.get(f"{PLANS}/{plan.json()['id']}/activities", headers=board)).json()
    assert ([a["id"] for a in listed["items"]], listed["next_cursor"]) == (ids, None)


async def test_list_filters_and_paginates(client, board, other_board, auditors):
    ids = {(await create_plan(client, board, year=year)).json()["id"] for year in (2027, 2028, 2029)}
    await create_plan(client, other_board, board_org_unit_id=OTHER_BOARD)
    seen, cursor = [], None
    while True:
        page = (await client.get(PLANS, params={"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=board)).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert {p["id"] for p in seen} == ids and [p["year"] for p in seen] == [2029, 2028, 2027]
    assert [p["year"] for p in (await client.get(PLANS, params={"year": 2028}, headers=board)).json()["items"]] == [2028]
    assert len((await client.get(PLANS, params={"status": "DRAFT"}, headers=auditors)).json()["items"]) == 4
    assert (await client.get(PLANS, params={"status": "DECIDED"}, headers=auditors)).json()["items"] == []
    assert len((await client.get(PLANS, params={"board_org_unit_id": OTHER_BOARD}, headers=auditors)).json()["items"]) == 1
    assert pointers(await client.get(PLANS, params={"cursor": "bogus"}, headers=board)) == {"#/query/cursor"}
    assert pointers(await client.get(PLANS, params={"status": "DONE", "limit": 0}, headers=board)) == {"#/query/status", "#/query/limit"}


async def test_plan_not_decided_after_december_of_the_year_before_is_late(client, board, monkeypatch):
    plan = await create_plan(client, board)
    monkeypatch.setattr(service, "today", lambda: dt.date(2027, 12, 31))
    assert (await client.get(f"{PLANS}/{plan.json()['id']}", headers=board)).json()["late"] is False
    monkeypatch.setattr(service, "today", lambda: dt.date(2028, 1, 1))
    assert (await client.get(f"{PLANS}/{plan.json()['id']}", headers=board)).json()["late"] is True
    assert [p["late"] for p in (await client.get(PLANS, headers=board)).json()["items"]] == [True]
    decided = await decide(client, board, (await client.get(f"{PLANS}/{plan.json()['id']}", headers=board)))
    assert decided.json()["late"] is False
    # An amendment in preparation leaves the decided plan in force: not late either.
    revision = await client.post(f"{PLANS}/{plan.json()['id']}/revisions", headers=board)
    assert revision.json()["late"] is False


async def test_board_decides_and_a_decided_revision_archives_the_plan_it_replaces(client, board, administration, auditors):
    plan = await create_plan(client, administration)
    await add_activity(client, administration, plan)
    current = await client.get(f"{PLANS}/{plan.json()['id']}", headers=administration)
    proposed = await step(client, administration, current, "proposal")
    assert proposed.json()["status"] == "PROPOSED"
    assert_problem(await step(client, administration, proposed, "decision", DECISION), 403, type_="role-not-allowed")
    decided = await step(client, board, proposed, "decision", DECISION)
    assert decided.json()["status"] == "DECIDED" and decided.json()["decision"] == DECISION

    revision = await client.post(f"{PLANS}/{plan.json()['id']}/revisions", headers=administration)
    assert revision.status_code == 201, revision.text
    body = revision.json()
    assert body["revision"] == 2 and body["replaces_id"] == plan.json()["id"] and body["status"] == "DRAFT"
    assert [a["what_is_checked"] for a in body["activities"]] == [ACTIVITY["what_is_checked"]]
    assert body["activities"][0]["id"] != decided.json()["activities"][0]["id"]
    await decide(client, board, revision)
    assert (await stored(client, plan.json()["id"], auditors))["status"] == "ARCHIVED"
    assert await audit_actions(client, auditors, "control_plan", plan.json()["id"]) == ["CREATE", "PROPOSE", "DECIDE", "ARCHIVE"]


async def test_second_open_revision_is_refused(client, board, auditors):
    plan = await create_plan(client, board)
    assert_problem(
        await client.post(PLANS, json=PLAN, headers=board),
        409,
        detail_contains="one control plan revision per board and year",
        type_="rule-violation",
    )
    decided = await decide(client, board, plan)
    assert (await client.post(f"{PLANS}/{plan.json()['id']}/revisions", headers=board)).status_code == 201
    before = await all_plans(client, auditors)
    refused = await client.post(f"{PLANS}/{decided.json()['id']}/revisions", headers=board)
    assert_problem(refused, 409, detail_contains="revision 2 of the 2028 plan is still DRAFT")
    assert await all_plans(client, auditors) == before


async def test_revision_starts_only_from_a_decided_plan(client, board):
    plan = await create_plan(client, board)
    assert_problem(await client.post(f"{PLANS}/{plan.json()['id']}/revisions", headers=board), 409, detail_contains="decided plan in force")


async def test_editing_a_decided_plan_or_its_activities_is_refused(client, board, auditors):
    plan = await create_plan(client, board)
    activity = await add_activity(client, board, plan)
    decided = await decide(client, board, await client.get(f"{PLANS}/{plan.json()['id']}", headers=board))
    before = await stored(client, plan.json()["id"], auditors)
    url = f"{PLANS}/{plan.json()['id']}"
    if_match = {"If-Match": decided.headers["etag"]}
    assert_problem(
        await client.patch(url, json={"title": "Ny"}, headers=board | if_match), 409, detail_contains="decided version is immutable"
    )
    assert_problem(
        await client.post(f"{url}/activities", json=ACTIVITY, headers=board), 409, detail_contains="decided version is immutable"
    )
    activity_url = f"{ACTIVITIES}/{activity.json()['id']}"
    activity_match = {"If-Match": activity.headers["etag"]}
    assert_problem(
        await client.patch(activity_url, json={"method": "Ny"}, headers=board | activity_match), 409, detail_contains="immutable"
    )
    assert_problem(await client.delete(activity_url, headers=board | activity_match), 409, detail_contains="immutable")
    assert_problem(await client.delete(url, headers=board | if_match), 409, detail_contains="only a draft control plan can be deleted")
    assert await stored(client, plan.json()["id"], auditors) == before


async def test_a_proposed_plan_is_returned_to_draft_before_editing(client, board):
    proposed = await step(client, board, await create_plan(client, board), "proposal")
    url = f"{PLANS}/{proposed.json()['id']}"
    assert_problem(
        await client.patch(url, json={"title": "Ny"}, headers=board | {"If-Match": proposed.headers["etag"]}),
        409,
        detail_contains="return it to draft",
    )
    returned = await step(client, board, proposed, "return")
    assert returned.json()["status"] == "DRAFT"
    changed = await client.patch(url, json={"title": "Ny"}, headers=board | {"If-Match": returned.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["title"] == "Ny"


async def test_lifecycle_step_from_the_wrong_status_is_refused(client, board):
    plan = await create_plan(client, board)
    assert_problem(await step(client, board, plan, "decision", DECISION), 409, detail_contains="decision lifecycle")
    assert_problem(await step(client, board, plan, "archival"), 409, detail_contains="only possible from DECIDED")
    response = await step(client, board, await step(client, board, plan, "proposal"), "decision", {"body": ""})
    assert pointers(response) == {"#/body", "#/decision_date", "#/reference"}


async def test_plan_update_requires_current_if_match_and_is_audited(client, board, auditors):
    plan = await create_plan(client, board)
    url = f"{PLANS}/{plan.json()['id']}"
    assert_problem(await client.patch(url, json={"title": "Ny"}, headers=board), 428)
    assert_problem(await client.patch(url, json={"title": "Ny"}, headers=board | {"If-Match": '"stale.0"'}), 412)
    assert pointers(await client.patch(url, json={"title": None}, headers=board | {"If-Match": plan.headers["etag"]})) == {"#/title"}
    changed = await client.patch(url, json={"title": "Ny titel"}, headers=board | {"If-Match": plan.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["title"] == "Ny titel"
    assert changed.headers["etag"] != plan.headers["etag"]
    assert await audit_actions(client, auditors, "control_plan", plan.json()["id"]) == ["CREATE", "UPDATE"]


async def test_draft_plan_is_deleted_with_its_activities(client, board, auditors):
    plan = await create_plan(client, board)
    activity = await add_activity(client, board, plan)
    current = await client.get(f"{PLANS}/{plan.json()['id']}", headers=board)
    assert_problem(await client.delete(f"{PLANS}/{plan.json()['id']}", headers=board), 428)
    deleted = await client.delete(f"{PLANS}/{plan.json()['id']}", headers=board | {"If-Match": current.headers["etag"]})
    assert deleted.status_code == 204
    assert await stored(client, plan.json()["id"], auditors) is None
    assert_problem(await client.get(f"{ACTIVITIES}/{activity.json()['id']}", headers=board), 404)
    assert await audit_actions(client, auditors, "control_plan", plan.json()["id"]) == ["CREATE", "DELETE"]


# --- control activities ------------------------------------------------------------------------


async def test_administration_adds_an_activity_controlling_a_risk_of_its_board(client, app, board, administration, auditors):
    risk_id = await insert_risk(app)
    plan = await create_plan(client, board)
    response = await add_activity(client, administration, plan, risk_id=risk_id)
    body = response.json()
    assert body["risk_id"] == risk_id and body["plan_id"] == plan.json()["id"] and body["common_control_id"] is None
    assert {name: body[name] for name in ACTIVITY} == ACTIVITY
    assert response.headers["location"] == f"{ACTIVITIES}/{body['id']}"
    read = await client.get(f"{ACTIVITIES}/{body['id']}", headers=board)
    assert read.json() == body and read.headers["etag"] == response.headers["etag"]
    # The plan moved with its activities: a decision with the old ETag is refused.
    current = await client.get(f"{PLANS}/{plan.json()['id']}", headers=board)
    assert current.headers["etag"] != plan.headers["etag"] and [a["id"] for a in current.json()["activities"]] == [body["id"]]
    assert_problem(await step(client, board, plan, "proposal"), 412)
    assert await audit_actions(client, auditors, "control_activity", body["id"]) == ["CREATE"]


async def test_activity_risk_must_be_a_controlled_risk_of_the_same_board(client, app, board, auditors):
    plan = await create_plan(client, board)
    foreign = await insert_risk(app, board_id=OTHER_BOARD)
    accepted = await insert_risk(app, decision="ACCEPT")
    url = f"{PLANS}/{plan.json()['id']}/activities"
    for risk_id, rule in (
        (foreign, "own board's risk assessment"),
        (str(uuid.uuid4()), "own board's risk assessment"),
        (accepted, "decided to be controlled (CONTROL)"),
    ):
        response = await client.post(url, json=ACTIVITY | {"risk_id": risk_id}, headers=board)
        assert_problem(response, 422, detail_contains=rule)
        assert pointers(response) == {"#/risk_id"}
    assert (await stored(client, plan.json()["id"], auditors))["activities"] == []


async def test_activity_input_is_validated(client, board):
    plan = await create_plan(client, board)
    response = await client.post(f"{PLANS}/{plan.json()['id']}/activities", json={}, headers=board)
    assert_problem(response, 422)
    assert pointers(response) == {"#/what_is_checked"}
    activity = await add_activity(client, board, plan)
    changed = await client.patch(
        f"{ACTIVITIES}/{activity.json()['id']}",
        json={"what_is_checked": None, "frequency": "x" * 101},
        headers=board | {"If-Match": activity.headers["etag"]},
    )
    assert pointers(changed) == {"#/frequency"}
    changed = await client.patch(
        f"{ACTIVITIES}/{activity.json()['id']}", json={"what_is_checked": None}, headers=board | {"If-Match": activity.headers["etag"]}
    )
    assert pointers(changed) == {"#/what_is_checked"}


async def test_activity_is_edited_and_removed_with_if_match(client, app, board, administration, auditors):
    risk_id = await insert_risk(app)
    plan = await create_plan(client, board)
    activity = await add_activity(client, administration, plan)
    url = f"{ACTIVITIES}/{activity.json()['id']}"
    assert_problem(await client.patch(url, json={"method": "Stickprov"}, headers=administration), 428)
    assert_problem(await client.patch(url, json={"method": "Stickprov"}, headers=administration | {"If-Match": '"stale.9"'}), 412)
    changed = await client.patch(
        url, json={"method": "Stickprov", "risk_id": risk_id}, headers=administration | {"If-Match": activity.headers["etag"]}
    )
    assert changed.status_code == 200 and changed.json()["method"] == "Stickprov" and changed.json()["risk_id"] == risk_id
    unlinked = await client.patch(url, json={"risk_id": None}, headers=administration | {"If-Match": changed.headers["etag"]})
    assert unlinked.json()["risk_id"] is None
    assert_problem(await client.delete(url, headers=administration), 428)
    assert (await client.delete(url, headers=administration | {"If-Match": unlinked.headers["etag"]})).status_code == 204
    assert (await stored(client, plan.json()["id"], auditors))["activities"] == []
    assert await audit_actions(client, auditors, "control_activity", activity.json()["id"]) == ["CREATE", "UPDATE", "UPDATE", "DELETE"]


async def test_activity_endpoints_refuse_outsiders(client, board, other_board, unit_head, reader_writing_elsewhere, auditors):
    plan = await create_plan(client, board)
    activity = await add_activity(client, board, plan)
    url = f"{ACTIVITIES}/{activity.json()['id']}"
    if_match = {"If-Match": activity.headers["etag"]}
    for method in ("GET", "PATCH", "DELETE"):
        assert_problem(await client.request(method, url, json={}), 401)
        assert_problem(await client.request(method, url, json={}, headers=other_board | if_match), 404)
    assert_problem(await client.patch(url, json={"method": "x"}, headers=unit_head | if_match), 403, type_="role-not-allowed")
    assert_problem(
        await client.patch(url, json={"method": "x"}, headers=reader_writing_elsewhere | if_match),
        403,
        detail_contains="outside your scope",
    )
    assert_problem(await client.delete(url, headers=auditors | if_match), 403, type_="role-not-allowed")
    assert_problem(await client.get(f"{ACTIVITIES}/{uuid.uuid4()}", headers=board), 404)
    assert_problem(await client.get(f"{ACTIVITIES}/nope", headers=board), 422)
    assert (await client.get(url, headers=auditors)).json() == activity.json()
