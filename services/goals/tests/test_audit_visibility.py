"""The audit trail shows an object only to those who read it: the vision's drafts are the council's
and the auditors', a draft goal is read in scope. Their audit events follow the same rules."""

from goals_service.db import AuditEvent, auditor
from services.goals.tests import factories
from services.goals.tests.support.goals import AUDIT, board_goal, create
from services.goals.tests.support.organisation import BOARD, OTHER_BOARD
from styrkedjan_common.identity import Role

VISION = {
    "horizon_start_year": 2025,
    "horizon_end_year": 2036,
    "text": "Ett utkast som bara fullmäktige läser.",
    "core_values": [{"name": "Delaktighet", "description": "Vi involverar dem vi finns till för."}],
}


async def events(client, headers, **params):
    response = await client.get(AUDIT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_admin_sees_no_event_of_a_draft_vision_while_revisor_reads_it(client, as_role, council):
    """The administrator reads only decided visions: their trail shows the drafts they were."""
    response = await client.post("/api/goals/v1/visions", json=VISION, headers=council)
    assert response.status_code == 201, response.text
    admin = await client.get(AUDIT, headers=as_role(Role.ADMIN))
    assert admin.status_code == 200 and admin.json()["items"] == []
    assert "utkast" not in admin.text
    assert await events(client, as_role(Role.ADMIN), entity_type="vision") == []
    [created] = await events(client, as_role(Role.REVISOR), entity_type="vision")
    assert created["after"]["text"] == VISION["text"] and not created["content_withheld"]


async def test_a_draft_goal_outside_the_callers_scope_is_listed_without_its_content(client, as_role, board):
    """An administrator whose assignment covers another board lists the event, not the draft."""
    goal = (await create(client, board, board_goal(title="Ett hemligt utkast"))).json()
    elsewhere = as_role(Role.ADMIN, OTHER_BOARD, [OTHER_BOARD])
    [event] = await events(client, elsewhere, entity_type="goal")
    assert event["entity_id"] == goal["id"] and event["action"] == "CREATE"
    assert (event["before"], event["after"], event["content_withheld"]) == (None, None, True)
    assert "hemligt" not in (await client.get(AUDIT, headers=elsewhere)).text

    in_scope = as_role(Role.ADMIN, BOARD, [BOARD])
    [event] = await events(client, in_scope, entity_type="goal")
    assert event["after"]["title"] == "Ett hemligt utkast" and not event["content_withheld"]
    [event] = await events(client, as_role(Role.REVISOR, OTHER_BOARD, [OTHER_BOARD]), entity_type="goal")
    assert event["after"]["title"] == "Ett hemligt utkast", "a revisor reads every org unit"


def test_every_declared_kind_is_read_through_an_operation_of_the_service(app):
    assert set(auditor.readers(app)) == set(auditor.readings)
    assert Role.ADMIN not in auditor.readers(app)["vision"]


async def test_an_event_of_an_undeclared_kind_is_listed_to_nobody(app, client, as_role):
    """Deny by default: a kind whose readers the service does not declare is nobody's to read."""
    await factories.add(
        app, AuditEvent(actor_id="x", actor_name="X", action="CREATE", entity_type="undeclared", entity_id="1", after={"a": 1})
    )
    for role in (Role.REVISOR, Role.ADMIN):
        assert await events(client, as_role(role)) == []
        assert await events(client, as_role(role), entity_type="undeclared") == []
