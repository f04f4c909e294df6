"""Every query of the vision area."""

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.vision.models import VisionVersion
from styrkedjan_common.fastread import FastReader, Record
from styrkedjan_common.lifecycle import Status


async def get(session: AsyncSession, vision_id: uuid.UUID) -> VisionVersion | None:
    return await session.get(VisionVersion, vision_id)


_TABLE = VisionVersion.__table__
# Hot reads, as plain records (same attribute names as the mapped class).
_BY_ID = select(_TABLE).where(_TABLE.c.id == bindparam("vision_id"))
_IN_FORCE = select(_TABLE).where(_TABLE.c.status == Status.DECIDED.value).order_by(_TABLE.c.revision.desc()).limit(1)


async def fetch(reader: FastReader, vision_id: uuid.UUID) -> Record | None:
    return await reader.first(_BY_ID, vision_id=vision_id)


async def fetch_in_force(reader: FastReader) -> Record | None:
    return await reader.first(_IN_FORCE)


async def first_in_status(session: AsyncSession, statuses: Iterable[Status]) -> VisionVersion | None:
    query = (
        select(VisionVersion)
        .where(VisionVersion.status.in_([s.value for s in statuses]))
        .order_by(VisionVersion.revision.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def max_revision(session: AsyncSession) -> int:
    return (await session.scalar(select(func.max(VisionVersion.revision)))) or 0


async def list_page(
    session: AsyncSession, statuses: Iterable[Status], limit: int, before_revision: int | None
) -> list[VisionVersion]:
    query = (
        select(VisionVersion)
        .where(VisionVersion.status.in_([s.value for s in statuses]))
        .order_by(VisionVersion.revision.desc())
        .limit(limit)
    )
    if before_revision is not None:
        query = query.where(VisionVersion.revision < before_revision)
    return list((await session.scalars(query)).all())
