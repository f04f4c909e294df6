"""The follow-up service's clients against the real goals, budget and internal-control apps served
over HTTP: each read the follow-up report needs answers 200 with the follow-up service's own
assertion, read into the report's models; a callee that is down is a 503 problem naming it; an
answer the report cannot read is a 502 naming the callee. The follow-up app builds its clients from
its settings and its own key, and closes them at shutdown."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from followup_service.clients import (
    BudgetClient,
    CalleeAnswerInvalid,
    GoalsClient,
    InternalControlClient,
    base,
)
from followup_service.clients.callees import goals_client
from followup_service.main import create_app
from followup_service.settings import FollowupSettings
from services.followup.tests.support.callees import Callee, signer
from styrkedjan_common import testing
from styrkedjan_common.clients import CalleeUnavailable
from styrkedjan_common.identity import Role
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitType
from styrkedjan_common.testing import (
    ORGANISATION,
    SERVICE_KEYS,
    closed_port,
    org_unit,
    running,
    served,
)

COUNCIL = org_unit(OrgUnitType.COUNCIL, "Kommunfullmäktige")
BOARD = org_unit(OrgUnitType.BOARD, "Socialnämnden", parent=COUNCIL)
# A reorganisation: the care board's work passes to the new board that succeeds it.
CARE_BOARD = org_unit(OrgUnitType.BOARD, "Vård- och omsorgsnämnden", parent=COUNCIL)
SUCCESSOR = org_unit(OrgUnitType.BOARD, "Vård- och socialnämnden", parent=COUNCIL, predecessor=CARE_BOARD)
YEAR = 2027
GATEWAY = testing.TestKeys.generate()
# The real goals, budget and internal-control apps served over HTTP (goals, budget, internal_control).
pytest_plugins = ("services.followup.tests.support.callees",)


@pytest.fixture
async def goals_reader(goals):
    client = GoalsClient(goals.url, signer())
    yield client
    await client.close()


@pytest.fixture
async def budget_reader(budget):
    client = BudgetClient(budget.url, signer())
    yield client
    await client.close()


@pytest.fixture
async def internal_control_reader(internal_control):
    client = InternalControlClient(internal_control.url, signer())
    yield client
    await client.close()


# --- goals ------------------------------------------------------------------------------------


async def a_board_goal(goals: Callee, title: str, owner: str = BOARD) -> dict:
    body = {"level": "BOARD", "owner_org_unit_id": owner, "start_year": YEAR, "end_year": YEAR, "title": title, "perspective": "OPERATIONS"}
    return await goals.send("POST", "/goals", Role.NAMND, body)


async def test_the_goals_client_reads_the_thread_of_a_year(goals_reader):
    thread = await goals_reader.thread(YEAR)
    assert (thread.year, thread.org_unit_id) == (YEAR, None)
    assert thread.goals == [] and thread.unlinked.board == []  # nothing decided yet
    cut = await goals_reader.thread(YEAR, BOARD)
    assert cut.org_unit_id == uuid.UUID(BOARD)


async def test_the_goals_client_reads_the_goals_of_the_whole_municipality_drafts_included(goals, goals_reader):
    goal = await a_board_goal(goals, "Fler äldre bor kvar hemma med stöd")
    found = await goals_reader.goals(year=YEAR, level="BOARD", owner_org_unit_id=BOARD)
    [read] = [g for g in found if str(g.id) == goal["id"]]
    assert (read.title, read.status, read.level, read.owner_org_unit_id) == (
        "Fler äldre bor kvar hemma med stöd",
        "DRAFT",
        "BOARD",
        uuid.UUID(BOARD),
    )
    assert read.model_extra is not None and read.model_extra["intent"] == goal["intent"]  # the rest of the answer is kept
    assert await goals_reader.goals(year=YEAR, level="MUNICIPAL") == []


async def test_the_goals_client_follows_an_owner_back_through_a_reorganisation(goals, goals_reader):
    goal = await a_board_goal(goals, "Fler får rätt insats i tid", owner=CARE_BOARD)
    assert await goals_reader.goals(year=YEAR, owner_org_unit_id=SUCCESSOR) == []
    [read] = await goals_reader.goals(year=YEAR, owner_org_unit_id=SUCCESSOR, include_predecessors=True)
    assert (str(read.id), read.owner_org_unit_id) == (goal["id"], uuid.UUID(CARE_BOARD))


async def test_the_goals_client_reads_an_indicator_uses_outcomes(goals, goals_reader):
    goal = await a_board_goal(goals, "Fler brukare är nöjda med hemtjänsten")
    indicator = await goals.send(
        "POST",
        "/indicators",
        Role.FULLMAKTIGE,
        {
            "name": "Brukarbedömning hemtjänst äldreomsorg - helhetssyn",
            "unit": "%",
            "direction": "HIGHER_IS_BETTER",
            "frequency": "YEARLY",
            "source": "INTERNAL",
        },
    )
    use = await goals.send(
        "POST", "/indicator-uses", Role.NAMND, {"indicator_id": indicator["id"], "org_unit_id": BOARD, "goal_id": goal["id"]}
    )
    await goals.send("PUT", f"/indicator-uses/{use['id']}/outcomes/2026", Role.NAMND, {"total": "88.5", "comment": "Enkät hösten 2026"})
    [outcome] = await goals_reader.indicator_outcomes(use["id"])
    assert (outcome.period, outcome.year, outcome.total, outcome.comment) == ("2026", 2026, Decimal("88.5"), "Enkät hösten 2026")


# --- budget -----------------------------------------------------------------------------------


async def test_the_budget_client_reads_the_summary_of_a_year(budget_reader):
    summary = await budget_reader.summary(YEAR, through_month=4)
    # Nothing booked yet: no month with booked amounts, and no actuals.
    assert (summary.year, summary.level, summary.through_month) == (YEAR, "BOARD", None)
    assert summary.municipality.actuals == Decimal("0")


async def test_the_budget_client_reads_the_forecasts_of_a_follow_up_across_pages(budget, budget_reader, monkeypatch):
    for occasion, amount in ((FollowupOccasion.FORECAST, "412500000.00"), (FollowupOccasion.INTERIM, "415000000.00")):
        await budget.send("PUT", f"/forecasts/{BOARD}/{YEAR}/{occasion.value}", Role.NAMND, {"amount": amount, "comment": "Placeringar"})
    monkeypatch.setattr(base, "PAGE_SIZE", 1)  # one forecast a page: the client walks the pages
    assert {(f.occasion, f.amount) for f in await budget_reader.forecasts(YEAR)} == {
        (FollowupOccasion.FORECAST, Decimal("412500000.00")),
        (FollowupOccasion.INTERIM, Decimal("415000000.00")),
    }
    [interim] = await budget_reader.forecasts(YEAR, FollowupOccasion.INTERIM)
    assert (interim.board_org_unit_id, interim.amount, interim.comment) == (uuid.UUID(BOARD), Decimal("415000000.00"), "Placeringar")
    assert await budget_reader.forecasts(YEAR, FollowupOccasion.ANNUAL) == []


# --- internal control -------------------------------------------------------------------------


async def test_the_internal_control_client_reads_the_evaluation_of_a_year(internal_control_reader):
    evaluation = await internal_control_reader.evaluation(YEAR)
    [board] = [b for b in evaluation.boards if b.board_org_unit_id == uuid.UUID(BOARD)]
    assert (evaluation.year, board.plan_missing or board.plan_status is not None) == (YEAR, True)
    assert isinstance(evaluation.as_of, dt.date)


async def test_the_internal_control_client_reads_the_control_plans_of_a_year(internal_control, internal_control_reader):
    plan = await internal_control.send(
        "POST", "/control-plans", Role.NAMND, {"board_org_unit_id": BOARD, "year": YEAR, "title": "Internkontrollplan 2027, socialnämnden"}
    )
    [read] = await internal_control_reader.control_plans(YEAR, BOARD)
    assert (str(read.id), read.title, read.status, read.year) == (plan["id"], "Internkontrollplan 2027, socialnämnden", "DRAFT", YEAR)
    assert await internal_control_reader.control_plans(YEAR + 1, BOARD) == []
    evaluation = await internal_control_reader.evaluation(YEAR)
    [board] = [b for b in evaluation.boards if b.board_org_unit_id == uuid.UUID(BOARD)]
    assert (board.plan_missing, board.plan_status) == (False, "DRAFT")


# --- a callee that is down or answers what the report cannot read ---------------------------------


@pytest.mark.parametrize(
    ("client_class", "read"),
    [
        (GoalsClient, lambda c: c.thread(YEAR)),
        (GoalsClient, lambda c: c.goals(year=YEAR)),
        (GoalsClient, lambda c: c.indicator_outcomes(uuid.uuid4())),
        (BudgetClient, lambda c: c.summary(YEAR)),
        (BudgetClient, lambda c: c.forecasts(YEAR)),
        (InternalControlClient, lambda c: c.evaluation(YEAR)),
        (InternalControlClient, lambda c: c.control_plans(YEAR)),
    ],
)
async def test_a_callee_that_is_down_is_a_503_naming_it(client_class, read):
    client = client_class(f"http://127.0.0.1:{closed_port()}", signer())
    try:
        with pytest.raises(CalleeUnavailable) as refused:
            await read(client)
    finally:
        await client.close()
    assert (refused.value.status, refused.value.detail) == (503, f"the {client_class.callee} service is unavailable")
    assert refused.value.headers and "Retry-After" in refused.value.headers


async def thread_of_another_shape(_request: Request) -> JSONResponse:
    return JSONResponse({"year": YEAR, "org_unit_id": None, "goals": [{"id": "not an id"}], "unlinked": {}})


async def test_an_answer_the_report_cannot_read_is_a_502_naming_the_callee():
    stub = Starlette(routes=[Route("/api/goals/v1/thread", thread_of_another_shape)])
    async with served(stub) as url:
        client = GoalsClient(url, signer())
        try:
            with pytest.raises(CalleeAnswerInvalid) as refused:
                await client.thread(YEAR)
        finally:
            await client.close()
    assert refused.value.status == 502
    assert refused.value.detail.startswith("the answer of the goals service is not what the follow-up service reads: goals/0/id:")


# --- the follow-up app's own clients ----------------------------------------------------------


async def test_the_app_builds_its_clients_from_its_settings_and_closes_them_at_shutdown(app, goals):
    settings = app.state.settings.model_copy(
        update={
            "service_private_key": SecretStr(SERVICE_KEYS["followup"].private_pem),
            "goals_url": goals.url,
            "budget_url": "http://budget.internal:8002",
            "internal_control_url": "http://internal-control.internal:8004",
        }
    )
    followup = create_app(settings)
    followup.state.directory_source = ORGANISATION
    async with running(followup):
        callees = followup.state.callees
        assert (callees.goals.base_url, callees.budget.base_url, callees.internal_control.base_url) == (
            goals.url,
            "http://budget.internal:8002",
            "http://internal-control.internal:8004",
        )
        assert (await callees.goals.thread(YEAR)).year == YEAR
        session = callees.goals._session
    assert session is not None and session.closed


async def test_without_a_key_of_its_own_the_app_reads_no_other_service(app):
    assert app.state.signer is None and app.state.callees is None

    class Probe:
        pass

    request = Probe()
    request.app = app  # type: ignore[attr-defined]
    with pytest.raises(CalleeUnavailable, match="no key of its own"):
        goals_client(request)  # type: ignore[arg-type]


def test_the_callees_addresses_default_to_the_local_ports():
    settings = FollowupSettings(assertion_public_keys=GATEWAY.public_pem)
    assert (settings.goals_url, settings.budget_url, settings.internal_control_url) == (
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8002",
        "http://127.0.0.1:8004",
    )
