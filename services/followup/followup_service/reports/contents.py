"""Everything a report's document shows, read from the follow-up database: the report's own
assessments and sections, the assessments handed in beneath each of its goals, the scale they use,
the dialogues of the occasion and, for the municipal report, the compilation. Used for the frozen
document and for a draft's preview, so both show the same parts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.compilation import rules as compilation_rules
from followup_service.cycle.service import get_occasion
from followup_service.dialogues import for_reports
from followup_service.levels import ReportLevel
from followup_service.reports import document, references, repository
from followup_service.reports.models import Report
from followup_service.reports.schemas import ReportStatus
from styrkedjan_common.org_units import OrgUnitReplica

# A report beneath counts once it is handed in: submitted by a unit or administration, decided by
# a board. Drafts are still being written.
HANDED_IN = (ReportStatus.SUBMITTED.value, ReportStatus.DECIDED.value)


async def document_of(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> dict[str, Any]:
    name = org_units.name_of(report.org_unit_id)
    occasion = await get_occasion(session, report.occasion_id)
    composed = document.compose(
        report,
        name.name if name else None,
        await repository.assessments_of(session, report.id),
        await repository.sections_of(session, report.id),
        await assessments_beneath(session, org_units, report),
        await references.current_scale(session),
    )
    composed["dialogues"] = await for_reports.dialogues_of_occasion(session, report.occasion_id, report.org_unit_id)
    composed["open_dialogue_followups"] = await for_reports.open_followups(session, [report.org_unit_id], occasion.period_end)
    if report.level == ReportLevel.MUNICIPAL:
        composed["compilation"] = await compilation_rules.compose(session, org_units, report)
    return composed


async def assessments_beneath(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> dict[str, list[dict[str, Any]]]:
    """For each goal of the report, the assessments the org units beneath handed in at the same
    occasion of the goals that contribute to it (the board's report shows its units' assessments
    beneath each board goal), in org unit name order."""
    contributing = {
        uuid.UUID(c): str(goal.get("goal_id"))
        for goal in (report.live or {}).get("goals", [])
        for c in goal.get("contributing_goal_ids", [])
    }
    beneath: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for assessment, handed_in in await repository.handed_in_assessments(session, report.occasion_id, contributing, HANDED_IN):
        name = org_units.name_of(handed_in.org_unit_id)
        beneath[contributing[assessment.goal_id]].append(
            {
                "goal_id": str(assessment.goal_id),
                "org_unit_id": str(handed_in.org_unit_id),
                "org_unit_name": name.name if name else None,
                "report_id": str(handed_in.id),
                "report_status": handed_in.status,
                "kind": assessment.kind,
                "level_code": assessment.level_code,
                "analysis": assessment.analysis,
                "not_assessed_reason": assessment.not_assessed_reason,
            }
        )
    for listed in beneath.values():
        listed.sort(key=lambda a: (a["org_unit_name"] or "", a["org_unit_id"], a["goal_id"]))
    return dict(beneath)
