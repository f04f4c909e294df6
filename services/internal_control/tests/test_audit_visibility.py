"""The audit trail shows a board's internal control only to those who read it: the risk
assessments, results, deviations and reports are not the administrator's to read, and neither are
their audit events (nor what they contain)."""

import pytest

from internal_control_service.db import auditor
from services.internal_control.tests.support.api import AUDIT
from services.internal_control.tests.support.plans import create_plan
from services.internal_control.tests.support.risks import add_risk, create_assessment
from styrkedjan_common.identity import Role


async def events(client, headers, **params):
    response = await client.get(AUDIT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_admin_sees_no_event_of_risk_assessments_while_revisor_reads_them(client, as_role, administration):
    assessment = (await create_assessment(client, administration, title="Hemlig riskanalys")).json()
    await add_risk(client, administration, assessment["id"], description="Kassan töms utan attest.")
    admin = as_role(Role.ADMIN)

    response = await client.get(AUDIT, headers=admin)
    assert response.status_code == 200 and response.json()["items"] == []
    assert "Hemlig" not in response.text and "attest" not in response.text

    revisor = await events(client, as_role(Role.REVISOR))
    assert sorted(e["entity_type"] for e in revisor) == ["risk", "risk_assessment"]
    assert all(not e["content_withheld"] for e in revisor)
    [created] = [e for e in revisor if e["entity_type"] == "risk_assessment"]
    assert created["after"]["title"] == "Hemlig riskanalys"


async def test_filters_do_not_let_admin_probe_for_hidden_events(client, as_role, administration):
    """A kind or an object the caller does not read answers as one that has no events at all."""
    assessment = (await create_assessment(client, administration)).json()
    admin = as_role(Role.ADMIN)
    assert await events(client, admin, entity_type="risk_assessment") == []
    assert await events(client, admin, entity_id=assessment["id"]) == []
    assert await events(client, admin, entity_type="risk_assessment", entity_id=assessment["id"]) == []
    assert await events(client, admin, entity_type="no_such_kind") == []


async def test_admin_sees_no_event_of_a_boards_control_plan(client, as_role, administration):
    """A board's plan is read by the domain roles in scope and by the auditors, not by the administrator."""
    plan = (await create_plan(client, administration)).json()
    assert await events(client, as_role(Role.ADMIN)) == []
    [created] = await events(client, as_role(Role.REVISOR), entity_type="control_plan")
    assert created["entity_id"] == plan["id"] and created["after"]["title"] == plan["title"]


@pytest.mark.parametrize("entity_type", ["risk_assessment", "risk", "control_plan", "control_activity", "control_result", "deviation"])
def test_internal_control_of_boards_is_read_by_the_auditors_not_the_administrator(app, entity_type):
    readers = auditor.readers(app)[entity_type]
    assert Role.REVISOR in readers and Role.ADMIN not in readers


def test_every_declared_kind_is_read_through_an_operation_of_the_service(app):
    """Each declaration names a reading operation the service has, with roles it allows."""
    assert set(auditor.readers(app)) == set(auditor.readings)
