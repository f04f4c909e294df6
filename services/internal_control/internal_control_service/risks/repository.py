"""Every query of the risk assessments and their risks."""

import uuid
from collections.abc import Collection

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.plans.models import ControlActivity
from internal_control_service.risks.models import Risk, RiskAssessment


async def get_assessment(session: AsyncSession, assessment_id: uuid.UUID) -> RiskAssessment | None:
    return await session.get(RiskAssessment, assessment_id)


async def find_assessment(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> RiskAssessment | None:
    query = select(RiskAssessment).where(RiskAssessment.board_org_unit_id == board_org_unit_id, RiskAssessment.year == year)
    return (await session.scalars(query)).first()


async def list_assessments(
    session: AsyncSession,
    *,
    boards: Collection[uuid.UUID] | None,
    board_org_unit_ids: Collection[uuid.UUID] | None,
    year: int | None,
    limit: int,
    after: tuple[int, uuid.UUID] | None,
) -> list[RiskAssessment]:
    """Newest year first, then by id; `boards` None means every board."""
    query = select(RiskAssessment).order_by(RiskAssessment.year.desc(), RiskAssessment.id).limit(limit)
    if boards is not None:
        query = query.where(RiskAssessment.board_org_unit_id.in_(boards))
    if board_org_unit_ids is not None:
        query = query.where(RiskAssessment.board_org_unit_id.in_(board_org_unit_ids))
    if year is not None:
        query = query.where(RiskAssessment.year == year)
    if after is not None:
        last_year, last_id = after
        query = query.where(or_(RiskAssessment.year < last_year, and_(RiskAssessment.year == last_year, RiskAssessment.id > last_id)))
    return list((await session.scalars(query)).all())


async def get_risk(session: AsyncSession, risk_id: uuid.UUID) -> tuple[Risk, RiskAssessment] | None:
    """The risk with its assessment, whose board decides who reads and writes it."""
    query = select(Risk, RiskAssessment).join(RiskAssessment, Risk.assessment_id == RiskAssessment.id).where(Risk.id == risk_id)
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def risk_page(session: AsyncSession, assessment_id: uuid.UUID, limit: int, after: tuple[int, str, uuid.UUID] | None) -> list[Risk]:
    """Highest risk value first, then by process and id: a total order, so each page of an
    assessment's risks starts where the one before ended (`after` is its last risk's position)."""
    risk_value = Risk.likelihood * Risk.consequence
    query = select(Risk).where(Risk.assessment_id == assessment_id).order_by(risk_value.desc(), Risk.process, Risk.id).limit(limit)
    if after is not None:
        value, process, risk_id = after
        query = query.where(
            or_(
                risk_value < value, and_(risk_value == value, or_(Risk.process > process, and_(Risk.process == process, Risk.id > risk_id)))
            )
        )
    return list((await session.scalars(query)).all())


async def count_risks(session: AsyncSession, assessment_id: uuid.UUID) -> int:
    return int(await session.scalar(select(func.count()).select_from(Risk).where(Risk.assessment_id == assessment_id)) or 0)


async def risks_of(session: AsyncSession, assessment_id: uuid.UUID) -> list[Risk]:
    """Highest risk value first, then by process."""
    query = (
        select(Risk).where(Risk.assessment_id == assessment_id).order_by((Risk.likelihood * Risk.consequence).desc(), Risk.process, Risk.id)
    )
    return list((await session.scalars(query)).all())


async def controlled_risk_ids(session: AsyncSession, risk_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `risk_ids` that a control activity addresses."""
    if not risk_ids:
        return set()
    query = select(ControlActivity.risk_id).where(ControlActivity.risk_id.in_(risk_ids)).distinct()
    # risk_id is nullable (an activity need not address a risk), but IN never matches a null.
    return {risk_id for risk_id in (await session.scalars(query)).all() if risk_id is not None}


async def is_controlled(session: AsyncSession, risk_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(ControlActivity.risk_id == risk_id))))


async def has_controlled_risks(session: AsyncSession, assessment_id: uuid.UUID) -> bool:
    addressed = select(Risk.id).where(Risk.assessment_id == assessment_id)
    return bool(await session.scalar(select(exists().where(ControlActivity.risk_id.in_(addressed)))))


async def matrix_counts(session: AsyncSession, assessment_id: uuid.UUID) -> dict[tuple[int, int], int]:
    """Number of risks per (likelihood, consequence) cell that holds any."""
    query = (
        select(Risk.likelihood, Risk.consequence, func.count())
        .where(Risk.assessment_id == assessment_id)
        .group_by(Risk.likelihood, Risk.consequence)
    )
    return {(likelihood, consequence): count for likelihood, consequence, count in (await session.execute(query)).all()}
