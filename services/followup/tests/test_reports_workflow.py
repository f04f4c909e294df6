"""A report's way: a unit submits (the document is frozen with its hash), its administration
returns it with a comment (the document goes); each refusal changes nothing."""

import hashlib

import pytest

from services.followup.tests.support.callees import decided_goal, indicator
from services.followup.tests.support.reports import (
    ADMINISTRATION,
    API,
    GOAL,
    UNIT,
    YEAR,
    add_occasion,
    create_report,
    stored,
    with_live_goals,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import assert_problem, org_unit

pytest_plugins = ("services.followup.tests.support.callees",)

pytestmark = pytest.mark.usefixtures("live_callees")
UNIT_HEADERS = (Role.ENHET, UNIT, [UNIT])
NEW_SCHOOL = org_unit(OrgUnitType.UNIT, "Nyskolan (inlämning)", parent=ADMINISTRATION)


async def _assessed_unit_report(client, app, as_role):
    occasion_id = await add_occasion(app)
    report = (await create_report(client, as_role(*UNIT_HEADERS), occasion_id, UNIT)).json()
    await with_live_goals(app, report["id"], GOAL)
    path = f"{API}/reports/{report['id']}"
    tag = (await client.get(path, headers=as_role(*UNIT_HEADERS))).headers["ETag"]
    body = {"level_code": "UPPFYLLT", "analysis": "Målet nås."}
    tag = (await client.put(f"{path}/assessments/{GOAL}", json=body, headers=as_role(*UNIT_HEADERS) | {"If-Match": tag})).headers["ETag"]
    return path, tag


async def _step(client, path, headers, tag, **body):
    return await client.post(f"{path}/transitions", json=body, headers=headers | {"If-Match": tag})


async def test_a_unit_submits_and_its_administration_returns_it_with_a_comment(client, app, as_role):
    path, tag = await _assessed_unit_report(client, app, as_role)
    tag = (
        await client.put(
            f"{path}/sections/important_events", json={"text": "Ny rektor."}, headers=as_role(*UNIT_HEADERS) | {"If-Match": tag}
        )
    ).headers["ETag"]
    submitted = await _step(client, path, as_role(*UNIT_HEADERS), tag, transition="SUBMIT")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "SUBMITTED" and submitted.json()["frozen_at"]
    document = await client.get(f"{path}/document", headers=as_role(*UNIT_HEADERS))
    assert document.status_code == 200
    assert hashlib.sha256(document.content).hexdigest() == document.headers["X-Document-Hash"] == submitted.json()["document_hash"]
    assert document.json()["report"]["level"] == "UNIT"
    assert document.json()["sections"] == [{"heading": "important_events", "text": "Ny rektor."}]

    administration = as_role(Role.FORVALTNING, ADMINISTRATION, [ADMINISTRATION, UNIT])
    before = await stored(app)
    assert_problem(await _step(client, path, administration, submitted.headers["ETag"], transition="RETURN"), 422, "needs a comment")
    assert await stored(app) == before
    returned = await _step(client, path, administration, submitted.headers["ETag"], transition="RETURN", comment="Komplettera ekonomin.")
    assert returned.status_code == 200, returned.text
    assert (returned.json()["status"], returned.json()["returned_comment"], returned.json()["document_hash"]) == (
        "DRAFT",
        "Komplettera ekonomin.",
        None,
    )
    assert_problem(await client.get(f"{path}/document", headers=as_role(*UNIT_HEADERS)), 409)


async def test_a_report_is_not_submitted_while_a_required_section_is_empty(client, app, as_role):
    path, tag = await _assessed_unit_report(client, app, as_role)
    before = await stored(app)
    assert_problem(
        await _step(client, path, as_role(*UNIT_HEADERS), tag, transition="SUBMIT"), 409, "required sections are empty: important_events"
    )
    assert await stored(app) == before
    assert (await client.get(path, headers=as_role(*UNIT_HEADERS))).json()["status"] == "DRAFT"


async def test_a_report_is_not_submitted_while_a_goal_in_force_has_no_assessment(client, app, as_role, goals):
    # Judged on what the goals service shows at submission, not on the last refresh: the goal is
    # decided after the report was made and never refreshed into it.
    occasion_id = await add_occasion(app)
    headers = as_role(Role.ENHET, NEW_SCHOOL, [NEW_SCHOOL])
    report = (await create_report(client, headers, occasion_id, NEW_SCHOOL)).json()
    attendance = await indicator(goals, "Närvaro (inlämning)")
    goal = await decided_goal(goals, level="UNIT", owner=NEW_SCHOOL, title="Ökad närvaro", year=YEAR, indicator_id=attendance["id"])
    path = f"{API}/reports/{report['id']}"
    tag = (await client.get(path, headers=headers)).headers["ETag"]
    tag = (await client.put(f"{path}/sections/important_events", json={"text": "Ny rektor."}, headers=headers | {"If-Match": tag})).headers[
        "ETag"
    ]
    before = await stored(app)
    refused = await _step(client, path, headers, tag, transition="SUBMIT")
    assert_problem(refused, 409, f"without an assessment: {goal['goal']['lineage_id']}")
    assert await stored(app) == before
