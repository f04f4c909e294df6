"""What a report shows from the other services, read together at a refresh and at the decision.

`gather` reads goals, budget and internal control with the follow-up service's own assertion and
answers one JSON-able dict (ids, dates and decimals as strings). Nothing is stored here: the caller
stores the whole answer in one step, so a callee that is down (503 naming it) leaves nothing
half-made.

The answer's shape (the report's rules and documents rely on these keys):

    {
      "goals": [                      # every decided goal in force for the org unit at the period end
        {"goal_id": lineage id, "revision_id": id, "level": "MUNICIPAL|BOARD|UNIT", "title": str,
         "perspective": str | None, "owner_org_unit_id": id, "closed": bool,
         "indicators": [{"use_id", "indicator_id", "name", "unit", "gender_split": bool,
                         "target", "outcome": {"period", "total", "women", "men"} | None,
                         "status", "trend"}],
         "contributing_goal_ids": [lineage ids of the goals beneath it],
         "activities": [{"id", "title", "owner_org_unit_id", "status"}]}
      ],
      "economy": {"budget", "actuals", "forecast", "forecast_deviation", "forecast_comment",
                  "through_month", "investments": [...], "reallocations": [{"id", ...}]} | None,
      "assignments": [{"id", "title", "status", "report": {"status", "text"} | None}],
      "internal_control": {"plan": {...} | None, "results": [...], "deviations": [...],
                           "actions": [...], "followup_report": {"id", "status", "decision"} | None} | None,
      "quality_factors": [{"id", "title", "key_figures": [...]}],
      "core_mission": {...} | None,
      "municipality": {...} | None    # the municipal report only: the municipality's economy, and
                                      # for ANNUAL the balance requirement statement
    }

Which goals: those the org unit owns in the year's decided thread, outcomes of periods ending by
the period end (the municipal report: the council's, that is the municipal goals). The economy of a
board is the budget service's: its operating frame, actuals booked through the period end's month,
the occasion's full-year forecast with its comment, `forecast_deviation` = budget − forecast
(positive: a surplus), the investment projects of the year against the investment frame, and the
reallocations decided by the period end that are not yet reported (or were reported at this very
follow-up, so that a decision taken again still shows them). The budget keeps budget and forecasts
per board only: a unit's or administration's economy holds the actuals booked on its cost centres
and says so in `note`. Assignments, internal control and the core mission are a board's (the
municipal report: every board's assignments of the year). Quality factors are the org unit's (a
board's: those of the administrations serving it), each key figure with its latest outcome as the
goals service has it.

The reads are independent and taken concurrently, a constant number of calls per report whatever
the number of goals and indicators (a board: about fifteen; the thread brings every goal with its
indicators, latest outcomes and activities in one).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from followup_service.clients import Callees
from followup_service.clients.budget import BudgetSummary, Forecast, InvestmentPlan, InvestmentProject, Reallocation
from followup_service.clients.goals import Assignment, AssignmentReport, CoreMission, IndicatorUse, QualityFactor, Thread, ThreadGoal
from followup_service.clients.internal_control import ControlPlan, ControlResult, Deviation, FollowupReport
from followup_service.levels import ReportLevel
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitReplica, OrgUnitType

# The budget service keeps budgets and forecasts per board: below a board only actuals are booked.
BELOW_BOARD_NOTE = "the budget and forecasts are kept per board; this is the actual net cost booked on the org unit's cost centres"


@dataclass(frozen=True, slots=True)
class Subject:
    """What a report is about: whose, at which follow-up, over which period."""

    org_unit_id: uuid.UUID
    level: ReportLevel
    year: int
    occasion: FollowupOccasion
    period_end: dt.date
    # The previous follow-up's period end in the year: reallocations since then are reported.
    previous_period_end: dt.date | None
    # The board the org unit reports under (itself for a board; None for the municipal report).
    board_org_unit_id: uuid.UUID | None


async def gather(callees: Callees, org_units: OrgUnitReplica, subject: Subject) -> dict[str, Any]:
    if subject.level == ReportLevel.MUNICIPAL:
        return await _municipal(callees, subject)
    if subject.level == ReportLevel.BOARD:
        return await _board(callees, subject, _with_administrations(org_units, subject.org_unit_id))
    return await _below_board(callees, subject)


async def mark_reallocations_reported(callees: Callees, reallocation_ids: list[str], occasion: FollowupOccasion) -> None:
    """Marks the reallocations a decided report carried as reported in the budget service, at the
    report's follow-up `occasion`. One already reported is left as it is, so a decision taken again
    reports nothing twice."""
    reallocations = await _all(*(callees.budget.reallocation(rid) for rid in reallocation_ids))
    await _all(*(callees.budget.report_reallocation(r, occasion) for r in reallocations if r.reported_at_occasion is None))


# --- per level ---------------------------------------------------------------------------


def _through_month(subject: Subject) -> int | None:
    # Outcomes and actuals of the follow-up's year up to its period end; an earlier year in full.
    return subject.period_end.month if subject.period_end.year == subject.year else None


def _with_administrations(org_units: OrgUnitReplica, board: uuid.UUID) -> list[uuid.UUID]:
    """The board and the administrations serving it: quality factors are an administration's."""
    below = [uuid.UUID(u.id) for u in org_units.units.values() if u.parent_id == str(board) and u.type == OrgUnitType.ADMINISTRATION]
    return [board, *sorted(below)]


async def _board(callees: Callees, subject: Subject, quality_units: list[uuid.UUID]) -> dict[str, Any]:
    board = subject.board_org_unit_id or subject.org_unit_id
    year, month = subject.year, _through_month(subject)
    goals, budget, ic = callees.goals, callees.budget, callees.internal_control
    (
        thread,
        assignments,
        assignment_reports,
        factors,
        uses,
        mission,
        summary,
        forecasts,
        reallocations,
        projects,
        plan,
        control_plans,
        results,
        deviations,
        ic_reports,
    ) = await _all(
        goals.thread(year, subject.org_unit_id, through_month=month),
        goals.assignments(year, board),
        goals.assignment_reports(year, board, subject.occasion),
        _each(goals.quality_factors, quality_units),
        _each(goals.indicator_uses, quality_units),
        goals.current_core_mission(subject.org_unit_id),
        budget.summary(year, level="BOARD", through_month=month),
        budget.forecasts(year, subject.occasion, board),
        budget.reallocations(year, board),
        budget.investment_projects(year, board),
        budget.investment_plan(board, year),
        ic.control_plans(year, board),
        ic.results(year, board),
        ic.deviations(year, board),
        ic.followup_reports(year, board),
    )
    return {
        "goals": _goals_of(thread, subject.org_unit_id),
        "economy": _board_economy(subject, board, summary, forecasts, reallocations, projects, plan),
        "assignments": _assignments(assignments, assignment_reports),
        "internal_control": _internal_control(subject, control_plans, results, deviations, ic_reports),
        "quality_factors": _quality_factors(factors, uses),
        "core_mission": _core_mission(mission),
        "municipality": None,
    }


async def _below_board(callees: Callees, subject: Subject) -> dict[str, Any]:
    month = _through_month(subject)
    thread, factors, uses, summary = await _all(
        callees.goals.thread(subject.year, subject.org_unit_id, through_month=month),
        callees.goals.quality_factors(subject.org_unit_id),
        callees.goals.indicator_uses(subject.org_unit_id),
        callees.budget.summary(subject.year, level="ADMINISTRATION", through_month=month),
    )
    return {
        "goals": _goals_of(thread, subject.org_unit_id),
        "economy": _unit_economy(subject, summary),
        "assignments": [],
        "internal_control": None,
        "quality_factors": _quality_factors(factors, uses),
        "core_mission": None,
        "municipality": None,
    }


async def _municipal(callees: Callees, subject: Subject) -> dict[str, Any]:
    month = _through_month(subject)
    reads: list[Awaitable[Any]] = [
        callees.goals.thread(subject.year, subject.org_unit_id, through_month=month),
        callees.goals.assignments(subject.year),
        callees.goals.assignment_reports(subject.year, None, subject.occasion),
        callees.budget.summary(subject.year, level="BOARD", through_month=month),
    ]
    if subject.occasion == FollowupOccasion.ANNUAL:
        reads.append(callees.budget.balance_statement(subject.year))
    thread, assignments, assignment_reports, summary, *statement = await _all(*reads)
    return {
        "goals": _goals_of(thread, subject.org_unit_id),
        "economy": None,
        "assignments": _assignments(assignments, assignment_reports),
        "internal_control": None,
        "quality_factors": [],
        "core_mission": None,
        "municipality": {
            "economy": _municipal_economy(summary, month),
            "balance_statement": _dump(statement[0]) if statement and statement[0] is not None else None,
        },
    }


# --- goals -------------------------------------------------------------------------------


def _nodes(goals: Iterable[ThreadGoal]) -> Iterable[ThreadGoal]:
    for goal in goals:
        yield goal
        yield from _nodes(goal.contributing_goals)


def _goals_of(thread: Thread, org_unit_id: uuid.UUID) -> list[dict[str, Any]]:
    """The goals the org unit owns, once each, in the thread's order (chained, then unlinked)."""
    seen: set[uuid.UUID] = set()
    own: list[dict[str, Any]] = []
    for goal in _nodes([*thread.goals, *thread.unlinked.board, *thread.unlinked.unit]):
        if goal.owner_org_unit_id == org_unit_id and goal.lineage_id not in seen:
            seen.add(goal.lineage_id)
            own.append(_goal(goal))
    return own


def _goal(goal: ThreadGoal) -> dict[str, Any]:
    return {
        "goal_id": str(goal.lineage_id),
        "revision_id": str(goal.id),
        "level": goal.level,
        "title": goal.title,
        "perspective": goal.perspective,
        "owner_org_unit_id": str(goal.owner_org_unit_id),
        "closed": goal.closed,
        "indicators": [
            {
                "use_id": str(i.use_id),
                "indicator_id": str(i.indicator_id),
                "name": i.name,
                "unit": i.unit,
                "gender_split": i.gender_split,
                "target": _text(i.target),
                "outcome": None
                if i.latest is None
                else {
                    "period": i.latest.period,
                    "total": _text(i.latest.total),
                    "women": _text(i.latest.women) if i.gender_split else None,
                    "men": _text(i.latest.men) if i.gender_split else None,
                },
                "status": i.status,
                "trend": i.trend,
            }
            for i in goal.indicators
        ],
        "contributing_goal_ids": [str(c.lineage_id) for c in goal.contributing_goals],
        "activities": [
            {"id": str(a.id), "title": a.title, "owner_org_unit_id": str(a.owner_org_unit_id), "status": a.status} for a in goal.activities
        ],
    }


# --- economy -----------------------------------------------------------------------------


def _board_economy(
    subject: Subject,
    board: uuid.UUID,
    summary: BudgetSummary,
    forecasts: list[Forecast],
    reallocations: list[Reallocation],
    projects: list[InvestmentProject],
    plan: InvestmentPlan | None,
) -> dict[str, Any]:
    entry = next((b for b in summary.boards or [] if b.board_org_unit_id == board), None)
    forecast = next((f for f in forecasts if f.board_org_unit_id == board and f.occasion == subject.occasion), None)
    budget = entry.budget if entry else None
    return {
        "budget": _text(budget),
        "actuals": _text(entry.actuals) if entry else "0.00",
        "forecast": _text(forecast.amount) if forecast else None,
        "forecast_deviation": _text(budget - forecast.amount) if budget is not None and forecast is not None else None,
        "forecast_comment": forecast.comment if forecast else "",
        "through_month": _through_month(subject),
        "booked_through_month": summary.through_month,
        "investments": [
            {
                "id": str(p.id),
                "name": p.name,
                "status": p.status,
                "amount": _text(next((a.amount for a in p.amounts if a.year == subject.year), Decimal("0.00"))),
                "total": _text(p.total),
            }
            for p in projects
        ],
        "investment_total": _text(plan.total) if plan else None,
        "investment_frame": _text(plan.frame.amount) if plan and plan.frame else None,
        "investment_exceeds_frame": plan.exceeds_frame if plan else None,
        "reallocations": [_reallocation(r) for r in reallocations if _to_report(r, subject)],
        "note": None,
    }


def _to_report(reallocation: Reallocation, subject: Subject) -> bool:
    """Not yet reported and decided by the period end, or reported at this follow-up."""
    if reallocation.reported_at_occasion is None:
        return reallocation.decision.decision_date <= subject.period_end
    return reallocation.reported_at_occasion == subject.occasion


def _reallocation(r: Reallocation) -> dict[str, Any]:
    return {
        "id": str(r.id),
        "from_activity_area_id": str(r.from_activity_area_id),
        "to_activity_area_id": str(r.to_activity_area_id),
        "amount": _text(r.amount),
        "decision": {"body": r.decision.body, "decision_date": r.decision.decision_date.isoformat(), "reference": r.decision.reference},
        "reported_at_occasion": r.reported_at_occasion.value if r.reported_at_occasion else None,
    }


def _unit_economy(subject: Subject, summary: BudgetSummary) -> dict[str, Any]:
    booked = [a.actuals for a in summary.administrations or [] if a.org_unit_id == subject.org_unit_id]
    return {
        "budget": None,
        "actuals": _text(sum(booked, Decimal("0.00"))) if booked else None,
        "forecast": None,
        "forecast_deviation": None,
        "forecast_comment": "",
        "through_month": _through_month(subject),
        "booked_through_month": summary.through_month,
        "investments": [],
        "reallocations": [],
        "note": BELOW_BOARD_NOTE,
    }


def _municipal_economy(summary: BudgetSummary, month: int | None) -> dict[str, Any]:
    totals = summary.municipality
    return {
        "budget": _text(totals.budget),
        "actuals": _text(totals.actuals),
        "forecast": _text(totals.forecast),
        "forecast_deviation": _text(totals.forecast_deviation),
        "boards_total": totals.boards_total,
        "boards_reported": totals.boards_reported,
        "through_month": month,
        "booked_through_month": summary.through_month,
        "boards": [
            {
                "board_org_unit_id": str(b.board_org_unit_id),
                "budget": _text(b.budget),
                "actuals": _text(b.actuals),
                "forecast": _text(b.forecast),
                "forecast_deviation": _text(b.forecast_deviation),
            }
            for b in summary.boards or []
        ],
    }


# --- assignments, internal control, quality, core mission ---------------------------------


def _assignments(assignments: list[Assignment], reports: list[AssignmentReport]) -> list[dict[str, Any]]:
    latest = {r.assignment_id: r for r in reports}  # oldest first: the last one of each stands
    return [
        {
            "id": str(a.id),
            "board_org_unit_id": str(a.board_org_unit_id),
            "title": a.title,
            "status": a.status,
            "report": None
            if a.id not in latest
            else {"status": latest[a.id].status, "text": latest[a.id].text, "reported_at": latest[a.id].reported_at.isoformat()},
        }
        for a in assignments
    ]


def _internal_control(
    subject: Subject, plans: list[ControlPlan], results: list[ControlResult], deviations: list[Deviation], reports: list[FollowupReport]
) -> dict[str, Any]:
    plan = _in_force(plans)
    taken = [r for r in results if r.checked_on <= subject.period_end]
    taken_ids = {r.id for r in taken}
    found = [d for d in deviations if d.result_id in taken_ids]
    report = _in_force(reports)
    return {
        "plan": None
        if plan is None
        else {
            "id": str(plan.id),
            "revision": plan.revision,
            "title": plan.title,
            "status": plan.status,
            "decision": _decision(plan.decision),
        },
        "results": [
            {
                "id": str(r.id),
                "activity_id": str(r.activity_id),
                "occasion": r.occasion,
                "outcome": r.outcome,
                "checked_on": r.checked_on.isoformat(),
                "deviation_id": str(r.deviation_id) if r.deviation_id else None,
            }
            for r in taken
        ],
        "deviations": [
            {"id": str(d.id), "result_id": str(d.result_id), "area": d.area, "description": d.description, "status": d.status}
            for d in found
        ],
        "actions": [
            {
                "id": str(a.id),
                "deviation_id": str(d.id),
                "description": a.description,
                "owner": a.owner,
                "due_date": a.due_date.isoformat(),
                "status": a.status,
                "overdue": a.overdue,
            }
            for d in found
            for a in d.actions
        ],
        "followup_report": None
        if report is None
        else {"id": str(report.id), "revision": report.revision, "status": report.status, "decision": _decision(report.decision)},
    }


def _in_force(revisions: list[Any]) -> Any:
    """The decided revision, else the newest one (a draft or proposal in the making)."""
    decided = [r for r in revisions if r.status == Status.DECIDED]
    candidates = decided or [r for r in revisions if r.status != Status.ARCHIVED] or revisions
    return max(candidates, key=lambda r: r.revision, default=None)


def _decision(decision: Any) -> dict[str, str] | None:
    if decision is None:
        return None
    return {"body": decision.body, "decision_date": decision.decision_date.isoformat(), "reference": decision.reference}


def _quality_factors(factors: list[QualityFactor], uses: list[IndicatorUse]) -> list[dict[str, Any]]:
    latest = {u.id: u.latest for u in uses}
    return [
        {
            "id": str(f.id),
            "title": f.name,
            "description": f.description,
            "key_figures": [
                {
                    "use_id": str(k.use_id),
                    "indicator_id": str(k.indicator_id),
                    "name": k.indicator_name,
                    "unit": k.unit,
                    "latest": _latest(latest.get(k.use_id)),
                }
                for k in f.key_figures
            ],
        }
        for f in factors
    ]


def _latest(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return {
        "period": value.period,
        "total": _text(value.total),
        "women": _text(value.women),
        "men": _text(value.men),
        "target": _text(value.target),
        "status": value.status,
        "trend": value.trend,
    }


def _core_mission(mission: CoreMission | None) -> dict[str, Any] | None:
    if mission is None:
        return None
    dumped = _dump(mission)
    keep = ("id", "revision", "org_unit_id", "idea_and_responsibilities", "target_groups", "legislation", "steering_documents", "decision")
    return {key: dumped.get(key) for key in keep}


# --- plumbing ----------------------------------------------------------------------------


async def _each(read: Callable[[uuid.UUID], Awaitable[list[Any]]], org_unit_ids: list[uuid.UUID]) -> list[Any]:
    """One list read for each org unit (a board has one administration or a few), joined."""
    return [item for items in await _all(*(read(unit) for unit in org_unit_ids)) for item in items]


async def _all(*reads: Awaitable[Any]) -> list[Any]:
    """Every read, concurrently; the first refusal in the order given (a callee down: 503 naming
    it) is raised once all have ended, so nothing is answered half-made and no read is left running."""
    answers = await asyncio.gather(*reads, return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return list(answers)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json")
    return dumped
