"""The executive board's compilation (KS sammanställer): every board and wholly owned company of
the year reports to it, and the municipal report goes to the council only when each of them has
decided its report or is recorded as missing with a reason."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.compilation import repository
from followup_service.cycle.models import Occasion
from followup_service.cycle.service import deadline_of, get_occasion, today
from followup_service.dialogues.repository import TOOK_PLACE
from followup_service.dialogues.schemas import DialogueKind
from followup_service.levels import ReportLevel
from followup_service.reports.models import Report
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import BOARDS, OrgUnit, OrgUnitReplica, OrgUnitType
from styrkedjan_common.problems import RuleViolation

# Boards and wholly owned companies report to the executive board; federations and part-owned
# companies follow the model only as guidance (styrmodellen), so they are not waited for.
REPORTING_TO_THE_EXECUTIVE_BOARD = BOARDS | {OrgUnitType.COMPANY}
MISSING = "MISSING"
# The seed: follow-up dialogues between politics and administration are held with the interim
# report and the annual report. The compilation shows, for those, whether each board held one.
FOLLOWUP_DIALOGUE_OCCASIONS = ("INTERIM", "ANNUAL")


def followup_dialogue(statuses: set[str] | None) -> str:
    """HELD (held or evaluated), PLANNED, or NONE (none planned, or every one cancelled)."""
    found = statuses or set()
    if found & set(TOOK_PLACE):
        return "HELD"
    return "PLANNED" if "PLANNED" in found else "NONE"


def reporting_units(org_units: OrgUnitReplica, year: int) -> list[OrgUnit]:
    """The boards and companies of the year, in name order."""
    units = [u for u in org_units.units.values() if u.type in REPORTING_TO_THE_EXECUTIVE_BOARD and u.exists_in(year)]
    return sorted(units, key=lambda u: (u.name, u.id))


def state_of(report: Report | None, missing: bool) -> str:
    if report is not None and report.status in (Status.DECIDED.value, Status.ARCHIVED.value):
        return Status.DECIDED.value
    if missing:
        return MISSING
    return report.status if report is not None else "NONE"


def is_late(report: Report | None, deadline: dt.date, on: dt.date) -> bool:
    """After the board deadline without a decision, or decided after it."""
    decided_on = report.decision_date if report is not None and report.status == Status.DECIDED.value else None
    return decided_on > deadline if decided_on is not None else on > deadline


async def entries(session: AsyncSession, org_units: OrgUnitReplica, occasion: Occasion, municipal: Report | None) -> list[dict[str, Any]]:
    """Each board's and company's place in the compilation, from a few queries."""
    units = reporting_units(org_units, occasion.year)
    reports = await repository.current_reports(session, occasion.id, [uuid.UUID(u.id) for u in units])
    missing = await repository.missing_of(session, municipal.id) if municipal is not None else {}
    distribution = await repository.assessment_distribution(session, [r.id for r in reports.values()])
    dialogues = (
        await repository.dialogue_statuses(session, occasion.id, DialogueKind.FOLLOWUP, [uuid.UUID(u.id) for u in units])
        if occasion.kind in FOLLOWUP_DIALOGUE_OCCASIONS
        else None
    )
    deadline = deadline_of(occasion, ReportLevel.BOARD)
    on = today()
    listed = []
    for unit in units:
        unit_id = uuid.UUID(unit.id)
        report = reports.get(unit_id)
        recorded = missing.get(unit_id)
        decision = report.decision() if report is not None and report.status == Status.DECIDED.value else None
        listed.append(
            {
                "org_unit_id": unit.id,
                "org_unit_name": unit.name,
                "org_unit_type": unit.type,
                "state": state_of(report, recorded is not None),
                "report_id": str(report.id) if report is not None else None,
                "revision": report.revision if report is not None else None,
                "decision": decision.model_dump(mode="json") if decision is not None else None,
                "document_hash": report.document_hash if report is not None and decision is not None else None,
                "deadline": deadline.isoformat(),
                "late": is_late(report, deadline, on),
                "assessments": distribution.get(report.id, {}) if report is not None else {},
                "missing_reason": recorded.reason if recorded is not None else None,
                "followup_dialogue": followup_dialogue(dialogues.get(unit_id)) if dialogues is not None else None,
            }
        )
    return listed


async def ensure_complete(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> None:
    """Refuses to propose the municipal report while a board or company of the year has no decided
    report, unless the compilation records it as missing with a reason."""
    occasion = await get_occasion(session, report.occasion_id)
    waiting = [e for e in await entries(session, org_units, occasion, report) if e["state"] not in (Status.DECIDED.value, MISSING)]
    if waiting:
        listed = "; ".join(f"{e['org_unit_name']} ({e['state']})" for e in waiting)
        raise RuleViolation(
            "the executive board compiles the municipal report from the boards' and companies' decided reports: "
            f"record each one it does not wait for as missing with a reason; not decided: {listed}",
            errors=[{"pointer": f"#/compilation/{e['org_unit_id']}", "detail": e["state"]} for e in waiting],
        )


async def compose(session: AsyncSession, org_units: OrgUnitReplica, report: Report) -> dict[str, Any]:
    """The compilation part of the municipal report's document: each board's and company's entry
    referring to its decided report's snapshot (id and hash), or missing with the reason."""
    occasion = await get_occasion(session, report.occasion_id)
    listed = await entries(session, org_units, occasion, report)
    return {"entries": listed, "totals": totals(listed)}


def totals(listed: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "reporting": len(listed),
        "decided": sum(1 for e in listed if e["state"] == Status.DECIDED.value),
        "missing": sum(1 for e in listed if e["state"] == MISSING),
        "late": sum(1 for e in listed if e["late"]),
        "without_followup_dialogue": sum(1 for e in listed if e["followup_dialogue"] not in (None, "HELD")),
    }
