"""Every query of the control plans area."""

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.plans.models import CommonControl, CommonControlWithdrawal, ControlActivity, ControlPlan
from internal_control_service.risks.models import Risk, RiskAssessment
from styrkedjan_common.lifecycle import Status

OPEN = (Status.DRAFT.value, Status.PROPOSED.value)
_WITHDRAWN = exists().where(CommonControlWithdrawal.common_control_id == CommonControl.id)


# --- common controls -------------------------------------------------------------------------


async def get_common_control(session: AsyncSession, common_control_id: uuid.UUID) -> CommonControl | None:
    """The common control unless it was withdrawn."""
    query = select(CommonControl).where(CommonControl.id == common_control_id, ~_WITHDRAWN)
    return (await session.scalars(query)).first()


async def common_controls_of_year(session: AsyncSession, year: int) -> list[CommonControl]:
    query = select(CommonControl).where(CommonControl.year == year, ~_WITHDRAWN).order_by(CommonControl.created_at, CommonControl.id)
    return list((await session.scalars(query)).all())


async def list_common_controls(
    session: AsyncSession, *, year: int | None, limit: int, after: tuple[int, uuid.UUID] | None
) -> list[CommonControl]:
    """Newest year first."""
    query = select(CommonControl).where(~_WITHDRAWN).order_by(CommonControl.year.desc(), CommonControl.id).limit(limit)
    if year is not None:
        query = query.where(CommonControl.year == year)
    if after is not None:
        last_year, last_id = after
        query = query.where(or_(CommonControl.year < last_year, and_(CommonControl.year == last_year, CommonControl.id > last_id)))
    return list((await session.scalars(query)).all())


async def copies_of(session: AsyncSession, common_control_id: uuid.UUID, statuses: Collection[str]) -> list[ControlActivity]:
    """The activities carrying the common control in plans with one of `statuses`."""
    query = (
        select(ControlActivity)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
        .where(ControlActivity.common_control_id == common_control_id, ControlPlan.status.in_(statuses))
        .order_by(ControlActivity.id)
    )
    return list((await session.scalars(query)).all())


async def is_carried_past_draft(session: AsyncSession, common_control_id: uuid.UUID) -> bool:
    query = (
        select(ControlActivity.id)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
        .where(ControlActivity.common_control_id == common_control_id, ControlPlan.status != Status.DRAFT.value)
        .limit(1)
    )
    return (await session.scalar(query)) is not None


# --- control plans ---------------------------------------------------------------------------


async def get_plan(session: AsyncSession, plan_id: uuid.UUID) -> ControlPlan | None:
    return await session.get(ControlPlan, plan_id)


async def drafts_of_year(session: AsyncSession, year: int) -> list[ControlPlan]:
    query = select(ControlPlan).where(ControlPlan.year == year, ControlPlan.status == Status.DRAFT.value).order_by(ControlPlan.id)
    return list((await session.scalars(query)).all())


async def plans_by_ids(session: AsyncSession, plan_ids: Collection[uuid.UUID]) -> list[ControlPlan]:
    if not plan_ids:
        return []
    return list((await session.scalars(select(ControlPlan).where(ControlPlan.id.in_(plan_ids)).order_by(ControlPlan.id))).all())


async def newest_in_status(session: AsyncSession, board_id: uuid.UUID, year: int, statuses: Collection[str]) -> ControlPlan | None:
    query = (
        select(ControlPlan)
        .where(ControlPlan.board_org_unit_id == board_id, ControlPlan.year == year, ControlPlan.status.in_(statuses))
        .order_by(ControlPlan.revision.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def max_revision(session: AsyncSession, board_id: uuid.UUID, year: int) -> int:
    query = select(func.max(ControlPlan.revision)).where(ControlPlan.board_org_unit_id == board_id, ControlPlan.year == year)
    return (await session.scalar(query)) or 0


async def list_plans(
    session: AsyncSession,
    *,
    boards: Collection[uuid.UUID] | None,
    board_ids: Collection[uuid.UUID] | None,
    year: int | None,
    status: str | None,
    limit: int,
    after: tuple[int, uuid.UUID] | None,
) -> list[ControlPlan]:
    """Newest year first; `boards` (the caller's scope) and `board_ids` (the filter) each limit the
    list to those boards (None: every board)."""
    query = select(ControlPlan).order_by(ControlPlan.year.desc(), ControlPlan.id).limit(limit)
    for limited in (boards, board_ids):
        if limited is not None:
            query = query.where(ControlPlan.board_org_unit_id.in_(limited))
    for column, value in ((ControlPlan.year, year), (ControlPlan.status, status)):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        last_year, last_id = after
        query = query.where(or_(ControlPlan.year < last_year, and_(ControlPlan.year == last_year, ControlPlan.id > last_id)))
    return list((await session.scalars(query)).all())


# --- control activities ----------------------------------------------------------------------


async def get_activity(session: AsyncSession, activity_id: uuid.UUID) -> ControlActivity | None:
    return await session.get(ControlActivity, activity_id)


async def activity_page(
    session: AsyncSession, plan_id: uuid.UUID, limit: int, after: tuple[dt.datetime, uuid.UUID] | None
) -> list[ControlActivity]:
    """In the order the activities were added, as activities_of reads them; `after` is the last one read."""
    query = select(ControlActivity).where(ControlActivity.plan_id == plan_id)
    if after is not None:
        at, last_id = after
        query = query.where(or_(ControlActivity.created_at > at, and_(ControlActivity.created_at == at, ControlActivity.id > last_id)))
    query = query.order_by(ControlActivity.created_at, ControlActivity.id).limit(limit)
    return list((await session.scalars(query)).all())


async def count_activities(session: AsyncSession, plan_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).select_from(ControlActivity).where(ControlActivity.plan_id == plan_id)) or 0)


async def activities_of(session: AsyncSession, plan_id: uuid.UUID) -> list[ControlActivity]:
    query = select(ControlActivity).where(ControlActivity.plan_id == plan_id).order_by(ControlActivity.created_at, ControlActivity.id)
    return list((await session.scalars(query)).all())


async def risk_with_board(session: AsyncSession, risk_id: uuid.UUID) -> tuple[Risk, uuid.UUID] | None:
    """The risk and the board whose assessment holds it."""
    query = (
        select(Risk, RiskAssessment.board_org_unit_id)
        .join(RiskAssessment, RiskAssessment.id == Risk.assessment_id)
        .where(Risk.id == risk_id)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None
