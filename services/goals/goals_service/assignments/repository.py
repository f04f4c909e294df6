"""Every query of the assignment area."""

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.assignments.models import Assignment, AssignmentReport


async def get(session: AsyncSession, assignment_id: uuid.UUID) -> Assignment | None:
    return await session.get(Assignment, assignment_id)


async def list_page(
    session: AsyncSession,
    *,
    board_org_unit_ids: Collection[uuid.UUID] | None,
    year: int | None,
    status: str | None,
    limit: int,
    after: tuple[int, str, uuid.UUID] | None,
) -> list[Assignment]:
    """Ordered by year, title and id: a stable keyset for the cursor."""
    query = select(Assignment).order_by(Assignment.year, Assignment.title, Assignment.id).limit(limit)
    if board_org_unit_ids is not None:
        query = query.where(Assignment.board_org_unit_id.in_(list(board_org_unit_ids)))
    if year is not None:
        query = query.where(Assignment.year == year)
    if status is not None:
        query = query.where(Assignment.status == status)
    if after is not None:
        query = query.where(tuple_(Assignment.year, Assignment.title, Assignment.id) > after)
    return list((await session.scalars(query)).all())


async def reports(
    session: AsyncSession, assignment_id: uuid.UUID, *, limit: int, after: tuple[dt.datetime, uuid.UUID] | None
) -> list[AssignmentReport]:
    """The reporting history, oldest first."""
    query = (
        select(AssignmentReport)
        .where(AssignmentReport.assignment_id == assignment_id)
        .order_by(AssignmentReport.reported_at, AssignmentReport.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(AssignmentReport.reported_at, AssignmentReport.id) > after)
    return list((await session.scalars(query)).all())


async def reports_of_year(
    session: AsyncSession,
    *,
    year: int,
    board_org_unit_ids: Collection[uuid.UUID] | None,
    occasion: str | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[AssignmentReport]:
    """The reports on the year's assignments (of these boards, at this follow-up), oldest first:
    one query for what a follow-up reads of every assignment at once."""
    assignments = select(Assignment.id).where(Assignment.year == year)
    if board_org_unit_ids is not None:
        assignments = assignments.where(Assignment.board_org_unit_id.in_(list(board_org_unit_ids)))
    query = (
        select(AssignmentReport)
        .where(AssignmentReport.assignment_id.in_(assignments))
        .order_by(AssignmentReport.reported_at, AssignmentReport.id)
        .limit(limit)
    )
    if occasion is not None:
        query = query.where(AssignmentReport.occasion == occasion)
    if after is not None:
        query = query.where(tuple_(AssignmentReport.reported_at, AssignmentReport.id) > after)
    return list((await session.scalars(query)).all())
