"""The follow-up of internal control (seed: "Intern kontroll", "Bilagor").

Each board approves the follow-up of its control plan at the latest with its annual report in
February: a report whose content is a snapshot of the plan's execution (results per occasion,
deviations, actions), frozen once the board has decided it; a change is a new revision. The
executive board (KS) then evaluates the municipality's internal control as a whole from all boards:
every board of the directory, those that have kept no internal control here included.
"""

import datetime as dt
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.boards import boards_of_year, closed_during, require_board
from internal_control_service.db import auditor
from internal_control_service.execution import deadlines
from internal_control_service.execution import repository as execution_repository
from internal_control_service.execution import service as execution_service
from internal_control_service.execution.schemas import ActionStatus, DeviationStatus, Outcome
from internal_control_service.plans.models import ControlPlan
from internal_control_service.reports import repository
from internal_control_service.reports.models import FollowupReport
from internal_control_service.reports.repository import RevisionRow
from internal_control_service.reports.schemas import (
    ActionSnapshot,
    ActivitySnapshot,
    AreaDeviations,
    BoardEvaluation,
    DeviationSnapshot,
    Evaluation,
    ExecutionTotals,
    ReportContent,
    ReportCreate,
    ReportRead,
    ReportUpdate,
    ResultSnapshot,
    RiskBandCount,
)
from internal_control_service.risks.scales import RiskScales
from styrkedjan_common.db import lock_for_rule, utcnow
from styrkedjan_common.http import EMBEDDED_MAX, encode_cursor
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Status, Transition, apply_transition, ensure_draft
from styrkedjan_common.org_units import OrgUnit, OrgUnitReplica
from styrkedjan_common.problems import Forbidden, NotFound, RuleViolation
from styrkedjan_common.scope import ensure_can_write

ENTITY = "followup_report"
# The administration drafts the report; the board approves it.
DRAFTERS = (Role.NAMND, Role.FORVALTNING)
DECIDERS = (Role.NAMND,)
EVALUATORS = (Role.FULLMAKTIGE, Role.REVISOR)
OPEN_STATUSES = (Status.DRAFT, Status.PROPOSED)
APPROVED = (Status.DECIDED.value, Status.ARCHIVED.value)


# --- content ------------------------------------------------------------------------------


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def take_content(session: AsyncSession, plan: ControlPlan) -> ReportContent:
    """The plan's execution as it stands now, in three queries whatever its size."""
    activities = await repository.activities_of(session, plan.id)
    results = await repository.results_of(session, plan.id)
    actions = await execution_repository.actions_of(session, [row.Deviation.id for row in results if row.Deviation is not None])
    by_activity: dict[uuid.UUID, list[ResultSnapshot]] = defaultdict(list)
    totals: defaultdict[str, int] = defaultdict(int)
    for result, deviation in results:
        deviation_snapshot = None
        if deviation is not None:
            totals[deviation.status] += 1
            action_snapshots = [
                ActionSnapshot(
                    id=a.id,
                    description=a.description,
                    owner=a.owner,
                    due_date=a.due_date,
                    status=ActionStatus(a.status),
                    overdue=execution_service.is_overdue(a.status, a.due_date),
                )
                for a in actions[deviation.id]
            ]
            totals["actions_open"] += sum(a.status == ActionStatus.OPEN for a in action_snapshots)
            totals["actions_overdue"] += sum(a.overdue for a in action_snapshots)
            deviation_snapshot = DeviationSnapshot(
                id=deviation.id,
                description=deviation.description,
                status=DeviationStatus(deviation.status),
                closed_at=deviation.closed_at,
                closing_note=deviation.closing_note,
                actions=action_snapshots,
            )
        by_activity[result.activity_id].append(
            ResultSnapshot(
                id=result.id,
                occasion=result.occasion,
                outcome=Outcome(result.outcome),
                checked_on=result.checked_on,
                evidence=result.evidence,
                deviation=deviation_snapshot,
            )
        )
    with_result = sum(1 for a in activities if by_activity[a.id])
    return ReportContent(
        plan_id=plan.id,
        plan_title=plan.title,
        plan_revision=plan.revision,
        plan_decision=plan.decision(),
        as_of=deadlines.today(),
        activities=[
            ActivitySnapshot(
                id=a.id,
                area=a.area,
                what_is_checked=a.what_is_checked,
                method=a.method,
                frequency=a.frequency,
                responsible=a.responsible,
                common_control_id=a.common_control_id,
                results=by_activity[a.id],
            )
            for a in activities
        ],
        totals=ExecutionTotals(
            activities=len(activities),
            activities_with_result=with_result,
            completion=_share(with_result, len(activities)),
            deviations_open=totals[DeviationStatus.OPEN.value],
            deviations_closed=totals[DeviationStatus.CLOSED.value],
            actions_open=totals["actions_open"],
            actions_overdue=totals["actions_overdue"],
        ),
    )


async def _retake(session: AsyncSession, report: FollowupReport) -> None:
    plan = await repository.decided_plan(session, report.board_org_unit_id, report.year)
    if plan is None:
        raise RuleViolation(
            f"a follow-up report follows up the board's decided control plan; board {report.board_org_unit_id} "
            f"has no decided control plan for {report.year}"
        )
    report.plan_id = plan.id
    report.content = (await take_content(session, plan)).model_dump(mode="json")
    report.content_taken_at = utcnow()


# --- reports ------------------------------------------------------------------------------


def activity_page(report: FollowupReport, limit: int, start: int) -> tuple[list[ActivitySnapshot], str | None]:
    """A page of the activities of the report's content: the content is frozen, so a position in it
    stays where it was (content retaken gives the report a new ETag)."""
    activities = report.content["activities"]
    end = start + limit
    next_cursor = encode_cursor({"index": end}) if end < len(activities) else None
    return [ActivitySnapshot.model_validate(a) for a in activities[start:end]], next_cursor


def to_read(report: FollowupReport, *, whole: bool = False) -> ReportRead:
    """The report with its first activities (all of them when `whole`, as the audit trail keeps it)."""
    deadline = deadlines.report_deadline(report.year)
    decided_on = report.decision_date if report.status in APPROVED else None
    activities = report.content["activities"]
    shown, next_cursor = (activities, None) if whole else activity_page(report, EMBEDDED_MAX, 0)
    return ReportRead(
        id=report.id,
        board_org_unit_id=report.board_org_unit_id,
        year=report.year,
        plan_id=report.plan_id,
        revision=report.revision,
        replaces_id=report.replaces_id,
        status=Status(report.status),
        decision=report.decision(),
        summary=report.summary,
        content=ReportContent.model_validate(report.content | {"activities": shown}),
        activity_count=len(activities),
        activities_next_cursor=next_cursor,
        content_taken_at=report.content_taken_at,
        deadline=deadline,
        late=deadlines.is_late(deadline, decided_on),
        created_at=report.created_at,
        created_by=report.created_by,
        updated_at=report.updated_at,
        updated_by=report.updated_by,
        row_version=report.row_version,
    )


def _snapshot(report: FollowupReport) -> dict[str, Any]:
    # The content is in the report row itself; the audit trail keeps what the board saw (not the
    # board's name, looked up beside its id when read).
    return to_read(report, whole=True).model_dump(mode="json", exclude={"board_org_unit"})


async def _find(session: AsyncSession, report_id: uuid.UUID) -> FollowupReport:
    report = await repository.get(session, report_id)
    if report is None:
        raise NotFound(f"no follow-up report {report_id}")
    return report


async def get_readable(session: AsyncSession, principal: Principal, report_id: uuid.UUID) -> FollowupReport:
    """Outside the caller's scope a board's report does not exist (404)."""
    report = await _find(session, report_id)
    execution_service.ensure_readable(principal, report.board_org_unit_id, f"no follow-up report {report_id}")
    return report


async def get_writable(
    session: AsyncSession, principal: Principal, report_id: uuid.UUID, roles: tuple[Role, ...], what: str
) -> FollowupReport:
    """A write outside the caller's scope is refused (403) naming `what`."""
    report = await _find(session, report_id)
    ensure_can_write(principal, report.board_org_unit_id, roles, what)
    return report


async def _ensure_none_open(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> None:
    await lock_for_rule(session, f"followup_report:{board_org_unit_id}:{year}")
    open_report = await repository.first_in_status(session, board_org_unit_id, year, OPEN_STATUSES)
    if open_report is not None:
        raise RuleViolation(
            f"one follow-up report per board and year is prepared at a time: revision {open_report.revision} is still {open_report.status}"
        )


async def _add(
    session: AsyncSession, principal: Principal, board_org_unit_id: uuid.UUID, year: int, summary: str, replaces: FollowupReport | None
) -> FollowupReport:
    report = FollowupReport(
        board_org_unit_id=board_org_unit_id,
        year=year,
        summary=summary,
        status=Status.DRAFT.value,
        revision=await repository.max_revision(session, board_org_unit_id, year) + 1,
        replaces_id=replaces.id if replaces else None,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    await _retake(session, report)
    session.add(report)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, report.id, after=_snapshot(report))
    return report


async def create(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: ReportCreate) -> FollowupReport:
    ensure_can_write(principal, data.board_org_unit_id, DRAFTERS, "a follow-up report")
    await require_board(org_units, data.board_org_unit_id, data.year)
    await _ensure_none_open(session, data.board_org_unit_id, data.year)
    decided = await repository.first_in_status(session, data.board_org_unit_id, data.year, (Status.DECIDED,))
    if decided is not None:
        raise RuleViolation(
            f"the follow-up report for {data.year} is decided and immutable; a change is a new revision (POST /followup-reports/{decided.id}/revisions)"
        )
    return await _add(session, principal, data.board_org_unit_id, data.year, data.summary, None)


async def new_revision(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, source: FollowupReport) -> FollowupReport:
    """A change of a decided report (ändringsbeslut): a new draft with the execution as it stands
    now. A board wound up changes nothing."""
    if source.status != Status.DECIDED.value:
        raise RuleViolation(f"a new revision starts from the decided report; this one is {source.status}")
    await require_board(org_units, source.board_org_unit_id, source.year, pointer="#/path/report_id")
    await _ensure_none_open(session, source.board_org_unit_id, source.year)
    return await _add(session, principal, source.board_org_unit_id, source.year, source.summary, source)


async def update(session: AsyncSession, principal: Principal, report: FollowupReport, data: ReportUpdate) -> FollowupReport:
    ensure_draft(report)
    if data.summary is None or data.summary == report.summary:
        return report  # nothing changes: no new row version, no audit event
    before = _snapshot(report)
    report.summary = data.summary
    report.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, report.id, before=before, after=_snapshot(report))
    return report


async def transition(
    session: AsyncSession, principal: Principal, report: FollowupReport, step: Transition, decision: Decision | None = None
) -> FollowupReport:
    """Proposing takes the content afresh: the board approves the execution as it stands when the
    report is put to it. Deciding freezes it and archives the revision it replaces."""
    superseded = await repository.get(session, report.replaces_id) if step == Transition.DECIDE and report.replaces_id else None
    return await apply_transition(
        session,
        auditor,
        principal,
        report,
        step,
        decision,
        entity=ENTITY,
        snapshot=_snapshot,
        superseded=superseded,
        effect=partial(_retake, session, report) if step == Transition.PROPOSE else None,
    )


# --- the executive board's evaluation -----------------------------------------------------


def ensure_evaluator(principal: Principal) -> None:
    if principal.has_any_role((Role.REVISOR,)):
        return
    if principal.scope_of((Role.FULLMAKTIGE,)) is not None:
        raise Forbidden(
            "the evaluation of all boards is read by the executive board (fullmaktige with the whole municipality in scope) and the auditors"
        )


def _distribution(scales: RiskScales, counts: Counter[str]) -> list[RiskBandCount]:
    return [RiskBandCount(label=band.label, colour=band.colour, risks=counts[band.label]) for band in scales.bands]


def _state(revisions: Iterable[RevisionRow], deadline: dt.date) -> tuple[Status | None, bool]:
    """The status of a board's plan or report (the decided revision's if there is one, else the
    latest revision's), and whether it was late: first decided after the deadline, or never by now."""
    rows = sorted(revisions, key=lambda r: r.revision)
    if not rows:
        return None, deadlines.is_late(deadline, None)
    decided = [r for r in rows if r.status == Status.DECIDED.value]
    status = Status((decided or rows)[-1].status)
    approvals = [r.decision_date for r in rows if r.status in APPROVED and r.decision_date is not None]
    return status, deadlines.is_late(deadline, min(approvals) if approvals else None)


def _by_board(rows: Sequence[RevisionRow]) -> dict[uuid.UUID, list[RevisionRow]]:
    grouped: dict[uuid.UUID, list[RevisionRow]] = defaultdict(list)
    for row in rows:
        grouped[row.board_org_unit_id].append(row)
    return grouped


def boards_to_evaluate(org_units: OrgUnitReplica, year: int, with_records: Iterable[uuid.UUID]) -> list[tuple[uuid.UUID, OrgUnit | None]]:
    """The boards the executive board evaluates for `year`, by name: every board-level unit of the
    directory valid on some day of the year, since each keeps internal control of its own, so one
    that has kept none here is listed, and flagged, rather than left out; one wound up during the
    year is listed, one wound up before it is not. A board holding internal control of the year
    (`with_records`) that the directory does not place in the year is listed too, after the others,
    so no record of the year goes unevaluated."""
    listed: dict[uuid.UUID, OrgUnit | None] = {uuid.UUID(unit.id): unit for unit in boards_of_year(org_units, year)}
    for board in with_records:
        listed.setdefault(board, org_units.units.get(str(board)))
    return sorted(listed.items(), key=lambda item: (item[1] is None, item[1].name if item[1] else "", str(item[0])))


async def evaluate(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, year: int, scales: RiskScales) -> Evaluation:
    """Seven queries for the whole municipality, whatever the number of boards; the boards
    themselves come from the replica in memory."""
    ensure_evaluator(principal)
    today = deadlines.today()
    plans = _by_board(await repository.plan_states(session, year))
    reports = _by_board(await repository.report_states(session, year))
    activities = {row.board_org_unit_id: row for row in await repository.activity_counts(session, year)}
    deviations = {row.board_org_unit_id: row for row in await repository.deviation_counts(session, year)}
    actions = {row.board_org_unit_id: row for row in await repository.action_counts(session, year, today)}
    by_area = await repository.deviations_by_area(session, year)
    risks: dict[uuid.UUID, Counter[str]] = defaultdict(Counter)
    for row in await repository.risk_values(session, year):
        risks[row.board_org_unit_id][scales.band_of(row.value).label] += row.risks
    evaluated = []
    for board, unit in boards_to_evaluate(org_units, year, plans.keys() | reports.keys() | risks.keys()):
        plan_status, plan_late = _state(plans.get(board, []), deadlines.plan_deadline(year))
        report_status, report_late = _state(reports.get(board, []), deadlines.report_deadline(year))
        counted, found, acted = activities.get(board), deviations.get(board), actions.get(board)
        total, with_result = (counted.activities, counted.with_result) if counted else (0, 0)
        evaluated.append(
            BoardEvaluation(
                board_org_unit_id=board,
                board_org_unit=org_units.name_of(board),
                board_closed_on=closed_during(unit, year),
                plan_status=plan_status,
                plan_missing=board not in plans,
                plan_deadline=deadlines.plan_deadline(year),
                plan_late=plan_late,
                activities=total,
                activities_with_result=with_result,
                completion=_share(with_result, total),
                deviations_open=found.open if found else 0,
                deviations_closed=found.closed if found else 0,
                actions_open=acted.open if acted else 0,
                actions_overdue=acted.overdue if acted else 0,
                report_status=report_status,
                report_missing=board not in reports,
                report_deadline=deadlines.report_deadline(year),
                report_late=report_late,
                risks=_distribution(scales, risks.get(board, Counter())),
            )
        )
    return Evaluation(
        year=year,
        as_of=today,
        boards=evaluated,
        boards_without_plan=sum(1 for board in evaluated if board.plan_missing),
        boards_without_report=sum(1 for board in evaluated if board.report_missing),
        deviations_by_area=[AreaDeviations(area=row.area, deviations_open=row.open, deviations_closed=row.closed) for row in by_area],
        risks=_distribution(scales, sum(risks.values(), Counter())),
    )
