"""Every query of the vision area."""

import uuid
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.vision.models import VisionVersion
from styrkedjan_common.lifecycle import Status


async def get(session: AsyncSession, vision_id: uuid.UUID) -> VisionVersion | None:
    return await session.get(VisionVersion, vision_id)


async def first_in_status(session: AsyncSession, statuses: Iterable[Status]) -> VisionVersion | None:
    query = (
        select(VisionVersion).where(VisionVersion.status.in_([s.value for s in statuses])).order_by(VisionVersion.revision.desc()).limit(1)
    )
    return (await session.scalars(query)).first()


async def max_revision(session: AsyncSession) -> int:
    return (await session.scalar(select(func.max(VisionVersion.revision)))) or 0


async def list_page(session: AsyncSession, statuses: Iterable[Status], limit: int, before_revision: int | None) -> list[VisionVersion]:
    query = (
        select(VisionVersion)
        .where(VisionVersion.status.in_([s.value for s in statuses]))
        .order_by(VisionVersion.revision.desc())
        .limit(limit)
    )
    if before_revision is not None:
        query = query.where(VisionVersion.revision < before_revision)
    return list((await session.scalars(query)).all())
