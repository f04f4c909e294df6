"""The follow-up's part of Stratsys's structure file (layout 3): the goal assessments of a year,
read for the export and validated or written for the import, always on behalf of the goals service
(which owns the file, its goals and the job that records the run).

The goals service keeps the two services' parts all or nothing: it validates its own part, then
asks this service for a dry run of the assessments (every refusal listed with its line), and only
when both are clean writes its goals inside an open transaction, calls the write here (one
transaction of this service: all the assessments or none), and commits its goals after this write
succeeded. The goals it creates have ids derived from their Stratsys codes, so if its last commit
fails after this write committed, the same file imported again finds the assessments here
unchanged and completes the goals' part.

An assessment is the goal's owner's: it is written into the latest revision of that org unit's
report at the follow-up whose period the file names; a unit with no report there gets a draft
one; a year with no follow-ups yet gets its cycle from the template. A report handed in or
decided is not changed by an import: an assessment that would change one is refused with its line.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle import service as cycle_service
from followup_service.db import auditor
from followup_service.levels import report_level
from followup_service.reports import references
from followup_service.reports.models import GoalAssessment, Report
from followup_service.reports.schemas import ReportStatus
from followup_service.reports.service import ENTITY, audit_snapshot
from followup_service.stratsys import repository
from followup_service.stratsys.schemas import (
    AssessmentImport,
    AssessmentsImport,
    AssessmentsImported,
    ImportCounts,
    StructureAssessment,
    StructureAssessments,
)
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import OrgUnitReplica, OrgUnitType
from styrkedjan_common.problems import InvalidInput

KIND = "goal_assessment"
# The refusals listed at most (the goals service caps its own list alike); the count is told whole.
MAX_ERRORS = 1000


async def read_year(session: AsyncSession, year: int) -> StructureAssessments:
    reports = await repository.latest_reports(session, year)
    by_id = {r.id: r for r in reports}
    occasions = {o.id: o for o in (await repository.occasions_of(session, year)).values()}
    items = []
    for report_id, assessment in await repository.assessments_of_reports(session, list(by_id)):
        report = by_id[report_id]
        items.append(
            StructureAssessment(
                goal_id=assessment.goal_id,
                org_unit_id=report.org_unit_id,
                occasion=FollowupOccasion(report.occasion),
                period_end=occasions[report.occasion_id].period_end,
                level_code=assessment.level_code,
                analysis=assessment.analysis,
            )
        )
    items.sort(key=lambda a: (str(a.goal_id), a.period_end, str(a.org_unit_id)))
    return StructureAssessments(year=year, items=items)


@dataclass
class _Planned:
    item: AssessmentImport
    report: Report | None  # None: the report is made by the write
    current: GoalAssessment | None
    change: str  # created, updated or unchanged


def _same(current: GoalAssessment, item: AssessmentImport) -> bool:
    return current.level_code == item.level_code and current.analysis == item.analysis and not current.not_assessed_reason


async def _plan(session: AsyncSession, org_units: OrgUnitReplica, data: AssessmentsImport) -> list[_Planned]:
    """Every assessment checked against the scale, the org unit and its report; all refusals at once."""
    scale = {level.code: level for level in await references.current_scale(session)}
    reports = {(r.occasion, r.org_unit_id): r for r in await repository.latest_reports(session, data.year)}
    current: dict[tuple[uuid.UUID, uuid.UUID], GoalAssessment] = {
        (report_id, a.goal_id): a for report_id, a in await repository.assessments_of_reports(session, [r.id for r in reports.values()])
    }
    await org_units.find_all(item.org_unit_id for item in data.assessments)
    errors: list[dict[str, str]] = []
    planned: list[_Planned] = []
    seen: set[tuple[uuid.UUID, uuid.UUID, str]] = set()

    def refuse(item: AssessmentImport, detail: str) -> None:
        errors.append({"pointer": f"#/line/{item.line}", "detail": detail})

    for item in data.assessments:
        level = scale.get(item.level_code)
        unit = org_units.units.get(str(item.org_unit_id))
        key = (item.goal_id, item.org_unit_id, item.occasion.value)
        if key in seen:
            refuse(item, f"the goal is assessed once per follow-up: a line before this one assesses it at {item.occasion.value} too")
            continue
        seen.add(key)
        if level is None:
            refuse(item, f"{item.level_code} is not on the assessment scale ({', '.join(scale)})")
            continue
        if not level.assessed:
            refuse(item, f"{level.label_sv} needs a reason why the goal is not assessed, which the file does not carry")
            continue
        if unit is None or not unit.exists_in(data.year):
            refuse(item, f"org unit {item.org_unit_id} is not in the directory in {data.year}")
            continue
        report = reports.get((item.occasion.value, item.org_unit_id))
        existing = current.get((report.id, item.goal_id)) if report is not None else None
        change = "created" if existing is None else "unchanged" if _same(existing, item) else "updated"
        if report is not None and report.status != ReportStatus.DRAFT and change != "unchanged":
            refuse(
                item,
                f"the report of {unit.name} at {item.occasion.value} {data.year} is {report.status}: "
                "an import changes no report handed in or decided",
            )
            continue
        planned.append(_Planned(item, report, existing, change))
    if errors:
        raise InvalidInput(
            f"{len(errors)} assessment(s) of the file cannot be taken; nothing was written",
            errors=errors[:MAX_ERRORS],
        )
    return planned


async def _report_for(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, year: int, occasion: FollowupOccasion, unit_id: uuid.UUID
) -> Report:
    occasions = await repository.occasions_of(session, year)
    if not occasions:
        await cycle_service.make_cycle(session, principal, year)
        occasions = await repository.occasions_of(session, year)
    target = occasions[occasion.value]
    unit = org_units.units[str(unit_id)]
    report = Report(
        occasion_id=target.id,
        year=year,
        occasion=occasion.value,
        org_unit_id=unit_id,
        level=report_level(OrgUnitType(unit.type)).value,
        status=ReportStatus.DRAFT.value,
        revision=1,
        created_by=principal.user_id,
        updated_by=principal.user_id,
    )
    session.add(report)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, report.id, after=audit_snapshot(report))
    return report


async def import_year(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: AssessmentsImport, dry_run: bool
) -> AssessmentsImported:
    planned = await _plan(session, org_units, data)
    counts = {KIND: ImportCounts(), "report": ImportCounts()}
    made: dict[tuple[str, uuid.UUID], Report] = {}
    for p in planned:
        setattr(counts[KIND], p.change, getattr(counts[KIND], p.change) + 1)
        key = (p.item.occasion.value, p.item.org_unit_id)
        if p.report is None and key not in made:
            counts["report"].created += 1
        if dry_run or p.change == "unchanged":
            continue
        report = p.report or made.get(key)
        if report is None:
            report = made[key] = await _report_for(session, principal, org_units, data.year, p.item.occasion, p.item.org_unit_id)
        before = None if p.current is None else _snapshot(p.current)
        assessment = p.current
        if assessment is None:
            assessment = GoalAssessment(report_id=report.id, goal_id=p.item.goal_id, created_by=principal.user_id)
            session.add(assessment)
        assessment.kind = references.KIND_OF_OCCASION[report.occasion]
        assessment.level_code = p.item.level_code
        assessment.analysis = p.item.analysis
        assessment.not_assessed_reason = ""
        assessment.updated_by = principal.user_id
        report.updated_by = principal.user_id
        report.updated_at = utcnow()
        auditor.record(
            session,
            principal,
            "UPDATE",
            ENTITY,
            report.id,
            before=audit_snapshot(report) | {"assessment": before},
            after=audit_snapshot(report) | {"assessment": _snapshot(assessment)},
        )
    if not dry_run:
        await session.flush()
    return AssessmentsImported(dry_run=dry_run, counts=counts)


def _snapshot(a: GoalAssessment) -> dict[str, str]:
    return {"goal_id": str(a.goal_id), "kind": a.kind, "level_code": a.level_code, "analysis": a.analysis}
