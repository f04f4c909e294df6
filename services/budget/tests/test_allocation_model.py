"""The allocation model: the target groups it funds with their unit costs per budget year, set by the
council and read by everyone; a run computes each board's frame proposal from named publications of
the population forecast and the price index, and stores every component with how it was computed."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from budget_service.allocation_model.calculation import ForecastRow, Group, Inputs, compute, tile
from services.budget.tests.support.assumptions import BOARD, POPULATION, PRICES, TARGET_GROUPS, audit_events, imported, items, refusers
from styrkedjan_common.identity import Role
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import ORGANISATION, assert_problem, org_unit, pointers

RUNS = "/api/budget/v1/model-runs"
OTHER_BOARD = org_unit(OrgUnitType.BOARD, "Socialnämnden")
SCHOOL_BOARD = org_unit(OrgUnitType.BOARD, "Utbildningsnämnden")
CARE_BOARD = org_unit(OrgUnitType.BOARD, "Omsorgsnämnden")
# Sjöbo's budget 2024 (reference §1.2): 125.9 tkr × budget population 1 062.5 = 133.8 mnkr.
FORECASTS = """publication_date,source,year,age_from,age_to,count
2026-03-01,SCB,2026,1,5,1050
2026-03-01,SCB,2027,1,5,1075
2026-03-01,SCB,2026,80,84,600
2026-03-01,SCB,2026,85,89,440
2026-03-01,SCB,2027,80,89,1068
2026-03-01,SCB,2026,0,,16300
2026-03-01,SCB,2027,0,,16420
"""
PKV = "publication_date,year,pct_change\n2026-04-25,2027,2.7\n"
RUN = {
    "budget_year": 2027,
    "population_publication_date": "2026-03-01",
    "price_index_publication_date": "2026-04-25",
    "wage_compensation_pct": "2.5",
    "efficiency_pct": "1",
    "base_frames": [{"board_org_unit_id": SCHOOL_BOARD, "amount": "10000000.00"}],
}


# --- target groups -------------------------------------------------------------------------------

PRESCHOOL = {"board_org_unit_id": BOARD, "activity": "Förskola", "age_from": 1, "age_to": 5}


async def create_group(client, headers, **changes):
    response = await client.post(TARGET_GROUPS, json=PRESCHOOL | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response


async def test_council_creates_a_target_group_everyone_reads(client, council, as_role):
    response = await create_group(client, council)
    group = response.json()
    assert response.headers["location"] == f"{TARGET_GROUPS}/{group['id']}"
    assert response.headers["etag"] == f'"{group["id"]}.1"'
    read = await client.get(f"{TARGET_GROUPS}/{group['id']}", headers=as_role(Role.ENHET, OTHER_BOARD, [OTHER_BOARD]))
    assert read.status_code == 200 and read.json() == group
    whole = await create_group(client, council, activity="Kultur och fritid", age_from=None, age_to=None)
    elderly = await create_group(client, council, board_org_unit_id=OTHER_BOARD, activity="Äldreomsorg", age_from=90, age_to=None)
    assert (whole.json()["age_from"], elderly.json()["age_to"]) == (None, None)
    assert [g["activity"] for g in await items(client, council, TARGET_GROUPS, board_org_unit_id=BOARD)] == [
        "Förskola",
        "Kultur och fritid",
    ]
    assert [g["id"] for g in await items(client, council, TARGET_GROUPS, activity="Äldreomsorg")] == [elderly.json()["id"]]
    page = (await client.get(TARGET_GROUPS, params={"limit": 2}, headers=council)).json()
    rest = await items(client, council, TARGET_GROUPS, cursor=page["next_cursor"])
    assert len(page["items"]) == 2 and len(rest) == 1
    (event,) = await audit_events(client, as_role, entity_type="target_group", entity_id=group["id"])
    assert event["action"] == "CREATE"


async def test_target_group_writes_outside_the_whole_municipality_council_are_refused(client, council, as_role):
    group = (await create_group(client, council)).json()
    etag_ = f'"{group["id"]}.1"'
    for headers in refusers(as_role):
        assert_problem(await client.post(TARGET_GROUPS, json=PRESCHOOL | {"activity": "Fritids"}, headers=headers), 403)
        assert_problem(
            await client.patch(f"{TARGET_GROUPS}/{group['id']}", json={"activity": "X"}, headers=headers | {"If-Match": etag_}), 403
        )
        assert_problem(await client.delete(f"{TARGET_GROUPS}/{group['id']}", headers=headers | {"If-Match": etag_}), 403)
        put = await client.put(f"{TARGET_GROUPS}/{group['id']}/unit-costs/2027", json={"cost_per_inhabitant": "1.00"}, headers=headers)
        assert_problem(put, 403)
    assert len(await items(client, council, TARGET_GROUPS)) == 1
    assert (await client.get(f"{TARGET_GROUPS}/{group['id']}", headers=council)).json() == group


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"age_from": None, "age_to": 5}, "#/age_from"),
        ({"age_from": 6, "age_to": 5}, "#/age_to"),
        ({"age_from": 200}, "#/age_from"),
        ({"activity": ""}, "#/activity"),
        ({"board_org_unit_id": "board-1"}, "#/board_org_unit_id"),
        ({"colour": "red"}, "#/colour"),
    ],
)
async def test_malformed_target_group_is_refused_with_a_pointer(client, council, body, pointer):
    response = await client.post(TARGET_GROUPS, json=PRESCHOOL | body, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await items(client, council, TARGET_GROUPS) == []


async def test_second_target_group_for_the_same_activity_and_ages_is_refused(client, council):
    await create_group(client, council)
    response = await client.post(TARGET_GROUPS, json=PRESCHOOL, headers=council)
    assert_problem(response, 409, detail_contains="one target group per board, activity and age class")
    assert len(await items(client, council, TARGET_GROUPS)) == 1


async def test_unknown_target_group_is_404(client, council):
    missing = f"{TARGET_GROUPS}/{uuid.uuid4()}"
    assert_problem(await client.get(missing, headers=council), 404)
    assert_problem(await client.patch(missing, json={"activity": "X"}, headers=council | {"If-Match": "*"}), 404)
    assert_problem(await client.get(f"{missing}/unit-costs", headers=council), 404)
    assert_problem(await client.put(f"{missing}/unit-costs/2027", json={"cost_per_inhabitant": "1.00"}, headers=council), 404)


async def test_target_group_update_requires_the_current_etag(client, council, as_role):
    created = await create_group(client, council)
    path = f"{TARGET_GROUPS}/{created.json()['id']}"
    assert_problem(await client.patch(path, json={"age_to": 6}, headers=council), 428)
    assert_problem(await client.patch(path, json={"age_to": 6}, headers=council | {"If-Match": '"stale.0"'}), 412)
    response = await client.patch(path, json={"age_to": 6}, headers=council | {"If-Match": created.headers["etag"]})
    assert response.status_code == 200, response.text
    assert (response.json()["age_to"], response.json()["row_version"]) == (6, 2)
    assert_problem(await client.patch(path, json={"age_to": 0}, headers=council | {"If-Match": response.headers["etag"]}), 422)
    assert_problem(await client.patch(path, json={"activity": None}, headers=council | {"If-Match": response.headers["etag"]}), 422)
    events = await audit_events(client, as_role, entity_type="target_group")
    assert events[0]["action"] == "UPDATE" and events[0]["before"]["age_to"] == 5 and events[0]["after"]["age_to"] == 6


async def test_deleting_a_target_group_takes_its_unit_costs(client, council):
    created = await create_group(client, council)
    path = f"{TARGET_GROUPS}/{created.json()['id']}"
    await client.put(f"{path}/unit-costs/2027", json={"cost_per_inhabitant": "125900.00"}, headers=council)
    assert_problem(await client.delete(path, headers=council), 428)
    response = await client.delete(path, headers=council | {"If-Match": created.headers["etag"]})
    assert response.status_code == 204
    assert_problem(await client.get(path, headers=council), 404)


# --- unit costs ----------------------------------------------------------------------------------


async def test_unit_cost_is_set_per_budget_year_and_replaced_with_if_match(client, council, as_role):
    group = (await create_group(client, council)).json()
    path = f"{TARGET_GROUPS}/{group['id']}/unit-costs"
    created = await client.put(f"{path}/2027", json={"cost_per_inhabitant": "125900.00", "coverage_rate": "0.954"}, headers=council)
    assert created.status_code == 201, created.text
    assert (created.json()["cost_per_inhabitant"], created.json()["coverage_rate"]) == ("125900.00", "0.954")
    assert_problem(await client.put(f"{path}/2027", json={"cost_per_inhabitant": "126000.00"}, headers=council), 428)
    replaced = await client.put(
        f"{path}/2027", json={"cost_per_inhabitant": "126000.00"}, headers=council | {"If-Match": created.headers["etag"]}
    )
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["cost_per_inhabitant"], replaced.json()["coverage_rate"]) == ("126000.00", None)
    await client.put(f"{path}/2028", json={"cost_per_inhabitant": "130000.00"}, headers=council)
    read = await client.get(f"{path}/2027", headers=as_role(Role.REVISOR))
    assert read.json() == replaced.json() and read.headers["etag"] == replaced.headers["etag"]
    assert [c["budget_year"] for c in await items(client, council, path)] == [2027, 2028]
    page = (await client.get(path, params={"limit": 1}, headers=council)).json()
    assert [c["budget_year"] for c in await items(client, council, path, cursor=page["next_cursor"])] == [2028]
    assert_problem(await client.get(f"{path}/2029", headers=council), 404)
    events = await audit_events(client, as_role, entity_type="target_group_unit_cost")
    assert [e["action"] for e in events] == ["CREATE", "UPDATE", "CREATE"]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"cost_per_inhabitant": 125900.0}, "#/cost_per_inhabitant"),
        ({"cost_per_inhabitant": "125900.001"}, "#/cost_per_inhabitant"),
        ({"cost_per_inhabitant": "125 900"}, "#/cost_per_inhabitant"),
        ({"cost_per_inhabitant": "125900.00", "coverage_rate": 0.954}, "#/coverage_rate"),
        ({"cost_per_inhabitant": "125900.00", "coverage_rate": "1.5"}, "#/coverage_rate"),
    ],
)
async def test_float_or_malformed_unit_cost_is_refused_with_a_pointer(client, council, body, pointer):
    group = (await create_group(client, council)).json()
    path = f"{TARGET_GROUPS}/{group['id']}/unit-costs"
    response = await client.put(f"{path}/2027", json=body, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {pointer}
    assert await items(client, council, path) == []


async def test_unit_cost_year_must_be_a_year(client, council):
    group = (await create_group(client, council)).json()
    response = await client.get(f"{TARGET_GROUPS}/{group['id']}/unit-costs/{uuid.uuid4()}", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/budget_year"}


# --- model runs ----------------------------------------------------------------------------------


async def target_group(client, headers, board, activity, age_from, age_to, cost, coverage=None, year=2027):
    response = await client.post(
        TARGET_GROUPS, json={"board_org_unit_id": board, "activity": activity, "age_from": age_from, "age_to": age_to}, headers=headers
    )
    assert response.status_code == 201, response.text
    group = response.json()
    if cost is not None:
        body = {"cost_per_inhabitant": cost} | ({"coverage_rate": coverage} if coverage else {})
        put = await client.put(f"{TARGET_GROUPS}/{group['id']}/unit-costs/{year}", json=body, headers=headers)
        assert put.status_code == 201, put.text
    return group


@pytest.fixture
async def assumptions(client, council):
    await imported(client, council, POPULATION, FORECASTS)
    await imported(client, council, PRICES, PKV)
    return await target_group(client, council, SCHOOL_BOARD, "Förskola", 1, 5, "125900.00")


async def run(client, headers, **changes):
    response = await client.post(RUNS, json=RUN | changes, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def components(board):
    return {(c["kind"], c["target_group_id"]): c for c in board["components"]}


async def test_worked_example_unit_cost_times_budget_population(client, council, assumptions):
    result = await run(client, council)
    (board,) = result["boards"]
    demographic = components(board)[("DEMOGRAPHIC", assumptions["id"])]
    # 125 900 kr × (1 050 + 1 075) / 2 = 125 900 × 1 062.5 = 133 768 750.00 kr ≈ 133.8 mnkr
    assert demographic["amount"] == "133768750.00"
    explanation = demographic["explanation"]
    assert explanation["budget_population"] == "1062.5"
    assert [(f["date"], f["count"]) for f in explanation["forecasts"]] == [("2026-12-31", "1050"), ("2027-12-31", "1075")]
    assert explanation["cost_per_inhabitant"] == "125900.00" and explanation["coverage_rate"] is None
    assert explanation["population_publication_date"] == "2026-03-01"
    assert explanation["target_group"]["activity"] == "Förskola" and explanation["target_group"]["age_class"] == "ages 1–5"
    assert "125900.00 kr × 1062.5 inhabitants = 133768750" in explanation["calculation"]
    assert "mean" in explanation["formula"]


async def test_run_proposes_base_plus_demographic_price_and_wage_minus_efficiency(client, council, assumptions):
    result = await run(client, council)
    (board,) = result["boards"]
    amounts = {kind: c["amount"] for (kind, _), c in components(board).items()}
    assert amounts == {
        "BASE": "10000000.00",
        "DEMOGRAPHIC": "133768750.00",
        "PRICE": "270000.00",  # 10 000 000 × 2.7 %
        "WAGE": "250000.00",  # 10 000 000 × 2.5 %
        "EFFICIENCY": "-100000.00",  # − 10 000 000 × 1 %
    }
    assert board["proposal_amount"] == "144188750.00" == result["total_proposal"]
    assert sum(Decimal(c["amount"]) for c in board["components"]) == Decimal(board["proposal_amount"])
    price = components(board)[("PRICE", None)]["explanation"]
    assert (price["index_name"], price["publication_date"], price["year"], price["pct"]) == ("PKV", "2026-04-25", 2027, "2.7")
    assert (result["price_index_pct"], result["wage_compensation_pct"], result["efficiency_pct"]) == ("2.7", "2.5", "1")


async def test_coverage_narrower_classes_and_the_whole_population_are_traced(client, council, assumptions):
    elderly = await target_group(client, council, CARE_BOARD, "Äldreomsorg", 80, 89, "137300.00", coverage="0.5")
    culture = await target_group(client, council, CARE_BOARD, "Kultur", None, None, "1000.00")
    base_frames = RUN["base_frames"] + [{"board_org_unit_id": CARE_BOARD, "amount": "0.00"}]
    result = await run(client, council, base_frames=base_frames)
    care = next(b for b in result["boards"] if b["board_org_unit_id"] == CARE_BOARD)
    by_group = components(care)
    # 137 300 × 0.5 × (600 + 440 + 1 068) / 2 = 137 300 × 0.5 × 1 054 = 72 357 100.00
    elderly_part = by_group[("DEMOGRAPHIC", elderly["id"])]
    assert elderly_part["amount"] == "72357100.00"
    assert elderly_part["explanation"]["forecasts"][0]["classes"] == [
        {"age_from": 80, "age_to": 84, "count": "600"},
        {"age_from": 85, "age_to": 89, "count": "440"},
    ]
    # 1 000 × (16 300 + 16 420) / 2 = 16 360 000.00
    assert by_group[("DEMOGRAPHIC", culture["id"])]["amount"] == "16360000.00"
    assert care["proposal_amount"] == "88717100.00"
    assert Decimal(result["total_proposal"]) == Decimal("144188750.00") + Decimal("88717100.00")


async def test_stored_run_reads_back_as_computed_and_is_listed(client, council, as_role, assumptions):
    created = await run(client, council)
    response = await client.get(f"{RUNS}/{created['id']}", headers=as_role(Role.ENHET, SCHOOL_BOARD, [SCHOOL_BOARD]))
    assert response.status_code == 200, response.text
    assert response.json() == created
    second = await run(client, council, efficiency_pct="0")
    assert components(second["boards"][0])[("EFFICIENCY", None)]["amount"] == "0.00"
    third = await run(client, council, wage_compensation_pct="3")
    listed = await items(client, council, RUNS, budget_year=2027)
    assert [r["id"] for r in listed] == [third["id"], second["id"], created["id"]]
    assert "boards" not in listed[0]
    page = (await client.get(RUNS, params={"limit": 2}, headers=council)).json()
    rest = await items(client, council, RUNS, cursor=page["next_cursor"])
    assert [r["id"] for r in page["items"] + rest] == [r["id"] for r in listed]
    assert await items(client, council, RUNS, budget_year=2030) == []


async def test_run_stays_as_computed_when_its_inputs_change(client, council, assumptions):
    created = await run(client, council)
    cost = await client.get(f"{TARGET_GROUPS}/{assumptions['id']}/unit-costs/2027", headers=council)
    await client.put(
        f"{TARGET_GROUPS}/{assumptions['id']}/unit-costs/2027",
        json={"cost_per_inhabitant": "200000.00"},
        headers=council | {"If-Match": cost.headers["etag"]},
    )
    await imported(client, council, POPULATION, FORECASTS.replace("2027,1,5,1075", "2027,1,5,2000"))
    again = await client.get(f"{RUNS}/{created['id']}", headers=council)
    assert again.json() == created
    assert (await client.patch(f"{RUNS}/{created['id']}", json={}, headers=council)).status_code == 405
    assert (await client.delete(f"{RUNS}/{created['id']}", headers=council)).status_code == 405


async def test_run_is_audited(client, council, as_role, assumptions):
    created = await run(client, council)
    (event,) = await audit_events(client, as_role, entity_type="model_run")
    assert (event["action"], event["entity_id"]) == ("CREATE", created["id"])
    assert event["after"]["proposals"] == [
        {"board_org_unit_id": SCHOOL_BOARD, "base_amount": "10000000.00", "proposal_amount": "144188750.00"}
    ]


async def test_missing_model_inputs_are_refused_naming_each(client, council, assumptions):
    await target_group(client, council, SCHOOL_BOARD, "Grundskola", 6, 15, "110000.00")  # no forecast for 6–15
    await target_group(client, council, SCHOOL_BOARD, "Fritids", 6, 9, None)  # no unit cost either
    await target_group(client, council, CARE_BOARD, "Äldreomsorg", 80, 89, "137300.00")  # board without a base frame
    response = await client.post(RUNS, json=RUN | {"price_index_publication_date": "2026-08-20"}, headers=council)
    body = assert_problem(response, 422, detail_contains="the model run lacks inputs")
    details = [e["detail"] for e in body["errors"]]
    assert any("PKV published 2026-08-20 has no change for 2027" in d for d in details)
    assert any("no count for ages 6–15 on 31/12 2026" in d for d in details)
    assert any("no count for ages 6–15 on 31/12 2027" in d for d in details)
    assert any("Fritids" in d and "no unit cost for 2027" in d for d in details)
    assert any(CARE_BOARD in d and "no base frame" in d for d in details)
    assert pointers(response) == {"#/price_index_publication_date", "#/population_publication_date", "#/budget_year", "#/base_frames"}
    assert all(d in body["detail"] for d in details)
    assert await items(client, council, RUNS) == []


async def test_run_on_an_unknown_publication_names_the_missing_forecast(client, council, assumptions):
    response = await client.post(RUNS, json=RUN | {"population_publication_date": "2025-01-01"}, headers=council)
    assert_problem(response, 422, detail_contains="the population forecast published 2025-01-01 has no count for ages 1–5 on 31/12 2026")
    assert await items(client, council, RUNS) == []


@pytest.mark.parametrize(
    ("changes", "pointer"),
    [
        ({"base_frames": [{"board_org_unit_id": SCHOOL_BOARD, "amount": 10000000.0}]}, "#/base_frames/0/amount"),
        ({"base_frames": [{"board_org_unit_id": SCHOOL_BOARD, "amount": "10000000.005"}]}, "#/base_frames/0/amount"),
        ({"base_frames": []}, "#/base_frames"),
        ({"wage_compensation_pct": 2.5}, "#/wage_compensation_pct"),
        ({"efficiency_pct": "-1"}, "#/efficiency_pct"),
        ({"budget_year": "next"}, "#/budget_year"),
        ({"population_publication_date": "March"}, "#/population_publication_date"),
        (
            {"base_frames": [{"board_org_unit_id": SCHOOL_BOARD, "amount": "1.00"}, {"board_org_unit_id": SCHOOL_BOARD, "amount": "2.00"}]},
            "#/base_frames/1/board_org_unit_id",
        ),
    ],
)
async def test_float_or_malformed_run_input_is_refused_with_a_pointer(client, council, assumptions, changes, pointer):
    response = await client.post(RUNS, json=RUN | changes, headers=council)
    assert_problem(response, 422)
    assert pointer in pointers(response)
    assert await items(client, council, RUNS) == []


async def test_empty_body_creates_no_run(client, council):
    response = await client.post(RUNS, json={}, headers=council)
    assert_problem(response, 422)
    assert await items(client, council, RUNS) == []


async def test_runs_by_anyone_but_the_whole_municipality_council_are_refused(client, council, as_role, assumptions):
    for headers in (
        as_role(Role.NAMND, SCHOOL_BOARD, [SCHOOL_BOARD]),
        as_role(Role.FORVALTNING, SCHOOL_BOARD, [SCHOOL_BOARD]),
        as_role(Role.FULLMAKTIGE, SCHOOL_BOARD, [SCHOOL_BOARD]),
        as_role(Role.REVISOR),
    ):
        assert_problem(await client.post(RUNS, json=RUN, headers=headers), 403)
    scoped = await client.post(RUNS, json=RUN, headers=as_role(Role.FULLMAKTIGE, SCHOOL_BOARD, [SCHOOL_BOARD]))
    assert_problem(scoped, 403, detail_contains="only fullmaktige with the whole municipality in scope writes a model run")
    assert await items(client, council, RUNS) == []


async def test_model_runs_need_a_signed_in_caller_and_unknown_runs_are_404(client, council):
    assert_problem(await client.post(RUNS, json=RUN), 401)
    assert_problem(await client.get(f"{RUNS}/{uuid.uuid4()}"), 401)
    assert_problem(await client.get(f"{RUNS}/{uuid.uuid4()}", headers=council), 404)
    response = await client.get(f"{RUNS}/not-a-run", headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/path/model_run_id"}


# --- the arithmetic alone -----------------------------------------------------------------------


def test_age_classes_are_tiled_from_the_widest_that_fits():
    classes = {(1, 3): Decimal(1), (1, 2): Decimal(1), (3, 5): Decimal(1), (4, 5): Decimal(1), (6, None): Decimal(1)}
    assert tile(classes, 1, 5) == [(1, 3), (4, 5)]
    assert tile(classes, 1, None) == [(1, 3), (4, 5), (6, None)]
    assert tile(classes, 2, 5) is None
    assert tile({(0, None): Decimal(1)}, None, None) == [(0, None)]


def test_worked_example_in_the_arithmetic_alone():
    board, group = uuid.uuid4(), uuid.uuid4()
    inputs = Inputs(
        budget_year=2024,
        population_publication_date=dt.date(2023, 3, 1),
        forecasts=[ForecastRow(2023, 1, 5, Decimal("1050")), ForecastRow(2024, 1, 5, Decimal("1075"))],
        price_index_name="PKV",
        price_index_publication_date=dt.date(2023, 4, 25),
        price_index_pct=Decimal("2.7"),
        wage_compensation_pct=Decimal("0"),
        efficiency_pct=Decimal("0"),
        base_frames={board: Decimal("0.00")},
        groups=[Group(group, board, "Förskola", 1, 5, Decimal("125900.00"), None)],
    )
    (proposal,) = compute(inputs)
    assert proposal.proposal == Decimal("133768750.00")
    assert round(proposal.proposal / 1_000_000, 1) == Decimal("133.8")


async def test_a_target_group_of_a_board_closed_before_the_budget_year_is_left_out_with_a_warning(client, app, council, assumptions):
    """One stale target group must not make every run a 422 asking for a base frame of a board that
    no longer exists: the run leaves it out and says so."""
    leisure = org_unit(OrgUnitType.BOARD, "Fritidsnämnden")
    stale = await target_group(client, council, leisure, "Fritidsgård", 13, 19, "1000.00")
    ORGANISATION.change(leisure, valid_to=dt.date.today() - dt.timedelta(days=1))
    assert await app.state.org_units.sync()
    result = await run(client, council)
    assert [(b["board_org_unit_id"], b["board_org_unit"]["name"]) for b in result["boards"]] == [(SCHOOL_BOARD, "Utbildningsnämnden")]
    (warning,) = result["warnings"]
    assert stale["id"] in warning and leisure in warning and "Fritidsnämnden" in warning
    assert [c["target_group_id"] for c in result["boards"][0]["components"] if c["target_group_id"]] == [assumptions["id"]]


async def test_a_target_group_or_base_frame_of_a_board_the_directory_lacks_is_refused(client, council, assumptions):
    phantom = str(uuid.uuid4())
    response = await client.post(TARGET_GROUPS, json=PRESCHOOL | {"board_org_unit_id": phantom}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/board_org_unit_id"}
    base_frames = RUN["base_frames"] + [{"board_org_unit_id": phantom, "amount": "1.00"}]
    response = await client.post(RUNS, json=RUN | {"base_frames": base_frames}, headers=council)
    assert_problem(response, 422)
    assert pointers(response) == {"#/base_frames/1/board_org_unit_id"}
    assert (await client.get(RUNS, headers=council)).json()["items"] == []
