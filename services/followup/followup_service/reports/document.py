"""The report's document: what it shows, composed from its own rows and what the other services
answered at the last refresh (`live`). A pure function: the same inputs give the same document."""

from dataclasses import asdict
from typing import Any

from followup_service.reports.models import GoalAssessment, Report, ReportSection
from followup_service.scale.service import ScaleLevel


def compose(
    report: Report,
    org_unit_name: str | None,
    assessments: list[GoalAssessment],
    sections: list[ReportSection],
    beneath: dict[str, list[dict[str, Any]]],
    scale: list[ScaleLevel],
) -> dict[str, Any]:
    """The document; each goal's assessment stands beside, never merged with, its indicators'
    computed status, with the assessments handed in beneath it. The scale goes with it, so the
    document keeps its levels' labels and colours as they were."""
    live = report.live or {}
    by_goal = {str(a.goal_id): a for a in assessments}
    goals = []
    for goal in live.get("goals", []):
        assessment = by_goal.get(str(goal.get("goal_id")))
        goals.append(
            {
                "goal": goal,
                "assessment": None
                if assessment is None
                else {
                    "kind": assessment.kind,
                    "level_code": assessment.level_code,
                    "analysis": assessment.analysis,
                    "not_assessed_reason": assessment.not_assessed_reason,
                },
                "beneath": beneath.get(str(goal.get("goal_id")), []),
            }
        )
    decision = report.decision()
    return {
        "report": {
            "org_unit_id": str(report.org_unit_id),
            "org_unit_name": org_unit_name,
            "level": report.level,
            "year": report.year,
            "occasion": report.occasion,
            "revision": report.revision,
            "decision": None if decision is None else decision.model_dump(mode="json"),
            "taken_at": report.live_taken_at.isoformat() if report.live_taken_at else None,
        },
        "scale": [asdict(level) for level in scale],
        "goals": goals,
        "sections": [{"heading": s.heading, "text": s.text} for s in sections],
        "live": {key: value for key, value in live.items() if key != "goals"},
    }
