import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from goals_service.jobs.models import Job


async def get(session: AsyncSession, job_id: uuid.UUID) -> Job | None:
    return await session.get(Job, job_id)


async def update_job(session: AsyncSession, job_id: uuid.UUID, **values: Any) -> None:
    await session.execute(update(Job).where(Job.id == job_id).values(**values))


async def list_page(
    session: AsyncSession,
    *,
    started_by: str | None,
    kind: str | None,
    states: Sequence[str] | None,
    stale_before: dt.datetime,
    limit: int,
    before: tuple[dt.datetime, uuid.UUID] | None,
) -> Sequence[Job]:
    """Newest first. `states` as read (ABORTED: RUNNING with a heartbeat older than `stale_before`)."""
    query = select(Job)
    if started_by is not None:
        query = query.where(Job.started_by == started_by)
    if kind is not None:
        query = query.where(Job.kind == kind)
    if states is not None:
        stored = [s for s in states if s not in ("RUNNING", "ABORTED")]
        conditions: list[ColumnElement[bool]] = [Job.state.in_(stored)] if stored else []
        if "RUNNING" in states:
            conditions.append((Job.state == "RUNNING") & (Job.heartbeat_at >= stale_before))
        if "ABORTED" in states:
            conditions.append((Job.state == "RUNNING") & (Job.heartbeat_at < stale_before))
        query = query.where(or_(*conditions))
    if before is not None:
        query = query.where(tuple_(Job.started_at, Job.id) < before)
    query = query.order_by(Job.started_at.desc(), Job.id.desc()).limit(limit)
    return (await session.scalars(query)).all()


async def previous_success(session: AsyncSession, kind: str, content_sha256: str) -> Job | None:
    query = (
        select(Job)
        .where(Job.kind == kind, Job.content_sha256 == content_sha256, Job.state == "SUCCEEDED", Job.dry_run.is_(False))
        .order_by(Job.started_at.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()
