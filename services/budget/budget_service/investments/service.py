"""Investment projects (seed: "Investeringar"): owned by a board, with yearly amounts held against the
board's investment frame of the decided budget in force."""

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocations import service as allocations_service
from budget_service.db import auditor
from budget_service.investments import repository
from budget_service.investments.models import InvestmentAmount, InvestmentProject
from budget_service.investments.schemas import (
    InvestmentAmountPut,
    InvestmentAmountRead,
    InvestmentPlanRead,
    InvestmentProjectCreate,
    InvestmentProjectRead,
    InvestmentProjectUpdate,
    ProjectStatus,
)
from budget_service.units import require_board
from styrkedjan_common.db import utcnow
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.schemas import changes_of
from styrkedjan_common.scope import ensure_can_write

PROJECT = "investment_project"
INVESTMENT_WRITERS = (Role.FULLMAKTIGE, Role.NAMND, Role.FORVALTNING)
# The kind of frame in the decided budget a board's investments are held against.
INVESTMENT = "INVESTMENT"
ZERO = Decimal("0.00")


def _snapshot(read: InvestmentProjectRead) -> dict[str, Any]:
    return read.model_dump(mode="json")


def to_project_read(project: InvestmentProject, amounts: Sequence[InvestmentAmount]) -> InvestmentProjectRead:
    return InvestmentProjectRead(
        id=project.id,
        board_org_unit_id=project.board_org_unit_id,
        name=project.name,
        description=project.description,
        status=ProjectStatus(project.status),
        external_codes=project.external_codes,
        amounts=[InvestmentAmountRead(year=a.year, amount=a.amount) for a in amounts],
        total=sum((a.amount for a in amounts), ZERO),
        created_at=project.created_at,
        created_by=project.created_by,
        updated_at=project.updated_at,
        updated_by=project.updated_by,
        row_version=project.row_version,
    )


async def project_read(session: AsyncSession, project: InvestmentProject) -> InvestmentProjectRead:
    return to_project_read(project, (await repository.amounts_of(session, [project.id]))[project.id])


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> InvestmentProject:
    project = await repository.get_project(session, project_id)
    if project is None:
        raise NotFound(f"no investment project {project_id}")
    return project


def ensure_project_writer(principal: Principal, board_org_unit_id: uuid.UUID) -> None:
    ensure_can_write(principal, board_org_unit_id, INVESTMENT_WRITERS, "an investment project of a board")


async def create_project(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, data: InvestmentProjectCreate
) -> InvestmentProject:
    ensure_project_writer(principal, data.board_org_unit_id)
    await require_board(org_units, data.board_org_unit_id, "#/board_org_unit_id")
    project = InvestmentProject(
        **data.model_dump(exclude={"status"}), status=data.status.value, created_by=principal.user_id, updated_by=principal.user_id
    )
    session.add(project)
    await session.flush()
    auditor.record(session, principal, "CREATE", PROJECT, project.id, after=_snapshot(to_project_read(project, [])))
    return project


async def update_project(
    session: AsyncSession, principal: Principal, project: InvestmentProject, data: InvestmentProjectUpdate
) -> InvestmentProjectRead:
    changes = {name: value.value if isinstance(value, ProjectStatus) else value for name, value in changes_of(data).items()}
    amounts = (await repository.amounts_of(session, [project.id]))[project.id]
    if all(getattr(project, name) == value for name, value in changes.items()):
        return to_project_read(project, amounts)  # nothing changes: no new row version, no audit event
    before = _snapshot(to_project_read(project, amounts))
    for name, value in changes.items():
        setattr(project, name, value)
    project.updated_by = principal.user_id
    await session.flush()
    after = to_project_read(project, amounts)
    auditor.record(session, principal, "UPDATE", PROJECT, project.id, before=before, after=_snapshot(after))
    return after


async def delete_project(session: AsyncSession, principal: Principal, project: InvestmentProject) -> None:
    if project.status != ProjectStatus.PLANNED.value:
        raise RuleViolation(
            f"only a planned investment project is deleted; a {project.status} one is kept for the record (cancel it instead)"
        )
    before = _snapshot(await project_read(session, project))
    await repository.delete_amounts(session, project.id)
    await session.delete(project)
    await session.flush()
    auditor.record(session, principal, "DELETE", PROJECT, project.id, before=before)


async def replace_amounts(
    session: AsyncSession, principal: Principal, project: InvestmentProject, amounts: list[InvestmentAmountPut]
) -> InvestmentProjectRead:
    years = [a.year for a in amounts]
    repeated = [{"pointer": f"#/{i}/year", "detail": f"{year} appears more than once"} for i, year in enumerate(years) if year in years[:i]]
    if repeated:
        raise InvalidInput("a project has one amount per year", errors=repeated)
    before = _snapshot(await project_read(session, project))
    await repository.delete_amounts(session, project.id)
    rows = [InvestmentAmount(project_id=project.id, year=a.year, amount=a.amount) for a in sorted(amounts, key=lambda a: a.year)]
    session.add_all(rows)
    # The amounts are the project's own: replacing them moves its row version (the ETag) on.
    project.updated_by = principal.user_id
    project.updated_at = utcnow()
    await session.flush()
    after = to_project_read(project, rows)
    auditor.record(session, principal, "REPLACE_AMOUNTS", PROJECT, project.id, before=before, after=_snapshot(after))
    return after


async def investment_plan(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> InvestmentPlanRead:
    """The board's projects for the year against its investment frame: exceeding it is shown, not
    refused — the frame binds the board's decisions, the plan is how they are prepared."""
    amounts = await repository.year_amounts(session, board_org_unit_id, year, ProjectStatus.CANCELLED.value)
    frame = await allocations_service.frame_in_force(session, board_org_unit_id, year, INVESTMENT)
    if not amounts and frame is None:
        raise NotFound(f"board {board_org_unit_id} has neither investment amounts nor a decided investment frame for {year}")
    total = sum(amounts, ZERO)
    return InvestmentPlanRead(
        board_org_unit_id=board_org_unit_id,
        year=year,
        total=total,
        frame=frame,
        exceeds_frame=total > frame.amount if frame else None,
    )
