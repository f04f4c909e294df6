"""Every query of the core-mission area."""

import uuid
from collections.abc import Collection

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.missions.models import CoreMission
from styrkedjan_common.lifecycle import Status

OPEN = (Status.DRAFT.value, Status.PROPOSED.value)
PUBLISHED = (Status.DECIDED.value, Status.ARCHIVED.value)


async def get(session: AsyncSession, mission_id: uuid.UUID) -> CoreMission | None:
    return await session.get(CoreMission, mission_id)


async def newest_in_status(session: AsyncSession, org_unit_id: uuid.UUID, statuses: Collection[str]) -> CoreMission | None:
    query = (
        select(CoreMission)
        .where(CoreMission.org_unit_id == org_unit_id, CoreMission.status.in_(statuses))
        .order_by(CoreMission.revision.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def in_force(session: AsyncSession, org_unit_id: uuid.UUID) -> CoreMission | None:
    return await newest_in_status(session, org_unit_id, (Status.DECIDED.value,))


async def open_revision(session: AsyncSession, org_unit_id: uuid.UUID) -> CoreMission | None:
    return await newest_in_status(session, org_unit_id, OPEN)


async def max_revision(session: AsyncSession, org_unit_id: uuid.UUID) -> int:
    query = select(func.max(CoreMission.revision)).where(CoreMission.org_unit_id == org_unit_id)
    return (await session.scalar(query)) or 0


async def list_page(
    session: AsyncSession,
    *,
    unpublished_units: Collection[uuid.UUID] | None,
    org_unit_ids: Collection[uuid.UUID] | None,
    status: Status | None,
    limit: int,
    after: tuple[uuid.UUID, int] | None,
) -> list[CoreMission]:
    """Grouped by org unit, newest revision first. `unpublished_units` limits drafts and
    proposals to those units (None: every unit)."""
    query = select(CoreMission).order_by(CoreMission.org_unit_id, CoreMission.revision.desc()).limit(limit)
    if unpublished_units is not None:
        query = query.where(or_(CoreMission.status.in_(PUBLISHED), CoreMission.org_unit_id.in_(unpublished_units)))
    if org_unit_ids is not None:
        query = query.where(CoreMission.org_unit_id.in_(list(org_unit_ids)))
    if status is not None:
        query = query.where(CoreMission.status == status.value)
    if after is not None:
        last_unit, last_revision = after
        query = query.where(
            or_(CoreMission.org_unit_id > last_unit, and_(CoreMission.org_unit_id == last_unit, CoreMission.revision < last_revision))
        )
    return list((await session.scalars(query)).all())
