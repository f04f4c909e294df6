"""A NUL character (U+0000) in a cell of an imported file is a bad value on its line, named like
any other, on both databases: PostgreSQL cannot store one (a planning assumption's text answered
500), SQLite stored it. Nothing of the file is imported."""

from services.budget.tests.support.actuals import IMPORTS, finance, seed_cost_centers, stored
from services.budget.tests.support.assumptions import CSV, POPULATION, TAX, items
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers


async def test_a_nul_in_a_planning_assumption_cell_is_a_422_naming_its_line_and_column(client, as_role):
    council = as_role(Role.FULLMAKTIGE)
    text = "publication_date,source,year,age_from,age_to,count\n2026-03-01,SCB,2026,1,5,1050\n2026-03-01,SC\x00B,2027,1,5,1075\n"
    response = await client.post(f"{POPULATION}/imports", content=text.encode(), headers=council | CSV)
    problem = assert_problem(response, 422)
    assert pointers(response) == {"#/line/3"}
    assert "source" in problem["errors"][0]["detail"] and "NUL" in problem["errors"][0]["detail"]
    assert await items(client, council, POPULATION) == []


async def test_a_nul_in_a_tax_forecast_cell_is_a_422(client, as_role):
    council = as_role(Role.FULLMAKTIGE)
    text = "publication_date,source,year,kind,amount\n2026-04-25,SKR\x00,2027,TAX,1250000000.00\n"
    response = await client.post(f"{TAX}/imports", content=text.encode(), headers=council | CSV)
    assert_problem(response, 422)
    assert pointers(response) == {"#/line/2"}
    assert await items(client, council, TAX) == []


async def test_a_nul_in_an_actuals_cell_is_a_422_naming_its_line_and_column(client, app, as_role):
    await seed_cost_centers(app)
    text = "year,month,cost_center,account,amount\n2027,1,1310,4010,1.00\n2027,1,1310,40\x0010,2.00\n"
    response = await client.post(IMPORTS, content=text.encode(), headers=finance(as_role) | CSV)
    problem = assert_problem(response, 422)
    assert pointers(response) == {"#/line/3"}
    assert problem["errors"][0]["detail"] == "account: must not contain the NUL character (U+0000)"
    assert await stored(app) == (0, 0, 0)
