"""The boards' yearly follow-up of their control plans: a snapshot of the plan's execution, taken
when drafted and when proposed, frozen once the board approves it (by end of February of the
following year, else late); a change is a new revision."""

import datetime as dt
import uuid
from typing import Any

import pytest

from services.internal_control.tests.support.api import API, audit_events
from services.internal_control.tests.support.execution import ACTION, DEVIATION, NO_REMARK, add_action, record
from services.internal_control.tests.support.organisation import BOARD, OTHER_BOARD, namnd, staff
from services.internal_control.tests.support.rows import activity, add, plan
from styrkedjan_common.http import EMBEDDED_MAX
from styrkedjan_common.identity import Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.testing import assert_problem, pointers

REPORTS = f"{API}/followup-reports"
REPORT = {"board_org_unit_id": BOARD, "year": 2027, "summary": "Kontrollerna är genomförda."}
DECISION = {"body": "Barn- och utbildningsnämnden", "decision_date": "2028-02-20", "reference": "BUN § 12/2028"}


async def executed_plan(client: Any, app: Any, as_role: Any, board: str = BOARD) -> tuple[str, str]:
    """A decided 2027 plan of `board` with two activities: one checked with a deviation and an
    action, one not checked yet. Their ids."""
    plan_ = plan(board)
    checked, unchecked = activity(plan_, "Ekonomi"), activity(plan_, "Personal")
    await add(app, plan_, checked, unchecked)
    result = await record(client, staff(as_role, board), str(checked.id), DEVIATION)
    await add_action(client, staff(as_role, board), result["deviation_id"])
    return str(checked.id), str(unchecked.id)


async def create(client: Any, headers: dict[str, str], **changes: Any) -> Any:
    response = await client.post(REPORTS, json=REPORT | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def step(client: Any, headers: dict[str, str], response: Any, action: str, json: Any = None) -> Any:
    return await client.post(
        f"{REPORTS}/{response.json()['id']}/{action}", json=json, headers=headers | {"If-Match": response.headers["etag"]}
    )


async def decided(client: Any, as_role: Any, decision: dict[str, str] = DECISION) -> Any:
    proposed = await step(client, staff(as_role), await create(client, staff(as_role)), "proposal")
    assert proposed.status_code == 200, proposed.text
    response = await step(client, namnd(as_role), proposed, "decision", decision)
    assert response.status_code == 200, response.text
    return response


async def count_reports(client: Any, as_role: Any) -> int:
    return len((await client.get(REPORTS, headers=as_role(Role.REVISOR))).json()["items"])


# --- drafting -------------------------------------------------------------------------------


async def test_a_large_report_is_read_with_its_first_activities_and_the_rest_paged(client, app, as_role, today):
    today.set(dt.date(2027, 7, 1))
    plan_ = plan()
    # Areas in the order of the content, which is by area.
    activities = [activity(plan_, f"Område {n:03d}") for n in range(130)]
    await add(app, plan_, *activities)
    created = (await create(client, staff(as_role))).json()
    assert (len(created["content"]["activities"]), created["activity_count"]) == (EMBEDDED_MAX, 130)
    body = (await client.get(f"{REPORTS}/{created['id']}", headers=namnd(as_role))).json()
    assert body["content"]["totals"]["activities"] == 130 and body["activities_next_cursor"]
    read, cursor = body["content"]["activities"], body["activities_next_cursor"]
    while cursor:
        page = await client.get(f"{REPORTS}/{created['id']}/activities", params={"limit": 30, "cursor": cursor}, headers=namnd(as_role))
        assert page.status_code == 200, page.text
        read, cursor = read + page.json()["items"], page.json()["next_cursor"]
    assert [a["id"] for a in read] == [str(a.id) for a in activities]
    listed = (await client.get(REPORTS, headers=namnd(as_role))).json()["items"]
    assert [len(r["content"]["activities"]) for r in listed] == [EMBEDDED_MAX]
    # The audit trail keeps the content whole, as the board saw it.
    [event] = await audit_events(client, as_role, "followup_report")
    assert len(event["after"]["content"]["activities"]) == 130
    outsider = as_role(Role.NAMND, OTHER_BOARD, [OTHER_BOARD])
    assert_problem(await client.get(f"{REPORTS}/{created['id']}/activities", headers=outsider), 404)


async def test_a_small_reports_activities_are_all_in_its_read_and_in_its_activity_list(client, app, as_role, today):
    today.set(dt.date(2027, 7, 1))
    checked, unchecked = await executed_plan(client, app, as_role)
    created = (await create(client, staff(as_role))).json()
    assert (created["activity_count"], created["activities_next_cursor"]) == (2, None)
    listed = (await client.get(f"{REPORTS}/{created['id']}/activities", headers=namnd(as_role))).json()
    assert ([a["id"] for a in listed["items"]], listed["next_cursor"]) == ([checked, unchecked], None)
    assert listed["items"][0]["results"][0]["deviation"]["actions"]


async def test_administration_drafts_the_followup_with_the_plans_execution(client, app, as_role, today):
    today.set(dt.date(2027, 7, 1))
    checked, unchecked = await executed_plan(client, app, as_role)
    response = await client.post(REPORTS, json=REPORT, headers=staff(as_role))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["revision"], body["year"], body["summary"], body["decision"]) == (
        "DRAFT",
        1,
        2027,
        REPORT["summary"],
        None,
    )
    assert body["deadline"] == "2028-02-29" and response.headers["etag"] == f'"{body["id"]}.1"'
    content = body["content"]
    assert (content["plan_title"], content["plan_decision"]["reference"]) == ("Internkontrollplan 2027", "§ 90")
    assert [a["id"] for a in content["activities"]] == [checked, unchecked]
    [result] = content["activities"][0]["results"]
    assert (result["occasion"], result["outcome"], result["deviation"]["status"]) == ("2027-T1", "DEVIATION", "OPEN")
    assert [a["owner"] for a in result["deviation"]["actions"]] == [ACTION["owner"]]
    assert content["activities"][1]["results"] == []
    assert content["totals"] == {
        "activities": 2,
        "activities_with_result": 1,
        "completion": 0.5,
        "deviations_open": 1,
        "deviations_closed": 0,
        "actions_open": 1,
        "actions_overdue": 1,
    }
    assert result["deviation"]["actions"][0]["overdue"] is True and content["as_of"] == "2027-07-01"
    assert (await client.get(response.headers["location"], headers=namnd(as_role))).json() == body
    assert [e["action"] for e in await audit_events(client, as_role, "followup_report")] == ["CREATE"]


async def test_followup_without_a_decided_plan_is_refused(client, app, as_role):
    await add(app, plan(status=Status.PROPOSED))
    response = await client.post(REPORTS, json=REPORT, headers=staff(as_role))
    assert_problem(response, 409, detail_contains="follows up the board's decided control plan", type_="rule-violation")
    assert await count_reports(client, as_role) == 0


async def test_second_followup_in_preparation_is_refused(client, app, as_role):
    await executed_plan(client, app, as_role)
    await create(client, staff(as_role))
    response = await client.post(REPORTS, json=REPORT, headers=namnd(as_role))
    assert_problem(response, 409, detail_contains="one follow-up report per board and year is prepared at a time")
    assert await count_reports(client, as_role) == 1


async def test_followup_for_another_board_is_refused(client, app, as_role):
    await executed_plan(client, app, as_role, board=OTHER_BOARD)
    response = await client.post(REPORTS, json=REPORT | {"board_org_unit_id": OTHER_BOARD}, headers=staff(as_role))
    assert_problem(response, 403, detail_contains="outside your scope", type_="forbidden")
    assert await count_reports(client, as_role) == 0


@pytest.mark.parametrize("role", [Role.ENHET, Role.REVISOR, Role.FULLMAKTIGE])
async def test_followup_is_drafted_by_the_board_and_its_administration_only(client, app, as_role, role):
    await executed_plan(client, app, as_role)
    assert_problem(await client.post(REPORTS, json=REPORT, headers=as_role(role)), 403, type_="role-not-allowed")
    assert await count_reports(client, as_role) == 0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"#/board_org_unit_id", "#/year"}),
        (REPORT | {"year": 1999}, {"#/year"}),
        (REPORT | {"board_org_unit_id": "nämnden"}, {"#/board_org_unit_id"}),
        (REPORT | {"content": {}}, {"#/content"}),
    ],
)
async def test_invalid_followups_are_refused_with_a_pointer(client, as_role, body, expected):
    response = await client.post(REPORTS, json=body, headers=staff(as_role))
    assert_problem(response, 422)
    assert pointers(response) == expected
    assert await count_reports(client, as_role) == 0


async def test_followup_needs_an_assertion(client):
    assert_problem(await client.post(REPORTS, json=REPORT), 401)
    assert_problem(await client.get(REPORTS), 401)


# --- lifecycle ------------------------------------------------------------------------------


async def test_proposal_takes_the_content_afresh_and_the_decision_freezes_it(client, app, as_role):
    checked, unchecked = await executed_plan(client, app, as_role)
    draft = await create(client, staff(as_role))
    await record(client, staff(as_role), unchecked)
    proposed = await step(client, staff(as_role), draft, "proposal")
    assert proposed.json()["status"] == "PROPOSED" and proposed.json()["content"]["totals"]["completion"] == 1.0
    decided_ = await step(client, namnd(as_role), proposed, "decision", DECISION)
    assert decided_.status_code == 200, decided_.text
    assert (decided_.json()["status"], decided_.json()["decision"]) == ("DECIDED", DECISION)
    await record(client, staff(as_role), checked, NO_REMARK | {"occasion": "2027-T2"})
    later = await client.get(f"{REPORTS}/{draft.json()['id']}", headers=namnd(as_role))
    assert later.json()["content"] == decided_.json()["content"]
    actions = [e["action"] for e in await audit_events(client, as_role, "followup_report")]
    assert actions == ["DECIDE", "PROPOSE", "CREATE"]


async def test_decided_followup_is_immutable(client, app, as_role):
    await executed_plan(client, app, as_role)
    report = await decided(client, as_role)
    url = f"{REPORTS}/{report.json()['id']}"
    edit = await client.patch(url, json={"summary": "Ny text"}, headers=staff(as_role) | {"If-Match": report.headers["etag"]})
    assert_problem(edit, 409, detail_contains="a decided version is immutable; create a new revision")
    again = await client.post(REPORTS, json=REPORT, headers=staff(as_role))
    assert_problem(again, 409, detail_contains="is decided and immutable; a change is a new revision")
    assert (await client.get(url, headers=staff(as_role))).json() == report.json()


async def test_revision_of_a_decided_followup_replaces_it_once_decided(client, app, as_role):
    await executed_plan(client, app, as_role)
    first = await decided(client, as_role)
    revision = await client.post(f"{REPORTS}/{first.json()['id']}/revisions", headers=staff(as_role))
    assert revision.status_code == 201, revision.text
    assert (revision.json()["revision"], revision.json()["replaces_id"], revision.json()["status"]) == (2, first.json()["id"], "DRAFT")
    assert_problem(
        await client.post(f"{REPORTS}/{first.json()['id']}/revisions", headers=staff(as_role)), 409, detail_contains="prepared at a time"
    )
    proposed = await step(client, staff(as_role), revision, "proposal")
    await step(client, namnd(as_role), proposed, "decision", DECISION | {"reference": "BUN § 30/2028", "decision_date": "2028-04-10"})
    old = await client.get(f"{REPORTS}/{first.json()['id']}", headers=staff(as_role))
    assert old.json()["status"] == "ARCHIVED"
    assert_problem(
        await client.post(f"{REPORTS}/{first.json()['id']}/revisions", headers=staff(as_role)),
        409,
        detail_contains="starts from the decided report",
    )


async def test_followup_is_approved_by_the_board_only(client, app, as_role):
    await executed_plan(client, app, as_role)
    proposed = await step(client, staff(as_role), await create(client, staff(as_role)), "proposal")
    assert_problem(await step(client, staff(as_role), proposed, "decision", DECISION), 403, type_="role-not-allowed")
    assert_problem(
        await step(client, namnd(as_role, OTHER_BOARD), proposed, "decision", DECISION), 403, detail_contains="outside your scope"
    )
    missing = await step(client, namnd(as_role), proposed, "decision", {"body": "Nämnden"})
    assert_problem(missing, 422)
    assert pointers(missing) == {"#/decision_date", "#/reference"}
    assert (await client.get(f"{REPORTS}/{proposed.json()['id']}", headers=staff(as_role))).json()["status"] == "PROPOSED"


async def test_draft_summary_is_edited_with_if_match_and_returned_proposals_are_drafts(client, app, as_role):
    await executed_plan(client, app, as_role)
    draft = await create(client, staff(as_role))
    url = f"{REPORTS}/{draft.json()['id']}"
    assert_problem(await client.patch(url, json={"summary": "Ny"}, headers=staff(as_role)), 428)
    assert_problem(await client.patch(url, json={"summary": "Ny"}, headers=staff(as_role) | {"If-Match": f'"{draft.json()["id"]}.7"'}), 412)
    edited = await client.patch(url, json={"summary": "Ny"}, headers=staff(as_role) | {"If-Match": draft.headers["etag"]})
    assert (edited.status_code, edited.json()["summary"], edited.json()["row_version"]) == (200, "Ny", 2)
    assert_problem(
        await step(client, staff(as_role), edited, "return"), 409, detail_contains="RETURN_TO_DRAFT is only possible from PROPOSED"
    )
    returned = await step(client, staff(as_role), await step(client, staff(as_role), edited, "proposal"), "return")
    assert returned.json()["status"] == "DRAFT"


async def test_lifecycle_of_an_unknown_followup_is_a_404(client, as_role):
    missing = str(uuid.uuid4())
    headers = staff(as_role) | {"If-Match": "*"}
    for action in ("proposal", "return", "revisions"):
        assert_problem(await client.post(f"{REPORTS}/{missing}/{action}", headers=headers), 404, detail_contains=missing)
    assert_problem(await client.patch(f"{REPORTS}/{missing}", json={}, headers=headers), 404)


# --- deadline -------------------------------------------------------------------------------


@pytest.mark.parametrize(("decided_on", "late"), [("2028-02-29", False), ("2028-03-01", True)])
async def test_followup_approved_after_february_is_late(client, app, as_role, today, decided_on, late):
    await executed_plan(client, app, as_role)
    today.set(dt.date(2028, 6, 1))
    report = await decided(client, as_role, DECISION | {"decision_date": decided_on})
    assert report.json()["late"] is late


@pytest.mark.parametrize(("on", "late"), [(dt.date(2028, 2, 29), False), (dt.date(2028, 3, 1), True)])
async def test_followup_not_approved_is_late_once_february_has_passed(client, app, as_role, today, on, late):
    await executed_plan(client, app, as_role)
    draft = await create(client, staff(as_role))
    today.set(on)
    assert (await client.get(f"{REPORTS}/{draft.json()['id']}", headers=staff(as_role))).json()["late"] is late


# --- reading --------------------------------------------------------------------------------


async def test_another_boards_followup_does_not_exist_for_a_board_but_the_auditors_read_it(client, app, as_role):
    await executed_plan(client, app, as_role, board=OTHER_BOARD)
    report = await create(client, staff(as_role, OTHER_BOARD), board_org_unit_id=OTHER_BOARD)
    for headers in (namnd(as_role), staff(as_role)):
        assert_problem(await client.get(f"{REPORTS}/{report.json()['id']}", headers=headers), 404)
        assert_problem(await client.get(REPORTS, params={"board_org_unit_id": OTHER_BOARD}, headers=headers), 404)
        assert (await client.get(REPORTS, headers=headers)).json()["items"] == []
    assert (await client.get(f"{REPORTS}/{report.json()['id']}", headers=as_role(Role.REVISOR))).status_code == 200


async def test_followups_are_listed_by_board_year_and_status_in_pages(client, app, as_role):
    await executed_plan(client, app, as_role)
    first = await decided(client, as_role)
    second = await client.post(f"{REPORTS}/{first.json()['id']}/revisions", headers=staff(as_role))
    page = await client.get(REPORTS, params={"board_org_unit_id": BOARD, "year": 2027, "limit": 1}, headers=namnd(as_role))
    rest = await client.get(REPORTS, params={"cursor": page.json()["next_cursor"], "year": 2027}, headers=namnd(as_role))
    assert [r["id"] for r in page.json()["items"] + rest.json()["items"]] == [first.json()["id"], second.json()["id"]]
    drafts = await client.get(REPORTS, params={"status": "DRAFT"}, headers=namnd(as_role))
    assert [r["id"] for r in drafts.json()["items"]] == [second.json()["id"]]
    assert_problem(await client.get(REPORTS, params={"status": "DONE"}, headers=namnd(as_role)), 422)
