"""Importing a CSV file of booked amounts: all or nothing with every bad line listed, idempotent,
and by the finance function with the whole municipality in scope."""

import uuid

from services.budget.tests.support.actuals import ADMIN_A, IMPORTS, amounts, finance, seed_cost_centers, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

HEADER = "year,month,cost_center,account,amount\n"
CSV = {"content-type": "text/csv"}
GOOD = HEADER + "2027,1,1310,4010,125000.50\n2027,1,1320,4010,-300\n2027,2,2100,3010,99.9\n"


async def upload(client, headers, text):
    return await client.post(IMPORTS, content=text.encode(), headers=headers | CSV)


async def test_import_stores_every_row_and_reports_the_counts(client, app, as_role):
    await seed_cost_centers(app)
    response = await upload(client, finance(as_role), GOOD)
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["source"], body["rows"], body["inserted"], body["updated"], body["unchanged"]) == ("CSV", 3, 3, 0, 0)
    assert body["periods"] == ["2027-01", "2027-02"] and len(body["sha256"]) == 64
    assert body["imported_by"] == "user-forvaltning"
    assert response.headers["location"] == f"{IMPORTS}/{body['id']}"
    assert await amounts(app) == {
        (2027, 1, "1310", "4010"): "125000.50",
        (2027, 1, "1320", "4010"): "-300.00",
        (2027, 2, "2100", "3010"): "99.90",
    }
    fetched = await client.get(response.headers["location"], headers=as_role(Role.ENHET, ADMIN_A, [ADMIN_A]))
    assert (fetched.status_code, fetched.json()) == (200, body)


async def test_the_same_file_twice_changes_nothing(client, app, as_role):
    await seed_cost_centers(app)
    first = await upload(client, finance(as_role), GOOD)
    before = (await amounts(app), await stored(app))
    again = await upload(client, as_role(Role.FULLMAKTIGE), GOOD)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and "location" not in again.headers
    # No new rows, no new delivery, no audit event beyond the first import's one.
    assert (await amounts(app), await stored(app)) == before == (before[0], (3, 1, 1))


async def test_one_audit_event_records_the_import_with_its_counts(client, app, as_role):
    await seed_cost_centers(app)
    body = (await upload(client, finance(as_role), GOOD)).json()
    events = (
        await client.get("/api/budget/v1/audit-events", params={"entity_type": "actuals_import"}, headers=as_role(Role.REVISOR))
    ).json()["items"]
    assert [(e["action"], e["entity_id"], e["after"]["inserted"]) for e in events] == [("IMPORT", body["id"], 3)]


async def test_a_corrected_redelivery_replaces_the_amounts_of_stored_keys(client, app, as_role):
    await seed_cost_centers(app)
    await upload(client, finance(as_role), GOOD)
    corrected = HEADER + "2027,1,1310,4010,125000.50\n2027,1,1320,4010,-250.00\n2027,3,2100,3010,1\n"
    response = await upload(client, finance(as_role), corrected)
    assert response.status_code == 201, response.text
    assert (response.json()["inserted"], response.json()["updated"], response.json()["unchanged"]) == (1, 1, 1)
    stored_amounts = await amounts(app)
    assert (stored_amounts[(2027, 1, "1320", "4010")], len(stored_amounts)) == ("-250.00", 4)


async def test_columns_may_come_in_any_order_with_blank_lines_and_a_bom(client, app, as_role):
    await seed_cost_centers(app)
    text = "\ufeffAmount, account ,cost_center,MONTH,year\r\n10.00,4010,1310,12,2027\r\n\r\n"
    response = await upload(client, finance(as_role), text)
    assert response.status_code == 201, response.text
    assert await amounts(app) == {(2027, 12, "1310", "4010"): "10.00"}


async def test_a_file_with_bad_lines_is_refused_whole_with_every_bad_line_listed(client, app, as_role):
    await seed_cost_centers(app)
    text = (
        HEADER
        + "\n".join(
            [
                "2027,1,1310,4010,1.00",  # 2 good
                "2027,1,9999,4010,1.00",  # 3 unknown cost centre
                "2027,13,1310,4010,1.00",  # 4 bad month
                "2027,2,1310,4010,12,50",  # 5 six fields (a decimal comma)
                "2027,2,1310,4010,1.234",  # 6 three decimals
                "2027,2,1310,4010,1e3",  # 7 not a decimal amount
                "2027,1,1310,4010,2.00",  # 8 duplicate of line 2
                "2027,3,1320,4010,5.00",  # 9 good
                "twenty,x,1310,40 10,",  # 10 several problems on one line
            ]
        )
        + "\n"
    )
    response = await upload(client, finance(as_role), text)
    body = assert_problem(response, 422, detail_contains="all or nothing: 7 bad line(s) of the file")
    assert "nothing was imported" in body["detail"]
    details = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert list(details) == [f"#/line/{n}" for n in (3, 4, 5, 6, 7, 8, 10)]
    assert "unknown cost centre code '9999'" in details["#/line/3"]
    assert "month '13' is not a month 1–12" in details["#/line/4"]
    assert "expected 5 fields" in details["#/line/5"]
    assert "amount '1.234' is not an amount" in details["#/line/6"]
    assert "amount '1e3' is not an amount" in details["#/line/7"]
    assert "duplicate key within the delivery" in details["#/line/8"] and "#/line/2" in details["#/line/8"]
    assert all(what in details["#/line/10"] for what in ("year 'twenty'", "month 'x'", "account '40 10'", "amount ''"))
    assert await stored(app) == (0, 0, 0)


async def test_past_a_thousand_bad_lines_the_first_thousand_are_listed_and_all_counted(client, app, as_role):
    await seed_cost_centers(app)
    text = (
        HEADER + "".join(f"2027,{1 + n % 12},1310,{n},1.00\n" for n in range(1500)) + "".join("2027,1,1310,X,oops\n" for _ in range(1200))
    )
    response = await upload(client, finance(as_role), text)
    body = assert_problem(response, 422, detail_contains="1200 bad line(s) of the file; the first 1000 are listed")
    assert len(body["errors"]) == 1000 and body["errors"][0]["pointer"] == "#/line/1502"
    assert await stored(app) == (0, 0, 0)


async def test_a_missing_header_is_refused(client, app, as_role):
    await seed_cost_centers(app)
    for text, detail in (
        ("2027,1,1310,4010,1.00\n", "found '2027,1,1310,4010,1.00'"),
        ("", "the file is empty"),
        ("year,month,amount\n", "missing cost_center, account"),
    ):
        response = await upload(client, finance(as_role), text)
        body = assert_problem(response, 422, detail_contains="the first line must be the header year,month,cost_center,account,amount")
        assert detail in body["detail"] and pointers(response) == {"#/line/1"}
    assert await stored(app) == (0, 0, 0)


async def test_a_file_with_no_rows_is_refused(client, app, as_role):
    response = await upload(client, finance(as_role), HEADER)
    assert_problem(response, 422, detail_contains="at least one row")
    assert await stored(app) == (0, 0, 0)


async def test_undecodable_bytes_are_a_bad_value_on_their_line(client, app, as_role):
    await seed_cost_centers(app)
    response = await client.post(IMPORTS, content=HEADER.encode() + b"2027,1,13\xff0,4010,1.00\n", headers=finance(as_role) | CSV)
    assert_problem(response, 422)
    assert pointers(response) == {"#/line/2"}


async def test_a_windows_1252_file_is_read_as_windows_1252_like_the_planning_assumptions(client, app, as_role):
    await seed_cost_centers(app)
    data = (HEADER + "2027,1,1310,4Å0,1.00\n").encode("cp1252")
    response = await client.post(IMPORTS, content=data, headers=finance(as_role) | CSV)
    body = assert_problem(response, 422)
    assert pointers(response) == {"#/line/2"} and "account '4Å0'" in body["errors"][0]["detail"]


async def test_import_by_finance_without_the_whole_municipality_in_scope_is_refused(client, app, as_role):
    await seed_cost_centers(app)
    for headers in (as_role(Role.FORVALTNING, ADMIN_A, [ADMIN_A]), as_role(Role.FULLMAKTIGE, ADMIN_A, [ADMIN_A])):
        response = await upload(client, headers, GOOD)
        assert_problem(response, 403, detail_contains="with the whole municipality in scope")
    assert await stored(app) == (0, 0, 0)


async def test_import_by_a_role_outside_the_policy_is_refused(client, app, as_role):
    for role in (Role.NAMND, Role.ENHET, Role.REVISOR, Role.ADMIN):
        assert_problem(await upload(client, as_role(role), GOOD), 403, type_="role-not-allowed")
    assert await stored(app) == (0, 0, 0)


async def test_import_without_an_assertion_is_401(client):
    assert_problem(await client.post(IMPORTS, content=GOOD.encode(), headers=CSV), 401)
    assert_problem(await client.get(IMPORTS), 401)


async def test_import_of_anything_but_csv_is_415(client, app, as_role):
    response = await client.post(IMPORTS, json={}, headers=finance(as_role))
    assert_problem(response, 415, detail_contains="sent as text/csv")
    assert await stored(app) == (0, 0, 0)


async def test_a_file_past_the_size_limit_is_413(client, app, as_role):
    settings = app.state.settings
    app.state.settings = settings.model_copy(update={"actuals_import_max_bytes": 40})
    try:
        await seed_cost_centers(app)
        assert_problem(await upload(client, finance(as_role), GOOD), 413, detail_contains="at most 40 bytes")
    finally:
        app.state.settings = settings
    assert await stored(app) == (0, 0, 0)


async def test_imports_are_listed_newest_first_in_pages(client, app, as_role):
    await seed_cost_centers(app)
    ids = [(await upload(client, finance(as_role), HEADER + f"2027,{m},1310,4010,1.00\n")).json()["id"] for m in (1, 2, 3)]
    reader = as_role(Role.ENHET, ADMIN_A, [ADMIN_A])
    first = await client.get(IMPORTS, params={"limit": 2}, headers=reader)
    rest = await client.get(IMPORTS, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=reader)
    assert [i["id"] for i in first.json()["items"] + rest.json()["items"]] == ids[::-1]
    assert rest.json()["next_cursor"] is None


async def test_an_unknown_import_is_404_and_a_bad_id_422(client, as_role):
    assert_problem(await client.get(f"{IMPORTS}/{uuid.uuid4()}", headers=as_role(Role.REVISOR)), 404)
    assert pointers(await client.get(f"{IMPORTS}/not-an-id", headers=as_role(Role.REVISOR))) == {"#/path/import_id"}
