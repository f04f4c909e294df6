"""Restoration obligations: a negative balance result is restored within three years, tracked until met."""

import uuid

from budget_service.balance import service
from services.budget.tests.support.balance import DECISION, STATEMENTS, adopted, audit_actions, board, created
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

OBLIGATIONS = "/api/budget/v1/restoration-obligations"
# Årets resultat −8 000 000, realisationsvinster 500 000, 2 000 000 taken from the reserve:
# balanskravsresultat −6 500 000, to restore by 2028.
DEFICIT_2025 = {
    "result": "-8000000.00",
    "realisation_gains": "500000.00",
    "exempt_realisation_items": "0.00",
    "unrealised_securities_losses": "0.00",
    "reserve_allocation": "0.00",
    "reserve_use": "2000000.00",
}
PLAIN = {
    "realisation_gains": "0.00",
    "exempt_realisation_items": "0.00",
    "unrealised_securities_losses": "0.00",
    "reserve_allocation": "0.00",
    "reserve_use": "0.00",
}
WAIVER = {"decision": DECISION, "reasons": "Realisationsförlust vid försäljning av det kommunala bostadsbolaget."}
PLAN = {"reference": "KF § 88/2026", "decision_date": "2026-11-23"}


async def the_obligation(client, headers, origin_year=2025):
    items = (await client.get(OBLIGATIONS, headers=headers)).json()["items"]
    return next(o for o in items if o["origin_year"] == origin_year)


async def fetched(client, headers, obligation):
    return await client.get(f"{OBLIGATIONS}/{obligation['id']}", headers=headers)


async def deficit(client, headers):
    await adopted(client, headers, 2025, **DEFICIT_2025)
    return await fetched(client, headers, await the_obligation(client, headers))


# --- created and met ------------------------------------------------------------------------


async def test_negative_balance_result_creates_an_obligation_with_a_three_year_deadline(client, council, as_role):
    statement = await adopted(client, council, 2025, **DEFICIT_2025)
    assert statement.json()["balance_result"] == "-6500000.00"
    response = await fetched(client, board(as_role, Role.ENHET), await the_obligation(client, council))
    assert response.status_code == 200
    body = response.json()
    assert (body["origin_year"], body["amount"], body["restored_amount"], body["remaining_amount"]) == (
        2025,
        "6500000.00",
        "0.00",
        "6500000.00",
    )
    assert (body["deadline_year"], body["status"], body["met_in_year"], body["statement_id"]) == (
        2028,
        "OPEN",
        None,
        statement.json()["id"],
    )
    assert response.headers["etag"] == f'"{body["id"]}.1"'
    assert await audit_actions(client, as_role, "restoration_obligation") == ["CREATE"]


async def test_obligation_is_met_by_the_next_years_positive_results_oldest_first(client, council, as_role):
    await adopted(client, council, 2024, **PLAIN | {"result": "-1000000.00"})
    await adopted(client, council, 2025, **DEFICIT_2025)
    draft_2026 = (await created(client, council, 2026, **PLAIN | {"result": "4000000.00"})).json()
    assert (draft_2026["earlier_deficits"], draft_2026["balance_result_to_restore"]) == ("-7500000.00", "-3500000.00")

    adoption = await client.post(f"{STATEMENTS}/2026/adoption", json=DECISION, headers=council | {"If-Match": f'"{draft_2026["id"]}.1"'})
    assert adoption.status_code == 200, adoption.text
    oldest, newer = await the_obligation(client, council, 2024), await the_obligation(client, council, 2025)
    assert (oldest["status"], oldest["restored_amount"], oldest["met_in_year"]) == ("MET", "1000000.00", 2026)
    assert (newer["status"], newer["restored_amount"], newer["remaining_amount"]) == ("OPEN", "3000000.00", "3500000.00")

    draft_2027 = (await created(client, council, 2027, **PLAIN | {"result": "3600000.00"})).json()
    assert (draft_2027["earlier_deficits"], draft_2027["balance_result_to_restore"]) == ("-3500000.00", "100000.00")
    adoption = await client.post(f"{STATEMENTS}/2027/adoption", json=DECISION, headers=council | {"If-Match": f'"{draft_2027["id"]}.1"'})
    assert adoption.status_code == 200
    newer = await the_obligation(client, council, 2025)
    assert (newer["status"], newer["restored_amount"], newer["remaining_amount"], newer["met_in_year"]) == (
        "MET",
        "6500000.00",
        "0.00",
        2027,
    )
    # An adopted statement keeps the deficits it showed when the council adopted it.
    assert (await client.get(f"{STATEMENTS}/2026", headers=council)).json()["earlier_deficits"] == "-7500000.00"
    assert (await audit_actions(client, as_role, "restoration_obligation")).count("RESTORE") == 3


async def test_balanced_result_creates_no_obligation(client, council):
    await adopted(client, council, 2027)
    await adopted(client, council, 2028, **PLAIN | {"result": "0.00"})
    assert (await client.get(OBLIGATIONS, headers=council)).json() == {"items": [], "next_cursor": None}


async def test_exceptional_reasons_can_cover_a_deficit(client, council):
    await adopted(client, council, 2025, **DEFICIT_2025 | {"exceptional_reasons_amount": "6500000.00", "exceptional_reasons": "Pandemin."})
    assert (await client.get(OBLIGATIONS, headers=council)).json()["items"] == []


async def test_open_obligation_is_overdue_after_its_deadline_year(client, council, monkeypatch):
    await deficit(client, council)
    monkeypatch.setattr(service, "current_year", lambda: 2028)
    assert (await the_obligation(client, council))["overdue"] is False
    monkeypatch.setattr(service, "current_year", lambda: 2029)
    assert (await the_obligation(client, council))["overdue"] is True


# --- waiver ---------------------------------------------------------------------------------


async def test_council_waives_an_open_obligation_for_exceptional_reasons(client, council, as_role, monkeypatch):
    obligation = await deficit(client, council)
    response = await client.post(
        f"{obligation.request.url.path}/waiver", json=WAIVER, headers=council | {"If-Match": obligation.headers["etag"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["waiver_reasons"], body["waiver_decision"]) == ("WAIVED", WAIVER["reasons"], DECISION)
    monkeypatch.setattr(service, "current_year", lambda: 2030)
    assert (await fetched(client, council, body)).json()["overdue"] is False
    await adopted(client, council, 2026, **PLAIN | {"result": "4000000.00"})
    assert (await fetched(client, council, body)).json()["restored_amount"] == "0.00"
    assert await audit_actions(client, as_role, "restoration_obligation") == ["WAIVE", "CREATE"]


async def test_waiving_a_met_obligation_is_refused(client, council):
    await deficit(client, council)
    await adopted(client, council, 2026, **PLAIN | {"result": "7000000.00"})
    met = await fetched(client, council, await the_obligation(client, council))
    assert met.json()["status"] == "MET"
    response = await client.post(f"{met.request.url.path}/waiver", json=WAIVER, headers=council | {"If-Match": met.headers["etag"]})
    assert_problem(response, 409, detail_contains="only an open restoration obligation can be waived", type_="rule-violation")
    assert (await fetched(client, council, met.json())).json() == met.json()


async def test_waiver_needs_the_etag_reasons_and_the_council(client, council, as_role):
    obligation = await deficit(client, council)
    url = f"{obligation.request.url.path}/waiver"
    assert_problem(await client.post(url, json=WAIVER, headers=council), 428)
    assert_problem(await client.post(url, json=WAIVER, headers=council | {"If-Match": '"stale.1"'}), 412)
    invalid = await client.post(url, json={"decision": DECISION, "reasons": ""}, headers=council | {"If-Match": obligation.headers["etag"]})
    assert_problem(invalid, 422)
    assert pointers(invalid) == {"#/reasons"}
    assert_problem(
        await client.post(url, json=WAIVER, headers=board(as_role) | {"If-Match": obligation.headers["etag"]}),
        403,
        type_="role-not-allowed",
    )
    scoped = as_role(Role.FULLMAKTIGE, "some-unit", ["some-unit"]) | {"If-Match": obligation.headers["etag"]}
    assert_problem(await client.post(url, json=WAIVER, headers=scoped), 403, detail_contains="whole municipality")
    assert_problem(await client.post(url, json=WAIVER), 401)
    assert_problem(await client.post(f"{OBLIGATIONS}/{uuid.uuid4()}/waiver", json=WAIVER, headers=council | {"If-Match": "*"}), 404)
    assert (await fetched(client, council, obligation.json())).json() == obligation.json()


# --- action plan ----------------------------------------------------------------------------


async def test_action_plan_is_recorded_and_cleared_with_if_match(client, council, as_role):
    obligation = await deficit(client, council)
    url = obligation.request.url.path
    recorded = await client.patch(url, json={"action_plan": PLAN}, headers=council | {"If-Match": obligation.headers["etag"]})
    assert recorded.status_code == 200 and recorded.json()["action_plan"] == PLAN and recorded.json()["row_version"] == 2
    cleared = await client.patch(url, json={"action_plan": None}, headers=council | {"If-Match": recorded.headers["etag"]})
    assert cleared.json()["action_plan"] is None
    unchanged = await client.patch(url, json={}, headers=council | {"If-Match": cleared.headers["etag"]})
    assert unchanged.json()["row_version"] == 3
    assert await audit_actions(client, as_role, "restoration_obligation") == ["UPDATE", "UPDATE", "CREATE"]


async def test_action_plan_refusals_change_nothing(client, council, as_role):
    obligation = await deficit(client, council)
    url = obligation.request.url.path
    etag = {"If-Match": obligation.headers["etag"]}
    assert_problem(await client.patch(url, json={"action_plan": PLAN}, headers=council), 428)
    assert_problem(await client.patch(url, json={"action_plan": PLAN}, headers=council | {"If-Match": '"stale.1"'}), 412)
    invalid = await client.patch(url, json={"action_plan": {"reference": "KF § 88/2026", "decision_date": "soon"}}, headers=council | etag)
    assert_problem(invalid, 422)
    assert pointers(invalid) == {"#/action_plan/decision_date"}
    assert_problem(await client.patch(url, json={"action_plan": PLAN}, headers=board(as_role, Role.FORVALTNING) | etag), 403)
    assert_problem(await client.patch(url, json={"action_plan": PLAN}), 401)
    assert_problem(
        await client.patch(f"{OBLIGATIONS}/{uuid.uuid4()}", json={"action_plan": PLAN}, headers=council | {"If-Match": "*"}), 404
    )
    assert (await fetched(client, council, obligation.json())).json() == obligation.json()


# --- reading --------------------------------------------------------------------------------


async def test_list_filters_by_status_and_paginates_oldest_first(client, council, as_role):
    for year in (2021, 2022, 2023):
        await adopted(client, council, year, **PLAIN | {"result": "-100.00"})
    await adopted(client, council, 2024, **PLAIN | {"result": "100.00"})
    reader = board(as_role, Role.ENHET)
    page = await client.get(OBLIGATIONS, params={"limit": 2}, headers=reader)
    assert [o["origin_year"] for o in page.json()["items"]] == [2021, 2022]
    rest = await client.get(OBLIGATIONS, params={"limit": 2, "cursor": page.json()["next_cursor"]}, headers=reader)
    assert [o["origin_year"] for o in rest.json()["items"]] == [2023] and rest.json()["next_cursor"] is None
    assert [o["origin_year"] for o in (await client.get(OBLIGATIONS, params={"status": "MET"}, headers=reader)).json()["items"]] == [2021]
    assert [o["origin_year"] for o in (await client.get(OBLIGATIONS, params={"status": "OPEN"}, headers=reader)).json()["items"]] == [
        2022,
        2023,
    ]


async def test_reading_refusals(client, council):
    invalid = await client.get(OBLIGATIONS, params={"status": "CLOSED"}, headers=council)
    assert_problem(invalid, 422)
    assert pointers(invalid) == {"#/query/status"}
    assert_problem(await client.get(OBLIGATIONS), 401)
    assert_problem(await client.get(f"{OBLIGATIONS}/{uuid.uuid4()}", headers=council), 404)
    assert_problem(await client.get(f"{OBLIGATIONS}/not-an-id", headers=council), 422)
