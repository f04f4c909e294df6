"""What a board's report waits for beyond its own parts: at the interim and annual follow-ups
every open council assignment has the board's report of it; the annual report is decided only
after the board's internal-control follow-up of the year is decided. Each refusal changes nothing,
and is judged on what the report shows from the other services."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from internal_control_service.plans.models import ControlPlan
from internal_control_service.reports.models import FollowupReport
from services.followup.tests.support.callees import Callee
from services.followup.tests.support.reports import API, YEAR, add_occasion, create_report, stored
from services.internal_control.tests.support.rows import add, plan
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit

pytest_plugins = ("services.followup.tests.support.callees",)
pytestmark = pytest.mark.usefixtures("live_callees")

COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige (nämndens regler)")
BOARD = org_unit(OrgUnitType.BOARD, "Miljö- och byggnadsnämnden (nämndens regler)", parent=COUNCIL)
ANNUAL_BOARD = org_unit(OrgUnitType.BOARD, "Socialnämnden (nämndens regler)", parent=COUNCIL)
COMPANY = org_unit(OrgUnitType.COMPANY, "Hallstahem AB (nämndens regler)", parent=COUNCIL)
DECISION = {"body": "Nämnden", "decision_date": f"{YEAR + 1}-02-20", "reference": "§ 12"}


async def _proposable(client, headers: dict[str, str], path: str) -> str:
    """The report refreshed and its required heading written; its ETag."""
    tag = (await client.post(f"{path}/refresh", headers=headers)).headers["ETag"]
    written = await client.put(f"{path}/sections/important_events", json={"text": "Enligt plan."}, headers=headers | {"If-Match": tag})
    assert written.status_code == 200, written.text
    return str(written.headers["ETag"])


async def _step(client, path: str, headers: dict[str, str], tag: str, transition: str, **body: object):
    return await client.post(f"{path}/transitions", json={"transition": transition, **body}, headers=headers | {"If-Match": tag})


async def test_an_interim_report_waits_for_the_report_of_every_open_council_assignment(client, app, as_role, goals: Callee):
    occasion_id = await add_occasion(app, "INTERIM")
    headers = as_role(Role.NAMND, BOARD, [BOARD])
    path = f"{API}/reports/{(await create_report(client, headers, occasion_id, BOARD)).json()['id']}"
    tag = await _proposable(client, headers, path)
    # The council gives the board an assignment; the refresh brings it into the report.
    assignment = await goals.send(
        "POST", "/assignments", Role.FULLMAKTIGE,
        {"board_org_unit_id": BOARD, "year": YEAR, "title": "Utred tillsynsavgifterna", "text": "Nämnden får i uppdrag att utreda."},
    )  # fmt: skip
    tag = (await client.post(f"{path}/refresh", headers=headers | {"If-Match": tag})).headers["ETag"]
    before = await stored(app)
    refused = await _step(client, path, headers, tag, "PROPOSE")
    assert_problem(refused, 409, f"council assignments without a report for the occasion: {assignment['id']}")
    assert await stored(app) == before

    await goals.send(
        "POST",
        f"/assignments/{assignment['id']}/reports",
        Role.NAMND,
        {"occasion": "INTERIM", "status": "ONGOING", "text": "Utredning pågår."},
    )
    tag = (await client.post(f"{path}/refresh", headers=headers | {"If-Match": tag})).headers["ETag"]
    proposed = await _step(client, path, headers, tag, "PROPOSE")
    assert proposed.status_code == 200, proposed.text


def _content_of(control_plan: ControlPlan) -> dict[str, object]:
    """What the follow-up takes of a plan without activities."""
    totals = {"activities": 0, "activities_with_result": 0, "completion": None}
    return {
        "plan_id": str(control_plan.id), "plan_title": control_plan.title, "plan_revision": 1, "plan_decision": None,
        "as_of": f"{YEAR}-12-31", "activities": [],
        "totals": totals | {"deviations_open": 0, "deviations_closed": 0, "actions_open": 0, "actions_overdue": 0},
    }  # fmt: skip


async def _decided_followup(internal_control: Callee, board: str) -> None:
    """The board's internal-control plan of the year and its follow-up of it, decided."""
    control_plan = plan(board, YEAR)
    followup = FollowupReport(
        id=uuid.uuid4(), board_org_unit_id=uuid.UUID(board), year=YEAR, plan_id=control_plan.id, summary="Kontrollerna är gjorda.",
        content=_content_of(control_plan), content_taken_at=dt.datetime(YEAR + 1, 1, 20, tzinfo=dt.UTC), status="DECIDED", revision=1,
        decision_body="Nämnden", decision_date=dt.date(YEAR + 1, 2, 10), decision_reference="§ 8",
        created_by="factory", updated_by="factory",
    )  # fmt: skip
    await add(internal_control.app, control_plan, followup)


async def test_an_annual_report_is_decided_after_the_boards_internal_control_followup(client, app, as_role, internal_control: Callee):
    occasion_id = await add_occasion(app, "ANNUAL")
    headers = as_role(Role.NAMND, ANNUAL_BOARD, [ANNUAL_BOARD])
    path = f"{API}/reports/{(await create_report(client, headers, occasion_id, ANNUAL_BOARD)).json()['id']}"
    proposed = await _step(client, path, headers, await _proposable(client, headers, path), "PROPOSE")
    assert proposed.status_code == 200, proposed.text
    before = await stored(app)
    refused = await _step(client, path, headers, proposed.headers["ETag"], "DECIDE", decision=DECISION)
    assert_problem(refused, 409, "after the board's internal-control follow-up of the year is decided")
    assert await stored(app) == before

    await _decided_followup(internal_control, ANNUAL_BOARD)
    decided = await _step(client, path, headers, proposed.headers["ETag"], "DECIDE", decision=DECISION)
    assert decided.status_code == 200, decided.text
    document = (await client.get(f"{path}/document", headers=headers)).json()
    assert document["live"]["internal_control"]["followup_report"]["status"] == "DECIDED"


async def test_a_company_without_a_control_plan_here_decides_its_annual_report(client, app, as_role):
    occasion_id = await add_occasion(app, "ANNUAL")
    headers = as_role(Role.NAMND, COMPANY, [COMPANY])
    path = f"{API}/reports/{(await create_report(client, headers, occasion_id, COMPANY)).json()['id']}"
    proposed = await _step(client, path, headers, await _proposable(client, headers, path), "PROPOSE")
    decided = await _step(client, path, headers, proposed.headers["ETag"], "DECIDE", decision=DECISION)
    assert decided.status_code == 200, decided.text
