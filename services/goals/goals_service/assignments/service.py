"""Assignments (tilläggsuppdrag): specific tasks the council gives a board, reported at the follow-ups.
The council writes them; the board and its administration report on them; everyone signed in reads them."""

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.assignments import repository
from goals_service.assignments.models import Assignment, AssignmentReport
from goals_service.assignments.schemas import (
    AssignmentCreate,
    AssignmentRead,
    AssignmentReportCreate,
    AssignmentReportRead,
    AssignmentStatus,
    AssignmentUpdate,
)
from goals_service.db import auditor
from goals_service.units import require_valid
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Decision
from styrkedjan_common.org_units import BOARD_LEVEL, OrgUnitReplica
from styrkedjan_common.problems import Forbidden, NotFound
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import ensure_can_write

ENTITY = "assignment"
REPORT_ENTITY = "assignment_report"
REPORTERS = (Role.NAMND, Role.FORVALTNING, Role.FULLMAKTIGE)


def _decision(assignment: Assignment) -> Decision | None:
    if assignment.decision_date is None:
        return None
    return Decision(
        body=assignment.decision_body or "", decision_date=assignment.decision_date, reference=assignment.decision_reference or ""
    )


def to_read(assignment: Assignment) -> AssignmentRead:
    return AssignmentRead(
        id=assignment.id,
        board_org_unit_id=assignment.board_org_unit_id,
        year=assignment.year,
        title=assignment.title,
        text=assignment.text,
        status=AssignmentStatus(assignment.status),
        decision=_decision(assignment),
        external_codes=assignment.external_codes,
        created_at=assignment.created_at,
        created_by=assignment.created_by,
        updated_at=assignment.updated_at,
        updated_by=assignment.updated_by,
        row_version=assignment.row_version,
    )


def report_read(report: AssignmentReport) -> AssignmentReportRead:
    return AssignmentReportRead.model_validate(report, from_attributes=True)


def snapshot(assignment: Assignment) -> dict[str, Any]:
    return to_read(assignment).model_dump(mode="json")


def ensure_writer(principal: Principal) -> None:
    # A council decision: written by the council's side with the whole municipality in scope.
    if principal.scope_of((Role.FULLMAKTIGE,)) is not None:
        raise Forbidden("assignments are given by fullmaktige with the whole municipality in scope")


def _set_decision(assignment: Assignment, decision: Decision | None) -> None:
    assignment.decision_body = decision.body if decision else None
    assignment.decision_date = decision.decision_date if decision else None
    assignment.decision_reference = decision.reference if decision else None


async def get(session: AsyncSession, assignment_id: uuid.UUID) -> Assignment:
    assignment = await repository.get(session, assignment_id)
    if assignment is None:
        raise NotFound(f"no assignment {assignment_id}")
    return assignment


async def get_writable(session: AsyncSession, principal: Principal, assignment_id: uuid.UUID) -> Assignment:
    assignment = await get(session, assignment_id)
    ensure_writer(principal)
    return assignment


async def _check_board(org_units: OrgUnitReplica, board_org_unit_id: uuid.UUID, year: int) -> None:
    """The council gives an assignment to a board or a company (or a federation) of the directory,
    valid today and in the assignment's year."""
    await require_valid(
        org_units, board_org_unit_id, pointer="#/board_org_unit_id", types=BOARD_LEVEL, what="the board", years=(year, year)
    )


async def create(session: AsyncSession, principal: Principal, data: AssignmentCreate, org_units: OrgUnitReplica) -> Assignment:
    ensure_writer(principal)
    await _check_board(org_units, data.board_org_unit_id, data.year)
    assignment = Assignment(**data.model_dump(exclude={"decision"}), created_by=principal.user_id, updated_by=principal.user_id)
    _set_decision(assignment, data.decision)
    session.add(assignment)
    await session.flush()
    auditor.record(session, principal, "CREATE", ENTITY, assignment.id, after=snapshot(assignment))
    return assignment


async def update(
    session: AsyncSession, principal: Principal, assignment: Assignment, data: AssignmentUpdate, org_units: OrgUnitReplica
) -> Assignment:
    ensure_writer(principal)
    changes = changes_of(data, nullable=frozenset({"decision"}))
    current = to_read(assignment).model_dump()
    if all(current[name] == value for name, value in changes.items()):
        return assignment  # nothing changes: no new row version, no audit event
    if "board_org_unit_id" in changes:
        # Moved to another board: that board is checked as on a new assignment.
        await _check_board(org_units, changes["board_org_unit_id"], changes.get("year", assignment.year))
    before = snapshot(assignment)
    if "decision" in changes:
        _set_decision(assignment, data.decision)
        del changes["decision"]
    for name, value in changes.items():
        setattr(assignment, name, value)
    assignment.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "UPDATE", ENTITY, assignment.id, before=before, after=snapshot(assignment))
    return assignment


async def delete(session: AsyncSession, principal: Principal, assignment: Assignment) -> None:
    ensure_writer(principal)
    before = snapshot(assignment)
    await session.delete(assignment)  # its reports go with it (ON DELETE CASCADE)
    await session.flush()
    auditor.record(session, principal, "DELETE", ENTITY, assignment.id, before=before)


async def report(session: AsyncSession, principal: Principal, assignment_id: uuid.UUID, data: AssignmentReportCreate) -> AssignmentReport:
    """Adds a report to the history; the assignment takes the reported status and a new row version."""
    assignment = await get(session, assignment_id)
    ensure_can_write(principal, assignment.board_org_unit_id, REPORTERS, "a report on an assignment")
    before = snapshot(assignment)
    entry = AssignmentReport(
        assignment_id=assignment.id, occasion=data.occasion.value, status=data.status.value, text=data.text, reported_by=principal.user_id
    )
    session.add(entry)
    assignment.status = data.status.value
    # Set even when the status stays, so that the row version (the ETag) shows a report came in.
    assignment.updated_by, assignment.updated_at = principal.user_id, utcnow()
    await session.flush()
    auditor.record(session, principal, "CREATE", REPORT_ENTITY, entry.id, after=report_read(entry).model_dump(mode="json"))
    auditor.record(session, principal, "REPORT", ENTITY, assignment.id, before=before, after=snapshot(assignment))
    return entry
