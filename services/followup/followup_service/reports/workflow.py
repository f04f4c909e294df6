"""A report's way from draft to frozen document: refreshing what the other services show,
submitting (units, administrations) or proposing and deciding (boards, the municipality), and the
rules each step checks first. The document is frozen at submission and at decision, in the same
transaction as the step: a callee that is down leaves everything as it was."""

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.clients import Callees
from followup_service.compilation import rules as compilation_rules
from followup_service.cycle.models import Occasion
from followup_service.cycle.service import get_occasion
from followup_service.db import auditor
from followup_service.levels import ReportLevel
from followup_service.reminders import outbox
from followup_service.reports import contents, gather, references, repository, snapshots
from followup_service.reports.models import Report
from followup_service.reports.schemas import ReportStatus
from followup_service.reports.service import ENTITY, audit_snapshot
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision, Transition, apply_transition
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import BOARD_LEVEL, BOARDS, OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, RuleViolation
from styrkedjan_common.scope import ensure_can_write

# The clients, taken only when a step reads the other services (a missing key is a 503 then).
CalleesOf = Callable[[], Callees]
SUBMITTED_LEVELS = (ReportLevel.UNIT, ReportLevel.ADMINISTRATION)
# Who returns a submitted report: the level above, whose scope covers it.
RETURNERS = {ReportLevel.UNIT: (Role.FORVALTNING, Role.NAMND), ReportLevel.ADMINISTRATION: (Role.NAMND,)}
DECIDERS = {ReportLevel.BOARD: (Role.NAMND,), ReportLevel.MUNICIPAL: (Role.FULLMAKTIGE,)}


def _board_of(org_units: OrgUnitReplica, org_unit_id: uuid.UUID) -> uuid.UUID | None:
    unit = org_units.units.get(str(org_unit_id))
    while unit is not None:
        if unit.type in BOARD_LEVEL:
            return uuid.UUID(unit.id)
        unit = org_units.units.get(unit.parent_id) if unit.parent_id else None
    return None


async def _gathered(session: AsyncSession, callees: CalleesOf, org_units: OrgUnitReplica, report: Report) -> dict[str, Any]:
    occasion = await get_occasion(session, report.occasion_id)
    subject = gather.Subject(
        org_unit_id=report.org_unit_id,
        level=ReportLevel(report.level),
        year=report.year,
        occasion=FollowupOccasion(report.occasion),
        period_end=occasion.period_end,
        previous_period_end=None,
        board_org_unit_id=_board_of(org_units, report.org_unit_id),
    )
    return await gather.gather(callees(), org_units, subject)


async def _take_live(session: AsyncSession, callees: CalleesOf, org_units: OrgUnitReplica, report: Report) -> dt.datetime:
    """What the other services show now, into the report; when it was taken."""
    report.live = await _gathered(session, callees, org_units, report)
    report.live_taken_at = taken_at = utcnow()
    return taken_at


async def refresh(session: AsyncSession, principal: Principal, callees: CalleesOf, org_units: OrgUnitReplica, report: Report) -> Report:
    """Take what the other services show now; all of it or, with a callee down (503), nothing."""
    from followup_service.reports.editing import ensure_report_is_draft

    ensure_report_is_draft(report)
    taken_at = await _take_live(session, callees, org_units, report)
    report.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "REFRESH", ENTITY, report.id, after=audit_snapshot(report) | {"live_taken_at": taken_at.isoformat()})
    return report


# --- rules ---------------------------------------------------------------------------------


async def _ensure_every_goal_assessed_with_analysis(session: AsyncSession, report: Report) -> None:
    """Every goal in force has an assessment, and every assessment its analysis."""
    assessed = {str(a.goal_id): a for a in await repository.assessments_of(session, report.id)}
    goals = [str(g.get("goal_id")) for g in (report.live or {}).get("goals", [])]
    missing = [g for g in goals if g not in assessed]
    without_analysis = [g for g, a in assessed.items() if g in goals and not (a.analysis.strip() or a.not_assessed_reason.strip())]
    if missing or without_analysis:
        parts = []
        if missing:
            parts.append(f"goals in force without an assessment: {', '.join(missing)}")
        if without_analysis:
            parts.append(f"assessments without an analysis: {', '.join(without_analysis)}")
        raise RuleViolation("the report is incomplete: " + "; ".join(parts))


async def _ensure_required_headings_written(session: AsyncSession, report: Report, occasion: Occasion) -> None:
    written = {s.heading for s in await repository.sections_of(session, report.id) if s.text.strip()}
    missing = [
        h["key"] for h in references.headings_for(occasion, ReportLevel(report.level)) if h.get("required") and h["key"] not in written
    ]
    if missing:
        raise RuleViolation(f"the report is incomplete: required sections are empty: {', '.join(missing)}")


def _ensure_council_assignments_reported(report: Report) -> None:
    """An interim or annual board report reports every open council assignment."""
    if report.level != ReportLevel.BOARD or report.occasion == FollowupOccasion.FORECAST:
        return
    unreported = [
        str(a.get("id")) for a in (report.live or {}).get("assignments", []) if a.get("report") is None and a.get("status") != "DONE"
    ]
    if unreported:
        raise RuleViolation(f"council assignments without a report for the occasion: {', '.join(unreported)}")


def _ensure_internal_control_followup_decided(org_units: OrgUnitReplica, report: Report) -> None:
    """The board's annual report is decided after its internal-control follow-up of the year.
    Every board keeps internal control; a company or federation is held to it when it keeps a
    control plan of the year here (a company may keep its own elsewhere)."""
    if report.level != ReportLevel.BOARD or report.occasion != FollowupOccasion.ANNUAL:
        return
    control = (report.live or {}).get("internal_control") or {}
    unit = org_units.units.get(str(report.org_unit_id))
    if control.get("plan") is None and unit is not None and unit.type not in BOARDS:
        return
    followup = control.get("followup_report")
    if followup is None or followup.get("status") != "DECIDED":
        raise RuleViolation("the annual report is decided after the board's internal-control follow-up of the year is decided")


def _ensure_comment(comment: str | None) -> str:
    if comment is None or not comment.strip():
        raise InvalidInput("a returned report needs a comment saying why", errors=[{"pointer": "#/comment", "detail": "required"}])
    return comment


# --- freezing ------------------------------------------------------------------------------


async def _freeze(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> None:
    """Store the document of what was just gathered, with its hash."""
    composed = await contents.document_of(session, org_units, report)
    text = snapshots.canonical_json(composed)
    report.document = text
    report.document_hash = snapshots.content_hash(text)
    report.frozen_at = report.live_taken_at


def _unfreeze(report: Report) -> None:
    report.document = None
    report.document_hash = None
    report.frozen_at = None


async def _report_reallocations_and_notify(session: AsyncSession, callees: CalleesOf, org_units: OrgUnitReplica, report: Report) -> None:
    """A decided board report has reported its reallocations; the executive board hears of it."""
    reallocations = ((report.live or {}).get("economy") or {}).get("reallocations", [])
    await gather.mark_reallocations_reported(callees(), [str(r["id"]) for r in reallocations], occasion=FollowupOccasion(report.occasion))
    unit = org_units.units.get(str(report.org_unit_id))
    receiver = unit.parent_id if unit is not None and unit.parent_id else str(report.org_unit_id)
    name = org_units.name_of(report.org_unit_id)
    await outbox.notify(
        session,
        org_unit_id=uuid.UUID(receiver),
        key=f"report-decided:{report.id}",
        subject=f"{name.name if name else report.org_unit_id}: {report.occasion} {report.year} decided",
        body=f"The report (revision {report.revision}) is decided; its document hash is {report.document_hash}.",
    )


# --- steps ---------------------------------------------------------------------------------


async def _check_completeness(session: AsyncSession, report: Report) -> None:
    occasion = await get_occasion(session, report.occasion_id)
    await _ensure_every_goal_assessed_with_analysis(session, report)
    await _ensure_required_headings_written(session, report, occasion)
    _ensure_council_assignments_reported(report)


async def submit(session: AsyncSession, principal: Principal, callees: CalleesOf, org_units: OrgUnitReplica, report: Report) -> Report:
    if ReportLevel(report.level) not in SUBMITTED_LEVELS:
        raise RuleViolation(f"a {report.level} report is proposed and decided, not submitted")
    if report.status != ReportStatus.DRAFT:
        raise RuleViolation(f"only a draft is submitted; this report is {report.status}")
    before = audit_snapshot(report)
    # The rules judge what the document will show: gathered afresh (a callee down refuses with
    # 503 before anything changes), not what the last refresh saw.
    await _take_live(session, callees, org_units, report)
    await _check_completeness(session, report)
    await _freeze(session, org_units, report)
    report.status = ReportStatus.SUBMITTED.value
    report.submitted_at = utcnow()
    report.returned_comment = None
    report.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "SUBMIT", ENTITY, report.id, before=before, after=audit_snapshot(report))
    return report


async def return_report(session: AsyncSession, principal: Principal, report: Report, comment: str | None) -> Report:
    text = _ensure_comment(comment)
    level = ReportLevel(report.level)
    if level not in SUBMITTED_LEVELS:
        raise RuleViolation(f"a {report.level} report goes back to draft with RETURN_TO_DRAFT")
    ensure_can_write(principal, report.org_unit_id, RETURNERS[level], "returning a report")
    if report.status != ReportStatus.SUBMITTED:
        raise RuleViolation(f"only a submitted report is returned; this report is {report.status}")
    before = audit_snapshot(report)
    report.status = ReportStatus.DRAFT.value
    report.returned_comment = text
    report.submitted_at = None
    _unfreeze(report)
    report.updated_by = principal.user_id
    await session.flush()
    await outbox.notify(
        session,
        org_unit_id=report.org_unit_id,
        key=f"report-returned:{report.id}:{report.row_version}",
        subject=f"Your report for {report.occasion} {report.year} is returned",
        body=text,
    )
    auditor.record(session, principal, "RETURN", ENTITY, report.id, before=before, after=audit_snapshot(report) | {"comment": text})
    return report


async def step(
    session: AsyncSession,
    principal: Principal,
    callees: CalleesOf,
    org_units: OrgUnitReplica,
    report: Report,
    transition: Transition,
    decision: Decision | None,
) -> Report:
    """PROPOSE, RETURN_TO_DRAFT or DECIDE of a board's or the municipal report."""
    level = ReportLevel(report.level)
    if level in SUBMITTED_LEVELS:
        raise RuleViolation(f"a {report.level} report is submitted and returned, not {transition.value}")
    superseded = None
    if transition == Transition.DECIDE and report.status == ReportStatus.PROPOSED:
        # The decision judges and freezes what the other services show now, as submit does.
        await _take_live(session, callees, org_units, report)
    if transition in (Transition.PROPOSE, Transition.DECIDE):
        await _check_completeness(session, report)
    if transition == Transition.PROPOSE and level == ReportLevel.MUNICIPAL:
        await compilation_rules.ensure_complete(session, org_units, report)
    if transition == Transition.DECIDE:
        ensure_can_write(principal, report.org_unit_id, DECIDERS[level], "deciding a report")
        _ensure_internal_control_followup_decided(org_units, report)
        superseded = await repository.find(session, report.replaces_id) if report.replaces_id else None

    async def effect() -> dict[str, Any] | None:
        if transition == Transition.DECIDE:
            await _freeze(session, org_units, report)
            if level == ReportLevel.BOARD:
                await _report_reallocations_and_notify(session, callees, org_units, report)
            return {"document_hash": report.document_hash}
        return None

    return await apply_transition(
        session,
        auditor,
        principal,
        report,
        transition,
        decision,
        entity=ENTITY,
        snapshot=audit_snapshot,
        superseded=superseded,
        effect=effect,
    )
