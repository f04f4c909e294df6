"""Every query of the follow-up: the reports, the execution a report's content is taken from, and
the evaluation's figures for all boards, each a single GROUP BY whatever the number of boards."""

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from internal_control_service.execution.models import Action, ControlResult, Deviation
from internal_control_service.execution.paging import Keyset
from internal_control_service.execution.repository import after_keyset
from internal_control_service.execution.schemas import ActionStatus, DeviationStatus
from internal_control_service.plans.models import ControlActivity, ControlPlan
from internal_control_service.reports.models import FollowupReport
from internal_control_service.risks.models import Risk, RiskAssessment
from styrkedjan_common.db import AnyRow
from styrkedjan_common.lifecycle import Status

# A revision of a board's control plan or follow-up report: (board, revision, status, decision date).
RevisionRow = Row[uuid.UUID, int, str, dt.date | None]

# --- reports ------------------------------------------------------------------------------


async def get(session: AsyncSession, report_id: uuid.UUID) -> FollowupReport | None:
    return await session.get(FollowupReport, report_id)


async def first_in_status(
    session: AsyncSession, board_org_unit_id: uuid.UUID, year: int, statuses: Iterable[Status]
) -> FollowupReport | None:
    query = (
        select(FollowupReport)
        .where(
            FollowupReport.board_org_unit_id == board_org_unit_id,
            FollowupReport.year == year,
            FollowupReport.status.in_([s.value for s in statuses]),
        )
        .order_by(FollowupReport.revision.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def max_revision(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> int:
    query = select(func.max(FollowupReport.revision)).where(
        FollowupReport.board_org_unit_id == board_org_unit_id, FollowupReport.year == year
    )
    return (await session.scalar(query)) or 0


async def list_reports(
    session: AsyncSession,
    *,
    board_org_unit_ids: Collection[uuid.UUID] | None,
    year: int | None,
    status: str | None,
    boards: Collection[uuid.UUID] | None,
    limit: int,
    after: Keyset | None,
) -> list[FollowupReport]:
    query = (
        select(FollowupReport)
        .where(after_keyset(FollowupReport, after))
        .order_by(FollowupReport.created_at, FollowupReport.id)
        .limit(limit)
    )
    if boards is not None:
        query = query.where(FollowupReport.board_org_unit_id.in_(boards))
    if board_org_unit_ids is not None:
        query = query.where(FollowupReport.board_org_unit_id.in_(board_org_unit_ids))
    if year is not None:
        query = query.where(FollowupReport.year == year)
    if status is not None:
        query = query.where(FollowupReport.status == status)
    return list((await session.scalars(query)).all())


# --- what a report's content is taken from ------------------------------------------------


async def decided_plan(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> ControlPlan | None:
    query = select(ControlPlan).where(
        ControlPlan.board_org_unit_id == board_org_unit_id, ControlPlan.year == year, ControlPlan.status == Status.DECIDED.value
    )
    return (await session.scalars(query.order_by(ControlPlan.revision.desc()).limit(1))).first()


async def activities_of(session: AsyncSession, plan_id: uuid.UUID) -> list[ControlActivity]:
    query = (
        select(ControlActivity)
        .where(ControlActivity.plan_id == plan_id)
        .order_by(ControlActivity.area, ControlActivity.created_at, ControlActivity.id)
    )
    return list((await session.scalars(query)).all())


async def results_of(session: AsyncSession, plan_id: uuid.UUID) -> Sequence[Row[ControlResult, Deviation | None]]:
    """Every result of the plan's activities with the deviation it opened, in the order checked."""
    query = (
        select(ControlResult, Deviation)
        .join(ControlActivity, ControlActivity.id == ControlResult.activity_id)
        .outerjoin(Deviation, Deviation.result_id == ControlResult.id)
        .where(ControlActivity.plan_id == plan_id)
        .order_by(ControlResult.checked_on, ControlResult.occasion, ControlResult.id)
    )
    return (await session.execute(query)).all()


# --- the evaluation: one query per figure, grouped by board -------------------------------


def _plans_of(year: int) -> ColumnElement[bool]:
    return ControlPlan.year == year


async def plan_states(session: AsyncSession, year: int) -> Sequence[RevisionRow]:
    query = select(ControlPlan.board_org_unit_id, ControlPlan.revision, ControlPlan.status, ControlPlan.decision_date).where(
        _plans_of(year)
    )
    return (await session.execute(query)).all()


async def report_states(session: AsyncSession, year: int) -> Sequence[RevisionRow]:
    query = select(FollowupReport.board_org_unit_id, FollowupReport.revision, FollowupReport.status, FollowupReport.decision_date).where(
        FollowupReport.year == year
    )
    return (await session.execute(query)).all()


async def activity_counts(session: AsyncSession, year: int) -> Sequence[Row[uuid.UUID, int, int]]:
    """Per board: the activities of its decided plan, and how many of them have a result."""
    query = (
        select(
            ControlPlan.board_org_unit_id,
            func.count(func.distinct(ControlActivity.id)).label("activities"),
            func.count(func.distinct(ControlResult.activity_id)).label("with_result"),
        )
        .join(ControlActivity, ControlActivity.plan_id == ControlPlan.id)
        .outerjoin(ControlResult, ControlResult.activity_id == ControlActivity.id)
        .where(_plans_of(year), ControlPlan.status == Status.DECIDED.value)
        .group_by(ControlPlan.board_org_unit_id)
    )
    return (await session.execute(query)).all()


def _deviations_of(year: int) -> Select[*tuple[Any, ...]]:
    """The deviations of the year's plans, joined to their plan; each figure adds its columns."""
    return (
        select()
        .select_from(Deviation)
        .join(ControlResult, ControlResult.id == Deviation.result_id)
        .join(ControlActivity, ControlActivity.id == ControlResult.activity_id)
        .join(ControlPlan, ControlPlan.id == ControlActivity.plan_id)
        .where(_plans_of(year))
    )


def _count_status(status: DeviationStatus) -> Any:
    return func.coalesce(func.sum(case((Deviation.status == status.value, 1), else_=0)), 0)


async def deviation_counts(session: AsyncSession, year: int) -> Sequence[AnyRow]:
    query = _deviations_of(year).add_columns(
        ControlPlan.board_org_unit_id,
        _count_status(DeviationStatus.OPEN).label("open"),
        _count_status(DeviationStatus.CLOSED).label("closed"),
    )
    return (await session.execute(query.group_by(ControlPlan.board_org_unit_id))).all()


async def deviations_by_area(session: AsyncSession, year: int) -> Sequence[AnyRow]:
    query = _deviations_of(year).add_columns(
        ControlActivity.area, _count_status(DeviationStatus.OPEN).label("open"), _count_status(DeviationStatus.CLOSED).label("closed")
    )
    return (await session.execute(query.group_by(ControlActivity.area).order_by(ControlActivity.area))).all()


async def action_counts(session: AsyncSession, year: int, today: dt.date) -> Sequence[AnyRow]:
    is_open = Action.status == ActionStatus.OPEN.value
    query = (
        _deviations_of(year)
        .join(Action, Action.deviation_id == Deviation.id)
        .add_columns(
            ControlPlan.board_org_unit_id,
            func.coalesce(func.sum(case((is_open, 1), else_=0)), 0).label("open"),
            func.coalesce(func.sum(case((is_open & (Action.due_date < today), 1), else_=0)), 0).label("overdue"),
        )
        .group_by(ControlPlan.board_org_unit_id)
    )
    return (await session.execute(query)).all()


async def risk_values(session: AsyncSession, year: int) -> Sequence[Row[uuid.UUID, int, int]]:
    """Per board and risk value (likelihood × consequence): how many risks its assessment holds."""
    value = (Risk.likelihood * Risk.consequence).label("value")
    query = (
        select(RiskAssessment.board_org_unit_id, value, func.count().label("risks"))
        .join(RiskAssessment, RiskAssessment.id == Risk.assessment_id)
        .where(RiskAssessment.year == year)
        .group_by(RiskAssessment.board_org_unit_id, value)
    )
    return (await session.execute(query)).all()
