"""Rules that count or look for rows hold under concurrent requests, on SQLite as on PostgreSQL: the
check and the write it allows are serialised (PostgreSQL: an advisory lock per key; SQLite: every
writing transaction begins IMMEDIATE), so requests at once cannot all pass on what none has
written yet.

Each request here has its own session and connection; the ASGI app runs them interleaved."""

from collections import Counter
from functools import partial

from services.budget.tests.support import allocations, balance, budgets
from services.budget.tests.support.actuals import IMPORTS, finance, seed_cost_centers, stored
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, at_once


def statuses(responses):
    return Counter(r.status_code for r in responses)


async def test_twenty_budgets_at_once_for_a_year_leave_one_revision_in_preparation(client, council, as_role):
    body = {"year": budgets.YEAR, "title": "Mål och budget 2027"}

    responses = await at_once(*(partial(client.post, budgets.BUDGETS, json=body, headers=council) for _ in range(20)))

    assert statuses(responses) == {201: 1, 409: 19}
    for refused in (r for r in responses if r.status_code == 409):
        assert_problem(refused, 409, detail_contains="one budget revision per year is prepared at a time", type_="rule-violation")
    created = next(r.json() for r in responses if r.status_code == 201)
    listed = (await client.get(budgets.BUDGETS, params={"limit": 50}, headers=council)).json()["items"]
    assert [(b["id"], b["revision"]) for b in listed] == [(created["id"], 1)]
    assert len(await budgets.audit_events(client, as_role, created["id"])) == 1


async def test_the_same_actuals_file_ten_times_at_once_is_imported_once(client, app, as_role):
    await seed_cost_centers(app)
    text = "year,month,cost_center,account,amount\n2027,1,1310,4010,125000.50\n2027,1,1320,4010,-300\n2027,2,2100,3010,99.9\n"

    headers = finance(as_role) | {"content-type": "text/csv"}
    responses = await at_once(*(partial(client.post, IMPORTS, content=text.encode(), headers=headers) for _ in range(10)))

    assert statuses(responses) == {201: 1, 200: 9}
    assert len({r.text for r in responses}) == 1  # every answer is the one import
    assert await stored(app) == (3, 1, 1)  # rows, deliveries, audit events


async def test_ten_first_allocations_at_once_create_one(client, app, as_role):
    administration = as_role(Role.FORVALTNING, allocations.ADMINISTRATION, [allocations.ADMINISTRATION, allocations.BOARD])
    board = as_role(Role.NAMND, allocations.BOARD, [allocations.BOARD])
    await allocations.add_frame(app, "1000.00")
    area = await allocations.create_area(client, administration)

    responses = await at_once(
        *(partial(allocations.put_allocation, client, board, [allocations.line(area, f"{100 + n}.00")]) for n in range(10))
    )

    assert statuses(responses) == {200: 1, 412: 9}
    for refused in (r for r in responses if r.status_code == 412):
        assert_problem(refused, 412, detail_contains="already has an allocation")
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert (await client.get(allocations.ALLOCATION, headers=board)).json() == winner
    assert len(await allocations.audit_events(client, as_role, entity_type="allocation_set")) == 1


async def test_statements_adopted_at_once_are_still_adopted_in_year_order(client, council, as_role):
    years = range(2020, 2030)
    etags = {year: (await balance.created(client, council, year)).headers["etag"] for year in years}

    responses = await at_once(
        *(
            partial(
                client.post, f"{balance.STATEMENTS}/{year}/adoption", json=balance.DECISION, headers=council | {"If-Match": etags[year]}
            )
            for year in years
        )
    )

    for refused in (r for r in responses if r.status_code != 200):
        assert_problem(refused, 409, detail_contains="adopted in year order", type_="rule-violation")
    adopted = sorted((r.json()["updated_at"], r.json()["year"]) for r in responses if r.status_code == 200)
    assert adopted and [year for _, year in adopted] == sorted(year for _, year in adopted)
    assert max(year for _, year in adopted) == years[-1]  # nothing later can refuse the last year
    for year in years:
        statement = (await client.get(f"{balance.STATEMENTS}/{year}", headers=council)).json()
        assert statement["locked"] is (year in {y for _, y in adopted})
    assert Counter(await balance.audit_actions(client, as_role, "balance_statement"))["ADOPT"] == len(adopted)
