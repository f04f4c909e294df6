"""Editing a draft report: its goal assessments and its narrative sections. Each write touches
the report (a new row version, so If-Match guards it) and is audited as a change of the report."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.service import get_occasion
from followup_service.db import auditor
from followup_service.levels import ReportLevel
from followup_service.reports import references, repository
from followup_service.reports.models import GoalAssessment, Report, ReportSection
from followup_service.reports.schemas import AssessmentWrite, ReportStatus, SectionWrite
from followup_service.reports.service import ENTITY, audit_snapshot
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal
from styrkedjan_common.lifecycle import ensure_draft
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation


def ensure_report_is_draft(report: Report) -> None:
    """Only a draft is edited; a submitted report is returned to its drafter first."""
    if report.status == ReportStatus.SUBMITTED:
        raise RuleViolation("a submitted report is edited only after it is returned (RETURN)")
    ensure_draft(report)


def _ensure_goal_in_force(report: Report, goal_id: uuid.UUID) -> None:
    goals = (report.live or {}).get("goals", [])
    if str(goal_id) not in {str(g.get("goal_id")) for g in goals}:
        raise NotFound(f"goal {goal_id} is not among the goals in force of the report (refresh the report to take them)")


async def _ensure_level_of_scale(session: AsyncSession, data: AssessmentWrite) -> None:
    scale = {level.code: level for level in await references.current_scale(session)}
    level = scale.get(data.level_code)
    if level is None:
        problem = f"level_code {data.level_code} is not on the assessment scale ({', '.join(scale)})"
        raise InvalidInput(problem, errors=[{"pointer": "#/level_code", "detail": problem}])
    if not level.assessed and not data.not_assessed_reason.strip():
        problem = f"{level.label_sv} needs a reason why the goal is not assessed"
        raise InvalidInput(problem, errors=[{"pointer": "#/not_assessed_reason", "detail": problem}])


async def _edited(session: AsyncSession, principal: Principal, report: Report, before: dict[str, Any], after: dict[str, Any]) -> None:
    """The report changed with its part (its ETag moves), audited with the part before and after."""
    report.updated_by = principal.user_id
    report.updated_at = utcnow()
    await session.flush()
    auditor.record(
        session, principal, "UPDATE", ENTITY, report.id, before=audit_snapshot(report) | before, after=audit_snapshot(report) | after
    )


async def put_assessment(session: AsyncSession, principal: Principal, report: Report, goal_id: uuid.UUID, data: AssessmentWrite) -> Report:
    ensure_report_is_draft(report)
    _ensure_goal_in_force(report, goal_id)
    await _ensure_level_of_scale(session, data)
    assessment = await repository.assessment_of(session, report.id, goal_id)
    before = None if assessment is None else _assessment_snapshot(assessment)
    if assessment is None:
        assessment = GoalAssessment(report_id=report.id, goal_id=goal_id, created_by=principal.user_id)
        session.add(assessment)
    assessment.kind = references.KIND_OF_OCCASION[report.occasion]
    assessment.level_code = data.level_code
    assessment.analysis = data.analysis
    assessment.not_assessed_reason = data.not_assessed_reason
    assessment.updated_by = principal.user_id
    await _edited(session, principal, report, {"assessment": before}, {"assessment": _assessment_snapshot(assessment)})
    return report


async def delete_assessment(session: AsyncSession, principal: Principal, report: Report, goal_id: uuid.UUID) -> Report:
    ensure_report_is_draft(report)
    assessment = await repository.assessment_of(session, report.id, goal_id)
    if assessment is None:
        raise NotFound(f"the report has no assessment of goal {goal_id}")
    before = _assessment_snapshot(assessment)
    await session.delete(assessment)
    await _edited(session, principal, report, {"assessment": before}, {})
    return report


async def put_section(session: AsyncSession, principal: Principal, report: Report, heading: str, data: SectionWrite) -> Report:
    ensure_report_is_draft(report)
    occasion = await get_occasion(session, report.occasion_id)
    keys = [h["key"] for h in references.headings_for(occasion, ReportLevel(report.level))]
    if heading not in keys:
        raise NotFound(f"heading {heading} is not among the report's headings ({', '.join(keys)})")
    section = await repository.section_of(session, report.id, heading)
    before = None if section is None else section.text
    if section is None:
        section = ReportSection(report_id=report.id, heading=heading, created_by=principal.user_id)
        session.add(section)
    section.text = data.text
    section.updated_by = principal.user_id
    await _edited(session, principal, report, {"section": {heading: before}}, {"section": {heading: data.text}})
    return report


def _assessment_snapshot(a: GoalAssessment) -> dict[str, str]:
    return {
        "goal_id": str(a.goal_id),
        "kind": a.kind,
        "level_code": a.level_code,
        "analysis": a.analysis,
        "not_assessed_reason": a.not_assessed_reason,
    }
