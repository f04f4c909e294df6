"""Booked amounts (utfall): small deliveries as JSON, under the rules of a file, and reading them."""

from services.budget.tests.support.actuals import ACTUALS, ADMIN_A, IMPORTS, UNIT_A, amounts, finance, row, seed_cost_centers, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers


async def test_json_delivery_stores_the_rows_and_is_one_import(client, app, as_role):
    await seed_cost_centers(app)
    rows = [row(), row(month=4, amount="-20.00"), row(cost_center_code="2100", account="3010", amount="7")]
    response = await client.post(ACTUALS, json=rows, headers=finance(as_role))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["source"], body["rows"], body["inserted"], body["updated"], body["unchanged"]) == ("JSON", 3, 3, 0, 0)
    assert body["periods"] == ["2027-03", "2027-04"]
    assert response.headers["location"] == f"{IMPORTS}/{body['id']}"
    assert await amounts(app) == {
        (2027, 3, "1310", "4010"): "125000.50",
        (2027, 4, "1310", "4010"): "-20.00",
        (2027, 3, "2100", "3010"): "7.00",
    }
    assert await stored(app) == (3, 1, 1)


async def test_same_json_delivery_twice_changes_nothing(client, app, as_role):
    await seed_cost_centers(app)
    first = await client.post(ACTUALS, json=[row()], headers=finance(as_role))
    again = await client.post(ACTUALS, json=[row()], headers=finance(as_role))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert await stored(app) == (1, 1, 1)


async def test_corrected_json_delivery_replaces_the_amount(client, app, as_role):
    await seed_cost_centers(app)
    await client.post(ACTUALS, json=[row(), row(month=4)], headers=finance(as_role))
    response = await client.post(ACTUALS, json=[row(amount="1.00"), row(month=4), row(month=5)], headers=finance(as_role))
    assert response.status_code == 201, response.text
    assert (response.json()["inserted"], response.json()["updated"], response.json()["unchanged"]) == (1, 1, 1)
    assert (await amounts(app))[(2027, 3, "1310", "4010")] == "1.00"


async def test_a_float_amount_is_refused_with_a_pointer_and_nothing_changes(client, app, as_role):
    await seed_cost_centers(app)
    response = await client.post(ACTUALS, json=[row(), row(amount=125000.5)], headers=finance(as_role))
    assert_problem(response, 422)
    assert pointers(response) == {"#/1/amount"}
    assert "not a JSON number" in response.json()["errors"][0]["detail"]
    assert await stored(app) == (0, 0, 0)


async def test_malformed_amounts_are_refused_with_pointers(client, app, as_role):
    await seed_cost_centers(app)
    rows = [row(amount="12,50"), row(month=4, amount="1.234"), row(month=5, amount="tio")]
    response = await client.post(ACTUALS, json=rows, headers=finance(as_role))
    assert_problem(response, 422)
    assert pointers(response) == {"#/0/amount", "#/1/amount", "#/2/amount"}
    assert await stored(app) == (0, 0, 0)


async def test_json_delivery_with_bad_rows_is_refused_whole_listing_each(client, app, as_role):
    await seed_cost_centers(app)
    rows = [row(), row(cost_center_code="9999"), row(), row(month=4)]
    response = await client.post(ACTUALS, json=rows, headers=finance(as_role))
    body = assert_problem(response, 422, detail_contains="all or nothing: 2 bad row(s)")
    assert "nothing was imported" in body["detail"]
    assert [e["pointer"] for e in body["errors"]] == ["#/1/cost_center_code", "#/2"]
    assert "unknown cost centre code '9999'" in body["errors"][0]["detail"]
    assert "duplicate key within the delivery" in body["errors"][1]["detail"] and "#/0" in body["errors"][1]["detail"]
    assert await stored(app) == (0, 0, 0)


async def test_bad_month_and_account_are_refused(client, app, as_role):
    await seed_cost_centers(app)
    response = await client.post(ACTUALS, json=[row(month=13, account="40 10")], headers=finance(as_role))
    assert_problem(response, 422)
    assert pointers(response) == {"#/0/month", "#/0/account"}


async def test_an_empty_body_or_list_creates_nothing(client, app, as_role):
    for body in ({}, []):
        assert_problem(await client.post(ACTUALS, json=body, headers=finance(as_role)), 422)
    assert await stored(app) == (0, 0, 0)


async def test_administration_delivers_for_the_cost_centres_of_its_scope(client, app, as_role):
    await seed_cost_centers(app)
    administration = as_role(Role.FORVALTNING, ADMIN_A, [ADMIN_A, UNIT_A])
    response = await client.post(ACTUALS, json=[row(), row(cost_center_code="1320")], headers=administration)
    assert response.status_code == 201, response.text


async def test_delivery_outside_scope_is_refused_and_nothing_changes(client, app, as_role):
    await seed_cost_centers(app)
    administration = as_role(Role.FORVALTNING, ADMIN_A, [ADMIN_A])
    response = await client.post(ACTUALS, json=[row(), row(cost_center_code="2100")], headers=administration)
    assert_problem(response, 403, detail_contains="actuals are written in scope: the cost centres 2100")
    assert await stored(app) == (0, 0, 0)


async def test_delivery_by_a_role_outside_the_policy_is_refused(client, app, as_role):
    await seed_cost_centers(app)
    for role in (Role.NAMND, Role.ENHET, Role.REVISOR, Role.ADMIN):
        response = await client.post(ACTUALS, json=[row()], headers=as_role(role))
        assert_problem(response, 403, type_="role-not-allowed")
    assert await stored(app) == (0, 0, 0)


async def test_delivery_without_an_assertion_is_401(client, app):
    assert_problem(await client.post(ACTUALS, json=[row()]), 401)
    assert_problem(await client.get(ACTUALS), 401)


async def test_list_filters_and_pages_in_key_order(client, app, as_role):
    await seed_cost_centers(app)
    rows = [row(month=m, account=a) for m in (1, 2, 3) for a in ("4010", "5010")] + [row(year=2026)]
    await client.post(ACTUALS, json=rows, headers=finance(as_role))
    reader = as_role(Role.ENHET, UNIT_A, [UNIT_A])
    seen, cursor = [], None
    while True:
        page = await client.get(ACTUALS, params={"year": 2027, "limit": 4} | ({"cursor": cursor} if cursor else {}), headers=reader)
        assert page.status_code == 200, page.text
        seen += [(r["month"], r["account"]) for r in page.json()["items"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    assert seen == [(m, a) for m in (1, 2, 3) for a in ("4010", "5010")]
    one = (await client.get(ACTUALS, params={"month": 2, "account": "5010", "cost_center_code": "1310"}, headers=reader)).json()["items"]
    assert [(r["year"], r["month"], r["amount"]) for r in one] == [(2027, 2, "125000.50")]


async def test_list_with_a_bad_filter_or_cursor_is_422(client, as_role):
    headers = as_role(Role.REVISOR)
    assert pointers(await client.get(ACTUALS, params={"month": 13}, headers=headers)) == {"#/query/month"}
    assert pointers(await client.get(ACTUALS, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=headers)) == {"#/query/cursor"}
