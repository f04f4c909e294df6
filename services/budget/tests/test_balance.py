"""The balance requirement statement (balanskravsutredning) and the result reserve policy."""

import datetime as dt
from decimal import Decimal

import pytest

from services.budget.tests.support.balance import API, BOARD, DECISION, STATEMENTS, WORKED, adopted, audit_actions, board, created, put
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

POLICY = f"{API}/result-reserve-policy"


def steps(body):
    return {step["key"]: step["amount"] for step in body["steps"]}


# --- the statement's arithmetic -----------------------------------------------------------


async def test_worked_balance_statement_computes_every_named_step(client, council):
    response = await created(client, council, 2027)
    body = response.json()
    assert steps(body) == {
        "result": "12345678.90",
        "realisation_gains": "-1200000.00",
        "exempt_realisation_items": "300000.00",
        "unrealised_securities_losses": "-45678.90",
        "result_after_balance_adjustments": "11400000.00",
        "reserve_allocation": "-5000000.00",
        "reserve_use": "250000.00",
        "exceptional_reasons_amount": "0.00",
        "balance_result": "6650000.00",
        "earlier_deficits": "0.00",
        "balance_result_to_restore": "6650000.00",
    }
    labels = {step["key"]: (step["label_sv"], step["label_en"], step["subtotal"]) for step in body["steps"]}
    assert labels["result_after_balance_adjustments"] == (
        "Årets resultat efter balanskravsjusteringar",
        "Result after balance requirement adjustments",
        True,
    )
    assert (
        labels["balance_result"][0] == "Balanskravsresultat"
        and labels["balance_result_to_restore"][0] == "Balanskravsresultat att återställa"
    )
    assert labels["reserve_allocation"][0] == "Reservering till resultatreserv"
    assert (body["result_after_balance_adjustments"], body["balance_result"], body["balance_result_to_restore"]) == (
        "11400000.00",
        "6650000.00",
        "6650000.00",
    )
    assert (body["reserve_allocation_limit"], body["reserve_label"], body["locked"], body["decision"]) == (
        "5400000.00",
        "resultatreserv",
        False,
        None,
    )
    assert response.headers["etag"] == f'"{body["id"]}.1"' and response.headers["location"] == f"{STATEMENTS}/2027"
    fetched = await client.get(f"{STATEMENTS}/2027", headers=council)
    assert fetched.json() == body and fetched.headers["etag"] == response.headers["etag"]


async def test_exceptional_reasons_enter_the_balance_result(client, council):
    body = (
        await created(client, council, 2027, exceptional_reasons_amount="-650000.00", exceptional_reasons="Engångskostnad för sanering.")
    ).json()
    assert steps(body)["exceptional_reasons_amount"] == "-650000.00"
    assert body["balance_result"] == "6000000.00"


async def test_exceptional_reasons_amount_without_reasons_is_refused(client, council, as_role):
    response = await put(client, council, 2027, WORKED | {"exceptional_reasons_amount": "100000.00"})
    assert_problem(response, 422, detail_contains="synnerliga skäl", type_="invalid-input")
    assert pointers(response) == {"#/exceptional_reasons"}
    assert_problem(await client.get(f"{STATEMENTS}/2027", headers=council), 404)


async def test_money_is_exact_end_to_end(client, council):
    # Öre survive storage and the arithmetic: 0.10 + 0.20 is 0.30, not 0.30000000000000004.
    amounts = {
        "result": "9876543210987.54",
        "realisation_gains": "0.10",
        "exempt_realisation_items": "-0.20",
        "unrealised_securities_losses": "0.00",
        "tax_and_grants": "999999999999.99",
        "reserve_allocation": "0.00",
        "reserve_use": "0.00",
    }
    body = (await created(client, council, 2027, **amounts)).json()
    stored = (await client.get(f"{STATEMENTS}/2027", headers=council)).json()
    assert {name: stored[name] for name in amounts} == amounts
    assert body["balance_result"] == stored["balance_result"] == "9876543210987.24"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("result", 12345678.9),
        ("result", 12345678),
        ("result", "12 345,90"),
        ("reserve_use", "1.001"),
        ("tax_and_grants", "lots"),
        ("realisation_gains", "-1.00"),
        ("reserve_allocation", "-5.00"),
    ],
)
async def test_float_or_malformed_amount_is_refused_with_a_pointer(client, council, field, value):
    response = await put(client, council, 2027, WORKED | {field: value})
    assert_problem(response, 422, type_="validation-failed")
    assert pointers(response) == {f"#/{field}"}
    assert_problem(await client.get(f"{STATEMENTS}/2027", headers=council), 404)


@pytest.mark.parametrize(("body", "pointer"), [({}, "#/result"), (WORKED | {"surplus": "1.00"}, "#/surplus")])
async def test_missing_or_unknown_fields_are_refused_with_a_pointer(client, council, body, pointer):
    response = await put(client, council, 2027, body)
    assert_problem(response, 422)
    assert pointer in pointers(response)


async def test_year_outside_the_calendar_is_a_422(client, council):
    response = await put(client, council, 1999, WORKED)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/year"}


# --- the result reserve rule --------------------------------------------------------------


async def test_reserve_allocation_up_to_the_limit_is_accepted(client, council):
    assert (await created(client, council, 2027, reserve_allocation="5400000.00")).json()["balance_result"] == "6250000.00"


async def test_reserve_allocation_above_the_limit_is_refused(client, council):
    response = await put(client, council, 2027, WORKED | {"reserve_allocation": "5400000.01"})
    body = assert_problem(response, 422, detail_contains="result reserve rule: at most 5400000.00", type_="invalid-input")
    assert "1 % of tax revenue" in body["detail"]
    assert pointers(response) == {"#/reserve_allocation"}
    assert_problem(await client.get(f"{STATEMENTS}/2027", headers=council), 404)


async def test_negative_equity_raises_the_reserve_threshold_to_two_percent(client, council):
    negative = WORKED | {"equity_including_pension_liability": "-1.00"}
    response = await put(client, council, 2027, negative)
    body = assert_problem(response, 422, detail_contains="at most 0.00", type_="invalid-input")
    assert "2 % of tax revenue" in body["detail"]
    accepted = await put(client, council, 2027, negative | {"reserve_allocation": "0.00"})
    assert accepted.status_code == 201 and accepted.json()["reserve_allocation_limit"] == "0.00"


async def test_replacing_figures_checks_the_reserve_rule_and_changes_nothing_when_refused(client, council):
    first = await created(client, council, 2027)
    response = await put(client, council, 2027, WORKED | {"reserve_allocation": "9000000.00"}, first.headers["etag"])
    assert_problem(response, 422, detail_contains="result reserve rule")
    assert (await client.get(f"{STATEMENTS}/2027", headers=council)).json() == first.json()


# --- the label, before and after the 2024 renaming -------------------------------------------


@pytest.mark.parametrize(("year", "label"), [(2023, "resultatutjämningsreserv"), (2024, "resultatreserv"), (2030, "resultatreserv")])
async def test_policy_label_follows_the_law_of_the_year(client, as_role, year, label):
    response = await client.get(POLICY, params={"year": year}, headers=board(as_role, Role.ENHET))
    assert response.status_code == 200
    assert response.json() == {
        "year": year,
        "label": label,
        "label_configured": False,
        "threshold_percent": "1",
        "negative_equity_threshold_percent": "2",
        "restoration_years": 3,
    }


async def test_statement_before_2024_names_the_resultatutjamningsreserv(client, council):
    body = (await created(client, council, 2023)).json()
    assert body["reserve_label"] == "resultatutjämningsreserv"
    labels = {step["key"]: step["label_sv"] for step in body["steps"]}
    assert (labels["reserve_allocation"], labels["reserve_use"]) == (
        "Reservering till resultatutjämningsreserv",
        "Användning av resultatutjämningsreserv",
    )


@pytest.fixture
def configured_policy(app):
    """The app with a municipality's own reserve policy in its settings, for one test."""
    original = app.state.settings
    app.state.settings = original.model_copy(
        update={
            "result_reserve_label": "RUR",
            "result_reserve_threshold_percent": Decimal("0.5"),
            "result_reserve_threshold_percent_negative_equity": Decimal("1.5"),
        }
    )
    yield
    app.state.settings = original


async def test_configured_policy_overrides_label_and_thresholds(client, council, configured_policy):
    policy = (await client.get(POLICY, params={"year": 2030}, headers=council)).json()
    assert (policy["label"], policy["label_configured"], policy["threshold_percent"]) == ("RUR", True, "0.5")
    body = (await created(client, council, 2027, reserve_allocation="8400000.00")).json()
    assert (body["reserve_label"], body["reserve_allocation_limit"]) == ("RUR", "8400000.00")


async def test_policy_without_a_year_uses_this_year_and_refuses_a_bad_one(client, as_role):
    assert (await client.get(POLICY, headers=as_role(Role.ADMIN))).json()["year"] == dt.date.today().year
    response = await client.get(POLICY, params={"year": "soon"}, headers=as_role(Role.ADMIN))
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/year"}
    assert_problem(await client.get(POLICY), 401)


# --- who writes and who reads ---------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR, Role.ADMIN])
async def test_a_write_by_a_non_council_role_is_refused(client, as_role, council, role):
    response = await put(client, as_role(role), 2027, WORKED)
    body = assert_problem(response, 403, type_="role-not-allowed")
    assert body["detail"].endswith("roles: fullmaktige")
    assert_problem(await client.get(f"{STATEMENTS}/2027", headers=council), 404)


async def test_council_scoped_below_the_municipality_cannot_write(client, as_role, council):
    response = await put(client, as_role(Role.FULLMAKTIGE, BOARD, [BOARD]), 2027, WORKED)
    assert_problem(response, 403, detail_contains="whole municipality", type_="forbidden")
    assert_problem(await client.get(f"{STATEMENTS}/2027", headers=council), 404)


async def test_calls_without_an_assertion_are_401(client):
    assert_problem(await client.get(STATEMENTS), 401)
    assert_problem(await client.get(f"{STATEMENTS}/2027"), 401)
    assert_problem(await client.put(f"{STATEMENTS}/2027", json=WORKED), 401)
    assert_problem(await client.post(f"{STATEMENTS}/2027/adoption", json=DECISION), 401)


async def test_unknown_year_is_a_404(client, council):
    assert_problem(await client.get(f"{STATEMENTS}/2031", headers=council), 404, detail_contains="no balance statement for 2031")
    response = await client.post(f"{STATEMENTS}/2031/adoption", json=DECISION, headers=council | {"If-Match": "*"})
    assert_problem(response, 404)


async def test_unadopted_statement_is_read_with_the_whole_municipality_in_scope_or_by_revisor(client, as_role, council):
    await created(client, council, 2027)
    assert (await client.get(f"{STATEMENTS}/2027", headers=as_role(Role.REVISOR))).status_code == 200
    assert_problem(await client.get(f"{STATEMENTS}/2027", headers=board(as_role)), 404)
    assert (await client.get(STATEMENTS, headers=board(as_role))).json()["items"] == []
    assert (await client.get(STATEMENTS, params={"locked": False}, headers=board(as_role))).json()["items"] == []


async def test_adopted_statement_is_read_by_every_signed_in_user(client, as_role, council):
    await adopted(client, council, 2027)
    for role in (Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.ADMIN):
        response = await client.get(f"{STATEMENTS}/2027", headers=board(as_role, role))
        assert response.status_code == 200 and response.json()["locked"] is True


# --- replacing, adopting, locking -----------------------------------------------------------


async def test_replacing_figures_needs_the_current_etag(client, council):
    first = await created(client, council, 2027)
    assert_problem(await put(client, council, 2027, WORKED | {"result": "12000000.00"}), 428)
    assert_problem(await put(client, council, 2027, WORKED | {"result": "12000000.00"}, '"stale.1"'), 412)
    replaced = await put(client, council, 2027, WORKED | {"result": "12000000.00", "reserve_allocation": "0.00"}, first.headers["etag"])
    assert replaced.status_code == 200
    assert (replaced.json()["result_after_balance_adjustments"], replaced.json()["row_version"]) == ("11054321.10", 2)
    assert replaced.headers["etag"] == f'"{first.json()["id"]}.2"'


async def test_adoption_locks_the_statement_with_the_decision(client, council, as_role):
    response = await adopted(client, council, 2027)
    body = response.json()
    assert body["locked"] is True and body["decision"] == DECISION
    assert response.headers["etag"] == f'"{body["id"]}.2"'
    assert await audit_actions(client, as_role, "balance_statement") == ["ADOPT", "CREATE"]


async def test_editing_an_adopted_statement_is_refused(client, council):
    adoption = await adopted(client, council, 2027)
    response = await put(client, council, 2027, WORKED | {"result": "1.00"}, adoption.headers["etag"])
    assert_problem(response, 409, detail_contains="adopted by the council and locked", type_="rule-violation")
    again = await client.post(f"{STATEMENTS}/2027/adoption", json=DECISION, headers=council | {"If-Match": adoption.headers["etag"]})
    assert_problem(again, 409, detail_contains="locked")
    assert (await client.get(f"{STATEMENTS}/2027", headers=council)).json() == adoption.json()


async def test_adoption_needs_an_etag_a_decision_and_the_council(client, council, as_role):
    first = await created(client, council, 2027)
    url = f"{STATEMENTS}/2027/adoption"
    assert_problem(await client.post(url, json=DECISION, headers=council), 428)
    assert_problem(await client.post(url, json=DECISION, headers=council | {"If-Match": '"stale.1"'}), 412)
    invalid = await client.post(url, json={}, headers=council | {"If-Match": first.headers["etag"]})
    assert_problem(invalid, 422)
    assert {"#/body", "#/reference"} <= pointers(invalid)
    assert_problem(await client.post(url, json=DECISION, headers=board(as_role) | {"If-Match": first.headers["etag"]}), 403)
    assert (await client.get(f"{STATEMENTS}/2027", headers=council)).json() == first.json()


async def test_statements_are_adopted_in_year_order(client, council):
    await adopted(client, council, 2027)
    earlier = await created(client, council, 2026)
    response = await client.post(f"{STATEMENTS}/2026/adoption", json=DECISION, headers=council | {"If-Match": earlier.headers["etag"]})
    assert_problem(response, 409, detail_contains="adopted in year order")
    assert (await client.get(f"{STATEMENTS}/2026", headers=council)).json()["locked"] is False


async def test_statement_writes_are_audited_and_an_unchanged_put_writes_nothing(client, council, as_role):
    first = await created(client, council, 2027)
    same = await put(client, council, 2027, WORKED, first.headers["etag"])
    assert same.status_code == 200 and same.json()["row_version"] == 1
    await put(client, council, 2027, WORKED | {"text": "Ny text."}, first.headers["etag"])
    assert await audit_actions(client, as_role, "balance_statement") == ["UPDATE", "CREATE"]


# --- listing --------------------------------------------------------------------------------


async def test_list_is_newest_year_first_paginated_and_filtered(client, council, as_role):
    for year in (2024, 2025, 2026):
        await adopted(client, council, year)
    await created(client, council, 2027)
    page = await client.get(STATEMENTS, params={"limit": 2}, headers=council)
    assert [s["year"] for s in page.json()["items"]] == [2027, 2026]
    rest = await client.get(STATEMENTS, params={"limit": 2, "cursor": page.json()["next_cursor"]}, headers=council)
    assert [s["year"] for s in rest.json()["items"]] == [2025, 2024] and rest.json()["next_cursor"] is None
    assert [s["year"] for s in (await client.get(STATEMENTS, params={"locked": False}, headers=council)).json()["items"]] == [2027]
    assert [s["year"] for s in (await client.get(STATEMENTS, headers=board(as_role))).json()["items"]] == [2026, 2025, 2024]


async def test_list_refuses_a_tampered_cursor(client, council):
    response = await client.get(STATEMENTS, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/cursor"}
