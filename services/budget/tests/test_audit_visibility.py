"""The audit trail shows an object only to those who read it: the council's budget in draft is not
the administrator's to read, an unadopted balance statement is read with the whole municipality in
scope. Their audit events follow the same rules."""

from budget_service.db import auditor
from services.budget.tests.support import balance, budgets
from styrkedjan_common.identity import Role

AUDIT = budgets.AUDIT


async def events(client, headers, **params):
    response = await client.get(AUDIT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_admin_sees_no_event_of_a_draft_budget_while_revisor_reads_it(client, as_role, council):
    budget = (await budgets.create(client, council, title="Utkast till mål och budget")).json()
    admin = await client.get(AUDIT, headers=as_role(Role.ADMIN))
    assert admin.status_code == 200 and admin.json()["items"] == []
    assert "Utkast" not in admin.text
    assert await events(client, as_role(Role.ADMIN), entity_type="budget", entity_id=budget["id"]) == []
    [created] = await events(client, as_role(Role.REVISOR), entity_type="budget")
    assert created["after"]["title"] == "Utkast till mål och budget" and not created["content_withheld"]


async def test_a_balance_statement_is_listed_without_content_to_a_caller_without_the_whole_municipality(client, as_role, council):
    await balance.created(client, council, 2027)
    elsewhere = as_role(Role.ADMIN, balance.BOARD, [balance.BOARD])
    [event] = await events(client, elsewhere, entity_type="balance_statement")
    assert (event["action"], event["before"], event["after"], event["content_withheld"]) == ("CREATE", None, None, True)
    assert "balanskravet" not in (await client.get(AUDIT, headers=elsewhere)).text

    [event] = await events(client, as_role(Role.ADMIN), entity_type="balance_statement")
    assert event["after"]["text"] == "Kommunen uppfyller balanskravet." and not event["content_withheld"]


def test_every_declared_kind_is_read_through_an_operation_of_the_service(app):
    assert set(auditor.readers(app)) == set(auditor.readings)
    assert Role.ADMIN not in auditor.readers(app)["budget"]
