"""The boards' full-year forecasts at the April and August follow-ups, and the summary of budget
against actuals and forecast per board, per administration and for the municipality."""

import uuid
from decimal import Decimal

from sqlalchemy import event, func, select

from budget_service.actuals.models import Forecast
from budget_service.allocations.models import ActivityArea, Allocation, AllocationSet, CostCenter
from budget_service.budgets.models import Budget, Frame
from budget_service.db import AuditEvent
from services.budget.tests.support.actuals import ACTUALS, ADMIN_A, API, BOARD_A, BOARD_B, UNIT_A, finance, row, seed_cost_centers
from styrkedjan_common.identity import Role
from styrkedjan_common.testing import assert_problem, pointers

FORECASTS = f"{API}/forecasts"
SUMMARIES = f"{API}/summaries"
FORECAST = {"amount": "1050000.00", "comment": "Fler placeringar inom individ- och familjeomsorgen."}


def url(board=BOARD_A, year=2027, occasion="FORECAST"):
    return f"{FORECASTS}/{board}/{year}/{occasion}"


def board_a(as_role):
    return as_role(Role.NAMND, BOARD_A, [BOARD_A, ADMIN_A, UNIT_A])


async def forecast_rows(app):
    async with app.state.sessionmaker() as s:
        forecasts = await s.scalar(select(func.count()).select_from(Forecast))
        events = await s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "forecast"))
    return forecasts, events


async def test_board_sets_its_forecast_and_reads_it_with_an_etag(client, app, as_role):
    response = await client.put(url(), json=FORECAST, headers=board_a(as_role))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["board_org_unit_id"], body["year"], body["occasion"], body["amount"], body["row_version"]) == (
        BOARD_A,
        2027,
        "FORECAST",
        "1050000.00",
        1,
    )
    assert response.headers["location"] == url()
    read = await client.get(url(), headers=as_role(Role.ENHET, UNIT_A, [UNIT_A]))
    assert (read.status_code, read.json(), read.headers["etag"]) == (200, body, response.headers["etag"])


async def test_administration_sets_the_forecast_of_the_board_it_serves(client, as_role):
    administration = as_role(Role.FORVALTNING, ADMIN_A, [BOARD_A, ADMIN_A])
    assert (await client.put(url(occasion="INTERIM"), json=FORECAST, headers=administration)).status_code == 201


async def test_replacing_a_forecast_requires_the_current_etag(client, app, as_role):
    created = await client.put(url(), json=FORECAST, headers=board_a(as_role))
    changed = FORECAST | {"amount": "990000.00"}
    assert_problem(await client.put(url(), json=changed, headers=board_a(as_role)), 428)
    assert_problem(await client.put(url(), json=changed, headers=board_a(as_role) | {"If-Match": '"stale.1"'}), 412)
    replaced = await client.put(url(), json=changed, headers=board_a(as_role) | {"If-Match": created.headers["etag"]})
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["amount"], replaced.json()["row_version"]) == ("990000.00", 2)
    assert await forecast_rows(app) == (1, 2)


async def test_an_unchanged_forecast_is_no_new_version_and_no_audit_event(client, app, as_role):
    created = await client.put(url(), json=FORECAST, headers=board_a(as_role))
    again = await client.put(url(), json=FORECAST, headers=board_a(as_role) | {"If-Match": created.headers["etag"]})
    assert (again.status_code, again.headers["etag"]) == (200, created.headers["etag"])
    assert await forecast_rows(app) == (1, 1)


async def test_forecast_outside_scope_is_refused_and_nothing_changes(client, app, as_role):
    other_board = as_role(Role.NAMND, BOARD_B, [BOARD_B])
    assert_problem(await client.put(url(), json=FORECAST, headers=other_board), 403, detail_contains="outside your scope")
    assert await forecast_rows(app) == (0, 0)


async def test_forecast_by_a_role_outside_the_policy_is_refused(client, app, as_role):
    for role in (Role.FULLMAKTIGE, Role.ENHET, Role.REVISOR, Role.ADMIN):
        assert_problem(await client.put(url(), json=FORECAST, headers=as_role(role)), 403, type_="role-not-allowed")
    assert await forecast_rows(app) == (0, 0)


async def test_forecasts_without_an_assertion_are_401(client):
    assert_problem(await client.put(url(), json=FORECAST), 401)
    assert_problem(await client.get(url()), 401)
    assert_problem(await client.get(FORECASTS), 401)
    assert_problem(await client.get(f"{SUMMARIES}/2027"), 401)


async def test_an_unknown_forecast_is_404(client, as_role):
    assert_problem(
        await client.get(url(board=uuid.uuid4()), headers=as_role(Role.REVISOR)), 404, detail_contains="no FORECAST forecast 2027"
    )


async def test_a_float_or_malformed_forecast_amount_is_422_and_nothing_changes(client, app, as_role):
    for amount in (1050000.5, "1 050 000", "10.001"):
        response = await client.put(url(), json=FORECAST | {"amount": amount}, headers=board_a(as_role))
        assert_problem(response, 422)
        assert pointers(response) == {"#/amount"}
    assert await forecast_rows(app) == (0, 0)


async def test_a_bad_occasion_or_year_is_422(client, app, as_role):
    # The months' names of the old vocabulary are no follow-ups any more.
    for occasion in ("APRIL", "AUGUST", "DECEMBER", "forecast"):
        assert pointers(await client.put(url(occasion=occasion), json=FORECAST, headers=board_a(as_role))) == {"#/path/occasion"}
    assert await forecast_rows(app) == (0, 0)
    assert pointers(await client.get(url(year=1999), headers=board_a(as_role))) == {"#/path/year"}
    assert pointers(await client.put(url(), json={}, headers=board_a(as_role))) == {"#/amount"}


async def test_forecasts_are_listed_by_year_board_and_occasion(client, as_role):
    for board in (BOARD_A, BOARD_B):
        for year, occasion in ((2026, "INTERIM"), (2027, "FORECAST"), (2027, "INTERIM")):
            await client.put(url(board, year, occasion), json=FORECAST, headers=as_role(Role.NAMND, board, [board]))
    reader = as_role(Role.ENHET, UNIT_A, [UNIT_A])
    first = await client.get(FORECASTS, params={"year": 2027, "limit": 3}, headers=reader)
    rest = await client.get(FORECASTS, params={"year": 2027, "limit": 3, "cursor": first.json()["next_cursor"]}, headers=reader)
    items = first.json()["items"] + rest.json()["items"]
    assert sorted((i["board_org_unit_id"], i["occasion"]) for i in items) == sorted(
        (b, o) for b in (BOARD_A, BOARD_B) for o in ("FORECAST", "INTERIM")
    )
    assert [i["board_org_unit_id"] for i in items] == sorted(i["board_org_unit_id"] for i in items)
    one = (await client.get(FORECASTS, params={"board_org_unit_id": BOARD_B}, headers=reader)).json()["items"]
    assert [(i["year"], i["occasion"]) for i in one] == [(2026, "INTERIM"), (2027, "FORECAST"), (2027, "INTERIM")]


# --- summary ------------------------------------------------------------------------------


async def seed_budget(app):
    """The decided 2027 budget with both boards' frames (and what the summary must ignore: an
    investment frame, a plan year, a draft amendment), and board A's allocation of its frame."""
    async with app.state.sessionmaker() as s:
        decided = Budget(year=2027, title="Mål och budget 2027", status="DECIDED", revision=1, created_by="t", updated_by="t")
        draft = Budget(year=2027, title="Ändringsbudget", status="DRAFT", revision=2, created_by="t", updated_by="t")
        s.add_all([decided, draft])
        await s.flush()
        frames = [
            (decided, BOARD_A, "OPERATING", 2027, "1000000.00"),
            (decided, BOARD_B, "OPERATING", 2027, "500000.00"),
            (decided, BOARD_A, "INVESTMENT", 2027, "7000000.00"),
            (decided, BOARD_A, "OPERATING", 2028, "1100000.00"),
            (draft, BOARD_A, "OPERATING", 2027, "1.00"),
        ]
        s.add_all(
            Frame(
                budget_id=b.id,
                board_org_unit_id=uuid.UUID(board),
                kind=kind,
                year=year,
                amount=Decimal(amount),
                created_by="t",
                updated_by="t",
            )
            for b, board, kind, year, amount in frames
        )
        area = await s.scalar(select(ActivityArea).where(ActivityArea.board_org_unit_id == uuid.UUID(BOARD_A)))
        allocation = AllocationSet(board_org_unit_id=area.board_org_unit_id, year=2027, created_by="t", updated_by="t")
        s.add(allocation)
        await s.flush()
        s.add_all(
            Allocation(
                allocation_set_id=allocation.id,
                board_org_unit_id=area.board_org_unit_id,
                year=2027,
                activity_area_id=area.id,
                amount=Decimal(amount),
            )
            for amount in ("600000.00", "300000.00")
        )
        await s.commit()
        return decided.id


async def seed_follow_up(client, app, as_role):
    await seed_cost_centers(app)
    budget_id = await seed_budget(app)
    rows = [
        row(month=1, amount="100.00"),
        row(month=2, amount="200.00"),
        row(cost_center_code="1320", month=3, amount="50.00"),
        row(cost_center_code="2100", month=1, amount="1000.00"),
        row(year=2026, amount="99999.00"),
    ]
    assert (await client.post(ACTUALS, json=rows, headers=finance(as_role))).status_code == 201
    for board, occasion, amount in (
        (BOARD_A, "FORECAST", "1050000.00"),
        (BOARD_A, "INTERIM", "980000.00"),
        (BOARD_B, "FORECAST", "510000.00"),
    ):
        headers = as_role(Role.NAMND, board, [board])
        assert (await client.put(url(board, 2027, occasion), json={"amount": amount}, headers=headers)).status_code == 201
    return budget_id


async def test_summary_per_board_sets_budget_against_actuals_and_latest_forecast(client, app, as_role):
    budget_id = await seed_follow_up(client, app, as_role)
    response = await client.get(f"{SUMMARIES}/2027", params={"level": "board"}, headers=as_role(Role.ENHET, UNIT_A, [UNIT_A]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["year"], body["level"], body["budget_id"], body["through_month"]) == (2027, "BOARD", str(budget_id), 3)
    boards = {b["board_org_unit_id"]: b for b in body["boards"]}
    assert boards[BOARD_A] == {
        "board_org_unit_id": BOARD_A,
        "board_org_unit": {
            "id": BOARD_A,
            "name": "Kultur- och fritidsnämnden",
            "short_name": "Kultur- och fritidsnämnden",
            "type": "board",
        },
        "budget": "1000000.00",
        "allocated": "900000.00",
        "actuals": "350.00",
        "forecast": "980000.00",
        "latest_forecast": {"occasion": "INTERIM", "amount": "980000.00"},
        "forecast_deviation": "20000.00",
        "over_frame": False,
        "allocation_excess": "0.00",
    }
    assert boards[BOARD_B] == {
        "board_org_unit_id": BOARD_B,
        "board_org_unit": {"id": BOARD_B, "name": "Bygg- och miljönämnden", "short_name": "Bygg- och miljönämnden", "type": "board"},
        "budget": "500000.00",
        "allocated": None,
        "actuals": "1000.00",
        "forecast": "510000.00",
        "latest_forecast": {"occasion": "FORECAST", "amount": "510000.00"},
        "forecast_deviation": "-10000.00",
        "over_frame": False,
        "allocation_excess": "0.00",
    }
    assert body["municipality"] == {
        "budget": "1500000.00",
        "allocated": "900000.00",
        "actuals": "1350.00",
        "forecast": "1490000.00",
        "forecast_deviation": "10000.00",
        "boards_total": 2,
        "boards_reported": 2,
        "boards_over_frame": 0,
    }
    assert body["administrations"] is None


async def test_the_annual_outcome_is_reported_where_the_books_close_and_follows_the_interim_report(client, app, as_role):
    """At ANNUAL (årsredovisning) a board reports its outcome of the closed books; the summary takes
    it over the INTERIM forecast, whatever order the two were written in."""
    await seed_follow_up(client, app, as_role)
    headers = as_role(Role.NAMND, BOARD_A, [BOARD_A])
    annual = await client.put(url(BOARD_A, 2027, "ANNUAL"), json={"amount": "1010000.00"}, headers=headers)
    assert (annual.status_code, annual.json()["occasion"]) == (201, "ANNUAL"), annual.text
    again = await client.put(url(BOARD_A, 2027, "INTERIM"), json={"amount": "970000.00"}, headers=headers | {"If-Match": "*"})
    assert again.status_code == 200, again.text
    body = (await client.get(f"{SUMMARIES}/2027", params={"level": "board"}, headers=as_role(Role.REVISOR))).json()
    boards = {b["board_org_unit_id"]: b for b in body["boards"]}
    assert (boards[BOARD_A]["latest_forecast"], boards[BOARD_A]["forecast_deviation"]) == (
        {"occasion": "ANNUAL", "amount": "1010000.00"},
        "-10000.00",
    )


async def test_summary_per_administration_groups_actuals_by_the_org_unit_of_the_cost_centres(client, app, as_role):
    await seed_follow_up(client, app, as_role)
    body = (
        await client.get(f"{SUMMARIES}/2027", params={"level": "ADMINISTRATION", "through_month": 2}, headers=as_role(Role.REVISOR))
    ).json()
    assert body["through_month"] == 2 and body["boards"] is None
    assert {(a["board_org_unit_id"], a["org_unit_id"]): a["actuals"] for a in body["administrations"]} == {
        (BOARD_A, ADMIN_A): "300.00",
        (BOARD_B, None): "1000.00",
    }
    assert body["municipality"]["actuals"] == "1300.00"


async def test_summary_for_the_municipality_only_and_a_year_without_data(client, app, as_role):
    await seed_follow_up(client, app, as_role)
    body = (await client.get(f"{SUMMARIES}/2027", params={"level": "municipality"}, headers=as_role(Role.ADMIN))).json()
    assert (body["boards"], body["administrations"], body["municipality"]["actuals"]) == (None, None, "1350.00")
    empty = (await client.get(f"{SUMMARIES}/2030", headers=as_role(Role.ADMIN))).json()
    assert (empty["budget_id"], empty["through_month"], empty["boards"]) == (None, None, [])
    assert empty["municipality"] == {
        "budget": None,
        "allocated": None,
        "actuals": "0.00",
        "forecast": None,
        "forecast_deviation": None,
        "boards_total": 0,
        "boards_reported": 0,
        "boards_over_frame": 0,
    }


async def test_municipal_totals_are_over_all_boards_with_the_number_that_reported(client, app, as_role):
    """Board B has not reported: the municipality's forecast takes its budget (it follows its budget),
    so budget, forecast and deviation are over the same two boards; one of two reported."""
    await seed_cost_centers(app)
    await seed_budget(app)
    headers = as_role(Role.NAMND, BOARD_A, [BOARD_A])
    assert (await client.put(url(BOARD_A, 2027, "FORECAST"), json={"amount": "1050000.00"}, headers=headers)).status_code == 201
    body = (await client.get(f"{SUMMARIES}/2027", params={"level": "board"}, headers=as_role(Role.REVISOR))).json()
    assert body["municipality"] | {"actuals": None} == {
        "budget": "1500000.00",
        "allocated": "900000.00",
        "actuals": None,
        "forecast": "1550000.00",
        "forecast_deviation": "-50000.00",
        "boards_total": 2,
        "boards_reported": 1,
        "boards_over_frame": 0,
    }
    boards = {b["board_org_unit_id"]: b for b in body["boards"]}
    assert (boards[BOARD_B]["forecast"], boards[BOARD_B]["forecast_deviation"]) == (None, None), "a board's own figures stay as reported"
    assert Decimal(body["municipality"]["budget"]) - Decimal(body["municipality"]["forecast"]) == Decimal(
        body["municipality"]["forecast_deviation"]
    )


async def test_summary_costs_the_same_number_of_queries_however_many_boards(client, app, as_role):
    await seed_follow_up(client, app, as_role)
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731 - a counter
    engine = app.state.engine.sync_engine

    async def count(level):
        statements.clear()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert (await client.get(f"{SUMMARIES}/2027", params={"level": level}, headers=as_role(Role.REVISOR))).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    before = {level: await count(level) for level in ("board", "administration")}
    async with app.state.sessionmaker() as s:
        for n in range(5):
            area = ActivityArea(board_org_unit_id=uuid.uuid4(), code="100", name="Ny", created_by="t", updated_by="t")
            s.add(area)
            await s.flush()
            s.add(CostCenter(code=f"9{n}", name="Ny", activity_area_id=area.id, org_unit_id=uuid.uuid4(), created_by="t", updated_by="t"))
        await s.commit()
    await client.post(ACTUALS, json=[row(cost_center_code=f"9{n}") for n in range(5)], headers=finance(as_role))
    assert {level: await count(level) for level in ("board", "administration")} == before
    assert before["board"] <= 6


async def test_summary_with_a_bad_level_or_year_is_422(client, as_role):
    assert pointers(await client.get(f"{SUMMARIES}/2027", params={"level": "unit"}, headers=as_role(Role.REVISOR))) == {"#/query/level"}
    assert pointers(await client.get(f"{SUMMARIES}/27", headers=as_role(Role.REVISOR))) == {"#/path/year"}
    assert pointers(await client.get(f"{SUMMARIES}/2027", params={"through_month": 0}, headers=as_role(Role.REVISOR))) == {
        "#/query/through_month"
    }
