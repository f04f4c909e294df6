"""Planning assumptions: population, tax and grant forecasts and price indices imported from CSV (all
rows or none); the council writes, everyone reads."""

from services.budget.tests.support.assumptions import (
    API,
    BOARD,
    CSV,
    POPULATION,
    PRICES,
    TARGET_GROUPS,
    TAX,
    audit_events,
    imported,
    items,
    refusers,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

POPULATION_CSV = """publication_date,source,year,age_from,age_to,count
2026-03-01,SCB,2026,1,5,1050
2026-03-01,SCB,2027,1,5,1075
2026-03-01,SCB,2026,80,89,1040
2026-03-01,SCB,2027,80,89,1068
2026-03-01,SCB,2027,90,,212.5
"""
TAX_CSV = """publication_date,source,year,kind,amount
2026-04-25,SKR cirkulär 26:12,2027,TAX,1250000000.00
2026-04-25,SKR cirkulär 26:12,2027,GRANTS,310000000.50
2026-04-25,SKR cirkulär 26:12,2027,EQUALISATION,-12000000
"""
PRICE_CSV = """publication_date,year,pct_change,component
2026-04-25,2027,2.7,
2026-04-25,2028,3.1,
2026-04-25,2027,3.4,wages
"""


# --- population forecasts ------------------------------------------------------------------------


async def test_population_forecast_csv_is_imported_and_listed_by_publication_and_year(client, council, as_role):
    result = await imported(client, council, POPULATION, POPULATION_CSV)
    assert (result["rows"], result["created"], result["unchanged"], result["updated"]) == (5, 5, 0, [])

    rows = await items(client, as_role(Role.ENHET, BOARD, [BOARD]), POPULATION, publication_date="2026-03-01", year=2027)
    assert [(r["age_from"], r["age_to"], r["count"]) for r in rows] == [(1, 5, "1075"), (80, 89, "1068"), (90, None, "212.5")]
    assert rows[0]["source"] == "SCB" and rows[0]["year"] == 2027
    (event,) = await audit_events(client, as_role, entity_type="population_forecast")
    assert event["action"] == "IMPORT" and event["entity_id"] == result["import_id"] and event["after"]["created"] == 5


async def test_population_forecast_is_accepted_as_a_multipart_file_with_semicolons(client, council):
    text = POPULATION_CSV.replace(",", ";")
    response = await client.post(
        f"{POPULATION}/imports", files={"file": ("befolkning.csv", text.encode("utf-8-sig"), "text/csv")}, headers=council
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 5


async def test_reimporting_the_same_rows_changes_nothing(client, council, as_role):
    await imported(client, council, POPULATION, POPULATION_CSV)
    before = await items(client, council, POPULATION)
    result = await imported(client, council, POPULATION, POPULATION_CSV)
    assert (result["created"], result["unchanged"], result["updated"]) == (0, 5, [])
    assert await items(client, council, POPULATION) == before


async def test_reimport_with_a_changed_count_updates_it_and_reports_the_change(client, council, as_role):
    await imported(client, council, POPULATION, POPULATION_CSV)
    changed = POPULATION_CSV.replace("2027,1,5,1075", "2027,1,5,1080.5") + "2026-03-01,SCB,2028,1,5,1090\n"
    result = await imported(client, council, POPULATION, changed)
    assert (result["created"], result["unchanged"]) == (1, 4)
    (update,) = result["updated"]
    assert update["line"] == 3
    assert update["key"] == {"publication_date": "2026-03-01", "year": "2027", "age_from": "1", "age_to": "5"}
    assert (update["before"], update["after"]) == ({"count": "1075"}, {"count": "1080.5"})
    (row,) = await items(client, council, POPULATION, year=2027, age_from=1)
    assert row["count"] == "1080.5"
    events = await audit_events(client, as_role, entity_type="population_forecast")
    assert events[0]["after"]["updated"][0]["after"] == {"count": "1080.5"}


async def test_csv_with_bad_rows_imports_nothing_and_lists_every_bad_line(client, council):
    bad = (
        "publication_date,source,year,age_from,age_to,count\n"
        "2026-03-01,SCB,2026,1,5,1050\n"
        "2026-13-01,SCB,2027,1,5,1075\n"  # line 3: no such date
        "2026-03-01,SCB,2027,6,,1.234\n"  # line 4: three decimals
        "2026-03-01,SCB,2027,9,7,40\n"  # line 5: ages backwards
        "2026-03-01,SCB,twenty,1,5,-3\n"  # line 6: two bad values
        "2026-03-01,SCB,2026,1,5,1050\n"  # line 7: the same key as line 2
    )
    response = await client.post(f"{POPULATION}/imports", content=bad, headers=council | CSV)
    body = assert_problem(response, 422, detail_contains="nothing was imported")
    assert pointers(response) == {"#/line/3", "#/line/4", "#/line/5", "#/line/6", "#/line/7"}
    details = [e["detail"] for e in body["errors"] if e["pointer"] == "#/line/6"]
    assert any(d.startswith("year:") for d in details) and any(d.startswith("count:") for d in details)
    assert any("line 2" in e["detail"] for e in body["errors"] if e["pointer"] == "#/line/7")
    assert await items(client, council, POPULATION) == []


async def test_csv_without_the_expected_columns_is_refused(client, council):
    response = await client.post(
        f"{POPULATION}/imports", content="publication_date,year,age,count\n2026-03-01,2026,1,5\n", headers=council | CSV
    )
    body = assert_problem(response, 422, detail_contains="header")
    assert pointers(response) == {"#/line/1"}
    assert "missing column(s): source, age_from" in body["errors"][0]["detail"]
    assert "unknown column(s): age" in body["errors"][1]["detail"]


async def test_csv_with_only_a_header_is_refused(client, council):
    response = await client.post(
        f"{POPULATION}/imports", content="publication_date,source,year,age_from,age_to,count\n", headers=council | CSV
    )
    assert_problem(response, 422, detail_contains="no rows")


async def test_an_import_must_be_a_csv_file(client, council):
    response = await client.post(f"{POPULATION}/imports", json={}, headers=council)
    assert_problem(response, 415, detail_contains="text/csv")
    response = await client.post(f"{POPULATION}/imports", files={"other": ("x.csv", b"a", "text/csv")}, headers=council)
    assert_problem(response, 422, detail_contains="'file'")


async def test_imports_by_anyone_but_the_whole_municipality_council_are_refused(client, as_role, council):
    for headers in refusers(as_role):
        for path, text in ((POPULATION, POPULATION_CSV), (TAX, TAX_CSV), (PRICES, PRICE_CSV)):
            response = await client.post(f"{path}/imports", content=text, headers=headers | CSV)
            assert_problem(response, 403)
    scoped = await client.post(f"{POPULATION}/imports", content=POPULATION_CSV, headers=refusers(as_role)[1] | CSV)
    assert_problem(scoped, 403, detail_contains="only fullmaktige with the whole municipality in scope writes population forecasts")
    assert await items(client, council, POPULATION) == []
    assert await items(client, council, TAX) == []
    assert await items(client, council, PRICES) == []


async def test_assumptions_need_a_signed_in_caller(client):
    for path in (POPULATION, f"{POPULATION}/publications", TAX, PRICES, TARGET_GROUPS, f"{API}/model-runs"):
        assert_problem(await client.get(path), 401)
    assert_problem(await client.post(f"{POPULATION}/imports", content=POPULATION_CSV, headers=CSV), 401)


async def test_population_forecasts_page_with_a_cursor(client, council):
    await imported(client, council, POPULATION, POPULATION_CSV)
    seen, cursor = [], None
    while True:
        response = await client.get(POPULATION, params={"limit": 2} | ({"cursor": cursor} if cursor else {}), headers=council)
        page = response.json()
        seen += [(r["year"], r["age_from"]) for r in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [(2026, 1), (2026, 80), (2027, 1), (2027, 80), (2027, 90)]


async def test_bad_list_parameters_are_refused_with_a_pointer(client, council):
    response = await client.get(POPULATION, params={"publication_date": "March"}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/query/publication_date"}
    response = await client.get(POPULATION, params={"cursor": "not-ours"}, headers=council)
    assert pointers(response) == {"#/query/cursor"}


async def test_publications_list_each_forecast_with_its_years_and_sources(client, council):
    await imported(client, council, POPULATION, POPULATION_CSV)
    await imported(
        client, council, POPULATION, "publication_date,source,year,age_from,age_to,count\n2025-03-01,Egen prognos,2026,1,5,1000\n"
    )
    publications = await items(client, council, f"{POPULATION}/publications")
    assert [(p["publication_date"], p["rows"], p["first_year"], p["last_year"], p["sources"]) for p in publications] == [
        ("2026-03-01", 5, 2026, 2027, ["SCB"]),
        ("2025-03-01", 1, 2026, 2026, ["Egen prognos"]),
    ]
    page = (await client.get(f"{POPULATION}/publications", params={"limit": 1}, headers=council)).json()
    rest = await items(client, council, f"{POPULATION}/publications", cursor=page["next_cursor"])
    assert [p["publication_date"] for p in page["items"] + rest] == ["2026-03-01", "2025-03-01"]


# --- tax and grant forecasts ---------------------------------------------------------------------


async def test_tax_forecasts_are_imported_exactly_and_listed_by_kind(client, council):
    await imported(client, council, TAX, TAX_CSV)
    rows = await items(client, council, TAX, year=2027)
    assert {r["kind"]: r["amount"] for r in rows} == {"TAX": "1250000000.00", "GRANTS": "310000000.50", "EQUALISATION": "-12000000.00"}
    (grants,) = await items(client, council, TAX, kind="GRANTS")
    assert grants["source"] == "SKR cirkulär 26:12"
    assert (await items(client, council, f"{TAX}/publications"))[0]["rows"] == 3


async def test_tax_forecast_with_a_malformed_amount_or_kind_imports_nothing(client, council):
    bad = TAX_CSV + "2026-04-25,SKR,2028,TAX,1250000000.001\n2026-04-25,SKR,2028,FEES,1\n2026-04-25,SKR,2029,TAX,12 000\n"
    response = await client.post(f"{TAX}/imports", content=bad, headers=council | CSV)
    body = assert_problem(response, 422)
    assert pointers(response) == {"#/line/5", "#/line/6", "#/line/7"}
    assert "at most two decimals" in body["errors"][0]["detail"]
    assert "kind" in body["errors"][1]["detail"]
    assert await items(client, council, TAX) == []


# --- price indices -------------------------------------------------------------------------------


async def test_price_index_defaults_to_pkv_and_keeps_components_apart(client, council):
    await imported(client, council, PRICES, PRICE_CSV)
    rows = await items(client, council, PRICES, year=2027)
    assert {(r["index_name"], r["component"], r["pct_change"]) for r in rows} == {("PKV", None, "2.7"), ("PKV", "wages", "3.4")}
    result = await imported(client, council, PRICES, PRICE_CSV.replace("2027,2.7,", "2027,2.8,"))
    assert result["updated"][0]["before"] == {"pct_change": "2.7"} and result["updated"][0]["after"] == {"pct_change": "2.8"}
    (publication,) = await items(client, council, f"{PRICES}/publications")
    assert (publication["index_name"], publication["publication_date"], publication["rows"]) == ("PKV", "2026-04-25", 3)


async def test_price_index_with_a_malformed_change_imports_nothing(client, council):
    response = await client.post(
        f"{PRICES}/imports", content="publication_date,year,pct_change\n2026-04-25,2027,2,7\n", headers=council | CSV
    )
    assert_problem(response, 422)
    assert pointers(response) == {"#/line/2"}
    response = await client.post(
        f"{PRICES}/imports", content="publication_date,year,pct_change\n2026-04-25,2027,two\n", headers=council | CSV
    )
    assert pointers(response) == {"#/line/2"}
    assert await items(client, council, PRICES) == []


# --- what a file may hold ------------------------------------------------------------------------

POPULATION_HEADER = "publication_date,source,year,age_from,age_to,count\n"


async def test_a_windows_1252_file_is_read_as_windows_1252(client, council):
    data = (POPULATION_HEADER + "2026-03-01,SCB Göteborg,2026,1,5,1050\n").encode("cp1252")
    response = await client.post(f"{POPULATION}/imports", content=data, headers=council | CSV)
    assert response.status_code == 200, response.text
    assert [row["source"] for row in await items(client, council, POPULATION)] == ["SCB Göteborg"]


async def test_bytes_neither_utf8_nor_windows_1252_are_a_422_naming_their_line(client, council):
    # 0x81 is no UTF-8 sequence and undefined in Windows-1252.
    data = POPULATION_CSV.encode() + b"2026-03-01,SCB \x81,2028,1,5,1100\n"
    response = await client.post(f"{POPULATION}/imports", content=data, headers=council | CSV)
    body = assert_problem(response, 422, detail_contains="1 line(s) of the file are not valid")
    assert pointers(response) == {"#/line/7"} and "neither UTF-8 nor Windows-1252" in body["errors"][0]["detail"]
    assert await items(client, council, POPULATION) == []


async def test_a_large_bad_file_lists_the_first_thousand_faults_and_counts_them_all(client, council):
    # Each line has four faults: the year, both ages and the count.
    lines = 20_000
    data = (POPULATION_HEADER + "2026-03-01,SCB,9999,x,y,z\n" * lines).encode()
    response = await client.post(f"{POPULATION}/imports", content=data, headers=council | CSV)
    body = assert_problem(response, 422, detail_contains=f"{lines} line(s) of the file are not valid, with {4 * lines} fault(s)")
    assert "the first 1000 are listed" in body["detail"] and len(body["errors"]) == 1000
    assert body["errors"][0]["pointer"] == "#/line/2" and body["errors"][-1]["pointer"] == "#/line/251"
    assert len(response.content) < 200_000
    assert await items(client, council, POPULATION) == []


async def test_a_reimport_changing_many_rows_lists_the_first_thousand_changes_and_counts_them_all(client, council, as_role):
    rows = [(year, age) for year in range(2027, 2042) for age in range(100)]
    before = POPULATION_HEADER + "".join(f"2026-03-01,SCB,{year},{age},{age},100\n" for year, age in rows)
    after = POPULATION_HEADER + "".join(f"2026-03-01,SCB,{year},{age},{age},101\n" for year, age in rows)
    await imported(client, council, POPULATION, before)
    result = await imported(client, council, POPULATION, after)
    assert (result["rows"], result["updated_count"], len(result["updated"])) == (1500, 1500, 1000)
    assert result["updated"][0]["line"] == 2 and result["updated"][-1]["line"] == 1001
    events = await audit_events(client, as_role, entity_type="population_forecast")
    assert len(events[0]["after"]["updated"]) == 1500
