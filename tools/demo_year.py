"""The demo year: a living municipality of this year, made through the services' own APIs.

    python -m tools.demo_year --gateway http://127.0.0.1:8000     (the run command does this itself)

Everything goes through the gateway, as the demo user whose role the step belongs to: the council
(kf.demo) sets the vision, the mandate period, the indicator catalogue, the five municipal goals,
the allocation model and the budget decided with frames from its run, imports the actuals of the
months passed and adopts the municipal follow-up reports; each board (namnd.demo for the
Barn- och utbildningsnämnden, a chair registered by admin.demo for each other board) decides its
goals with indicators, targets and outcomes, its activities, its allocation, its forecasts, its
control plan with results and its follow-up reports; Parkskolan (enhet.demo) and its administration
(forvaltning.demo) submit theirs. The year's FORECAST and INTERIM follow-ups are decided, with a
follow-up dialogue held on the interim report; the ANNUAL one is in progress.

The content (tools/demo_content.py) is fixed, so the demo looks the same every time; what depends on the
date is only what has happened by today: the outcomes of the tertials and the actuals of the
months that have ended, and decisions dated no later than today.

Idempotent: the follow-up dialogue is made last, so a year that has it is left as it is. A year
with a budget but no dialogue was left half made (an earlier seed stopped): that is refused with
the reason, as guessing which half exists could only make it worse.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from tools.demo_content import (
    ACCOUNTS,
    BOARDS,
    COMMON_CONTROL,
    DECIDED_OCCASIONS,
    DECISION_DATES,
    DRAFTED_OCCASION,
    EFFICIENCY_PCT,
    MISSING_REASON,
    MONTH_FACTOR,
    MUNICIPAL_GOALS,
    PLAN_YEAR_GROWTH,
    POPULATION,
    PRICE_INDEX_PCT,
    REVENUE_SHARES,
    SCHOOL_BOARD,
    SECTIONS,
    TARGET_GROUPS,
    UNIT_GOAL,
    VISION,
    VISION_HORIZON_YEARS,
    WAGE_COMPENSATION_PCT,
    Board,
    Control,
    Followed,
    Goal,
    Value,
)

DIRECTORY = "/api/directory/v1"
GOALS = "/api/goals/v1"
BUDGET = "/api/budget/v1"
IC = "/api/internal-control/v1"
FOLLOWUP = "/api/followup/v1"
PAGE = 200

COUNCIL_SUBJECT = "kf.demo"
ADMIN_SUBJECT = "admin.demo"
ADMINISTRATION_SUBJECT = "forvaltning.demo"
UNIT_SUBJECT = "enhet.demo"
COUNCIL = "Kommunfullmäktige"
DIALOGUE_TITLE = "Uppföljningsdialog om delårsrapporten"


class DemoYearError(RuntimeError):
    """The demo year could not be made; the message says why."""


# --- calls -----------------------------------------------------------------------------------


class Caller:
    """One signed-in user's client for the gateway."""

    def __init__(self, gateway_url: str, token: str, counter: list[int]) -> None:
        self.http = httpx.Client(
            base_url=gateway_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            event_hooks={"request": [lambda _: counter.__setitem__(0, counter[0] + 1)]},
        )

    def call(self, method: str, path: str, status: int = 200, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise DemoYearError(f"{method} {path}: {error!r}") from error
        if response.status_code != status:
            raise DemoYearError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response

    def body(self, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        return self.call(method, path, status, **kwargs).json()

    def created(self, path: str, payload: dict[str, Any]) -> Any:
        return self.body("POST", path, 201, json=payload)

    def items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.body("GET", path, params={"limit": PAGE, **params} | ({"cursor": cursor} if cursor else {}))
            found.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return found

    def conditional(self, method: str, path: str, action: str = "", **kwargs: Any) -> httpx.Response:
        """A write that requires the resource's ETag: read it, then write with If-Match."""
        tag = self.call("GET", path).headers["etag"]
        return self.call(method, f"{path}/{action}" if action else path, headers={"If-Match": tag}, **kwargs)


@dataclass
class Seeded:
    year: int
    already: bool
    requests: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        requests = f"{self.requests} request{'' if self.requests == 1 else 's'}"
        if self.already:
            return f"The demo year {self.year} is there already ({requests} to find out)."
        made = ", ".join(f"{what} {count}" for what, count in self.counts.items())
        return f"Seeded the demo year {self.year} ({requests} in {self.seconds:.1f} s): {made}."


def mint_token(gateway_url: str, subject: str) -> str:
    """A development token from the gateway's dev issuer (on in the run command's system)."""
    response = httpx.post(f"{gateway_url}/api/auth/dev-token", json={"subject": subject}, timeout=30)
    if response.status_code != 200:
        raise DemoYearError(f"no development token for {subject}: {response.status_code} {response.text[:300]}")
    token: str = response.json()["access_token"]
    return token


# --- dates -----------------------------------------------------------------------------------


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def months_passed(year: int, today: dt.date) -> list[int]:
    return [m for m in range(1, 13) if month_end(year, m) < today]


def periods_passed(followed: Followed, year: int, today: dt.date) -> list[tuple[str, Value]]:
    """The outcomes whose period has ended by today, with their period."""
    if followed.indicator.frequency == "YEARLY":
        return [(str(year - 1), followed.outcomes[0])]
    return [(f"{year}-T{t}", value) for t, value in enumerate(followed.outcomes, 1) if month_end(year, 4 * t) < today]


def stratsys_code(code: str | None) -> dict[str, Any]:
    """A record's codes in other systems: its Stratsys code, if it has one."""
    return {"external_codes": {"stratsys": code}} if code else {}


def money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def mandate_start(year: int) -> int:
    """Swedish councils sit four years from the year after an election (2022, 2026, ...)."""
    return 2023 + 4 * ((year - 2023) // 4)


# --- the seed --------------------------------------------------------------------------------


class DemoYear:
    def __init__(self, gateway_url: str, year: int, today: dt.date, stack: ExitStack) -> None:
        self.gateway_url = gateway_url
        self.year = year
        self.today = today
        self.stack = stack
        self.counter = [0]
        self.callers: dict[str, Caller] = {}
        self.counts: dict[str, int] = {}
        self.units: dict[str, str] = {}  # short name -> org unit id
        self.unit_names: dict[str, str] = {}
        self.indicators: dict[str, str] = {}  # name -> id
        self.municipal: list[str] = []  # lineage ids, in MUNICIPAL_GOALS order
        self.board_goals: dict[str, list[str]] = {}  # board short name -> lineage ids
        self.frames: dict[str, Decimal] = {}
        self.reports: dict[tuple[str, str], str] = {}  # (occasion kind, short name) -> report id

    def caller(self, subject: str) -> Caller:
        if subject not in self.callers:
            self.callers[subject] = Caller(self.gateway_url, mint_token(self.gateway_url, subject), self.counter)
            self.stack.callback(self.callers[subject].http.close)
        return self.callers[subject]

    def made(self, what: str, count: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + count

    def on(self, month: int, day: int, year: int | None = None) -> str:
        """A decision's date: the planned one, or today when that is still ahead."""
        return min(dt.date(year or self.year, month, day), self.today).isoformat()

    @property
    def kf(self) -> Caller:
        return self.caller(COUNCIL_SUBJECT)

    def chair(self, board: Board) -> Caller:
        return self.caller(board.chair)

    def boards(self) -> Iterator[Board]:
        """The demo's boards the directory holds."""
        return (b for b in BOARDS if b.short in self.units)

    # --- is it there? --------------------------------------------------------------------

    def state(self) -> str:
        """DONE, PARTIAL or NONE: the dialogue is made last, the budget first of the year's own."""
        dialogues = self.kf.items(f"{FOLLOWUP}/dialogues", year=self.year, kind="FOLLOWUP")
        if any(d["title"] == DIALOGUE_TITLE for d in dialogues):
            return "DONE"
        if self.kf.items(f"{BUDGET}/budgets", year=self.year):
            return "PARTIAL"
        return "NONE"

    # --- the directory -------------------------------------------------------------------

    def read_directory(self) -> None:
        admin = self.caller(ADMIN_SUBJECT)
        for unit in admin.items(f"{DIRECTORY}/org-units"):
            self.units[unit["short_name"]] = unit["id"]
            self.unit_names[unit["short_name"]] = unit["name"]

    def register_chairs(self) -> None:
        """Each board decides through its own namnd user; the demo has one for one board only."""
        admin = self.caller(ADMIN_SUBJECT)
        for board in self.boards():
            if any(u["subject"] == board.chair for u in admin.items(f"{DIRECTORY}/users", q=board.chair)):
                continue
            user = admin.created(f"{DIRECTORY}/users", {"subject": board.chair, "display_name": board.chair_name})
            admin.created(f"{DIRECTORY}/users/{user['id']}/role-assignments", {"role": "namnd", "org_unit_id": self.units[board.short]})
            self.made("board users")

    # --- the council's goals -------------------------------------------------------------

    def vision(self) -> None:
        if self.kf.http.get(f"{GOALS}/visions/current").status_code == 200:
            return
        start = mandate_start(self.year)
        draft = self.kf.created(
            f"{GOALS}/visions", VISION | {"horizon_start_year": start, "horizon_end_year": start + VISION_HORIZON_YEARS - 1}
        )
        self.propose_and_decide(self.kf, f"{GOALS}/visions/{draft['id']}", COUNCIL, self.on(11, 20, start - 1), "KF § 112")
        self.made("vision")

    def propose_and_decide(self, decider: Caller, path: str, body: str, date: str, reference: str) -> None:
        proposed = decider.conditional("POST", path, "proposal")
        decision = {"body": body, "decision_date": date, "reference": f"{reference}/{date[:4]}"}
        decider.call("POST", f"{path}/decision", json=decision, headers={"If-Match": proposed.headers["etag"]})

    def mandate_period(self) -> dict[str, Any]:
        found = self.kf.items(f"{GOALS}/mandate-periods", year=self.year)
        if found:
            return found[0]
        self.made("mandate period")
        period: dict[str, Any] = self.kf.created(f"{GOALS}/mandate-periods", {"start_year": mandate_start(self.year)})
        return period

    def indicator_catalogue(self) -> None:
        known = {i["name"]: i["id"] for i in self.kf.items(f"{GOALS}/indicators")}
        wanted = [g.followed.indicator for g in (*MUNICIPAL_GOALS, UNIT_GOAL, *(g for b in BOARDS for g in b.goals))]
        for indicator in dict.fromkeys(wanted):
            if indicator.name not in known:
                made = self.kf.created(
                    f"{GOALS}/indicators",
                    {
                        "name": indicator.name,
                        "unit": indicator.unit,
                        "direction": "LOWER_IS_BETTER" if indicator.lower_is_better else "HIGHER_IS_BETTER",
                        "frequency": indicator.frequency,
                        "source": "INTERNAL",
                        "gender_split": indicator.gender_split,
                    }
                    | stratsys_code(indicator.code)
                    | ({"kolada_kpi_id": indicator.kolada_kpi_id} if indicator.kolada_kpi_id else {}),
                )
                known[indicator.name] = made["id"]
                self.made("indicators")
        self.indicators = known

    def municipal_goals(self) -> None:
        """The period's five goals; a later year of the same period finds them decided."""
        period = self.mandate_period()
        existing = {
            g["title"]: g["lineage_id"] for g in self.kf.items(f"{GOALS}/goals", level="MUNICIPAL", year=self.year, status="DECIDED")
        }
        if existing:
            missing = [g.title for g in MUNICIPAL_GOALS if g.title not in existing]
            if missing:
                raise DemoYearError(f"the year's municipal goals are not the demo's (missing: {', '.join(missing)})")
            self.municipal = [existing[g.title] for g in MUNICIPAL_GOALS]
            return
        council = self.units["KF"]
        for goal in MUNICIPAL_GOALS:
            payload = {
                "level": "MUNICIPAL",
                "owner_org_unit_id": council,
                "mandate_period_id": period["id"],
                "start_year": period["start_year"],
                "end_year": period["end_year"],
            }
            self.municipal.append(
                self.goal_in_force(self.kf, self.kf, goal, payload, council, COUNCIL, self.on(11, 20, period["start_year"] - 1))
            )
        self.made("municipal goals", len(MUNICIPAL_GOALS))

    def goal_in_force(
        self,
        writer: Caller,
        decider: Caller,
        goal: Goal,
        payload: dict[str, Any],
        org_unit: str,
        body: str,
        date: str,
        follower: Caller | None = None,
    ) -> str:
        """A goal drafted, followed by its indicator with the year's target and the outcomes of the
        periods passed, proposed and decided; its lineage id."""
        draft = writer.created(
            f"{GOALS}/goals", payload | {"title": goal.title, "perspective": goal.perspective} | stratsys_code(goal.code)
        )
        follower = follower or writer
        use = follower.created(
            f"{GOALS}/indicator-uses",
            {"indicator_id": self.indicators[goal.followed.indicator.name], "org_unit_id": org_unit, "goal_id": draft["id"]},
        )
        follower.call("PUT", f"{GOALS}/indicator-uses/{use['id']}/targets/{self.year}", 201, json=goal.followed.target.body())
        for period, value in periods_passed(goal.followed, self.year, self.today):
            writer.call("PUT", f"{GOALS}/indicator-uses/{use['id']}/outcomes/{period}", 201, json=value.body())
        self.propose_and_decide(decider, f"{GOALS}/goals/{draft['id']}", body, date, "§ 88")
        return str(draft["lineage_id"])

    # --- the budget ----------------------------------------------------------------------

    def allocation_model(self) -> dict[str, Any]:
        """The planning assumptions and a run of the model: each board's frame proposal."""
        published = f"{self.year - 1}-03-15"
        rows = ["publication_date,source,year,age_from,age_to,count"]
        for first_age, last_age, before, during in POPULATION:
            ages = f"{first_age},{'' if last_age is None else last_age}"
            rows += [f"{published},SCB,{self.year - 1},{ages},{before}", f"{published},SCB,{self.year},{ages},{during}"]
        csv = {"content-type": "text/csv"}
        self.kf.call("POST", f"{BUDGET}/population-forecasts/imports", content="\n".join(rows) + "\n", headers=csv)
        index_published = f"{self.year - 1}-04-25"
        prices = f"publication_date,year,pct_change\n{index_published},{self.year},{PRICE_INDEX_PCT}\n"
        self.kf.call("POST", f"{BUDGET}/price-indices/imports", content=prices, headers=csv)
        groups = {(g["board_org_unit_id"], g["activity"]): g["id"] for g in self.kf.items(f"{BUDGET}/target-groups")}
        for short, activity, age_from, age_to, cost, coverage in TARGET_GROUPS:
            board = self.units[short]
            if (board, activity) not in groups:
                made = self.kf.created(
                    f"{BUDGET}/target-groups", {"board_org_unit_id": board, "activity": activity, "age_from": age_from, "age_to": age_to}
                )
                groups[(board, activity)] = made["id"]
            unit_cost = {"cost_per_inhabitant": cost} | ({"coverage_rate": coverage} if coverage else {})
            self.kf.call("PUT", f"{BUDGET}/target-groups/{groups[(board, activity)]}/unit-costs/{self.year}", 201, json=unit_cost)
        run: dict[str, Any] = self.kf.created(
            f"{BUDGET}/model-runs",
            {
                "budget_year": self.year,
                "population_publication_date": published,
                "price_index_publication_date": index_published,
                "wage_compensation_pct": WAGE_COMPENSATION_PCT,
                "efficiency_pct": EFFICIENCY_PCT,
                "base_frames": [{"board_org_unit_id": self.units[b.short], "amount": b.base_frame} for b in self.boards()],
            },
        )
        self.made("allocation-model runs")
        return run

    def budget(self) -> None:
        """The council's budget, its frames the model run's proposals, decided the June before."""
        run = self.allocation_model()
        self.frames = {b["board_org_unit_id"]: Decimal(b["proposal_amount"]) for b in run["boards"]}
        years = (self.year, self.year + 1, self.year + 2)

        def grown(amount: Decimal, year: int) -> Decimal:
            return amount * (1 + PLAN_YEAR_GROWTH) ** (year - self.year)

        frames = [
            {"board_org_unit_id": board, "kind": "OPERATING", "year": y, "amount": money(grown(amount, y))}
            | ({"model_run_id": run["id"]} if y == self.year else {})
            for board, amount in self.frames.items()
            for y in years
        ] + [
            {"board_org_unit_id": self.units[b.short], "kind": "INVESTMENT", "year": self.year, "amount": b.investment_frame}
            for b in self.boards()
        ]
        total = sum(self.frames.values(), Decimal(0))
        lines = [
            {"kind": kind, "year": y, "amount": money(grown(total * share, y))} for kind, share in REVENUE_SHARES.items() for y in years
        ]
        budget = self.kf.created(f"{BUDGET}/budgets", {"year": self.year, "title": f"Mål och budget {self.year}–{self.year + 2}"})
        path = f"{BUDGET}/budgets/{budget['id']}"
        self.kf.conditional("PUT", path, "lines", json={"lines": lines})
        self.kf.conditional("PUT", path, "frames", json={"frames": frames})
        self.propose_and_decide(self.kf, path, COUNCIL, self.on(6, 15, self.year - 1), "KF § 45")
        self.made("decided budget")

    def allocations_and_actuals(self) -> None:
        """Each board's allocation to its activity areas, and the books of the months passed."""
        rows = ["year,month,cost_center,account,amount"]
        months = months_passed(self.year, self.today)
        for board in self.boards():
            board_id = self.units[board.short]
            areas = {a["code"]: a["id"] for a in self.kf.items(f"{BUDGET}/activity-areas", board_org_unit_id=board_id)}
            centres = {c["code"] for c in self.kf.items(f"{BUDGET}/cost-centers", board_org_unit_id=board_id)}
            lines = []
            for area in board.areas:
                if area.code not in areas:
                    areas[area.code] = self.kf.created(
                        f"{BUDGET}/activity-areas", {"board_org_unit_id": board_id, "code": area.code, "name": area.name}
                    )["id"]
                if area.code not in centres:
                    self.kf.created(f"{BUDGET}/cost-centers", {"code": area.code, "name": area.name, "activity_area_id": areas[area.code]})
                amount = self.frames[board_id] * Decimal(area.share)
                lines.append({"activity_area_id": areas[area.code], "amount": money(amount), "comment": area.name})
                for month in months:
                    for account, share in ACCOUNTS:
                        booked = amount / 12 * share * Decimal(MONTH_FACTOR[month - 1])
                        rows.append(f"{self.year},{month},{area.code},{account},{money(booked)}")
            self.chair(board).call(
                "PUT", f"{BUDGET}/allocations/{board_id}/{self.year}", json={"lines": lines}, headers={"If-None-Match": "*"}
            )
        self.made("allocations", len(list(self.boards())))
        if months:
            self.kf.call("POST", f"{BUDGET}/actuals/imports", 201, content="\n".join(rows) + "\n", headers={"content-type": "text/csv"})
            self.made("months of actuals", len(months))

    def forecast(self, board: Board, occasion: str) -> None:
        board_id = self.units[board.short]
        amount = self.frames[board_id] * Decimal(board.forecast_share)
        self.chair(board).call(
            "PUT",
            f"{BUDGET}/forecasts/{board_id}/{self.year}/{occasion}",
            201,
            json={"amount": money(amount), "comment": board.forecast_comment},
        )

    # --- the boards' goals and activities ------------------------------------------------

    def core_mission(self, board: Board) -> None:
        """What the board is for, decided once and in force until revised: a later year finds it."""
        chair, board_id = self.chair(board), self.units[board.short]
        if chair.http.get(f"{GOALS}/core-missions/current", params={"org_unit_id": board_id}).status_code == 200:
            return
        mission = chair.created(
            f"{GOALS}/core-missions",
            {"org_unit_id": board_id, "idea_and_responsibilities": board.mission, "legislation": list(board.legislation)},
        )
        self.propose_and_decide(
            chair, f"{GOALS}/core-missions/{mission['id']}", self.unit_names[board.short], self.on(2, 10, self.year - 1), "§ 12"
        )
        self.made("core missions")

    def board_goals_and_activities(self) -> None:
        for board in self.boards():
            self.core_mission(board)
            chair, board_id = self.chair(board), self.units[board.short]
            payload = {"level": "BOARD", "owner_org_unit_id": board_id, "start_year": self.year, "end_year": self.year}
            self.board_goals[board.short] = [
                self.goal_in_force(
                    chair,
                    chair,
                    goal,
                    payload | {"contributes_to": [self.municipal[goal.serves]]},
                    board_id,
                    self.unit_names[board.short],
                    self.on(12, 10, self.year - 1),
                )
                for goal in board.goals
            ]
            self.made("board goals", len(board.goals))
            for activity in board.activities:
                chair.created(
                    f"{GOALS}/activities",
                    {
                        "owner_org_unit_id": board_id,
                        "title": activity.title,
                        "description": activity.description,
                        "responsible": f"Förvaltningschef, {self.unit_names[board.short]}",
                        "start_date": dt.date(self.year, activity.months[0], 1).isoformat(),
                        "end_date": month_end(self.year, activity.months[1]).isoformat(),
                        "status": activity.status,
                        "goal_ids": [self.board_goals[board.short][activity.goal]],
                    }
                    | stratsys_code(activity.code),
                )
            self.made("activities", len(board.activities))
        self.unit_goal()

    def unit_goal(self) -> None:
        """Parkskolan's goal serving its board's first, followed by its administration."""
        if SCHOOL_BOARD not in self.board_goals or "PARK" not in self.units:
            return
        school = self.units["PARK"]
        payload = {
            "level": "UNIT",
            "owner_org_unit_id": school,
            "start_year": self.year,
            "end_year": self.year,
            "contributes_to": [self.board_goals[SCHOOL_BOARD][0]],
        }
        enhet = self.caller(UNIT_SUBJECT)
        follower = self.caller(ADMINISTRATION_SUBJECT)
        self.goal_in_force(enhet, enhet, UNIT_GOAL, payload, school, self.unit_names["PARK"], self.on(1, 15), follower=follower)
        self.made("unit goals")

    # --- internal control ----------------------------------------------------------------

    def internal_control(self) -> None:
        """The executive board's common control, then each board's plan: decided in December,
        its controls checked at each tertial passed; a deviation found gets an action."""
        self.kf.created(f"{IC}/common-controls", COMMON_CONTROL | {"year": self.year})
        tertials = [t for t in (1, 2, 3) if month_end(self.year, 4 * t) < self.today]
        for board in self.boards():
            chair, board_id = self.chair(board), self.units[board.short]
            plan = chair.created(
                f"{IC}/control-plans", {"board_org_unit_id": board_id, "year": self.year, "title": f"Internkontrollplan {self.year}"}
            )
            path = f"{IC}/control-plans/{plan['id']}"
            own = [
                (
                    control,
                    chair.created(
                        f"{path}/activities",
                        {
                            "area": control.area,
                            "what_is_checked": control.what_is_checked,
                            "method": control.method,
                            "frequency": "Per tertial",
                            "responsible": "Förvaltningschef",
                            "report_to": self.unit_names[board.short],
                            "report_when": "Vid delårsrapport och årsrapport",
                        },
                    ),
                )
                for control in board.controls
            ]
            self.propose_and_decide(chair, path, self.unit_names[board.short], self.on(12, 10, self.year - 1), "§ 95")
            carried = [(None, a) for a in plan["activities"]]
            for tertial in tertials:
                for control, activity in carried + own:
                    self.control_result(chair, board_id, control, activity, tertial)
            self.made("decided control plans")

    def control_result(self, chair: Caller, board_id: str, control: Control | None, activity: dict[str, Any], tertial: int) -> None:
        found = control.deviation if control is not None and tertial == 1 else None
        checked = month_end(self.year, 4 * tertial) - dt.timedelta(days=10)
        result = {
            "occasion": f"{self.year}-T{tertial}",
            "outcome": "DEVIATION" if found else "NO_REMARK",
            "checked_on": checked.isoformat(),
            "evidence": "Stickprov enligt planen" if not found else "Stickprov enligt planen; se avvikelsen",
        } | ({"deviation_description": found} if found else {})
        chair.created(f"{IC}/control-activities/{activity['id']}/results", result)
        self.made("control results")
        if found:
            [deviation] = [
                d for d in chair.items(f"{IC}/deviations", board_org_unit_id=board_id, year=self.year) if d["activity_id"] == activity["id"]
            ]
            chair.created(
                f"{IC}/deviations/{deviation['id']}/actions",
                {
                    "description": "Rutinen ses över och berörd personal utbildas.",
                    "owner": "Förvaltningschef",
                    "due_date": f"{self.year}-06-30",
                },
            )

    # --- the follow-up -------------------------------------------------------------------

    def occasions(self) -> dict[str, dict[str, Any]]:
        if self.kf.http.get(f"{FOLLOWUP}/cycles/{self.year}").status_code == 404:
            self.kf.call("POST", f"{FOLLOWUP}/cycles/{self.year}", 201)
        return {o["kind"]: o for o in self.kf.body("GET", f"{FOLLOWUP}/occasions", params={"year": self.year})}

    def drafted(self, writer: Caller, occasion: dict[str, Any], short: str, level: str) -> tuple[str, str]:
        """A report with every section its level requires written, refreshed, and every goal in
        force assessed; its path and ETag."""
        report = writer.created(f"{FOLLOWUP}/reports", {"occasion_id": occasion["id"], "org_unit_id": self.units[short]})
        self.reports[(occasion["kind"], short)] = report["id"]
        path = f"{FOLLOWUP}/reports/{report['id']}"
        tag = writer.call("POST", f"{path}/refresh").headers["etag"]
        name = self.unit_names[short]
        for heading in occasion["headings"]:
            if heading["required"] and level in heading["levels"]:
                text = SECTIONS.get(heading["key"], heading["title_sv"] + ": enligt plan.").format(name=name)
                tag = writer.call("PUT", f"{path}/sections/{heading['key']}", json={"text": text}, headers={"If-Match": tag}).headers[
                    "etag"
                ]
        assessments = {g.title: g for g in (*MUNICIPAL_GOALS, UNIT_GOAL, *(g for b in BOARDS for g in b.goals))}
        for shown in writer.body("GET", path)["preview"]["goals"]:
            goal = assessments.get(shown["goal"]["title"])
            level_code, analysis = (goal.level, goal.analysis) if goal else ("DELVIS_UPPFYLLT", "Bedömningen följer utfallet.")
            body = {"level_code": level_code, "analysis": analysis}
            tag = writer.call("PUT", f"{path}/assessments/{shown['goal']['goal_id']}", json=body, headers={"If-Match": tag}).headers["etag"]
        return path, tag

    def transition(self, writer: Caller, path: str, tag: str, step: str, **body: Any) -> httpx.Response:
        return writer.call("POST", f"{path}/transitions", json={"transition": step, **body}, headers={"If-Match": tag})

    def decided(self, writer: Caller, occasion: dict[str, Any], short: str, level: str, body: str, date: str, reference: str) -> None:
        path, tag = self.drafted(writer, occasion, short, level)
        proposed = self.transition(writer, path, tag, "PROPOSE")
        decision = {"body": body, "decision_date": date, "reference": f"{reference}/{self.year}"}
        self.transition(writer, path, proposed.headers["etag"], "DECIDE", decision=decision)

    def school_reports(self, occasion: dict[str, Any], submit: bool) -> None:
        """Parkskolan's and its administration's reports: submitted, or for the occasion in
        progress drafted."""
        for subject, short, level in ((UNIT_SUBJECT, "PARK", "UNIT"), (ADMINISTRATION_SUBJECT, "BUF", "ADMINISTRATION")):
            if short not in self.units:
                continue
            writer = self.caller(subject)
            path, tag = self.drafted(writer, occasion, short, level)
            if submit:
                self.transition(writer, path, tag, "SUBMIT")
            self.made("unit reports submitted" if submit else "unit reports drafted")

    def followup(self) -> None:
        occasions = self.occasions()
        for kind in DECIDED_OCCASIONS:
            occasion = occasions[kind]
            board_month, board_day = DECISION_DATES[f"{kind}_BOARD"]
            self.school_reports(occasion, submit=True)
            for board in self.boards():
                self.forecast(board, kind)
                name = self.unit_names[board.short]
                self.decided(
                    self.chair(board), occasion, board.short, "BOARD", name, self.on(board_month, board_day), f"{board.short} § 41"
                )
                self.made("board reports decided")
            self.municipal_report(occasion)
        self.school_reports(occasions[DRAFTED_OCCASION], submit=False)
        self.dialogue(occasions["INTERIM"])

    def municipal_report(self, occasion: dict[str, Any]) -> None:
        """The council's report, the company and the federation recorded as reporting in their own
        order, adopted."""
        path, tag = self.drafted(self.kf, occasion, "KF", "MUNICIPAL")
        for entry in self.kf.body("GET", f"{FOLLOWUP}/occasions/{occasion['id']}/compilation")["entries"]:
            if entry["state"] != "DECIDED":
                self.kf.created(f"{path}/missing", {"org_unit_id": entry["org_unit_id"], "reason": MISSING_REASON})
        tag = self.kf.call("GET", path).headers["etag"]
        proposed = self.transition(self.kf, path, tag, "PROPOSE")
        month, day = DECISION_DATES[f"{occasion['kind']}_COUNCIL"]
        decision = {"body": COUNCIL, "decision_date": self.on(month, day), "reference": f"KF § 60/{self.year}"}
        self.transition(self.kf, path, proposed.headers["etag"], "DECIDE", decision=decision)
        self.made("municipal reports adopted")

    def dialogue(self, interim: dict[str, Any]) -> None:
        """The school board's follow-up dialogue on its interim report, held."""
        board = next((b for b in self.boards() if b.short == SCHOOL_BOARD), None)
        if board is None:
            return
        chair = self.chair(board)
        participants = [
            {"name": board.chair_name, "title": "Nämndens ordförande", "side": "POLITICAL"},
            {"name": "Frida Förvaltning (demo)", "title": "Förvaltningschef", "side": "ADMINISTRATIVE"},
        ]
        held_on = self.on(*DECISION_DATES["DIALOGUE"])
        made = chair.created(
            f"{FOLLOWUP}/dialogues",
            {
                "title": DIALOGUE_TITLE,
                "kind": "FOLLOWUP",
                "year": self.year,
                "org_unit_id": self.units[board.short],
                "occasion_id": interim["id"],
                "planned_date": held_on,
                "themes": ["Läsförmåga i årskurs 1–3", "Trygghet i skolan", "Behörighet till gymnasiet"],
                "questions": ["Vad förklarar att pojkarnas läsförmåga ökar mest?", "Hur blir fler pojkar behöriga till yrkesprogram?"],
                "participants": participants,
                "basis_report_ids": [self.reports[("INTERIM", board.short)]],
            },
        )
        chair.conditional(
            "POST",
            f"{FOLLOWUP}/dialogues/{made['id']}",
            "transitions",
            json={
                "transition": "HOLD",
                "held_date": held_on,
                "participants": participants,
                "notes": "Genomgång av delårsrapportens måluppfyllelse och ekonomi.",
                "summary": "Lässatsningen fortsätter; förvaltningen återkommer med en plan för fler behöriga till gymnasiet.",
            },
        )
        self.made("dialogues held")

    # --- all of it -----------------------------------------------------------------------

    def seed(self) -> bool:
        """Make the year; False when it was there already."""
        state = self.state()
        if state == "DONE":
            return False
        if state == "PARTIAL":
            raise DemoYearError(
                f"the year {self.year} has a budget but no follow-up dialogue: an earlier seed stopped midway; "
                "start from an empty data folder"
            )
        self.read_directory()
        self.register_chairs()
        self.vision()
        self.indicator_catalogue()
        self.municipal_goals()
        self.budget()
        self.allocations_and_actuals()
        self.board_goals_and_activities()
        self.internal_control()
        self.followup()
        return True


def seed(gateway_url: str, *, year: int | None = None, today: dt.date | None = None) -> Seeded:
    """The demo year made through the gateway at `gateway_url` (its dev issuer on), or found there."""
    today = today or dt.date.today()
    started = time.perf_counter()
    with ExitStack() as stack:
        demo = DemoYear(gateway_url, year or today.year, today, stack)
        made = demo.seed()
        return Seeded(demo.year, not made, demo.counter[0], time.perf_counter() - started, demo.counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000", help="the running system's gateway")
    args = parser.parse_args()
    print(seed(args.gateway).summary())


if __name__ == "__main__":
    main()
