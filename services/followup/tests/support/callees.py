"""The real goals, budget and internal-control apps served over HTTP for the follow-up tests, and
the follow-up app wired to them.

Use in a test module by loading this module as a plugin (its fixtures are then found by name;
imported fixtures would be shadowed by the test functions' parameters of the same name):

    pytest_plugins = ("services.followup.tests.support.callees",)

- `goals`, `budget`, `internal_control` (module scope): a `Callee`, the app served on a fresh
  database of its own (SQLite, or PostgreSQL with STYRKEDJAN_TEST_POSTGRES_URL) and the follow-up
  test organisation (`styrkedjan_common.testing.ORGANISATION`). What one test writes stays for the
  module's next tests: give each test its own org units (`org_unit(...)`) or year.
- `Callee.send(method, path, role, json, org_unit_id=, scope=, if_match=)` writes (or reads) as a
  person holding `role` (whole municipality unless `org_unit_id`/`scope` say otherwise) and
  answers the JSON; `Callee.request(...)` answers the response itself (status, ETag); `headers=` adds
  any other header (If-None-Match: * to create what a PUT creates). The helpers
  below set up what a report reads: `indicator`, `decided_goal` (draft → proposed → decided with an
  indicator use), `mandate_period`, `target`, `outcome`, `forecast`.
- `live_callees` (function scope): the follow-up `app` fixture's `app.state.callees` points at the
  three apps (clients signed with SERVICE_KEYS["followup"]) for the test, then is restored;
  it answers the `Callees`.
- `wired(app, callees)`: the same as an async context, for any `Callees`; `callees_of(goals=,
  budget=, internal_control=)` builds one from the served apps' URLs, `down=` naming a callee
  ("goals", "budget", "internal-control") whose client points at a closed port, so that a refresh
  or decision meets it unavailable (503 naming it):

      async with wired(app, callees_of(goals, budget, internal_control, down="budget")):
          response = await client.post(...)  # 503, "the budget service is unavailable"
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest

from budget_service.__main__ import MIGRATIONS as BUDGET_MIGRATIONS
from budget_service.main import create_app as create_budget_app
from budget_service.settings import BudgetSettings
from followup_service.clients import BudgetClient, Callees, GoalsClient, InternalControlClient
from goals_service.__main__ import MIGRATIONS as GOALS_MIGRATIONS
from goals_service.main import create_app as create_goals_app
from goals_service.settings import GoalsSettings
from internal_control_service.__main__ import MIGRATIONS as INTERNAL_CONTROL_MIGRATIONS
from internal_control_service.main import create_app as create_internal_control_app
from internal_control_service.settings import InternalControlSettings
from styrkedjan_common import testing
from styrkedjan_common.identity import ALL_UNITS, Role, ServiceSigner
from styrkedjan_common.migrations import upgrade
from styrkedjan_common.testing import ORGANISATION, SERVICE_KEYS, assertion_headers, closed_port, fresh_database, principal, running, served

# The gateway whose assertions the callees accept from the test's people.
GATEWAY = testing.TestKeys.generate()
GOALS_API, BUDGET_API, INTERNAL_CONTROL_API = "/api/goals/v1", "/api/budget/v1", "/api/internal-control/v1"
DECISION = {"body": "Nämnden", "decision_date": "2027-01-20", "reference": "§ 1/2027"}
# Reports of boards with many goals are set up; the goals service's default cap is a handful.
GOALS_SETTINGS = {"max_board_goals_in_force": 50}


def signer() -> ServiceSigner:
    """The follow-up service's own signer: how it reads the other services."""
    return ServiceSigner(SERVICE_KEYS["followup"].private_pem, "followup")


def callee_settings(settings_class: Any, database_url: str, **extra: Any) -> Any:
    return settings_class(
        database_url=database_url,
        assertion_public_keys=GATEWAY.public_pem,
        service_public_keys={name: keys.public_pem for name, keys in SERVICE_KEYS.items()},
        environment="test",
        log_level="WARNING",
        **extra,
    )


def _database(label: str, migrations: Any) -> Any:
    @pytest.fixture(scope="module")
    def url() -> Any:
        with fresh_database(label) as created:
            upgrade(migrations, created)
            yield created

    return url


goals_database = _database("followup_goals", GOALS_MIGRATIONS)
budget_database = _database("followup_budget", BUDGET_MIGRATIONS)
internal_control_database = _database("followup_ic", INTERNAL_CONTROL_MIGRATIONS)


class Callee:
    """A callee app served over HTTP, and a person's requests to it (to set up what is read).
    `app` is the app itself, for the callee's own test support that writes rows straight to its
    database (a decided budget: services.budget.tests.support.allocations.add_budget(callee.app, ...))."""

    def __init__(self, url: str, audience: str, api: str, app: Any = None) -> None:
        self.url, self.audience, self.api, self.app = url, audience, api, app

    async def request(
        self,
        method: str,
        path: str,
        role: Role,
        json: object = None,
        *,
        org_unit_id: str = "root",
        scope: list[str] | str | None = ALL_UNITS,
        if_match: str | None = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = assertion_headers(GATEWAY, self.audience, principal(role, org_unit_id, scope)) | (headers or {})
        if if_match is not None:
            headers["If-Match"] = if_match
        async with httpx.AsyncClient(base_url=self.url) as http:
            return await http.request(method, self.api + path, json=json, headers=headers, params=params)

    async def send(self, method: str, path: str, role: Role, json: object = None, **options: Any) -> Any:
        """The request's JSON answer; anything but a success fails the test, showing the problem."""
        response = await self.request(method, path, role, json, **options)
        assert response.status_code in (200, 201, 204), f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


async def _serve(create: Any, settings: Any, audience: str, api: str) -> AsyncIterator[Callee]:
    app = create(settings)
    app.state.directory_source = ORGANISATION
    async with running(app), served(app) as url:
        yield Callee(url, audience, api, app)


@pytest.fixture(scope="module")
async def goals(goals_database: str) -> AsyncIterator[Callee]:
    async for callee in _serve(create_goals_app, callee_settings(GoalsSettings, goals_database, **GOALS_SETTINGS), "goals", GOALS_API):
        yield callee


@pytest.fixture(scope="module")
async def budget(budget_database: str) -> AsyncIterator[Callee]:
    async for callee in _serve(create_budget_app, callee_settings(BudgetSettings, budget_database), "budget", BUDGET_API):
        yield callee


@pytest.fixture(scope="module")
async def internal_control(internal_control_database: str) -> AsyncIterator[Callee]:
    settings = callee_settings(InternalControlSettings, internal_control_database)
    async for callee in _serve(create_internal_control_app, settings, "internal-control", INTERNAL_CONTROL_API):
        yield callee


def callees_of(goals: Callee, budget: Callee, internal_control: Callee, *, down: str | None = None) -> Callees:
    """The follow-up service's clients of the served apps; `down` names one that is unreachable."""
    closed = f"http://127.0.0.1:{closed_port()}"
    return Callees(
        goals=GoalsClient(closed if down == GoalsClient.callee else goals.url, signer()),
        budget=BudgetClient(closed if down == BudgetClient.callee else budget.url, signer()),
        internal_control=InternalControlClient(closed if down == InternalControlClient.callee else internal_control.url, signer()),
    )


@asynccontextmanager
async def wired(app: Any, callees: Callees) -> AsyncIterator[Callees]:
    """The follow-up app reads through `callees` inside the block; its own are restored after."""
    saved = getattr(app.state, "callees", None)
    app.state.callees = callees
    try:
        yield callees
    finally:
        app.state.callees = saved
        await callees.close()


@pytest.fixture
async def live_callees(app: Any, goals: Callee, budget: Callee, internal_control: Callee) -> AsyncIterator[Callees]:
    async with wired(app, callees_of(goals, budget, internal_control)) as callees:
        yield callees


# --- setting up what a report reads --------------------------------------------------------


async def mandate_period(goals: Callee, start_year: int) -> dict[str, Any]:
    """The mandate period starting that year (a municipal goal belongs to one); made once."""
    found = await goals.send("GET", "/mandate-periods", Role.FULLMAKTIGE, params={"limit": 200})
    for period in found["items"]:
        if period["start_year"] == start_year:
            return dict(period)
    return dict(
        await goals.send("POST", "/mandate-periods", Role.FULLMAKTIGE, {"start_year": start_year, "name": f"Mandatperiod {start_year}"})
    )


async def indicator(goals: Callee, name: str, *, gender_split: bool = False, frequency: str = "TERTIAL", unit: str = "%") -> dict[str, Any]:
    body = {
        "name": name,
        "unit": unit,
        "direction": "HIGHER_IS_BETTER",
        "frequency": frequency,
        "source": "INTERNAL",
        "gender_split": gender_split,
    }
    return dict(await goals.send("POST", "/indicators", Role.FULLMAKTIGE, body))


async def decided_goal(
    goals: Callee,
    *,
    level: str,
    owner: str,
    title: str,
    year: int,
    indicator_id: str,
    contributes_to: list[str] | None = None,
    mandate_period_id: str | None = None,
) -> dict[str, Any]:
    """A one-year goal taken DRAFT → PROPOSED → DECIDED, followed by the indicator in its owner.
    Answers {"goal": the decided goal, "use": the indicator use}."""
    role = {"MUNICIPAL": Role.FULLMAKTIGE, "BOARD": Role.NAMND, "UNIT": Role.FORVALTNING}[level]
    body: dict[str, Any] = {
        "level": level,
        "owner_org_unit_id": owner,
        "start_year": year,
        "end_year": year,
        "title": title,
        "perspective": "OPERATIONS",
        "contributes_to": contributes_to or [],
    }
    if mandate_period_id is not None:
        body["mandate_period_id"] = mandate_period_id
    created = await goals.request("POST", "/goals", role, body)
    assert created.status_code == 201, created.text
    goal_id = created.json()["id"]
    use = await goals.send("POST", "/indicator-uses", role, {"indicator_id": indicator_id, "org_unit_id": owner, "goal_id": goal_id})
    current = await goals.request("GET", f"/goals/{goal_id}", role)
    proposed = await goals.request("POST", f"/goals/{goal_id}/proposal", role, if_match=current.headers["etag"])
    assert proposed.status_code == 200, proposed.text
    decided = await goals.request("POST", f"/goals/{goal_id}/decision", role, DECISION, if_match=proposed.headers["etag"])
    assert decided.status_code == 200, decided.text
    return {"goal": decided.json(), "use": use}


def _values(total: Decimal | str | None, women: Decimal | str | None, men: Decimal | str | None) -> dict[str, Any]:
    return {
        "total": None if total is None else str(total),
        "women": None if women is None else str(women),
        "men": None if men is None else str(men),
    }


async def target(goals: Callee, use_id: str, year: int, total: str, women: str | None = None, men: str | None = None) -> None:
    await goals.send("PUT", f"/indicator-uses/{use_id}/targets/{year}", Role.FULLMAKTIGE, _values(total, women, men))


async def outcome(goals: Callee, use_id: str, period: str, total: str, women: str | None = None, men: str | None = None) -> None:
    await goals.send("PUT", f"/indicator-uses/{use_id}/outcomes/{period}", Role.FULLMAKTIGE, _values(total, women, men))


async def forecast(budget: Callee, board: str, year: int, occasion: str, amount: str, comment: str = "") -> None:
    await budget.send("PUT", f"/forecasts/{board}/{year}/{occasion}", Role.NAMND, {"amount": amount, "comment": comment})


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
