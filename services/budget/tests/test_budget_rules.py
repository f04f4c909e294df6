"""The rules of the council's budget, each refused with a problem naming it and nothing changed:
the balance requirement, decided budgets are immutable, exact money, the council's whole-municipality
scope, and one open revision per year."""

import uuid
from decimal import Decimal

import pytest

from budget_service.budgets.models import BudgetLine
from services.budget.tests.support.budgets import (
    BOARD_A,
    BUDGETS,
    DECISION,
    FRAMES_BODY,
    FUNDS_BODY,
    LINES_BODY,
    YEAR,
    audit_events,
    balanced,
    board_member,
    create,
    decided,
    put,
    step,
)
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

# The last plan year's costs 1 200 000.00 against revenues 1 000 000.00.
DEFICIT_LINES = {"lines": LINES_BODY["lines"] + [{"kind": "OTHER_COST", "year": YEAR + 2, "amount": "250000.00"}]}


async def in_deficit(client, headers, **changes):
    response = await balanced(client, headers, **changes)
    response = await put(client, headers, response, "lines", DEFICIT_LINES)
    assert response.status_code == 200, response.text
    return response


# --- the balance requirement --------------------------------------------------------------


async def test_proposing_a_budget_in_deficit_is_refused_by_the_balance_requirement(client, council, as_role):
    response = await in_deficit(client, council)
    refused = await step(client, council, response, "proposal")
    body = assert_problem(refused, 409, type_="rule-violation", detail_contains="balance requirement (balanskravet)")
    assert f"costs exceed revenues in {YEAR + 2} by 200000.00" in body["detail"]
    assert "exceptional reasons (synnerliga skäl)" in body["detail"]
    after = await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)
    assert after.json()["status"] == "DRAFT" and after.headers["etag"] == response.headers["etag"]
    assert "PROPOSE" not in [e["action"] for e in await audit_events(client, as_role, response.json()["id"])]


async def test_the_read_flags_each_year_in_deficit(client, council):
    body = (await in_deficit(client, council)).json()
    assert [(t["year"], t["costs"], t["result"], t["deficit"]) for t in body["totals"]] == [
        (YEAR, "975000.50", "24999.50", False),
        (YEAR + 1, "950000.00", "50000.00", False),
        (YEAR + 2, "1200000.00", "-200000.00", True),
    ]
    assert body["balanced"] is False


async def test_costs_equal_to_revenues_meet_the_balance_requirement(client, council):
    response = await balanced(client, council)
    exact = {"lines": LINES_BODY["lines"] + [{"kind": "PENSIONS", "year": YEAR, "amount": "24999.50"}]}
    response = await put(client, council, response, "lines", exact)
    assert response.json()["totals"][0]["result"] == "0.00"
    assert (await step(client, council, response, "proposal")).status_code == 200


async def test_deciding_a_budget_in_deficit_is_refused_by_the_balance_requirement(client, council, app):
    proposed = await step(client, council, await balanced(client, council), "proposal")
    budget_id = uuid.UUID(proposed.json()["id"])
    # Costs that reach the proposal by another way than this API (the check is made again at decision).
    async with app.state.sessionmaker() as session:
        session.add(
            BudgetLine(budget_id=budget_id, kind="DEPRECIATION", year=YEAR, amount=Decimal("35000.00"), created_by="t", updated_by="t")
        )
        await session.commit()
    refused = await step(client, council, proposed, "decision", DECISION)
    assert_problem(
        refused,
        409,
        type_="rule-violation",
        detail_contains=f"balance requirement (balanskravet): costs exceed revenues in {YEAR} by 10000.50",
    )
    after = (await client.get(f"{BUDGETS}/{budget_id}", headers=council)).json()
    assert after["status"] == "PROPOSED" and after["decision"] is None
    assert next(s for s in after["steps"] if s["kind"] == "BUDGET_DECISION")["status"] == "PLANNED"


async def test_a_deficit_with_exceptional_reasons_is_decided_and_flagged(client, council):
    response = await in_deficit(client, council, exceptional_reasons="Engångskostnad för evakuering efter branden i Kolbäcksskolan")
    body = (await decided(client, council, response)).json()
    assert body["status"] == "DECIDED" and body["balanced"] is False
    assert [t["deficit"] for t in body["totals"]] == [False, False, True]


async def test_clearing_the_exceptional_reasons_brings_the_balance_requirement_back(client, council):
    response = await in_deficit(client, council, exceptional_reasons="Synnerliga skäl")
    returned = await step(client, council, await step(client, council, response, "proposal"), "return")
    cleared = await client.patch(
        f"{BUDGETS}/{response.json()['id']}", json={"exceptional_reasons": None}, headers=council | {"If-Match": returned.headers["etag"]}
    )
    assert_problem(await step(client, council, cleared, "proposal"), 409, detail_contains="balance requirement")


# --- decided budgets are immutable --------------------------------------------------------


@pytest.mark.parametrize(("part", "body"), [("frames", FRAMES_BODY), ("lines", LINES_BODY), ("earmarked-funds", FUNDS_BODY)])
async def test_a_decided_budgets_parts_do_not_change(client, council, part, body):
    response = await decided(client, council)
    changed = {key: rows[:1] for key, rows in body.items()}
    refused = await put(client, council, response, part, changed)
    assert_problem(refused, 409, type_="rule-violation", detail_contains="a decided version is immutable; create a new revision")
    after = await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)
    assert after.headers["etag"] == response.headers["etag"]
    assert after.json()["frames"] == response.json()["frames"] and after.json()["lines"] == response.json()["lines"]
    assert after.json()["earmarked_funds"] == response.json()["earmarked_funds"]


async def test_a_proposed_budget_is_returned_to_draft_before_its_frames_change(client, council):
    proposed = await step(client, council, await balanced(client, council), "proposal")
    refused = await put(client, council, proposed, "frames", {"frames": []})
    assert_problem(refused, 409, detail_contains="return it to draft first")
    assert len((await client.get(f"{BUDGETS}/{proposed.json()['id']}", headers=council)).json()["frames"]) == 7


async def test_a_decided_budget_is_not_edited(client, council):
    response = await decided(client, council)
    refused = await client.patch(
        f"{BUDGETS}/{response.json()['id']}", json={"title": "x"}, headers=council | {"If-Match": response.headers["etag"]}
    )
    assert_problem(refused, 409, detail_contains="immutable")


# --- exact money --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (1250000.5, "not a JSON number"),
        (1250000, "not a JSON number"),
        ("12,50", "not a decimal amount"),
        ("1.005", "at most two decimals"),
        ("-1.00", "greater than or equal to 0"),
        ("NaN", "finite"),
    ],
)
async def test_a_frame_amount_is_an_exact_non_negative_decimal_string(client, council, amount, reason):
    response = await create(client, council)
    frame = {"board_org_unit_id": BOARD_A, "kind": "OPERATING", "year": YEAR, "amount": amount}
    refused = await put(client, council, response, "frames", {"frames": [frame | {"amount": "1.00"}, frame | {"year": YEAR + 1}]})
    body = assert_problem(refused, 422)
    assert [e["pointer"] for e in body["errors"]] == ["#/frames/1/amount"]
    assert reason in body["errors"][0]["detail"]
    after = await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)
    assert after.json()["frames"] == [] and after.headers["etag"] == response.headers["etag"]


@pytest.mark.parametrize(("part", "key"), [("lines", "lines"), ("earmarked-funds", "earmarked_funds")])
async def test_line_and_fund_amounts_refuse_floats(client, council, part, key):
    response = await create(client, council)
    row = (LINES_BODY if key == "lines" else FUNDS_BODY)[key][0] | {"amount": 0.1}
    refused = await put(client, council, response, part, {key: [row]})
    assert_problem(refused, 422)
    assert pointers(refused) == {f"#/{key}/0/amount"}


async def test_frames_lie_in_the_budget_years_once_per_board_kind_and_year(client, council):
    response = await create(client, council)
    frame = {"board_org_unit_id": BOARD_A, "kind": "OPERATING", "year": YEAR, "amount": "1.00"}
    refused = await put(
        client,
        council,
        response,
        "frames",
        {"frames": [frame, frame | {"kind": "INVESTMENT"}, frame, frame | {"year": YEAR - 1}, frame | {"year": YEAR + 3}]},
    )
    assert_problem(refused, 422, detail_contains=f"({YEAR}–{YEAR + 2}), a frame per board, kind and year once")
    assert pointers(refused) == {"#/frames/2", "#/frames/3/year", "#/frames/4/year"}
    assert (await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)).json()["frames"] == []


# --- the council's scope ------------------------------------------------------------------


async def test_a_council_member_scoped_below_the_municipality_does_not_write_the_budget(client, council, as_role):
    scoped = as_role(Role.FULLMAKTIGE, BOARD_A, [BOARD_A])
    refused = await client.post(BUDGETS, json={"year": YEAR, "title": "x"}, headers=scoped)
    assert_problem(refused, 403, type_="forbidden", detail_contains="fullmaktige with the whole municipality in scope")
    response = await balanced(client, council)
    for part, body in (("frames", FRAMES_BODY), ("lines", LINES_BODY), ("earmarked-funds", FUNDS_BODY)):
        assert_problem(await put(client, scoped, response, part, body), 403, type_="forbidden")
    assert_problem(await step(client, scoped, response, "proposal"), 403, detail_contains="whole municipality")
    after = await client.get(f"{BUDGETS}/{response.json()['id']}", headers=council)
    assert after.json()["status"] == "DRAFT" and after.headers["etag"] == response.headers["etag"]
    assert len((await client.get(BUDGETS, headers=council)).json()["items"]) == 1


async def test_a_board_does_not_decide_the_councils_budget(client, council, as_role):
    proposed = await step(client, council, await balanced(client, council), "proposal")
    refused = await step(client, board_member(as_role), proposed, "decision", DECISION)
    assert_problem(refused, 403, type_="role-not-allowed", detail_contains="roles: fullmaktige")
    assert (await client.get(f"{BUDGETS}/{proposed.json()['id']}", headers=council)).json()["status"] == "PROPOSED"


# --- one open revision per year -----------------------------------------------------------


async def test_a_second_open_budget_for_a_year_is_refused(client, council):
    first = await create(client, council)
    refused = await client.post(BUDGETS, json={"year": YEAR, "title": "Ett till"}, headers=council)
    assert_problem(
        refused,
        409,
        type_="rule-violation",
        detail_contains=f"one budget revision per year is prepared at a time: revision 1 for {YEAR} is still DRAFT",
    )
    assert [b["id"] for b in (await client.get(BUDGETS, headers=council)).json()["items"]] == [first.json()["id"]]
    other_year = await client.post(BUDGETS, json={"year": YEAR + 1, "title": "Nästa år"}, headers=council)
    assert other_year.status_code == 201


async def test_a_second_amendment_while_one_is_open_is_refused(client, council):
    first = await decided(client, council)
    assert (await client.post(f"{BUDGETS}/{first.json()['id']}/revisions", headers=council)).status_code == 201
    refused = await client.post(f"{BUDGETS}/{first.json()['id']}/revisions", headers=council)
    assert_problem(refused, 409, detail_contains="revision 2 for 2027 is still DRAFT")
    assert len((await client.get(BUDGETS, params={"year": YEAR}, headers=council)).json()["items"]) == 2


async def test_earmarked_funds_count_as_costs_granted_in_addition_to_the_frames(client, council):
    """Seed: riktade medel are granted "utöver ramarna" — a budget balanced without them can be in
    deficit with them."""
    response = await balanced(client, council)
    funds = {
        "earmarked_funds": [
            {
                "board_org_unit_id": BOARD_A,
                "year": YEAR,
                "assignment_id": str(uuid.uuid4()),
                "amount": "60000.00",
                "purpose": "Läsfrämjande uppdrag",
            }
        ]
    }
    response = await put(client, council, response, "earmarked-funds", funds)
    assert response.json()["totals"][0]["result"] == "-10000.00"
    assert_problem(await step(client, council, response, "proposal"), 409, detail_contains=f"costs exceed revenues in {YEAR} by 10000.00")
