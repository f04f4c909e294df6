"""Every query of the allocation model's runs."""

import datetime as dt
import uuid

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocation_model.models import ModelRun, ModelRunComponent, ModelRunFrame


async def get(session: AsyncSession, run_id: uuid.UUID) -> ModelRun | None:
    return await session.get(ModelRun, run_id)


async def frames_and_components(session: AsyncSession, run_id: uuid.UUID) -> tuple[list[ModelRunFrame], list[ModelRunComponent]]:
    frames = await session.scalars(
        select(ModelRunFrame).where(ModelRunFrame.model_run_id == run_id).order_by(ModelRunFrame.board_org_unit_id)
    )
    components = await session.scalars(
        select(ModelRunComponent).where(ModelRunComponent.model_run_id == run_id).order_by(ModelRunComponent.board_org_unit_id, ModelRunComponent.position)
    )
    return list(frames.all()), list(components.all())


async def list_page(
    session: AsyncSession, budget_year: int | None, before: tuple[dt.datetime, uuid.UUID] | None, limit: int
) -> list[ModelRun]:
    """Newest first."""
    query = select(ModelRun).order_by(ModelRun.created_at.desc(), ModelRun.id.desc()).limit(limit)
    if budget_year is not None:
        query = query.where(ModelRun.budget_year == budget_year)
    if before is not None:
        at, last_id = before
        query = query.where(or_(ModelRun.created_at < at, and_(ModelRun.created_at == at, ModelRun.id < last_id)))
    return list((await session.scalars(query)).all())
