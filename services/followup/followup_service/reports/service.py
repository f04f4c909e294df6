"""Reports of the follow-ups: an org unit's report at an occasion, drafted, refreshed from the
other services, and frozen into a document at submission or decision."""

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.service import deadline_of, get_occasion
from followup_service.db import auditor
from followup_service.levels import ReportLevel, report_level
from followup_service.reports import contents, repository
from followup_service.reports.models import GoalAssessment, Report, ReportSection
from followup_service.reports.schemas import AssessmentRead, ReportCreate, ReportRead, ReportStatus, SectionRead
from styrkedjan_common.db import lock_for_rule
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitReplica, OrgUnitType
from styrkedjan_common.problems import NotFound, RuleViolation
from styrkedjan_common.scope import can_read, ensure_can_write

ENTITY = "report"
READERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING, Role.ENHET, Role.REVISOR)
# Who drafts a report at each level (contract: roles).
DRAFTERS: dict[ReportLevel, tuple[Role, ...]] = {
    ReportLevel.UNIT: (Role.ENHET, Role.FORVALTNING),
    ReportLevel.ADMINISTRATION: (Role.FORVALTNING,),
    ReportLevel.BOARD: (Role.FORVALTNING, Role.NAMND),
    ReportLevel.MUNICIPAL: (Role.FULLMAKTIGE,),
}
ALL_DRAFTERS = (Role.ENHET, Role.FORVALTNING, Role.NAMND, Role.FULLMAKTIGE)
OPEN_STATUSES = (ReportStatus.DRAFT.value, ReportStatus.SUBMITTED.value, ReportStatus.PROPOSED.value)
PUBLISHED = (ReportStatus.DECIDED.value, ReportStatus.ARCHIVED.value)


def _handed_in_on(report: Report) -> dt.date | None:
    if report.level in (ReportLevel.UNIT, ReportLevel.ADMINISTRATION) and report.submitted_at is not None:
        return report.submitted_at.date()
    return report.decision_date if report.status in PUBLISHED else None


def is_late(deadline: dt.date, handed_in: dt.date | None, today: dt.date) -> bool:
    """Late when handed in after the deadline, or not handed in and the deadline has passed."""
    return (handed_in or today) > deadline


async def get_readable(session: AsyncSession, principal: Principal, report_id: uuid.UUID) -> Report:
    """A draft or submitted report outside the caller's scope does not exist (404)."""
    report = await repository.find(session, report_id)
    status = report.status if report is not None and report.status != ReportStatus.SUBMITTED else "DRAFT"
    if report is None or not can_read(principal, status, report.org_unit_id):
        raise NotFound(f"no report {report_id}")
    return report


async def get_writable(session: AsyncSession, principal: Principal, report_id: uuid.UUID, what: str) -> Report:
    report = await repository.find(session, report_id)
    if report is None:
        raise NotFound(f"no report {report_id}")
    ensure_can_write(principal, report.org_unit_id, DRAFTERS[ReportLevel(report.level)], what)
    return report


async def _ensure_one_open_revision(session: AsyncSession, occasion_id: uuid.UUID, org_unit_id: uuid.UUID) -> None:
    await lock_for_rule(session, f"report:{occasion_id}:{org_unit_id}")
    open_report = await repository.open_of(session, occasion_id, org_unit_id, OPEN_STATUSES)
    if open_report is not None:
        raise RuleViolation(
            f"one report per org unit and occasion is prepared at a time: revision {open_report.revision} is still {open_report.status}"
        )


def _ensure_not_decided(latest: Report | None) -> None:
    if latest is not None and latest.status == ReportStatus.DECIDED:
        raise RuleViolation(f"the report is decided and immutable; a change is a new revision (POST /reports/{latest.id}/revisions)")


async def create(session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: ReportCreate) -> Report:
    occasion = await get_occasion(session, data.occasion_id)
    unit = await org_units.require(data.org_unit_id, pointer="#/org_unit_id", years=(occasion.year, occasion.year))
    level = report_level(OrgUnitType(unit.type))
    ensure_can_write(principal, data.org_unit_id, DRAFTERS[level], f"a report at {level.value} level")
    await _ensure_one_open_revision(session, occasion.id, data.org_unit_id)
    latest = await repository.latest_of(session, occasion.id, data.org_unit_id)
    _ensure_not_decided(latest)
    report = Report(
        occasion_id=occasion.id,
        year=occasion.year,
        occasion=occasion.kind,
        org_unit_id=data.org_unit_id,
        level=level.value,
        status=ReportStatus.DRAFT.value,
        revision=(latest.revision + 1) if latest is not None else 1,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(report)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, report.id, after=audit_snapshot(report))
    return report


def audit_snapshot(report: Report) -> dict[str, object]:
    return {
        "id": str(report.id),
        "org_unit_id": str(report.org_unit_id),
        "occasion_id": str(report.occasion_id),
        "level": report.level,
        "status": report.status,
        "revision": report.revision,
        "document_hash": report.document_hash,
    }


async def to_read(session: AsyncSession, org_units: OrgUnitReplica, report: Report, today: dt.date) -> ReportRead:
    occasion = await get_occasion(session, report.occasion_id)
    deadline = deadline_of(occasion, ReportLevel(report.level))
    assessments = await repository.assessments_of(session, report.id)
    sections = await repository.sections_of(session, report.id)
    name = org_units.name_of(report.org_unit_id)
    preview = None
    if report.document is None and report.status == ReportStatus.DRAFT:
        preview = await contents.document_of(session, org_units, report)
    read = ReportRead(
        id=report.id,
        occasion_id=report.occasion_id,
        year=report.year,
        occasion=report.occasion,
        org_unit_id=report.org_unit_id,
        org_unit=name,
        level=ReportLevel(report.level),
        status=ReportStatus(report.status),
        revision=report.revision,
        replaces_id=report.replaces_id,
        decision=report.decision(),
        returned_comment=report.returned_comment,
        submitted_at=report.submitted_at,
        document_hash=report.document_hash,
        frozen_at=report.frozen_at,
        live_taken_at=report.live_taken_at,
        deadline=deadline,
        late=is_late(deadline, _handed_in_on(report), today),
        assessments=[
            AssessmentRead(
                goal_id=a.goal_id, kind=a.kind, level_code=a.level_code, analysis=a.analysis, not_assessed_reason=a.not_assessed_reason
            )
            for a in assessments
        ],
        sections=[SectionRead(heading=s.heading, text=s.text) for s in sections],
        preview=preview,
        created_at=report.created_at,
        updated_at=report.updated_at,
    )
    return read


async def new_revision(session: AsyncSession, principal: Principal, source: Report) -> Report:
    """A change after the decision: a new draft replacing the decided report, with its assessments
    and sections; deciding it archives the one it replaces."""
    if source.status != ReportStatus.DECIDED:
        raise RuleViolation(f"a new revision starts from the decided report; this one is {source.status}")
    await _ensure_one_open_revision(session, source.occasion_id, source.org_unit_id)
    latest = await repository.latest_of(session, source.occasion_id, source.org_unit_id)
    report = Report(
        occasion_id=source.occasion_id,
        year=source.year,
        occasion=source.occasion,
        org_unit_id=source.org_unit_id,
        level=source.level,
        status=ReportStatus.DRAFT.value,
        revision=(latest.revision if latest else source.revision) + 1,
        replaces_id=source.id,
        live=source.live,
        live_taken_at=source.live_taken_at,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(report)
    await session.flush()
    for a in await repository.assessments_of(session, source.id):
        session.add(
            GoalAssessment(
                report_id=report.id,
                goal_id=a.goal_id,
                kind=a.kind,
                level_code=a.level_code,
                analysis=a.analysis,
                not_assessed_reason=a.not_assessed_reason,
                created_by=principal.user_id,
                updated_by=principal.user_id,
            )
        )
    for s in await repository.sections_of(session, source.id):
        session.add(
            ReportSection(report_id=report.id, heading=s.heading, text=s.text, created_by=principal.user_id, updated_by=principal.user_id)
        )
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, report.id, after=audit_snapshot(report) | {"replaces_id": str(source.id)})
    return report
